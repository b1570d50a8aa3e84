//! `rwf compile`: a template to its canonical spec JSON (bound with `--set`/`--release` when given).

use super::{CliError, CmdResult, Outcome};
use crate::compile::{bind, compile_source, FsLoader, Inputs};
use crate::diagnostic::{has_errors, Diagnostic, LineIndex};
use std::collections::BTreeMap;
use std::path::PathBuf;

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

/// Parses `k=v` pairs.
pub(crate) fn parse_sets(sets: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    let mut out = BTreeMap::new();
    for s in sets {
        let (k, v) = s.split_once('=').ok_or_else(|| {
            CliError::new(format!("`--set {s}` has no `=`")).help("write `--set name=value`")
        })?;
        out.insert(k.trim().to_string(), v.to_string());
    }
    Ok(out)
}

/// Renders diagnostics to stderr: `file:line:col: error[CODE]: message`, the line, a caret, help.
pub(crate) fn render(diags: &[Diagnostic], sources: &BTreeMap<String, String>) {
    for d in diags {
        let file = d.file.clone().unwrap_or_else(|| "<input>".into());
        match (sources.get(&file), &d.span) {
            (Some(text), Some(span)) => {
                let idx = LineIndex::new(text);
                let lc = idx.line_col(span.start);
                eprintln!(
                    "{file}:{}:{}: {}[{}]: {}",
                    lc.line,
                    lc.col,
                    d.severity.as_str(),
                    d.code,
                    d.message
                );
                let line = idx.line_text(lc.line);
                let end = idx.line_col(span.end.max(span.start));
                let width = if end.line == lc.line {
                    end.col.saturating_sub(lc.col).max(1)
                } else {
                    line.chars().count().saturating_sub(lc.col - 1).max(1)
                };
                eprintln!("  {:>4} | {line}", lc.line);
                let label = if d.label.is_empty() { "" } else { d.label.as_str() };
                eprintln!("       | {}{} {label}", " ".repeat(lc.col - 1), "^".repeat(width));
            }
            _ => eprintln!("{file}: {}[{}]: {}", d.severity.as_str(), d.code, d.message),
        }
        if let Some(h) = &d.help {
            eprintln!("  help: {h}");
        }
    }
}

/// Reads a template file as UTF-8.
pub(crate) fn read(path: &std::path::Path) -> Result<String, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::new(format!("`{}` is not UTF-8 text", path.display()))
            .help("save the template as UTF-8")
    })
}

pub fn run(args: Args) -> CmdResult {
    let name = args.file.to_string_lossy().to_string();
    let text = read(&args.file)?;
    let compiled = compile_source(&name, &text, &FsLoader);
    let mut sources = BTreeMap::new();
    sources.insert(name.clone(), text);
    for (path, src) in crate::compile::STDLIB {
        sources.insert(format!("std/{path}"), src.to_string());
    }
    render(&compiled.diagnostics, &sources);
    let spec = match compiled.spec {
        Some(spec) if !has_errors(&compiled.diagnostics) => spec,
        _ => {
            return Err(CliError::new(format!("`{name}` does not compile"))
                .help("fix the errors above, then run `rwf check` for lints"))
        }
    };
    let inputs = Inputs {
        sets: parse_sets(&args.sets)?,
        release: args.release.clone(),
        tz: args.tz.clone(),
    };
    let spec = if inputs.sets.is_empty() && inputs.release.is_none() && inputs.tz.is_none() {
        spec
    } else {
        match bind(&spec, &inputs) {
            Ok(s) => s,
            Err(diags) => {
                render(&diags, &sources);
                return Err(CliError::new("cannot bind the template's params")
                    .help("give each param with `--set name=value` and the release with `--release`"));
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
