//! `rwf simulate TEMPLATE`: run a whole release in memory on a virtual clock and print its timeline.
//!
//! The template is compiled and previewed like `rwf plan` (params the schedule does not need may stay
//! unbound), resolved, and driven by `engine::simulator` with scripted agents and people. With no
//! `--release` and no default for the release param, the release is `DEFAULT_RELEASE` (said so on the
//! first line). Exit 0 when the simulated workflow completes, 1 when it fails, is cancelled or stalls.

use super::plan::{print_diagnostics, Source};
use super::{CliError, CmdResult, Outcome};
use crate::compile;
use crate::diagnostic::Diagnostic;
use crate::engine::model::{Snapshot, WorkflowId, WorkflowStatus};
use crate::engine::simulator::{simulate, ApproveSet, Script, ScriptedSignal};
use crate::engine::{HookHost, NoHooks};
use crate::schedule;
use crate::spec::{HookPoint, StepKind, WorkflowSpec};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The release used when none is given and the template has no default (a Monday, 09:00 local).
pub const DEFAULT_RELEASE: &str = "2027-03-01T09:00";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub source: Source,
    /// Approvals the simulated people decide: `all` (default), `none`, or task keys. Others stay open
    /// (reminded, escalated and expired by their policy).
    #[arg(long, num_args = 1.., value_name = "all|none|TASK")]
    pub approve: Vec<String>,
    /// Reject the first round of these approvals (then `on_reject` applies).
    #[arg(long, value_name = "TASK")]
    pub reject: Vec<String>,
    /// Make these agent tasks fail every attempt.
    #[arg(long, value_name = "TASK")]
    pub fail: Vec<String>,
    /// Send an external event at an instant: `NAME@WHEN[=JSON]`, WHEN `release`, `release+2d`,
    /// `release-90m` (units m, h, d, w) or a local `YYYY-MM-DDTHH:MM` in the release zone.
    #[arg(long, value_name = "NAME@WHEN[=JSON]")]
    pub signal: Vec<String>,
    /// The output of an agent, or the answer of a manual task: `TASK=JSON` (what `when` conditions
    /// on outputs read), e.g. --output 'rc1={"needs_another": true}'.
    #[arg(long, value_name = "TASK=JSON")]
    pub output: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Compiles and previews the template, defaulting the release when nothing says what it is.
fn load(source: &Source) -> Result<Loaded, CliError> {
    let file = source.file.display().to_string();
    let text = std::fs::read_to_string(&source.file)
        .map_err(|e| CliError::new(format!("cannot read {file}: {e}")))?;
    let compiled = compile::compile_source(&file, &text, &compile::FsLoader);
    let errors = |diags: &[Diagnostic]| {
        print_diagnostics(diags, &file, &text);
        let n = diags.iter().filter(|d| d.is_error()).count();
        CliError::new(format!(
            "{n} error{} in the template",
            if n == 1 { "" } else { "s" }
        ))
        .help(format!("run `rwf check {file}`"))
    };
    let spec = match compiled.spec {
        Some(spec) if !compiled.diagnostics.iter().any(Diagnostic::is_error) => spec,
        _ => return Err(errors(&compiled.diagnostics)),
    };
    let at = Some(compiled.source_map.template.clone());
    if let Some(d) = crate::check::lints::too_many_tasks::diagnostic(&spec, &file, at) {
        return Err(errors(&[d]));
    }
    let sets = super::parse_sets(&source.sets)?;
    let param = &spec.target.param;
    let given = source.release.is_some()
        || sets.contains_key(param)
        || spec
            .params
            .iter()
            .any(|p| &p.name == param && p.default.as_ref().is_some_and(|v| !v.is_null()));
    let mut note = None;
    let release = if given {
        source.release.clone()
    } else {
        note = Some(format!(
            "no --release given: simulating a release on {DEFAULT_RELEASE} (a fixed default)"
        ));
        Some(DEFAULT_RELEASE.to_string())
    };
    let inputs = compile::Inputs {
        sets,
        release,
        tz: source.tz.clone(),
    };
    let mut bound = compile::preview(&spec, &inputs).map_err(|d| errors(&d))?;
    let closures = crate::ops::closures::parse_all(&source.closed).map_err(CliError::new)?;
    crate::ops::closures::apply(&mut bound, &closures);
    let target = schedule::target_of(&bound).map_err(|d| errors(&d))?;
    let source = compile::source_for(&compiled.source_map, &spec, &bound);
    let plan = schedule::resolve_located(&bound, &target, &BTreeMap::new(), &source)
        .map_err(|d| errors(&d))?;
    Ok(Loaded {
        spec: bound,
        target,
        plan,
        note,
    })
}

