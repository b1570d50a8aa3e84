//! `rwf simulate TEMPLATE`: run a whole release in memory on a virtual clock and print its timeline.
//!
//! The template is compiled and previewed like `rwf plan` (params the schedule does not need may stay
//! unbound), resolved, and driven by `engine::simulator` with scripted agents and people. With no
//! `--release` and no default for the release param, the release is `DEFAULT_RELEASE` (said so on the
//! first line). Exit 0 when the simulated workflow completes, 1 when it fails, is cancelled or stalls.

use super::plan::{load, plan_of, Source};
use super::{CliError, CmdResult, Outcome};
use crate::compile::{self, ModuleLoader};
use crate::engine::model::{Snapshot, WorkflowId, WorkflowStatus};
use crate::engine::simulator::{simulate, ApproveSet, Script};
use crate::engine::{HookHost, NoHooks};
use crate::spec::{HookPoint, StepKind, WorkflowSpec};
use std::collections::BTreeSet;
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
    /// Approvals the simulated people decide: `all` (default) or task keys. Others stay open.
    #[arg(long, num_args = 1.., value_name = "all|TASK")]
    pub approve: Vec<String>,
    /// Reject the first round of these approvals (then `on_reject` applies).
    #[arg(long, value_name = "TASK")]
    pub reject: Vec<String>,
    /// Make these agent tasks fail every attempt.
    #[arg(long, value_name = "TASK")]
    pub fail: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// A loader that serves nothing: used only to read the release param's default before binding.
struct NoImports;

impl ModuleLoader for NoImports {
    fn load(&self, _from: &str, path: &str) -> Result<(String, String), String> {
        Err(format!("not loaded: {path}"))
    }
}

/// Whether the template (or spec) says what its release is, without `--release`.
fn has_release_default(source: &Source) -> bool {
    let file = source.file.display().to_string();
    let Ok(text) = std::fs::read_to_string(&source.file) else {
        return true; // `load` reports the read error.
    };
    let spec: Option<WorkflowSpec> = if file.ends_with(".json") {
        serde_json::from_str(&text).ok()
    } else {
        compile::compile_source(&file, &text, &NoImports).spec
    };
    let Some(spec) = spec else { return true };
    let param = &spec.target.param;
    let set = source
        .sets
        .iter()
        .any(|s| s.split_once('=').is_some_and(|(k, _)| k.trim() == param));
    set || spec.bindings.get(param).is_some_and(|v| !v.is_null())
        || spec
            .params
            .iter()
            .any(|p| &p.name == param && p.default.as_ref().is_some_and(|v| !v.is_null()))
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
    let mut source = args.source.clone();
    let mut note = None;
    if source.release.is_none() && !has_release_default(&source) {
        source.release = Some(DEFAULT_RELEASE.to_string());
        note = Some(format!(
            "no --release given: simulating a release on {DEFAULT_RELEASE} (a fixed default)"
        ));
    }
    let loaded = load(&source)?;
    let (target, plan) = plan_of(&loaded)?;
    let spec = loaded.spec;
    let approve_all = args.approve.is_empty() || args.approve.iter().any(|a| a == "all");
    let approve: Vec<String> = args
        .approve
        .iter()
        .filter(|a| *a != "all")
        .cloned()
        .collect();
    check_keys(&spec, &approve, StepKind::Approval, "--approve")?;
    check_keys(&spec, &args.reject, StepKind::Approval, "--reject")?;
    check_keys(&spec, &args.fail, StepKind::Agent, "--fail")?;
    let script = Script {
        approve: if approve_all {
            ApproveSet::All
        } else {
            ApproveSet::Only(approve.into_iter().collect())
        },
        reject: args.reject.iter().cloned().collect::<BTreeSet<_>>(),
        fail: args.fail.iter().cloned().collect::<BTreeSet<_>>(),
    };
    let hooks: Box<dyn HookHost> = if spec.hooks.is_empty() {
        Box::new(NoHooks)
    } else {
        match crate::hooks::Runtime::new(&spec) {
            Ok(rt) => Box::new(RhaiHooks(rt)),
            Err(diags) => {
                super::plan::print_diagnostics(&diags, &loaded.text);
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
    let report = simulate(snapshot, &script, hooks.as_ref())
        .map_err(|e| CliError::new(format!("the simulation stopped on an engine error: {e}")))?;
    match args.format {
        Format::Json => {
            let value = serde_json::json!({
                "release": target.instant.to_rfc3339(),
                "timezone": target.tz.name(),
                "note": note,
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
