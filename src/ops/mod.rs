//! Operations shared by the CLI and `rwf serve`, without printing: instantiate a template, rebind a
//! workflow to a new spec, retarget it. Each returns data or a refusal message; the surfaces render.

use crate::compile::{self, Inputs};
use crate::diagnostic::Diagnostic;
use crate::engine::edit_plan::fixed_times;
use crate::engine::Snapshot;
use crate::schedule::{self, Plan};
use crate::spec::{TzRef, WorkflowSpec};
use std::collections::BTreeMap;

pub mod adjust;
pub mod closures;
pub mod task_edit;

/// Diagnostics on one line each: `CODE message (file)`.
pub fn brief(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let file = d
                .file
                .as_deref()
                .map(|f| format!(" ({f})"))
                .unwrap_or_default();
            format!("{} {}{file}", d.code, d.message)
        })
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// Why a template could not be instantiated.
#[derive(Debug, Clone, PartialEq)]
pub enum InstantiateError {
    /// A param is missing or has a bad value.
    Bind(Vec<Diagnostic>),
    /// No release target could be found.
    Target(Vec<Diagnostic>),
    /// The schedule does not resolve.
    Schedule(Vec<Diagnostic>),
}

impl std::fmt::Display for InstantiateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstantiateError::Bind(d) => write!(f, "cannot bind the template:\n  {}", brief(d)),
            InstantiateError::Target(d) => write!(f, "no release target:\n  {}", brief(d)),
            InstantiateError::Schedule(d) => {
                write!(f, "the schedule does not resolve:\n  {}", brief(d))
            }
        }
    }
}

/// `rwf new`'s core: binds a compiled template and resolves its plan at its own target.
pub fn instantiate(
    template: &WorkflowSpec,
    inputs: &Inputs,
) -> Result<(WorkflowSpec, Plan), InstantiateError> {
    instantiate_closed(template, inputs, &[])
}

/// `instantiate`, the workflow closed on `closures` besides its calendars' days off (recorded in
/// its spec, so the engine, `plan` and `explain` use them).
pub fn instantiate_closed(
    template: &WorkflowSpec,
    inputs: &Inputs,
    closures: &[crate::spec::Holiday],
) -> Result<(WorkflowSpec, Plan), InstantiateError> {
    let mut bound = compile::bind(template, inputs).map_err(InstantiateError::Bind)?;
    closures::apply(&mut bound, closures);
    let target = schedule::target_of(&bound).map_err(InstantiateError::Target)?;
    let plan =
        schedule::resolve(&bound, &target, &BTreeMap::new()).map_err(InstantiateError::Schedule)?;
    Ok((bound, plan))
}

/// The new spec's plan: resolved at its own target, tasks that ran keeping their times.
pub fn resolve_for(spec: &WorkflowSpec, snapshot: &Snapshot) -> Result<Plan, String> {
    let target =
        schedule::target_of(spec).map_err(|d| format!("no release target: {}", brief(&d)))?;
    schedule::resolve(spec, &target, &fixed_times(snapshot))
        .map_err(|d| format!("the schedule does not resolve: {}", brief(&d)))
}

/// Binds `template` with the workflow's current bindings (as bound values), overridden by `sets`.
pub fn rebind(
    template: &WorkflowSpec,
    current: &WorkflowSpec,
    sets: &BTreeMap<String, String>,
) -> Result<WorkflowSpec, String> {
    let mut template = template.clone();
    for (k, v) in &current.bindings {
        let declared = template.params.iter().any(|p| &p.name == k);
        // An include's param (`ios.platform`) keeps its value only when it was set for this
        // workflow: the value the include gave (its default) follows the new template.
        let included_default = k.contains('.')
            && current
                .params
                .iter()
                .any(|p| &p.name == k && p.default.as_ref() == Some(v));
        if declared && !v.is_null() && !sets.contains_key(k) && !included_default {
            template.bindings.insert(k.clone(), v.clone());
        }
    }
    compile::bind(
        &template,
        &Inputs {
            sets: sets.clone(),
            release: None,
            tz: None,
        },
    )
    .map_err(|d| format!("cannot bind the new spec: {}", brief(&d)))
}

/// `rwf retarget`'s core: the workflow's spec with its target param (and zone) and any other anchor
/// params (`date`/`datetime` params in `sets`) or lead times (`duration` params) moved, and its plan.
pub fn retarget(
    snapshot: &Snapshot,
    release: Option<String>,
    sets: &BTreeMap<String, String>,
    tz: Option<String>,
) -> Result<(WorkflowSpec, Plan), String> {
    let mut spec = (*snapshot.spec).clone();
    if let Some(release) = release {
        let value = compile::release_value(&spec, &release).map_err(|d| {
            let help = d.help.map(|h| format!(" ({h})")).unwrap_or_default();
            format!("{}{help}", d.message)
        })?;
        spec.bindings.insert(spec.target.param.clone(), value);
    }
    move_anchors(&mut spec, sets)?;
    if let Some(tz) = tz {
        match &spec.target.timezone {
            TzRef::Param(p) => {
                spec.bindings
                    .insert(p.clone(), serde_json::Value::String(tz));
            }
            TzRef::Literal(_) => spec.target.timezone = TzRef::Literal(tz),
        }
    }
    let plan = resolve_for(&spec, snapshot)?;
    Ok((spec, plan))
}