struct Loaded {
    spec: WorkflowSpec,
    target: schedule::Target,
    plan: schedule::Plan,
    note: Option<String>,
}

/// Adapts the rhai runtime to the engine's hook host.
struct RhaiHooks(crate::hooks::Runtime);

impl HookHost for RhaiHooks {
    fn call(
        &self,
        point: HookPoint,
        function: &str,
        context: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        self.0.call_hook(point, function, context)
    }
}

/// `TASK=JSON` as a scripted output (see `Args::output`): an agent or manual task of the template.
fn parse_output(text: &str, spec: &WorkflowSpec) -> Result<(String, serde_json::Value), CliError> {
    let help = "write TASK=JSON, e.g. --output 'rc1={\"needs_another\": true}'";
    let (task, json) = text
        .split_once('=')
        .ok_or_else(|| CliError::new(format!("`--output {text}`: no `=JSON`")).help(help))?;
    match spec.task(task).map(|t| t.step.kind()) {
        Some(StepKind::Agent | StepKind::Manual) => {}
        _ => {
            return Err(CliError::new(format!(
                "`--output {text}`: no agent or manual task `{task}` in {}",
                spec.key
            ))
            .help("only agents and manual tasks give an output"))
        }
    }
    let value = serde_json::from_str(json).map_err(|e| {
        CliError::new(format!("`--output {text}`: the output is not JSON: {e}")).help(help)
    })?;
    Ok((task.to_string(), value))
}

/// `NAME@WHEN[=JSON]` as a scripted event (see `Args::signal`).
fn parse_signal(text: &str, target: &schedule::Target) -> Result<ScriptedSignal, CliError> {
    let bad = |why: String| {
        CliError::new(format!("`--signal {text}`: {why}"))
            .help("write NAME@WHEN[=JSON], e.g. --signal 'ci.finished@release-2d={\"status\": \"success\"}'")
    };
    let (name, rest) = text
        .split_once('@')
        .ok_or_else(|| bad("no `@WHEN`".into()))?;
    let (when, data) = match rest.split_once('=') {
        Some((w, json)) => (
            w,
            serde_json::from_str(json).map_err(|e| bad(format!("the payload is not JSON: {e}")))?,
        ),
        None => (rest, serde_json::Value::Null),
    };
    let at = if let Some(offset) = when.strip_prefix("release") {
        let span = match offset {
            "" => crate::spec::Span::new(0, crate::spec::Unit::Minutes),
            o => o
                .parse::<crate::spec::Span>()
                .ok()
                .filter(|s| {
                    o.starts_with(['+', '-'])
                        && !matches!(
                            s.unit,
                            crate::spec::Unit::Months | crate::spec::Unit::BusinessDays
                        )
                })
                .ok_or_else(|| bad(format!("`{o}` is not an offset such as `+2d` or `-90m`")))?,
        };
        target.instant + chrono::Duration::seconds(span.nominal_seconds())
    } else {
        let local =
            chrono::NaiveDateTime::parse_from_str(when, "%Y-%m-%dT%H:%M").map_err(|_| {
                bad(format!(
                    "`{when}` is neither `release±OFFSET` nor YYYY-MM-DDTHH:MM"
                ))
            })?;
        crate::engine::clock::from_local(target.tz, local)
            .ok_or_else(|| bad(format!("`{when}` does not exist in {}", target.tz.name())))?
    };
    Ok(ScriptedSignal {
        at,
        name: name.to_string(),
        data,
    })
}

