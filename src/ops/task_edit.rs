//! Narrow edits of one task of a workflow — its dates or title, one dependency edge — built from the
//! workflow's current spec, for `rwf task set`, `rwf dep` and their API endpoints. Each returns the new
//! spec and its plan, or a refusal; the store's diff-apply path does the rest.

use crate::engine::Snapshot;
use crate::schedule::parse_instant;
use crate::spec::{Dependency, EdgeOutcome, Schedule, TaskSpec, WorkflowSpec};
use crate::store::Built;
use chrono::Duration;

/// What `rwf task set` changes: any of a pinned start, a pinned due date (its window kept), a title.
#[derive(Debug, Clone, Default)]
pub struct TaskSet {
    pub due: Option<String>,
    pub pin: Option<String>,
    pub title: Option<String>,
}

impl TaskSet {
    pub fn is_empty(&self) -> bool {
        self.due.is_none() && self.pin.is_none() && self.title.is_none()
    }
}

/// The workflow's spec with `task` changed by `f`; an unknown task is a refusal.
fn with_task(
    spec: &WorkflowSpec,
    task: &str,
    f: impl FnOnce(&mut TaskSpec) -> Result<(), String>,
) -> Result<WorkflowSpec, String> {
    let mut spec = spec.clone();
    let keys: Vec<String> = spec.tasks.iter().map(|t| t.key.clone()).collect();
    let Some(t) = spec.tasks.iter_mut().find(|t| t.key == task) else {
        let hint = crate::syntax::did_you_mean(task, keys.iter().map(String::as_str))
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(format!("the workflow has no task `{task}`{hint}"));
    };
    f(t)?;
    Ok(spec)
}

/// `task`'s dates or title changed as `set` says; dates are read in the release's zone.
pub fn set_task(snapshot: &Snapshot, task: &str, set: &TaskSet) -> Result<Built, String> {
    if set.is_empty() {
        return Err("nothing to set: give a due date, a pinned start or a title".into());
    }
    let tz = snapshot.target.tz;
    let spec = with_task(&snapshot.spec, task, |t| {
        if let Some(title) = &set.title {
            t.title = title.clone();
        }
        let start = match (&set.pin, &set.due) {
            (Some(p), _) => Some(
                parse_instant(p, tz)
                    .map_err(|e| format!("the pinned start `{p}` cannot be read: {e}"))?
                    .0,
            ),
            (None, Some(d)) => {
                let due = parse_instant(d, tz)
                    .map_err(|e| format!("the due date `{d}` cannot be read: {e}"))?
                    .0;
                let window = t
                    .window
                    .as_ref()
                    .and_then(|w| snapshot.spec.span_of(w).ok());
                let window = window.map_or(0, |w| w.nominal_seconds());
                Some(due - Duration::seconds(window))
            }
            (None, None) => None,
        };
        if let Some(start) = start {
            t.schedule = Some(Schedule::Pinned {
                at: start.with_timezone(&tz).naive_local(),
                timezone: Some(tz.name().to_string()),
            });
        }
        Ok(())
    })?;
    let plan = super::resolve_for(&spec, snapshot)?;
    Ok((spec, plan))
}

/// `task` waits for `upstream` to end as `on` (`Some`), or no longer waits for it (`None`).
pub fn change_dependency(
    snapshot: &Snapshot,
    task: &str,
    upstream: &str,
    on: Option<EdgeOutcome>,
) -> Result<Built, String> {
    if snapshot.spec.task(upstream).is_none() {
        return Err(format!("the workflow has no task `{upstream}`"));
    }
    if task == upstream {
        return Err(format!("`{task}` cannot depend on itself"));
    }
    let spec = with_task(&snapshot.spec, task, |t| {
        let at = t.depends_on.iter().position(|d| d.task == upstream);
        match (on, at) {
            (Some(outcome), Some(i)) => t.depends_on[i].outcome = outcome,
            (Some(outcome), None) => t.depends_on.push(Dependency {
                task: upstream.to_string(),
                outcome,
            }),
            (None, Some(i)) => {
                t.depends_on.remove(i);
            }
            (None, None) => return Err(format!("`{task}` does not depend on `{upstream}`")),
        }
        Ok(())
    })?;
    if on.is_some() && creates_cycle(&spec, task) {
        return Err(format!(
            "`{task}` after `{upstream}` would make a dependency cycle"
        ));
    }
    let plan = super::resolve_for(&spec, snapshot)?;
    Ok((spec, plan))
}

/// Whether `start` reaches itself along `depends_on` edges.
fn creates_cycle(spec: &WorkflowSpec, start: &str) -> bool {
    let mut stack: Vec<&str> = vec![start];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(k) = stack.pop() {
        for d in spec.task(k).map(|t| t.depends_on.as_slice()).unwrap_or(&[]) {
            if d.task == start {
                return true;
            }
            if seen.insert(d.task.as_str()) {
                stack.push(&d.task);
            }
        }
    }
    false
}
