//! The schedule resolver: spec + release instant + timezone → each task's start/due/end, DST-correct,
//! with business days from the calendar in force. Pure.
//!
//! Semantics (also in `grammar/README.md`, "Schedules"):
//! - Days, weeks, months and business days are calendar arithmetic on the local wall clock of the
//!   task's zone (its own `in`, else the release's); minutes and hours are exact elapsed time.
//! - A local time that does not exist (spring-forward gap) moves forward to the first valid instant,
//!   the transition itself (RWF076, a warning naming the task). A local time that happens twice
//!   (fall-back) takes the earlier instant (RWF077).
//! - Business days skip the weekend days and holidays of `spec.calendars[spec.calendar]` (Saturday and
//!   Sunday, no holidays, when no calendar is in force). Stepping outside the calendar's `covers`
//!   range is an error (RWF075), never a guess.
//! - Anchors resolve against the anchor task's start, due or end; pinned tasks keep absolute dates;
//!   a task anchored to a task with no schedule floats too; anchor cycles are errors (RWF070).

// `Diagnostic` is the crate-wide error value (168 bytes); boxing it here would leak into every caller.
#![allow(clippy::result_large_err)]

mod align;
mod calendar;
mod cascade;
pub(crate) mod codes;
mod critical;
mod explain;
mod instant;
mod lint;
mod local;
mod param_anchor;
pub mod render;
mod resolve;
mod trace;

pub use align::{align, week_start};
pub use calendar::{Calendar, OutOfRange, Skipped};
pub use cascade::{cascade, diff_plans, Shift};
pub use codes::*;
pub use critical::critical_path;
pub use explain::{explain, Explanation};
pub use instant::{parse_instant, InstantError};
pub use lint::{human as lint_human, lint};
pub use local::{to_utc, LocalFix};
pub use param_anchor::{instant_of as param_instant, param_value};
pub use resolve::resolve_calendar;
pub use trace::TraceStep;

use crate::diagnostic::Diagnostic;
use crate::spec::{Schedule, TzRef, WorkflowSpec};
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// The release instant and the zone the plan is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub instant: DateTime<Utc>,
    pub tz: Tz,
}

/// Planned instants of one task (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    pub start: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedTask {
    pub key: String,
    /// `None`: the task has no schedule and is due as soon as its dependencies allow.
    pub times: Option<Times>,
    /// The zone the task's offsets were applied in (its own `in`, else the release's).
    pub tz: Tz,
    pub pinned: bool,
}

/// A task's times on the wall clock of its own zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTimes {
    pub start: NaiveDateTime,
    pub due: NaiveDateTime,
    pub end: NaiveDateTime,
}

