//! Module loaders: `std/...` from the stdlib embedded in the binary, local paths from the filesystem
//! (relative to the importing file) or from memory. The only IO of the compiler goes through here.

use super::ModuleLoader;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Stdlib files shipped inside the binary, by path after `std/`.
pub const STDLIB: &[(&str, &str)] = &[
    ("policies.rwf", include_str!("../../stdlib/policies.rwf")),
    ("calendars.rwf", include_str!("../../stdlib/calendars.rwf")),
    (
        "hooks/business_hours.rhai",
        include_str!("../../stdlib/hooks/business_hours.rhai"),
    ),
    (
        "hooks/escalate_when_late.rhai",
        include_str!("../../stdlib/hooks/escalate_when_late.rhai"),
    ),
    (
        "hooks/approvers_by_risk.rhai",
        include_str!("../../stdlib/hooks/approvers_by_risk.rhai"),
    ),
];

/// `module` as written after `use` or `hooks`: `.rwf` is added when there is no extension.
fn with_extension(path: &str) -> String {
    let last = path.rsplit('/').next().unwrap_or(path);
    if last.contains('.') {
        path.to_string()
    } else {
        format!("{path}.rwf")
    }
}

/// The embedded text of `std/...`, if any.
pub fn stdlib(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("std/")?;
    let rest = with_extension(rest);
    STDLIB
        .iter()
        .find(|(p, _)| *p == rest)
        .map(|(p, text)| (format!("std/{p}"), text.to_string()))
}

fn unknown_std(path: &str) -> String {
    let names: Vec<String> = STDLIB
        .iter()
        .map(|(p, _)| format!("std/{}", p.trim_end_matches(".rwf")))
        .collect();
    format!(
        "there is no stdlib module `{path}` (the stdlib has {})",
        names.join(", ")
    )
}

/// Serves `std/...` from the embedded stdlib and other paths from disk, relative to the directory of
/// the importing file.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsLoader;

impl ModuleLoader for FsLoader {
    fn load(&self, from: &str, path: &str) -> Result<(String, String), String> {
        if path.starts_with("std/") {
            return stdlib(path).ok_or_else(|| unknown_std(path));
        }
        let base = Path::new(from).parent().unwrap_or(Path::new(""));
        let full = base.join(with_extension(path));
        let display = full.to_string_lossy().to_string();
        std::fs::read_to_string(&full)
            .map(|text| (display.clone(), text))
            .map_err(|e| format!("cannot read `{display}`: {e}"))
    }
}

/// Reads modules as [`FsLoader`] does and keeps each local file read under its path relative to the
/// template's directory: the `files` a template is sent to the server with (a file outside that
/// directory is not kept; the server then reports it unknown where it is imported).
#[derive(Debug, Default)]
pub struct FilesRead {
    root: PathBuf,
    pub files: RefCell<BTreeMap<String, String>>,
}

impl FilesRead {
    /// For the template at `template`.
    pub fn new(template: &Path) -> Self {
        FilesRead {
            root: template.parent().unwrap_or(Path::new("")).to_path_buf(),
            files: RefCell::default(),
        }
    }
}

impl ModuleLoader for FilesRead {
    fn load(&self, from: &str, path: &str) -> Result<(String, String), String> {
        let (display, text) = FsLoader.load(from, path)?;
        let kept = Path::new(&display)
            .strip_prefix(&self.root)
            .ok()
            .and_then(|rel| relative_key("", &rel.to_string_lossy()));
        if let (false, Some(key)) = (path.starts_with("std/"), kept) {
            self.files.borrow_mut().insert(key, text.clone());
        }
        Ok((display, text))
    }
}

/// Serves `std/...` and an in-memory set of files keyed by path relative to the template's directory
/// (the API's `files`, tests, the language server). A path is relative to the importing file when
/// that file is one of the set, else to the template; it may not leave the set's root (`../`).
#[derive(Debug, Clone, Default)]
pub struct MemLoader {
    pub files: BTreeMap<String, String>,
}

/// `path` joined to the directory of `from` and normalized (`./` and `a/../` removed); `None` when
/// it is absolute or climbs above the root.
pub fn relative_key(from_dir: &str, path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains('\\') {
        return None;
    }
    let path = with_extension(path);
    let mut parts: Vec<&str> = from_dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// At most this many files travel with a template (the `files` of the API and of MCP tools).
pub const MAX_FILES: usize = 64;

impl MemLoader {
    /// The files sent with a template, by path relative to it, once each path is checked: relative,
    /// beside or under the template (no `/` at the start, no `..`), and each file within the size a
    /// template may have.
    pub fn sent(files: &BTreeMap<String, String>) -> Result<Self, String> {
        if files.len() > MAX_FILES {
            return Err(format!(
                "{} files sent with the template; at most {MAX_FILES}",
                files.len()
            ));
        }
        let mut loader = MemLoader::default();
        for (path, text) in files {
            let key = relative_key("", path)
                .filter(|k| !k.is_empty() && !path.split('/').any(|p| p == ".."))
                .ok_or_else(|| {
                    format!("file `{path}`: paths are relative to the template and stay beside or under it (no `/` at the start, no `..`)")
                })?;
            if text.len() > crate::syntax::MAX_BYTES {
                return Err(format!(
                    "file `{path}` is too large ({} bytes; at most {})",
                    text.len(),
                    crate::syntax::MAX_BYTES
                ));
            }
            loader.files.insert(key, text.clone());
        }
        Ok(loader)
    }

    /// The text a diagnostic's `file` is in: the template's own (`name`, or no file) or one of the
    /// files.
    pub fn text_of<'a>(
        &'a self,
        file: Option<&str>,
        name: &str,
        source: &'a str,
    ) -> Option<&'a str> {
        match file {
            None => Some(source),
            Some(f) if f == name => Some(source),
            Some(f) => self.files.get(f).map(String::as_str),
        }
    }
}

impl ModuleLoader for MemLoader {
    fn load(&self, from: &str, path: &str) -> Result<(String, String), String> {
        if path.starts_with("std/") {
            return stdlib(path).ok_or_else(|| unknown_std(path));
        }
        let dir = match self.files.contains_key(from) {
            true => from.rsplit_once('/').map_or("", |(d, _)| d),
            false => "",
        };
        let key = relative_key(dir, path).ok_or_else(|| {
            format!("`{path}` leaves the template's directory: only files beside or under the template resolve")
        })?;
        self.files
            .get(&key)
            .map(|t| (key.clone(), t.clone()))
            .ok_or_else(|| format!("no file `{key}`"))
    }
}
