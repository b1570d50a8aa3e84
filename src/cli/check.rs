//! `rwf check [PATH...]`: lint templates and `rwf.toml` configs (files, or directories searched for
//! `*.rwf` and `rwf.toml`), report for people (stderr), as a versioned JSON document or as SARIF 2.1.0
//! (stdout); `--explain CODE` for any code (RWF001–119).
//!
//! A path named `rwf.toml` or ending in `.toml` is checked as a config (`config::Config::parse`, codes
//! RWF100–119); anything else as a template. Both go through the same rendering and exit codes. With
//! one config named (or `--config`), each template is also checked against it (RWF130–133).

use super::render::{self, Sources};
use super::{CliError, CmdResult, Outcome};
use crate::check::{self, CheckOptions};
use crate::compile::{FsLoader, Inputs};
use crate::config::{self, Config};
use crate::diagnostic::{CodeDoc, Diagnostic, LineIndex, Severity};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Version of the `--format json` document.
const JSON_VERSION: u32 = 1;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rich diagnostics on stderr.
    Human,
    /// One versioned JSON document on stdout.
    Json,
    /// SARIF 2.1.0 on stdout (code scanning).
    Sarif,
    /// One line per diagnostic on stdout, `file:line:col: error: RWF016 message (help: ...)`, for
    /// editors' quickfix lists (Vim's `:make`) and grep.
    Short,
}

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (searched recursively for `*.rwf` and `rwf.toml`); a `*.toml` file is
    /// checked as a config.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Warnings count as findings (exit 1).
    #[arg(long)]
    deny_warnings: bool,
    /// A param value; with any of --set/--release/--tz the instance is checked too (binding, schedule).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// The release instant (RFC 3339, or a local `YYYY-MM-DDTHH:MM` in the target zone).
    #[arg(long)]
    release: Option<String>,
    /// The release's timezone (IANA name).
    #[arg(long)]
    tz: Option<String>,
    /// Check the templates against this rwf.toml (agents configured, approvers resolve to people,
    /// quorums reachable). A single `*.toml` file among the PATHs does the same.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Print the documentation of a diagnostic code and exit.
    #[arg(long, value_name = "CODE")]
    explain: Option<String>,
}