fn check_keys(
    spec: &WorkflowSpec,
    keys: &[String],
    kind: StepKind,
    flag: &str,
) -> Result<(), CliError> {
    for k in keys {
        match spec.task(k) {
            Some(t) if t.step.kind() == kind => {}
            _ => {
                let valid: Vec<&str> = spec
                    .tasks
                    .iter()
                    .filter(|t| t.step.kind() == kind)
                    .map(|t| t.key.as_str())
                    .collect();
                return Err(CliError::new(format!(
                    "`{flag} {k}`: no {} task `{k}` in {}",
                    kind.as_str(),
                    spec.key
                ))
                .help(if valid.is_empty() {
                    format!("the template has no {} tasks", kind.as_str())
                } else {
                    format!("{} tasks: {}", kind.as_str(), valid.join(", "))
                }));
            }
        }
    }
    Ok(())
}

pub fn run(args: Args) -> CmdResult {
    let loaded = load(&args.source)?;
    let (target, plan, note) = (loaded.target, loaded.plan, loaded.note);
    let spec = loaded.spec;
    let approve_all = args.approve.is_empty() || args.approve.iter().any(|a| a == "all");
    let approve: Vec<String> = args
        .approve
        .iter()
        .filter(|a| *a != "all" && *a != "none")
        .cloned()
        .collect();
    check_keys(&spec, &approve, StepKind::Approval, "--approve")?;
    check_keys(&spec, &args.reject, StepKind::Approval, "--reject")?;
    check_keys(&spec, &args.fail, StepKind::Agent, "--fail")?;
    let signals = args
        .signal
        .iter()
        .map(|s| parse_signal(s, &target))
        .collect::<Result<Vec<_>, _>>()?;
    let outputs = args
        .output
        .iter()
        .map(|o| parse_output(o, &spec))
        .collect::<Result<BTreeMap<_, _>, _>>()?;
    let script = Script {
        approve: if approve_all {
            ApproveSet::All
        } else {
            ApproveSet::Only(approve.into_iter().collect())
        },
        reject: args.reject.iter().cloned().collect::<BTreeSet<_>>(),
        fail: args.fail.iter().cloned().collect::<BTreeSet<_>>(),
        signals,
        outputs,
    };
    let hooks: Box<dyn HookHost> = if spec.hooks.is_empty() {
        Box::new(NoHooks)
    } else {
        match crate::hooks::Runtime::new(&spec) {
            Ok(rt) => Box::new(RhaiHooks(rt)),
            Err(diags) => {
                let mut sources = super::render::Sources::new();
                for hook in &spec.hooks {
                    sources.insert(hook.path.clone(), hook.source.clone());
                }
                super::render::eprint_all(&diags, &sources);
                return Err(CliError::new("the template's hooks do not compile")
                    .help("run `rwf check` on the template"));
            }
        }
    };
    let mut snapshot = Snapshot::new(WorkflowId::default(), Arc::new(spec), &plan);
    snapshot.target = target;
    let name = crate::engine::render::render_text(&snapshot, &snapshot.spec.name);
    let header = format!(
        "simulating {} \"{}\" v{}: release {} ({})",
        snapshot.spec.key,
        name,
        snapshot.spec.version,
        crate::engine::reconcile::fmt_local(&snapshot, target.instant),
        target.tz.name()
    );
    let excluded = snapshot.spec.flow.excluded.clone();
    let report = simulate(snapshot, &script, hooks.as_ref())
        .map_err(|e| CliError::new(format!("the simulation stopped on an engine error: {e}")))?;
    match args.format {
        Format::Json => {
            let value = serde_json::json!({
                "release": target.instant.to_rfc3339(),
                "timezone": target.tz.name(),
                "note": note,
                "excluded": excluded,
                "timeline": report.entries,
                "status": report.status,
                "counts": report.counts,
                "stalled": report.stalled,
                "summary": report.summary(),
            });
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => {
            println!("{header}");
            if let Some(n) = &note {
                println!("note: {n}");
            }
            print!("{}", super::plan::left_out(&excluded));
            for e in &report.entries {
                println!("{}  {}", e.local, e.text);
            }
            println!("{}", report.summary());
        }
    }
    Ok(
        if report.status == WorkflowStatus::Completed && report.stalled.is_none() {
            Outcome::Ok
        } else {
            Outcome::Findings
        },
    )
}
