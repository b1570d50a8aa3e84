//! `rwf compile`: a template to its canonical spec JSON (bound with `--set`/`--release` when given).

use super::{CliError, CmdResult, Outcome};
use crate::compile::{bind, compile_source, FsLoader, Inputs};
use crate::diagnostic::{has_errors, Diagnostic};
use crate::spec::WorkflowSpec;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The template file
    pub file: PathBuf,
    /// Bind a param: `--set product=Acme` (repeatable)
    #[arg(long = "set", value_name = "K=V")]
    pub sets: Vec<String>,
    /// The release target: `2026-09-01`, `2026-09-01T09:00` or RFC 3339
    #[arg(long)]
    pub release: Option<String>,
    /// The release timezone (IANA), for a template whose target zone is a param
    #[arg(long)]
    pub tz: Option<String>,
    /// Compact canonical JSON (one line, sorted keys)
    #[arg(long)]
    pub canonical: bool,
    /// Print the sha256 of the canonical JSON instead of the spec
    #[arg(long)]
    pub hash: bool,
}

/// Renders diagnostics to stderr with the shared renderer (`cli/render.rs`).
pub(crate) fn render(diags: &[Diagnostic], sources: &BTreeMap<String, String>) {
    let mut all = super::render::Sources::new();
    for (file, text) in sources {
        all.insert(file.clone(), text.clone());
    }
    super::render::eprint_all(diags, &all);
}

/// Reads a template file as UTF-8.
pub(crate) fn read(path: &Path) -> Result<String, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::new(format!("`{}` is not UTF-8 text", path.display()))
            .help("save the template as UTF-8")
    })
}

/// Reads and compiles a template file, printing its diagnostics (with the stdlib's sources) to stderr.
/// Errors make it a tool error that points at `rwf check`.
pub(crate) fn compile_file(path: &Path) -> Result<WorkflowSpec, CliError> {
    let name = path.display().to_string();
    let text = read(path)?;
    let compiled = compile_source(&name, &text, &FsLoader);
    render(&compiled.diagnostics, &sources_of(&name, text));
    match compiled.spec {
        Some(spec) if !has_errors(&compiled.diagnostics) => Ok(spec),
        _ => Err(
            CliError::new(format!("`{name}` does not compile")).help(format!(
                "fix the errors above; `rwf check {name}` lints it too"
            )),
        ),
    }
}

/// Like `compile_file`, for the commands that store a spec (`new`, `edit`, `templates push`): every
/// error `rwf check` reports (cycles, unknown or self dependencies, duplicate keys...) refuses it, with
/// the same diagnostics, rendered the same way.
pub(crate) fn checked_file(path: &Path) -> Result<WorkflowSpec, CliError> {
    checked_file_text(path).map(|(spec, _)| spec)
}

/// [`checked_file`], also returning the file's text (stored beside the spec as its source).
pub(crate) fn checked_file_text(path: &Path) -> Result<(WorkflowSpec, String), CliError> {
    let name = path.display().to_string();
    let text = read(path)?;
    let compiled = compile_source(&name, &text, &FsLoader);
    let spec = compiled.spec.clone();
    let verb = if has_errors(&compiled.diagnostics) {
        "does not compile"
    } else {
        "does not pass `rwf check`"
    };
    let diagnostics = crate::check::check_compiled(
        &name,
        &text,
        compiled,
        &crate::check::CheckOptions::default(),
    );
    render(&diagnostics, &sources_of(&name, text.clone()));
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    match spec {
        Some(spec) if errors == 0 => Ok((spec, text)),
        _ => Err(CliError::new(format!(
            "`{name}` {verb} ({errors} error{}): nothing was stored",
            if errors == 1 { "" } else { "s" }
        ))
        .help(format!(
            "fix the errors above; `rwf check {name}` shows them too"
        ))),
    }
}

/// The template's text and the stdlib's, by file name, for rendering.
fn sources_of(name: &str, text: String) -> BTreeMap<String, String> {
    let mut sources = BTreeMap::new();
    sources.insert(name.to_string(), text);
    for (path, src) in crate::compile::STDLIB {
        sources.insert(format!("std/{path}"), src.to_string());
    }
    sources
}

pub fn run(args: Args) -> CmdResult {
    let spec = compile_file(&args.file)?;
    let inputs = Inputs {
        sets: super::parse_sets(&args.sets)?,
        release: args.release.clone(),
        tz: args.tz.clone(),
    };
    let spec = if inputs.sets.is_empty() && inputs.release.is_none() && inputs.tz.is_none() {
        spec
    } else {
        match bind(&spec, &inputs) {
            Ok(s) => s,
            Err(diags) => {
                let name = args.file.display().to_string();
                render(&diags, &sources_of(&name, read(&args.file)?));
                return Err(CliError::new("cannot bind the template's params").help(
                    "give each param with `--set name=value` and the release with `--release`",
                ));
            }
        }
    };
    if args.hash {
        println!("{}", crate::spec::content_hash(&spec));
    } else if args.canonical {
        println!("{}", crate::spec::canonical_json(&spec));
    } else {
        let value = serde_json::to_value(&spec)?;
        println!("{}", serde_json::to_string_pretty(&value)?);
    }
    Ok(Outcome::Ok)
}