pub fn run(args: Args) -> CmdResult {
    if let Some(code) = &args.explain {
        return explain(code);
    }
    let files = collect_files(&args.paths)?;
    let mut options = CheckOptions {
        inputs: inputs(&args)?,
        directory: None,
    };
    let run_with = run_with(&args)?;
    // The people directory of the rwf.toml nearest each template (a broken one is not used: it is
    // reported when checked itself).
    let mut directories: BTreeMap<PathBuf, Option<config::Directory>> = BTreeMap::new();
    let loader = FsLoader;
    let mut sources = Sources::new();
    let mut diagnostics = Vec::new();
    let mut names = Vec::new();
    for path in &files {
        let name = display(path);
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::new(format!("cannot read `{name}`: {e}")))?;
        if is_config(path) {
            diagnostics.extend(check_config(path, &name, &text));
        } else {
            let near = path.canonicalize().unwrap_or_else(|_| path.clone());
            options.directory = config::discover(&near).and_then(|toml| {
                directories
                    .entry(toml.clone())
                    .or_insert_with(|| Config::load(&toml).config.map(|c| c.directory))
                    .clone()
            });
            diagnostics.extend(check::check_source(&name, &text, &loader, &options));
            if let Some(config) = &run_with {
                let compiled = crate::compile::compile_source(&name, &text, &loader);
                if let Some(spec) = &compiled.spec {
                    let mut found = check::check_against_config(
                        &name,
                        &text,
                        spec,
                        &compiled.source_map,
                        config,
                    );
                    check::sort(&mut found);
                    diagnostics.extend(found);
                }
            }
        }
        sources.insert(name.clone(), text);
        names.push(name);
    }
    // Diagnostics may point into imported modules: load those for the snippets.
    for d in &diagnostics {
        if let Some(file) = &d.file {
            if sources.get(file).is_none() {
                if let Ok(text) = std::fs::read_to_string(file) {
                    sources.insert(file.clone(), text);
                }
            }
        }
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let findings = errors > 0 || (args.deny_warnings && warnings > 0);
    match args.format {
        Format::Human => {
            render::eprint_all(&diagnostics, &sources);
            eprintln!("{}", summary(names.len(), errors, warnings));
        }
        Format::Json => {
            let records: Vec<Value> = diagnostics
                .iter()
                .map(|d| render::json_record_indexed(d, sources.index_of(d).as_ref()))
                .collect();
            let doc = json!({
                "version": JSON_VERSION,
                "valid": !findings,
                "errors": errors,
                "warnings": warnings,
                "files": names,
                "diagnostics": records,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Format::Short => {
            for d in &diagnostics {
                println!("{}", short_line(d, sources.index_of(d).as_ref()));
            }
            eprintln!("{}", summary(names.len(), errors, warnings));
        }
        Format::Sarif => {
            println!(
                "{}",
                serde_json::to_string_pretty(&sarif(&diagnostics, &sources))?
            );
        }
    }
    Ok(if findings {
        Outcome::Findings
    } else {
        Outcome::Ok
    })
}

/// `file:line:col: severity: CODE message (help: ...)`; without a position, `file: ...`.
fn short_line(d: &Diagnostic, source: Option<&LineIndex>) -> String {
    let at = match (&d.file, &d.span, source) {
        (Some(f), Some(span), Some(index)) => {
            let lc = index.line_col(span.start);
            format!("{f}:{}:{}: ", lc.line, lc.col)
        }
        (Some(f), _, _) => format!("{f}: "),
        _ => "rwf: ".to_string(),
    };
    let help = d
        .help
        .as_ref()
        .map(|h| format!(" (help: {h})"))
        .unwrap_or_default();
    format!(
        "{at}{}: {} {}{help}",
        d.severity.as_str(),
        d.code,
        d.message.replace('\n', " ")
    )
}

fn summary(files: usize, errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let checked = plural(files, "file");
    if errors == 0 && warnings == 0 {
        format!("checked {checked}: no problems")
    } else {
        format!(
            "checked {checked}: {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

fn inputs(args: &Args) -> Result<Inputs, CliError> {
    Ok(Inputs {
        sets: super::parse_sets(&args.sets)?,
        release: args.release.clone(),
        tz: args.tz.clone(),
    })
}

fn explain(code: &str) -> CmdResult {
    let Some(doc) = check::lookup(code) else {
        let known: Vec<&str> = check::all_codes().iter().map(|d| d.code).collect();
        return Err(CliError::new(format!("unknown diagnostic code `{code}`"))
            .help(format!("known codes: {}", known.join(", "))));
    };
    print!("{}", explain_text(doc));
    Ok(Outcome::Ok)
}

fn explain_text(doc: &CodeDoc) -> String {
    let example: String = doc.example.lines().map(|l| format!("    {l}\n")).collect();
    format!(
        "{} {} ({})\n\nWhat: {}\n\nWhy: {}\n\nExample:\n{example}",
        doc.code,
        doc.title,
        doc.severity.as_str(),
        doc.what,
        doc.why
    )
}

/// The config the templates are checked against: `--config`, else the one `*.toml` file named among
/// the paths (configs found by walking a directory are only linted). A config with errors pairs with
/// nothing (its own diagnostics say why).
fn run_with(args: &Args) -> Result<Option<Config>, CliError> {
    let named: Vec<&PathBuf> = match &args.config {
        Some(path) => vec![path],
        None => args
            .paths
            .iter()
            .filter(|p| p.is_file() && is_config(p))
            .collect(),
    };
    match named.as_slice() {
        [] => Ok(None),
        [path] => Ok(Config::load(path).config),
        _ => Err(
            CliError::new("more than one rwf.toml to check the templates against").help(
                "name one config (or use `--config PATH`); check other configs in another run",
            ),
        ),
    }
}

/// A config file: named `rwf.toml`, or any `*.toml` given explicitly.
fn is_config(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == config::FILE_NAME)
        || path.extension().is_some_and(|e| e == "toml")
}

/// The diagnostics of one config, sorted by position like a template's. Parsing does no IO: relative
/// programs are only resolved against the file's directory, never looked up.
fn check_config(path: &Path, name: &str, text: &str) -> Vec<Diagnostic> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut diagnostics = Config::parse(text, name, base).diagnostics;
    check::sort(&mut diagnostics);
    diagnostics
}

/// Files as given, and `*.rwf` and `rwf.toml` under directories (recursive, sorted, hidden directories
/// and `target` skipped). A path that does not exist is a tool error.
fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", path.display())))?;
        if meta.is_dir() {
            let before = files.len();
            walk(path, &mut files)?;
            if files.len() == before {
                return Err(CliError::new(format!(
                    "no .rwf or rwf.toml files under `{}`",
                    path.display()
                ))
                .help("pass a template or config file, or a directory that holds some"));
            }
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&path, files)?;
            }
        } else if name.ends_with(".rwf") || name == config::FILE_NAME {
            files.push(path);
        }
    }
    Ok(())
}

/// The name diagnostics use for a file: the path as the user named it (a leading `./` dropped).
fn display(path: &Path) -> String {
    let shown = path.to_string_lossy().replace('\\', "/");
    shown
        .strip_prefix("./")
        .map(str::to_string)
        .unwrap_or(shown)
}

/// SARIF 2.1.0: one run, the rules of the codes reported (documented by their `CodeDoc`).
fn sarif(diagnostics: &[Diagnostic], sources: &Sources) -> Value {
    let mut rule_ids: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|code| match check::lookup(code) {
            Some(doc) => json!({
                "id": doc.code,
                "name": doc.title,
                "shortDescription": {"text": doc.what},
                "fullDescription": {"text": doc.why},
                "help": {"text": explain_text(doc)},
                "defaultConfiguration": {"level": level(doc.severity)},
            }),
            None => json!({"id": code}),
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let index = sources.index_of(d);
            let location = |span: Option<&std::ops::Range<usize>>| {
                let mut physical = json!({});
                if let Some(file) = &d.file {
                    physical["artifactLocation"] = json!({"uri": file});
                }
                if let (Some(span), Some(index)) = (span, &index) {
                    let (s, e) = (index.line_col(span.start), index.line_col(span.end));
                    physical["region"] = json!({
                        "startLine": s.line,
                        "startColumn": s.col,
                        "endLine": e.line,
                        "endColumn": e.col,
                    });
                }
                physical
            };
            let text = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            let mut result = json!({
                "ruleId": d.code,
                "ruleIndex": rule_ids.iter().position(|c| *c == d.code),
                "level": level(d.severity),
                "message": {"text": text},
            });
            if d.file.is_some() {
                result["locations"] = json!([{"physicalLocation": location(d.span.as_ref())}]);
            }
            if !d.labels.is_empty() && d.file.is_some() {
                let related: Vec<Value> = d
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(id, l)| {
                        json!({
                            "id": id,
                            "message": {"text": l.message},
                            "physicalLocation": location(Some(&l.span)),
                        })
                    })
                    .collect();
                result["relatedLocations"] = json!(related);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rwf",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}
