//! Editing a draft or paused workflow: the diff between its spec and a new one, and the rules (pure).
//!
//! `plan_edit(snapshot, evidence, new_spec, new_plan)` returns the `EditPlan` the store applies in one
//! transaction, or every `EditRefusal` at once. Rules:
//! - Only draft and paused workflows are edited (a retarget may also move an active one: `allow_active`).
//!   A draft is replaced outright: every task starts fresh from the new spec.
//! - Existing tasks keep their id, status, actual times and attempts; new ones start pending; removed
//!   ones are deleted only without evidence (attempts, artifacts, a decided approval, a start).
//! - A task that has run or is running keeps its execution identity: type, agent, input, policies,
//!   dependencies, approval definition, schedule, hooks and `required` are frozen; the planning fields
//!   (title, window, risk, labels, phase, pre_release, a manual task's assignee) stay editable. An
//!   approval still open (undecided) may change its dependencies: its packet changes, so it reopens.
//! - Tasks that ran keep their planned times (passed to the resolver as `fixed` by the caller).
//! - An event wait that has opened is frozen like any started task (its event name, `where` and
//!   timeout); received events stay with the workflow whatever the edit.
//! - Approvals whose review packet changed reopen (`edit::revalidate_approvals`) and their approvers
//!   are notified.

use super::action::{scope_str, Action, NotifyKind};
use super::apply::apply_all;
use super::edit::revalidate_approvals;
use super::model::{ApprovalStatus, Planned, Snapshot, TaskState, TaskStatus, WorkflowStatus};
use crate::schedule::{Plan, Shift, Times};
use crate::spec::{Step, TaskSpec, WorkflowSpec};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

/// One field that changes: `old → new` (JSON values of the canonical spec).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

/// A task whose spec changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskChange {
    pub task: String,
    pub fields: Vec<FieldChange>,
}

/// Everything an edit does, for `--dry-run`, the audit event and the store.
#[derive(Debug, Clone, Serialize)]
pub struct EditPlan {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<TaskChange>,
    /// Workflow-level fields (params, bindings, calendars, name, version...).
    pub workflow: Vec<FieldChange>,
    pub moved: Vec<DateMove>,
    /// Approval tasks that reopen for a new decision.
    pub reopened: Vec<String>,
    /// The engine actions applied with the edit (invalidations, status changes, notices).
    #[serde(skip)]
    pub actions: Vec<Action>,
    /// The workflow after the edit.
    #[serde(skip)]
    pub after: Snapshot,
}

/// A task whose planned due date moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateMove {
    pub task: String,
    pub old_due: Option<DateTime<Utc>>,
    pub new_due: Option<DateTime<Utc>>,
}

impl From<Shift> for DateMove {
    fn from(s: Shift) -> DateMove {
        DateMove {
            task: s.task,
            old_due: s.old_due,
            new_due: s.new_due,
        }
    }
}

/// What an edit changes, as printed and as the API returns it: an `EditPlan` without its actions and
/// the snapshot after.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EditDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<TaskChange>,
    pub workflow: Vec<FieldChange>,
    pub moved: Vec<DateMove>,
    pub reopened: Vec<String>,
}

impl EditPlan {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.workflow.is_empty()
            && self.moved.is_empty()
            && self.reopened.is_empty()
    }

    pub fn diff(&self) -> EditDiff {
        EditDiff {
            added: self.added.clone(),
            removed: self.removed.clone(),
            changed: self.changed.clone(),
            workflow: self.workflow.clone(),
            moved: self.moved.clone(),
            reopened: self.reopened.clone(),
        }
    }
}

/// Why an edit is refused; `task` is empty for workflow-level refusals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditRefusal {
    pub task: String,
    pub reason: String,
}

impl fmt::Display for EditRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.task.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "task `{}`: {}", self.task, self.reason)
        }
    }
}

/// What the database knows beyond the snapshot: tasks that have artifacts.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub artifacts: BTreeSet<String>,
}

/// Fields of a task that has run which may still change.
const PLANNING_FIELDS: &[&str] = &[
    "title",
    "window",
    "risk",
    "labels",
    "phase",
    "pre_release",
    "step.assignee",
];

/// Has this task started (now or ever)? Its execution identity is then frozen.
pub fn has_run(state: &TaskState) -> bool {
    state.attempt > 0
        || state.started_at.is_some()
        || state.finished_at.is_some()
        || matches!(
            state.status,
            TaskStatus::Running
                | TaskStatus::WaitingInput
                | TaskStatus::AwaitingDecision
                | TaskStatus::Succeeded
                | TaskStatus::Failed
        )
}

