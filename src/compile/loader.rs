//! Module loaders: `std/...` from the stdlib embedded in the binary, local paths from the filesystem
//! (relative to the importing file) or from memory. The only IO of the compiler goes through here.

use super::ModuleLoader;
use std::collections::BTreeMap;
use std::path::Path;

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

/// Serves `std/...` and an in-memory set of files keyed by path relative to the importing file's
/// directory (for tests and the language server).
#[derive(Debug, Clone, Default)]
pub struct MemLoader {
    pub files: BTreeMap<String, String>,
}

impl ModuleLoader for MemLoader {
    fn load(&self, _from: &str, path: &str) -> Result<(String, String), String> {
        if path.starts_with("std/") {
            return stdlib(path).ok_or_else(|| unknown_std(path));
        }
        let key = with_extension(path.trim_start_matches("./"));
        self.files
            .get(&key)
            .map(|t| (key.clone(), t.clone()))
            .ok_or_else(|| format!("no file `{key}`"))
    }
}
