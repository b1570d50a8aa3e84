//! `rwf plan`: preview a template's resolved schedule as a table and terminal Gantt, or as JSON, CSV,
//! Mermaid, ICS or SVG; with `--compare-to`, the cascade of moving the release date. Given a workflow
//! id instead of a file: that release's stored plan against what actually happened (`plan_actual`).

use super::{CliError, CmdResult, Outcome};
use crate::compile::{self, FsLoader, Inputs, SourceMap};
use crate::diagnostic::Diagnostic;
use crate::schedule::{self, render, Plan, Target};
use crate::spec::{TzRef, WorkflowSpec};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table and a terminal Gantt.
    Table,
    Json,
    Csv,
    Mermaid,
    Ics,
    Svg,
}

/// What `plan` and `explain` share: the template and how to bind it.
#[derive(clap::Args, Clone, Debug)]
pub struct Source {
    /// A `.rwf` template, a compiled spec (`.json`, as `rwf compile` prints), or (for `rwf plan`) a
    /// workflow id: its plan against what actually happened.
    pub file: PathBuf,
    /// Bind a param: `--set product=Widget` (repeatable).
    #[arg(long = "set", value_name = "K=V")]
    pub sets: Vec<String>,
    /// The release: `2026-09-15`, `2026-09-15T09:00` (read in --tz, else the template's zone), or
    /// RFC 3339 with an offset.
    #[arg(long)]
    pub release: Option<String>,
    /// The release timezone (IANA name); the plan is shown in it.
    #[arg(long)]
    pub tz: Option<String>,
    /// A day the release is closed besides its calendars' days off, as `rwf new --closed` records
    /// it: `--closed 2027-03-04:Office move` (repeatable).
    #[arg(long = "closed", value_name = "DATE[:REASON]")]
    pub closed: Vec<String>,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub source: Source,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Show what moves when the release goes from OLD to --release (same forms as --release).
    #[arg(long, value_name = "OLD")]
    pub compare_to: Option<String>,
    /// The day to mark as today (default: the clock's date in the release zone).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// With a workflow id: the database.
    #[command(flatten)]
    pub conn: super::db::Conn,
}

/// A loaded, bound template ready to resolve.
pub struct Loaded {
    pub spec: WorkflowSpec,
    pub source: SourceMap,
    pub text: String,
    pub file: String,
}

/// Renders diagnostics for a human on stderr (the shared renderer), with the template's text.
pub fn print_diagnostics(diags: &[Diagnostic], file: &str, text: &str) {
    let mut sources = super::render::Sources::new();
    sources.insert(file, text);
    super::render::eprint_all(diags, &sources);
}

fn findings(diags: &[Diagnostic], file: &str, text: &str) -> CliError {
    print_diagnostics(diags, file, text);
    CliError::new(format!(
        "{} error{} in the template",
        diags.iter().filter(|d| d.is_error()).count(),
        if diags.iter().filter(|d| d.is_error()).count() == 1 {
            ""
        } else {
            "s"
        }
    ))
}

/// Loads the template (or spec JSON) and binds what the schedule needs; other params may stay unbound.
pub fn load(src: &Source) -> Result<Loaded, CliError> {
    let file = src.file.display().to_string();
    let text = std::fs::read_to_string(&src.file)
        .map_err(|e| CliError::new(format!("cannot read {file}: {e}")))?;
    let sets = super::parse_sets(&src.sets)?;
    let closures = crate::ops::closures::parse_all(&src.closed).map_err(CliError::new)?;
    if let Some(tz) = &src.tz {
        if tz.parse::<chrono_tz::Tz>().is_err() {
            return Err(
                CliError::new(format!("`--tz {tz}` is not an IANA timezone"))
                    .help("e.g. `--tz Europe/Berlin`"),
            );
        }
    }
    let (mut spec, source) = if file.ends_with(".json") {
        let mut spec: WorkflowSpec = serde_json::from_str(&text)
            .map_err(|e| CliError::new(format!("{file} is not a spec: {e}")))?;
        for (k, v) in &sets {
            let value = serde_json::from_str(v).unwrap_or(serde_json::Value::String(v.clone()));
            spec.bindings.insert(k.clone(), value);
        }
        (
            spec,
            SourceMap {
                file: file.clone(),
                ..SourceMap::default()
            },
        )
    } else {
        let compiled = compile::compile_source(&file, &text, &FsLoader);
        if compiled.diagnostics.iter().any(Diagnostic::is_error) || compiled.spec.is_none() {
            return Err(findings(&compiled.diagnostics, &file, &text));
        }
        let spec = compiled.spec.unwrap_or_else(unreachable_spec);
        let inputs = Inputs {
            sets,
            release: src.release.clone(),
            tz: src.tz.clone(),
        };
        let bound = compile::preview(&spec, &inputs).map_err(|d| findings(&d, &file, &text))?;
        let source = compile::source_for(&compiled.source_map, &spec, &bound);
        (bound, source)
    };
    let at = Some(source.template.clone());
    if let Some(d) = crate::check::lints::too_many_tasks::diagnostic(&spec, &file, at) {
        return Err(findings(&[d], &file, &text));
    }
    // --release and --tz are applied here too, so every input form reads the same way.
    if let Some(tz) = &src.tz {
        match &spec.target.timezone {
            TzRef::Param(p) => {
                spec.bindings
                    .insert(p.clone(), serde_json::Value::String(tz.clone()));
            }
            TzRef::Literal(_) => spec.target.timezone = TzRef::Literal(tz.clone()),
        }
    }
    if let Some(r) = &src.release {
        // A date-only release means the template's declared release time, as `rwf new` reads it.
        let value = compile::release_value(&spec, r).map_err(|d| findings(&[d], &file, &text))?;
        spec.bindings.insert(spec.target.param.clone(), value);
    }
    crate::ops::closures::apply(&mut spec, &closures);
    Ok(Loaded {
        spec,
        source,
        text,
        file,
    })
}