impl ResolvedTask {
    /// Start, due and end in the task's own zone.
    pub fn local(&self) -> Option<LocalTimes> {
        let t = self.times?;
        let l = |i: DateTime<Utc>| i.with_timezone(&self.tz).naive_local();
        Some(LocalTimes {
            start: l(t.start),
            due: l(t.due),
            end: l(t.end),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub target: Target,
    /// In spec order.
    pub tasks: Vec<ResolvedTask>,
    /// DST gap/overlap adjustments and other non-fatal findings, naming the task.
    pub warnings: Vec<Diagnostic>,
    /// Parallel to `warnings`: the index in `spec.tasks` of the task each is about (for spans).
    pub warning_tasks: Vec<Option<usize>>,
}

impl Plan {
    pub fn task(&self, key: &str) -> Option<&ResolvedTask> {
        self.tasks.iter().find(|t| t.key == key)
    }
}

fn unresolved(message: String) -> Diagnostic {
    Diagnostic::error(RELEASE_UNRESOLVED, message)
        .help("bind it: `--release 2026-09-15T09:00` or `--set NAME=VALUE`")
}

/// The release target from a bound spec's bindings (`target.param`, `target.timezone`).
pub fn target_of(spec: &WorkflowSpec) -> Result<Target, Vec<Diagnostic>> {
    target_and_fix(spec).map(|(t, _, _)| t)
}

/// A warning when the bound release's local time falls in a DST gap or overlap (as tasks get).
pub fn release_dst_warning(spec: &WorkflowSpec) -> Option<Diagnostic> {
    let (target, fix, local) = target_and_fix(spec).ok()?;
    let tz = target.tz;
    let local = local?;
    match fix {
        LocalFix::Exact => None,
        LocalFix::Gap { moved_to } => Some(
            Diagnostic::warning(
                DST_GAP,
                format!(
                    "the release {} does not exist in {tz} (clocks spring forward); moved to {}",
                    local.format("%Y-%m-%d %H:%M"),
                    moved_to.format("%H:%M")
                ),
            )
            .help("give a release time outside the transition (e.g. 09:00 that day)"),
        ),
        LocalFix::Ambiguous { later } => Some(
            Diagnostic::warning(
                DST_AMBIGUOUS,
                format!(
                    "the release {} happens twice in {tz} (clocks fall back); the earlier one ({}) is taken, not {}",
                    local.format("%Y-%m-%d %H:%M"),
                    target.instant.format("%H:%M UTC"),
                    later.format("%H:%M UTC")
                ),
            )
            .help("give a release time outside the transition, or an RFC 3339 instant with its offset"),
        ),
    }
}

/// The target, how its local time mapped to an instant, and that local time (`None` for RFC 3339).
fn target_and_fix(
    spec: &WorkflowSpec,
) -> Result<(Target, LocalFix, Option<NaiveDateTime>), Vec<Diagnostic>> {
    let binding = |name: &str| -> Option<String> {
        match spec.bindings.get(name) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Null) | None => spec
                .params
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.default.as_ref())
                .and_then(|v| v.as_str().map(str::to_string)),
            Some(other) => Some(other.to_string()),
        }
    };
    let tz_name = match &spec.target.timezone {
        TzRef::Literal(s) => Some(s.clone()),
        TzRef::Param(p) => binding(p),
    };
    let tz = match tz_name {
        None => {
            let p = match &spec.target.timezone {
                TzRef::Param(p) => p.as_str(),
                TzRef::Literal(_) => "",
            };
            return Err(vec![unresolved(format!(
                "the release timezone param `{p}` is not bound"
            ))]);
        }
        Some(name) => match resolve::parse_tz(&name) {
            Some(tz) => tz,
            None => {
                return Err(vec![Diagnostic::error(
                    INVALID_TIMEZONE,
                    format!("the release timezone `{name}` is not an IANA zone"),
                )
                .help("use a name such as \"Europe/Berlin\" or \"America/New_York\"")])
            }
        },
    };
    let param = &spec.target.param;
    let Some(value) = binding(param) else {
        return Err(vec![unresolved(format!(
            "the release param `{param}` is not bound"
        ))]);
    };
    match parse_instant(&value, tz) {
        Ok((instant, fix)) => Ok((Target { instant, tz }, fix, instant::parse_local(&value))),
        Err(e) => Err(vec![unresolved(format!(
            "the release param `{param}` = `{value}` cannot be read: {e}"
        ))]),
    }
}

/// Resolves every task. `fixed` holds tasks whose times must not move (already ran, or frozen by an edit):
/// they keep these times and tasks anchored to them resolve against them.
pub fn resolve(
    spec: &WorkflowSpec,
    target: &Target,
    fixed: &BTreeMap<String, Times>,
) -> Result<Plan, Vec<Diagnostic>> {
    resolve::into_plan(target, resolve::resolve_all(spec, target, fixed, false))
}

/// Like `resolve`, with each finding located in the source (`file` + the task's schedule span).
pub fn resolve_located(
    spec: &WorkflowSpec,
    target: &Target,
    fixed: &BTreeMap<String, Times>,
    source: &crate::compile::SourceMap,
) -> Result<Plan, Vec<Diagnostic>> {
    let mut r = resolve::resolve_all(spec, target, fixed, false);
    for f in &mut r.findings {
        let d = std::mem::replace(&mut f.diag, Diagnostic::error("RWF000", ""));
        f.diag = lint::locate(d, f.task, source);
    }
    resolve::into_plan(target, r)
}

/// One schedule outside a task's `at` (e.g. `wait ... until SCHEDULE`), resolved against a plan:
/// anchors read the plan's tasks. `Ok(None)` when its anchor floats. Warnings (DST) go to `warnings`.
pub fn resolve_schedule(
    spec: &WorkflowSpec,
    plan: &Plan,
    schedule: &Schedule,
    owner: &str,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Option<DateTime<Utc>>, Diagnostic> {
    let ctx = resolve::Ctx {
        target: &plan.target,
        calendar: resolve::task_calendar(spec, owner),
        spec,
    };
    let lookup = |key: &str| -> Option<resolve::AnchorTimes> {
        let t = plan.task(key)?;
        Some(match t.times {
            Some(times) => resolve::AnchorTimes::At(times),
            None => resolve::AnchorTimes::Floating,
        })
    };
    match resolve::eval_schedule(&ctx, schedule, owner, &lookup, warnings, &mut None)? {
        resolve::Evaluated::At(i, _) => Ok(Some(i)),
        resolve::Evaluated::Floating => Ok(None),
    }
}