/// Binds each of `sets` that names a date, datetime or duration param into `spec`; anything else is
/// refused. A duration (`lead=3w`) must be an amount of zero to ten years (RWF085).
fn move_anchors(spec: &mut WorkflowSpec, sets: &BTreeMap<String, String>) -> Result<(), String> {
    use crate::spec::ParamType;
    for (k, v) in sets {
        let Some(p) = spec.params.iter().find(|p| &p.name == k) else {
            return Err(format!("`{k}` is not a param of `{}`", spec.key));
        };
        let word = match p.ty {
            ParamType::Date => "date (YYYY-MM-DD)",
            ParamType::Datetime => "date-time (YYYY-MM-DDTHH:MM)",
            ParamType::Duration => "duration (`3w`, `10d`, `3bd`, `2 weeks`)",
            _ => {
                return Err(format!(
                    "`{k}` is not a date, datetime or duration param; `rwf edit --set` rebinds other params"
                ))
            }
        };
        let value = compile::parse_value(&p.ty, v)
            .ok_or_else(|| format!("`--set {k}={v}`: `{v}` is not a {word}"))?;
        if let Some(span) = value.as_str().and_then(|s| s.parse().ok()) {
            if p.ty == ParamType::Duration {
                crate::spec::check_param_span(span)
                    .map_err(|why| format!("RWF085 `--set {k}={v}`: {why}"))?;
            }
        }
        spec.bindings.insert(k.clone(), value);
    }
    Ok(())
}

/// A template's source compiled for storing: its spec, or every diagnostic when any is an error.
pub fn compile_template(
    file: &str,
    text: &str,
    loader: &dyn compile::ModuleLoader,
) -> Result<WorkflowSpec, Vec<Diagnostic>> {
    let compiled = compile::compile_source(file, text, loader);
    let has_errors = crate::diagnostic::has_errors(&compiled.diagnostics);
    match compiled.spec {
        Some(spec) if !has_errors => Ok(spec),
        _ => Err(compiled.diagnostics),
    }
}

/// `KEY` or `KEY@VERSION` as a key and an optional version.
pub fn parse_template_ref(text: &str) -> Result<(String, Option<u32>), String> {
    match text.split_once('@') {
        Some((k, v)) => v
            .parse::<u32>()
            .map(|v| (k.to_string(), Some(v)))
            .map_err(|_| format!("`{v}` is not a template version number")),
        None => Ok((text.to_string(), None)),
    }
}

/// A stored template version (the newest without `version`): `None` when there is none.
pub async fn stored_template(
    store: &crate::store::Store,
    key: &str,
    version: Option<u32>,
) -> crate::store::Result<Option<WorkflowSpec>> {
    let version = match version {
        Some(v) => v,
        None => match store.latest_template_version(key).await? {
            Some(v) => v,
            None => return Ok(None),
        },
    };
    store.template(key, version).await
}

/// Whether `person` may act on an item addressed to `who` (`user:ann`, `team:legal`, ...). Without a
/// people directory a team or organization is shown rather than hidden; with one, only to its members.
fn may_act(person: &str, who: &str, directory: &crate::config::Directory) -> bool {
    match crate::engine::action::parse_scope(who) {
        Some(scope) => directory
            .membership(person, &scope)
            .unwrap_or(directory_is_empty(directory)),
        None => true,
    }
}

fn directory_is_empty(directory: &crate::config::Directory) -> bool {
    directory.users.is_empty() && directory.teams.is_empty() && directory.org_admins.is_empty()
}

/// For an approval addressed to `who`: whether none of its scopes resolves to a person the directory
/// lists (nobody could decide it). False when someone can, or when there is no directory to ask.
pub fn nobody_can_decide(who: &[String], directory: &crate::config::Directory) -> bool {
    use crate::spec::Scope;
    !directory_is_empty(directory)
        && !who
            .iter()
            .any(|w| match crate::engine::action::parse_scope(w) {
                Some(Scope::User(_)) | None => true,
                Some(Scope::Team(t)) => !directory.team_members(&t).is_empty(),
                Some(Scope::Organization(_)) => !directory.org_admins.is_empty(),
                Some(Scope::Channel(_)) => false,
            })
}

/// The inbox items `person` can act on and has not voted on yet.
pub fn inbox_for(
    mut items: Vec<crate::store::InboxItem>,
    person: &str,
    directory: &crate::config::Directory,
) -> Vec<crate::store::InboxItem> {
    let me = person.trim_start_matches("user:");
    items.retain(|i| {
        let addressed = i.who.is_empty() || i.who.iter().any(|w| may_act(me, w, directory));
        addressed && !i.voted.iter().any(|v| v == me)
    });
    items
}

/// The run-time condition of each task that has one (`build.output.ok`): decided when its
/// dependencies are met, so `status` shows it while the task is still to run.
pub fn conditions(spec: &crate::spec::WorkflowSpec) -> std::collections::HashMap<String, String> {
    spec.tasks
        .iter()
        .filter_map(|t| Some((t.key.clone(), t.when.as_ref()?.to_string())))
        .collect()
}

/// True for a task status after which nothing more happens to it.
pub fn is_terminal(status: &str) -> bool {
    matches!(status, "succeeded" | "failed" | "skipped" | "cancelled")
}

/// The assignee scope of each manual task that names one.
pub fn assignees(spec: &crate::spec::WorkflowSpec) -> std::collections::HashMap<String, String> {
    spec.tasks
        .iter()
        .filter_map(|t| match &t.step {
            crate::spec::Step::Manual {
                assignee: Some(scope),
                ..
            } => Some((t.key.clone(), crate::engine::action::scope_str(scope))),
            _ => None,
        })
        .collect()
}