/// One line per task a `when` left out, with the reason (empty when none was).
pub fn left_out(excluded: &[crate::spec::Excluded]) -> String {
    excluded
        .iter()
        .map(|e| format!("left out: {} — {}\n", e.key, e.reason))
        .collect()
}

fn unreachable_spec() -> WorkflowSpec {
    let mut spec = WorkflowSpec::new("");
    spec.version = 0;
    spec.target.param = String::new();
    spec
}

/// Resolves a loaded template: its target and plan, or the diagnostics (printed) as a tool error.
pub fn plan_of(l: &Loaded) -> Result<(Target, Plan), CliError> {
    let target = schedule::target_of(&l.spec).map_err(|d| findings(&d, &l.file, &l.text))?;
    let plan = schedule::resolve_located(&l.spec, &target, &BTreeMap::new(), &l.source)
        .map_err(|d| findings(&d, &l.file, &l.text))?;
    Ok((target, plan))
}

pub fn run(args: Args) -> CmdResult {
    let given = args.source.file.to_string_lossy().to_string();
    if !args.source.file.exists() {
        if let Ok(id) = uuid::Uuid::parse_str(given.trim()) {
            return super::plan_actual::run(id, args.format, &args.conn);
        }
    }
    let loaded = load(&args.source)?;
    let (target, mut plan) = plan_of(&loaded)?;
    let lints = schedule::lint(&loaded.spec, &plan, &loaded.source);
    let lints = crate::check::without_suppressed(&loaded.file, &loaded.text, &loaded.source, lints);
    print_diagnostics(&lints, &loaded.file, &loaded.text);
    // Every warning printed is in the JSON too (the horizon, dependencies, DST), once.
    plan.warning_tasks = vec![None; lints.len()];
    plan.warnings = lints.clone();
    if let Some(old) = &args.compare_to {
        let mut before = Loaded {
            spec: loaded.spec.clone(),
            source: loaded.source.clone(),
            text: loaded.text.clone(),
            file: loaded.file.clone(),
        };
        before.spec.bindings.insert(
            before.spec.target.param.clone(),
            serde_json::Value::String(old.clone()),
        );
        let (_, old_plan) = plan_of(&before)?;
        let shifts = schedule::diff_plans(&old_plan, &plan);
        if args.format == Format::Json {
            let rows: Vec<serde_json::Value> = shifts
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "task": s.task,
                        "old_due": s.old_due.map(|t| t.to_rfc3339()),
                        "new_due": s.new_due.map(|t| t.to_rfc3339()),
                        "shift_seconds": s.shift.map(|d| d.num_seconds()),
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        } else {
            print!("{}", render::shifts_table(&shifts, target.tz));
        }
        return Ok(Outcome::Ok);
    }
    let today = args
        .today
        .unwrap_or_else(|| chrono::Utc::now().with_timezone(&target.tz).date_naive());
    let view = render::View::new(&loaded.spec, &plan, today);
    let out = match args.format {
        Format::Table => format!(
            "{}{}\n{}",
            render::table(&view),
            left_out(&loaded.spec.flow.excluded),
            render::gantt(&view)
        ),
        Format::Json => render::json(&view),
        Format::Csv => render::csv(&view),
        Format::Mermaid => render::mermaid(&view),
        Format::Ics => render::ics(&view),
        Format::Svg => render::svg(&view),
    };
    print!("{out}");
    Ok(Outcome::Ok)
}
