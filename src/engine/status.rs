//! The three state machines (workflow, task, approval round) in one place.
//!
//! Every status change the engine emits goes through `task_transition`, `workflow_transition` or
//! `approval_transition`; the reconciler never produces a change these refuse (tested over random
//! scripts in `tests/engine.rs`). The store may call them too, as its own CAS guard.

use super::model::{ApprovalStatus, TaskStatus, WorkflowStatus};
use std::fmt;

/// A refused status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalTransition {
    pub machine: &'static str,
    pub from: String,
    pub to: String,
}

impl fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "illegal {} transition {} -> {}",
            self.machine, self.from, self.to
        )
    }
}

impl std::error::Error for IllegalTransition {}

/// Legal task status changes:
///
/// ```text
/// pending ──▶ running | waiting_input | awaiting_decision | skipped | failed | cancelled
/// running ──▶ succeeded | failed | skipped (on_failure skip) | pending (retry) | waiting_input | cancelled
/// waiting_input ──▶ running (input answered) | succeeded | failed | skipped | pending (revision) | cancelled
/// awaiting_decision ──▶ pending (run anyway) | skipped | failed | cancelled
/// succeeded ──▶ pending (re-run for a `needs_revision` rejection downstream)
/// failed ──▶ pending (a person retries it: `engine::recover`)
/// skipped ──▶ pending (downstream of a retried task)
/// cancelled ──▶ pending (its failed workflow is reopened)
/// ```
pub fn task_transition(from: TaskStatus, to: TaskStatus) -> Result<TaskStatus, IllegalTransition> {
    use TaskStatus::*;
    let ok = match from {
        Pending => matches!(
            to,
            Running | WaitingInput | AwaitingDecision | Skipped | Failed | Cancelled
        ),
        Running => matches!(
            to,
            Succeeded | Failed | Skipped | Pending | WaitingInput | Cancelled
        ),
        WaitingInput => matches!(
            to,
            Running | Succeeded | Failed | Skipped | Pending | Cancelled
        ),
        AwaitingDecision => matches!(to, Pending | Skipped | Failed | Cancelled),
        Succeeded | Failed | Skipped | Cancelled => matches!(to, Pending),
    };
    if ok {
        Ok(to)
    } else {
        Err(IllegalTransition {
            machine: "task",
            from: from.to_string(),
            to: to.to_string(),
        })
    }
}

/// Legal workflow status changes:
///
/// ```text
/// draft ──▶ active | cancelled
/// active ──▶ paused | completed | failed | cancelled
/// paused ──▶ active | cancelled
/// failed ──▶ paused (a person reopens it: `engine::recover`)
/// ```
pub fn workflow_transition(
    from: WorkflowStatus,
    to: WorkflowStatus,
) -> Result<WorkflowStatus, IllegalTransition> {
    use WorkflowStatus::*;
    let ok = match from {
        Draft => matches!(to, Active | Cancelled),
        Active => matches!(to, Paused | Completed | Failed | Cancelled),
        Paused => matches!(to, Active | Cancelled),
        Failed => matches!(to, Paused),
        Completed | Cancelled => false,
    };
    if ok {
        Ok(to)
    } else {
        Err(IllegalTransition {
            machine: "workflow",
            from: from.to_string(),
            to: to.to_string(),
        })
    }
}

/// Legal approval round changes: an open round closes once (granted, rejected, expired, invalidated);
/// a granted round may still be invalidated when its content changes.
pub fn approval_transition(
    from: ApprovalStatus,
    to: ApprovalStatus,
) -> Result<ApprovalStatus, IllegalTransition> {
    use ApprovalStatus::*;
    let ok = match from {
        Open => matches!(to, Granted | Rejected | Expired | Invalidated),
        Granted => matches!(to, Invalidated),
        Rejected | Expired | Invalidated => false,
    };
    if ok {
        Ok(to)
    } else {
        Err(IllegalTransition {
            machine: "approval",
            from: from.to_string(),
            to: to.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_tasks_only_go_back_to_pending() {
        // Back to pending only: a revision, a person's retry, a reopened workflow.
        for from in TaskStatus::ALL.into_iter().filter(|s| s.is_terminal()) {
            for to in TaskStatus::ALL {
                assert_eq!(
                    task_transition(from, to).is_ok(),
                    to == TaskStatus::Pending,
                    "{from} -> {to}"
                );
            }
        }
        assert!(task_transition(TaskStatus::Succeeded, TaskStatus::Pending).is_ok());
        assert!(task_transition(TaskStatus::Succeeded, TaskStatus::Running).is_err());
    }

    #[test]
    fn no_self_loops() {
        for s in TaskStatus::ALL {
            assert!(task_transition(s, s).is_err(), "{s}");
        }
        for s in WorkflowStatus::ALL {
            assert!(workflow_transition(s, s).is_err(), "{s}");
        }
    }

    #[test]
    fn terminal_workflows_stay() {
        for from in [WorkflowStatus::Completed, WorkflowStatus::Cancelled] {
            for to in WorkflowStatus::ALL {
                assert!(workflow_transition(from, to).is_err());
            }
        }
        // A failed workflow is reopened into paused by a person, and goes nowhere else.
        for to in WorkflowStatus::ALL {
            assert_eq!(
                workflow_transition(WorkflowStatus::Failed, to).is_ok(),
                to == WorkflowStatus::Paused,
                "failed -> {to}"
            );
        }
        let e = workflow_transition(WorkflowStatus::Draft, WorkflowStatus::Paused).unwrap_err();
        assert_eq!(e.to_string(), "illegal workflow transition draft -> paused");
    }
}