/// Why a task may not be deleted, if anything.
fn evidence_of(snapshot: &Snapshot, evidence: &Evidence, key: &str) -> Vec<String> {
    let mut why = Vec::new();
    if let Some(state) = snapshot.task(key) {
        // A task skipped or cancelled without an attempt left no evidence (as in the reference
        // system: attempts, artifacts and decided approvals are the evidence).
        if state.attempt > 0 {
            why.push(format!("it has {} attempt(s)", state.attempt));
        } else if matches!(state.status, TaskStatus::Succeeded | TaskStatus::Failed) {
            why.push(format!("it has run (status {})", state.status));
        } else if !state.status.is_terminal() && has_run(state) {
            why.push(format!("it is in progress (status {})", state.status));
        }
    }
    if evidence.artifacts.contains(key) {
        why.push("it has artifacts".into());
    }
    let decided = snapshot.approvals.iter().any(|a| {
        a.task == key
            && (!a.votes.is_empty()
                || matches!(
                    a.status,
                    ApprovalStatus::Granted | ApprovalStatus::Rejected | ApprovalStatus::Expired
                ))
    });
    if decided {
        why.push("it has a decided approval".into());
    }
    why
}

/// The times a task that has run keeps, for the resolver's `fixed`.
pub fn fixed_times(snapshot: &Snapshot) -> BTreeMap<String, Times> {
    snapshot
        .tasks
        .iter()
        .filter(|t| has_run(t))
        .filter_map(|t| {
            t.planned.map(|p| {
                (
                    t.key.clone(),
                    Times {
                        start: p.start,
                        due: p.due,
                        end: p.end,
                    },
                )
            })
        })
        .collect()
}

/// The canonical JSON fields of a task, with the step's fields flattened as `type`, `step.*`.
fn fields_of(task: &TaskSpec) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let Ok(Value::Object(map)) = serde_json::to_value(task) else {
        return out;
    };
    for (k, v) in map {
        if k == "step" {
            if let Value::Object(step) = v {
                for (sk, sv) in step {
                    let name = if sk == "type" {
                        "type".to_string()
                    } else {
                        format!("step.{sk}")
                    };
                    out.insert(name, sv);
                }
            }
        } else {
            out.insert(k, v);
        }
    }
    out
}

fn diff_maps(old: &BTreeMap<String, Value>, new: &BTreeMap<String, Value>) -> Vec<FieldChange> {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (o, n) = (
                old.get(k).cloned().unwrap_or(Value::Null),
                new.get(k).cloned().unwrap_or(Value::Null),
            );
            (o != n).then(|| FieldChange {
                field: k.clone(),
                old: o,
                new: n,
            })
        })
        .collect()
}

fn workflow_fields(spec: &WorkflowSpec) -> BTreeMap<String, Value> {
    match serde_json::to_value(spec) {
        Ok(Value::Object(mut map)) => {
            map.remove("tasks");
            map.into_iter().collect()
        }
        _ => Map::new().into_iter().collect(),
    }
}

