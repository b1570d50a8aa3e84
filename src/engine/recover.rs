//! A mistake is not final: a person reopens a failed workflow into `paused`, and retries a failed task
//! with a fresh attempt once the cause is fixed (a typo in rwf.toml, an agent that was down). Pure.
//!
//! The evidence rules of the reference system hold: nothing that happened is erased. Attempts,
//! artifacts and decided approval rounds stay; a retried task keeps its attempt count, so its next
//! dispatch is attempt N+1 with a new idempotency key (a fresh run, never a replay of the failed one),
//! and it gets its whole retry budget again. Both are audited as the person's action.

use super::action::Action;
use super::actor::{HumanActor, Refusal};
use super::model::{Snapshot, TaskStatus, WorkflowStatus};
use std::collections::BTreeSet;

/// A failed workflow back to `paused`: the tasks the failure cancelled are pending again, the failed
/// ones stay failed (retry them, or edit the plan), and nothing runs until `resume`.
pub fn reopen(snapshot: &Snapshot, actor: &HumanActor) -> Result<Vec<Action>, Refusal> {
    if snapshot.status != WorkflowStatus::Failed {
        return Err(Refusal::Illegal(format!(
            "only a failed workflow is reopened; this one is {}",
            snapshot.status
        )));
    }
    let person = actor.name();
    let mut out = vec![Action::SetWorkflowStatus {
        from: WorkflowStatus::Failed,
        to: WorkflowStatus::Paused,
        reason: format!("reopened by {person}"),
    }];
    for t in &snapshot.tasks {
        if t.status == TaskStatus::Cancelled {
            out.push(Action::SetTaskStatus {
                task: t.key.clone(),
                from: TaskStatus::Cancelled,
                to: TaskStatus::Pending,
                reason: format!("the workflow was reopened by {person}"),
            });
        }
    }
    Ok(out)
}

/// A failed task pending again, for a fresh attempt; the tasks downstream of it that were skipped
/// (because it failed) are pending again too. The workflow must be paused or active (reopen a failed
/// one first).
pub fn retry(snapshot: &Snapshot, task: &str, actor: &HumanActor) -> Result<Vec<Action>, Refusal> {
    let state = snapshot
        .task(task)
        .ok_or_else(|| Refusal::UnknownTask(task.into()))?;
    match snapshot.status {
        WorkflowStatus::Active | WorkflowStatus::Paused => {}
        WorkflowStatus::Failed => {
            return Err(Refusal::Illegal(
                "the workflow failed: reopen it first (`rwf reopen WF`), then retry the task"
                    .into(),
            ))
        }
        other => return Err(Refusal::WorkflowNotActive(other.to_string())),
    }
    if state.status != TaskStatus::Failed {
        return Err(Refusal::Illegal(format!(
            "only a failed task is retried; `{task}` is {}",
            state.status
        )));
    }
    let person = actor.name();
    let mut out = vec![Action::SetTaskStatus {
        task: task.into(),
        from: TaskStatus::Failed,
        to: TaskStatus::Pending,
        reason: format!(
            "retried by {person}: attempt {} will be a fresh run",
            state.attempt + 1
        ),
    }];
    // Everything downstream along `after` edges that was skipped is decided again.
    let mut seen = BTreeSet::from([task.to_string()]);
    let mut frontier = vec![task.to_string()];
    while let Some(up) = frontier.pop() {
        for t in &snapshot.spec.tasks {
            if t.depends_on.iter().any(|d| d.task == up) && seen.insert(t.key.clone()) {
                if snapshot
                    .task(&t.key)
                    .is_some_and(|s| s.status == TaskStatus::Skipped)
                {
                    out.push(Action::SetTaskStatus {
                        task: t.key.clone(),
                        from: TaskStatus::Skipped,
                        to: TaskStatus::Pending,
                        reason: format!("`{task}` is retried by {person}"),
                    });
                }
                frontier.push(t.key.clone());
            }
        }
    }
    Ok(out)
}
