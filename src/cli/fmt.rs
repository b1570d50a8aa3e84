//! `rwf fmt`: rewrite templates in the one canonical layout, or `--check` and show a diff.

use super::compile::{read, render};
use super::{CliError, CmdResult, Outcome};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (recursive, `*.rwf`); default: the current directory
    pub paths: Vec<PathBuf>,
    /// Do not write; print a diff and exit 1 when a file would change
    #[arg(long)]
    pub check: bool,
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", path.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            if p.is_dir() || p.extension().is_some_and(|e| e == "rwf") {
                collect(&p, out)?;
            }
        }
    } else if path.exists() {
        out.push(path.to_path_buf());
    } else {
        return Err(CliError::new(format!(
            "no such file or directory: `{}`",
            path.display()
        )));
    }
    Ok(())
}

pub fn run(args: Args) -> CmdResult {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    for r in &roots {
        collect(r, &mut files)?;
    }
    let mut changed = 0;
    let mut broken = 0;
    for path in &files {
        let name = path.to_string_lossy().to_string();
        let text = read(path)?;
        let parsed = crate::syntax::parse(&name, &text);
        if crate::diagnostic::has_errors(&parsed.diagnostics) {
            let mut sources = BTreeMap::new();
            sources.insert(name.clone(), text.clone());
            render(&parsed.diagnostics, &sources);
            broken += 1;
            continue;
        }
        let formatted = crate::syntax::format(&text, &parsed.file);
        if formatted == text {
            continue;
        }
        changed += 1;
        if args.check {
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            print!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&name, &format!("{name} (formatted)"))
            );
        } else {
            std::fs::write(path, &formatted)
                .map_err(|e| CliError::new(format!("cannot write `{}`: {e}", path.display())))?;
            eprintln!("formatted {name}");
        }
    }
    if broken > 0 {
        return Err(CliError::new(format!(
            "{broken} file(s) have syntax errors and were not formatted"
        ))
        .help("fix the errors above, then run `rwf fmt` again"));
    }
    if args.check && changed > 0 {
        eprintln!("{changed} file(s) would be reformatted; run `rwf fmt`");
        return Ok(Outcome::Findings);
    }
    Ok(Outcome::Ok)
}
