//! After an edit: approvals signed against content that changed are reopened, never silently kept.
//!
//! The store calls `revalidate_approvals` on the edited snapshot (a paused workflow, under the
//! per-workflow lock) and applies the actions with the edit. An open round whose review packet changed
//! is invalidated and its task goes back to pending (it reopens, with the new packet, on resume). A
//! granted round is reopened the same way only while nothing downstream of it has started; once
//! consumed, it stands as the record of what was approved.

use super::action::Action;
use super::model::{ApprovalStatus, Snapshot, TaskStatus};
use super::reconcile::packet_hash;
use crate::spec::Step;

pub fn revalidate_approvals(snapshot: &Snapshot) -> Vec<Action> {
    let mut out = Vec::new();
    for spec in &snapshot.spec.tasks {
        if !matches!(spec.step, Step::Approval { .. }) {
            continue;
        }
        let (Some(round), Some(state)) = (snapshot.approval(&spec.key), snapshot.task(&spec.key))
        else {
            continue;
        };
        if round.packet_hash == packet_hash(snapshot, spec) {
            continue;
        }
        let reopen = match round.status {
            ApprovalStatus::Open => state.status == TaskStatus::WaitingInput,
            ApprovalStatus::Granted => {
                state.status == TaskStatus::Succeeded
                    && snapshot
                        .spec
                        .tasks
                        .iter()
                        .filter(|t| t.depends_on.iter().any(|d| d.task == spec.key))
                        .all(|t| {
                            snapshot
                                .task(&t.key)
                                .is_some_and(|s| s.status == TaskStatus::Pending && s.attempt == 0)
                        })
            }
            _ => false,
        };
        if !reopen {
            continue;
        }
        out.push(Action::InvalidateApproval {
            task: spec.key.clone(),
            round: round.round,
            reason: "its review packet changed".into(),
        });
        out.push(Action::SetTaskStatus {
            task: spec.key.clone(),
            from: state.status,
            to: TaskStatus::Pending,
            reason: "the content under approval changed; it reopens for a new decision".into(),
        });
    }
    out
}