/// Diffs `snapshot` against `new_spec` (resolved as `new_plan`) and decides the edit.
pub fn plan_edit(
    snapshot: &Snapshot,
    evidence: &Evidence,
    new_spec: Arc<WorkflowSpec>,
    new_plan: &Plan,
    allow_active: bool,
    now: DateTime<Utc>,
) -> Result<EditPlan, Vec<EditRefusal>> {
    let mut refusals = Vec::new();
    let refuse = |refusals: &mut Vec<EditRefusal>, task: &str, reason: String| {
        refusals.push(EditRefusal {
            task: task.to_string(),
            reason,
        })
    };
    let editable = match snapshot.status {
        WorkflowStatus::Draft | WorkflowStatus::Paused => true,
        WorkflowStatus::Active => allow_active,
        _ => false,
    };
    if !editable {
        refuse(
            &mut refusals,
            "",
            format!(
                "the workflow is {}; only a draft or paused workflow can be edited",
                snapshot.status
            ),
        );
        return Err(refusals);
    }
    let old_spec = &snapshot.spec;
    if new_spec.key != old_spec.key {
        refuse(
            &mut refusals,
            "",
            format!(
                "the new spec is template `{}`, the workflow runs `{}`",
                new_spec.key, old_spec.key
            ),
        );
    }
    let draft = snapshot.status == WorkflowStatus::Draft;

    let added: Vec<String> = new_spec
        .tasks
        .iter()
        .filter(|t| old_spec.task(&t.key).is_none())
        .map(|t| t.key.clone())
        .collect();
    let removed: Vec<String> = old_spec
        .tasks
        .iter()
        .filter(|t| new_spec.task(&t.key).is_none())
        .map(|t| t.key.clone())
        .collect();
    for key in &removed {
        let mut why = evidence_of(snapshot, evidence, key);
        let dependents: Vec<String> = new_spec
            .tasks
            .iter()
            .filter(|t| t.depends_on.iter().any(|d| &d.task == key))
            .map(|t| format!("`{}`", t.key))
            .collect();
        if !dependents.is_empty() {
            why.push(format!(
                "{} {} on it (remove {} first)",
                dependents.join(", "),
                if dependents.len() == 1 {
                    "depends"
                } else {
                    "depend"
                },
                if dependents.len() == 1 {
                    "that edge"
                } else {
                    "those edges"
                }
            ));
        }
        if !why.is_empty() {
            refuse(
                &mut refusals,
                key,
                format!("cannot be removed: {}", why.join(", ")),
            );
        }
    }
    if refusals.is_empty() {
        // The same checks as `rwf check`: a spec that would stall (a cycle, an unknown or self
        // dependency, a duplicate key) is refused here, so `--dry-run` and the real edit agree.
        for line in crate::check::one_line(&crate::check::spec_errors(&new_spec)) {
            refuse(
                &mut refusals,
                "",
                format!("the new spec fails `rwf check`: {line}"),
            );
        }
    }

    let mut changed = Vec::new();
    for new in &new_spec.tasks {
        let Some(old) = old_spec.task(&new.key) else {
            continue;
        };
        let fields = diff_maps(&fields_of(old), &fields_of(new));
        if fields.is_empty() {
            continue;
        }
        if let Some(state) = snapshot.task(&new.key).filter(|s| has_run(s)) {
            let open_approval = matches!(old.step, Step::Approval { .. })
                && state.status == TaskStatus::WaitingInput
                && snapshot
                    .approval(&new.key)
                    .is_some_and(|a| a.status == ApprovalStatus::Open && a.votes.is_empty());
            for f in &fields {
                let allowed = PLANNING_FIELDS.contains(&f.field.as_str())
                    || (open_approval && f.field == "depends_on");
                if !allowed {
                    refuse(
                        &mut refusals,
                        &new.key,
                        format!(
                            "`{}` is frozen: the task has {} (only title, window, risk, labels, phase, \
                             pre_release and assignee can change)",
                            f.field,
                            if state.status.is_terminal() {
                                "run"
                            } else {
                                "started"
                            }
                        ),
                    );
                }
            }
        }
        changed.push(TaskChange {
            task: new.key.clone(),
            fields,
        });
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }

    // The workflow after the edit, before approvals are revalidated.
    let planned_of = |key: &str| -> Option<Planned> {
        new_plan.task(key).and_then(|r| r.times).map(Planned::from)
    };
    let mut moved = Vec::new();
    let tasks: Vec<TaskState> = new_spec
        .tasks
        .iter()
        .map(|t| {
            let planned = planned_of(&t.key);
            match snapshot.task(&t.key) {
                Some(old) if !draft => {
                    let mut state = old.clone();
                    if !has_run(old) {
                        state.planned = planned;
                    }
                    if state.planned.map(|p| p.due) != old.planned.map(|p| p.due) {
                        moved.push(DateMove {
                            task: t.key.clone(),
                            old_due: old.planned.map(|p| p.due),
                            new_due: state.planned.map(|p| p.due),
                        });
                    }
                    state
                }
                old => {
                    if let Some(old) = old {
                        if old.planned.map(|p| p.due) != planned.map(|p| p.due) {
                            moved.push(DateMove {
                                task: t.key.clone(),
                                old_due: old.planned.map(|p| p.due),
                                new_due: planned.map(|p| p.due),
                            });
                        }
                    }
                    TaskState::new(t.key.clone(), planned)
                }
            }
        })
        .collect();
    let approvals = if draft {
        Vec::new()
    } else {
        snapshot
            .approvals
            .iter()
            .filter(|a| new_spec.task(&a.task).is_some())
            .cloned()
            .collect()
    };
    let mut after = Snapshot {
        id: snapshot.id,
        status: snapshot.status,
        spec: new_spec.clone(),
        target: new_plan.target,
        tasks,
        approvals,
        // Received events belong to the workflow, not to a task: an edit keeps them all (a draft's
        // latched events still wait for their tasks).
        events: snapshot.events.clone(),
        draining: snapshot.draining,
    };

    let mut actions = revalidate_approvals(&after);
    let reopened: Vec<String> = actions
        .iter()
        .filter_map(|a| match a {
            Action::InvalidateApproval { task, .. } => Some(task.clone()),
            _ => None,
        })
        .collect();
    for key in &reopened {
        let Some(round) = after.approval(key) else {
            continue;
        };
        let mut recipients: Vec<String> = round.approvers.iter().map(scope_str).collect();
        recipients.dedup();
        let title = new_spec
            .task(key)
            .map(|t| t.title.clone())
            .unwrap_or_default();
        actions.push(Action::Notify {
            kind: NotifyKind::ApprovalReopened,
            task: Some(key.clone()),
            recipients,
            title: format!("Approval reopened: {title}"),
            message: format!(
                "`{key}` changed after it was opened (round {}); it needs a new decision",
                round.round
            ),
        });
    }
    if let Err(e) = apply_all(&mut after, &actions, now) {
        return Err(vec![EditRefusal {
            task: String::new(),
            reason: format!("the approvals cannot be revalidated: {e}"),
        }]);
    }

    Ok(EditPlan {
        added,
        removed,
        changed,
        workflow: diff_maps(&workflow_fields(old_spec), &workflow_fields(&new_spec)),
        moved,
        reopened,
        actions,
        after,
    })
}
