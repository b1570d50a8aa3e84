//! Applies actions to an in-memory snapshot: the simulator's store, the reconciler's working copy,
//! and the reference semantics the Postgres store mirrors row by row.
//!
//! Every status change is checked against the state machines and against the current status (`from`
//! must match: the in-memory CAS). Side-effect actions (`Dispatch`, `Notify`) change only what they
//! record (the attempt number); performing them is the caller's job.

use super::action::Action;
use super::model::{ApprovalState, ApprovalStatus, Snapshot, TaskState, TaskStatus};
use super::status::{approval_transition, task_transition, workflow_transition};
use chrono::{DateTime, Utc};
use std::fmt;

/// An action that does not fit the snapshot (stale `from`, unknown task, illegal transition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyError(pub String);

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ApplyError {}

fn round_mut<'a>(
    snapshot: &'a mut Snapshot,
    task: &str,
    round: u32,
) -> Result<&'a mut ApprovalState, ApplyError> {
    snapshot
        .approvals
        .iter_mut()
        .find(|a| a.task == task && a.round == round)
        .ok_or_else(|| ApplyError(format!("no approval round {round} for `{task}`")))
}

fn close(
    snapshot: &mut Snapshot,
    task: &str,
    round: u32,
    to: ApprovalStatus,
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    let a = round_mut(snapshot, task, round)?;
    a.status = approval_transition(a.status, to).map_err(|e| ApplyError(e.to_string()))?;
    a.closed_at = Some(now);
    a.next_reminder_at = None;
    Ok(())
}

/// The state of task `key`, at `hint` in `snapshot.tasks` when that is where it is.
fn state<'a>(
    snapshot: &'a mut Snapshot,
    key: &str,
    hint: Option<usize>,
) -> Result<&'a mut TaskState, ApplyError> {
    let i = hint
        .filter(|&i| snapshot.tasks.get(i).is_some_and(|t| t.key == key))
        .or_else(|| snapshot.tasks.iter().position(|t| t.key == key))
        .ok_or_else(|| ApplyError(format!("unknown task `{key}`")))?;
    Ok(&mut snapshot.tasks[i])
}

/// Applies one action at `now`.
pub fn apply(
    snapshot: &mut Snapshot,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    apply_at(snapshot, action, now, None)
}

/// `apply` by a caller that knows where the action's task is in `snapshot.tasks` (`hint`), so a large
/// workflow is not searched for it.
pub(super) fn apply_at(
    snapshot: &mut Snapshot,
    action: &Action,
    now: DateTime<Utc>,
    hint: Option<usize>,
) -> Result<(), ApplyError> {
    match action {
        Action::SetTaskStatus { task, from, to, .. } => {
            let t = state(snapshot, task, hint)?;
            if t.status != *from {
                return Err(ApplyError(format!(
                    "stale change of `{task}`: it is {}, not {from}",
                    t.status
                )));
            }
            t.status = task_transition(*from, *to).map_err(|e| ApplyError(e.to_string()))?;
            if from.is_terminal() {
                t.finished_at = None;
            }
            if matches!(
                *from,
                super::model::TaskStatus::Succeeded
                    | super::model::TaskStatus::Failed
                    | super::model::TaskStatus::Cancelled
            ) {
                // Sent back for revision, retried or reopened by a person: the re-run gets the
                // whole retry budget again (its attempt numbers, and so its keys, continue).
                t.attempts_before = t.attempt;
            }
            if *from == super::model::TaskStatus::Pending && to.is_in_flight() {
                t.started_at = Some(now);
            }
            if to.is_terminal() {
                t.finished_at = Some(now);
                t.next_attempt_at = None;
            }
        }
        Action::Dispatch { task, attempt, .. } => {
            let t = state(snapshot, task, hint)?;
            t.attempt = *attempt;
            t.next_attempt_at = None;
        }
        Action::StartTimer { task, at } => {
            state(snapshot, task, hint)?.timer_at = Some(*at);
        }
        Action::CompleteTimer { task } => {
            state(snapshot, task, hint)?.timer_at = None;
        }
        Action::RecordOutput {
            task,
            output,
            actor,
        } => {
            let t = state(snapshot, task, hint)?;
            t.output = Some(output.clone());
            if actor.is_some() {
                t.actor = actor.clone();
            }
        }
        Action::OpenApproval {
            task,
            round,
            approvers,
            quorum,
            deadline_at,
            next_reminder_at,
            packet_hash,
        } => {
            state(snapshot, task, hint)?;
            if snapshot
                .approval(task)
                .is_some_and(|a| a.status == ApprovalStatus::Open)
            {
                return Err(ApplyError(format!("approval `{task}` is already open")));
            }
            snapshot.approvals.push(ApprovalState {
                task: task.clone(),
                round: *round,
                status: ApprovalStatus::Open,
                opened_at: now,
                deadline_at: *deadline_at,
                approvers: approvers.clone(),
                quorum: *quorum,
                votes: Vec::new(),
                reminders_sent: 0,
                next_reminder_at: *next_reminder_at,
                escalated: false,
                overdue_notified: false,
                packet_hash: packet_hash.clone(),
                closed_at: None,
            });
        }
        Action::RecordVote {
            task,
            round,
            actor,
            verdict,
            reason,
        } => {
            let a = round_mut(snapshot, task, *round)?;
            if a.status != ApprovalStatus::Open {
                return Err(ApplyError(format!("approval `{task}` is {}", a.status)));
            }
            a.votes.push(super::model::Vote {
                actor: actor.clone(),
                verdict: *verdict,
                reason: reason.clone(),
                at: now,
            });
        }
        Action::GrantApproval { task, round } => {
            close(snapshot, task, *round, ApprovalStatus::Granted, now)?
        }
        Action::RejectApproval { task, round, .. } => {
            close(snapshot, task, *round, ApprovalStatus::Rejected, now)?
        }
        Action::ExpireApproval { task, round } => {
            close(snapshot, task, *round, ApprovalStatus::Expired, now)?
        }
        Action::InvalidateApproval { task, round, .. } => {
            close(snapshot, task, *round, ApprovalStatus::Invalidated, now)?
        }
        Action::SendReminder {
            task,
            round,
            next_at,
        } => {
            let a = round_mut(snapshot, task, *round)?;
            a.reminders_sent += 1;
            a.next_reminder_at = *next_at;
        }
        Action::Escalate {
            task,
            round,
            add,
            deadline_at,
        } => {
            let a = round_mut(snapshot, task, *round)?;
            for s in add {
                if !a.approvers.contains(s) {
                    a.approvers.push(s.clone());
                }
            }
            a.escalated = true;
            a.deadline_at = *deadline_at;
        }
        Action::MarkOverdue { task, round } => {
            round_mut(snapshot, task, *round)?.overdue_notified = true;
        }
        Action::Notify { .. } => {}
        Action::ScheduleRetry {
            task, at, reason, ..
        } => {
            let t = state(snapshot, task, hint)?;
            t.next_attempt_at = Some(*at);
            t.last_error = Some(reason.clone());
        }
        Action::RecordError { task, error } => {
            state(snapshot, task, hint)?.last_error = Some(error.clone());
        }
        Action::MarkMissed { task, .. } => {
            state(snapshot, task, hint)?.missed = true;
        }
        Action::RequireDecision { task } => {
            state(snapshot, task, hint)?;
        }
        Action::ForceRun { task } => {
            state(snapshot, task, hint)?.forced = true;
        }
        Action::SetWorkflowStatus { from, to, .. } => {
            if snapshot.status != *from {
                return Err(ApplyError(format!(
                    "stale workflow change: it is {}, not {from}",
                    snapshot.status
                )));
            }
            snapshot.status =
                workflow_transition(*from, *to).map_err(|e| ApplyError(e.to_string()))?;
        }
        Action::StartDrain => snapshot.draining = true,
        Action::ReceiveEvent {
            event_id,
            name,
            data,
            sender,
        } => {
            if snapshot.events.iter().any(|e| e.id == *event_id) {
                return Err(ApplyError(format!(
                    "event `{event_id}` was already received"
                )));
            }
            snapshot.events.push(super::model::ExternalEvent {
                id: event_id.clone(),
                name: name.clone(),
                data: data.clone(),
                sender: sender.clone(),
                received_at: now,
                consumed_by: None,
                consumed_at: None,
            });
        }
        Action::RepeatEvent { .. } => {}
        Action::ConsumeEvent { task, event_id } => {
            state(snapshot, task, hint)?;
            let e = snapshot
                .events
                .iter_mut()
                .find(|e| e.id == *event_id)
                .ok_or_else(|| ApplyError(format!("no event `{event_id}`")))?;
            if let Some(by) = &e.consumed_by {
                return Err(ApplyError(format!(
                    "event `{event_id}` was already consumed by `{by}`"
                )));
            }
            e.consumed_by = Some(task.clone());
            e.consumed_at = Some(now);
        }
        Action::EventTimedOut { task, .. } => {
            state(snapshot, task, hint)?.timer_at = None;
        }
        Action::Expand {
            block,
            labels,
            items,
            ..
        } => expand(snapshot, block, labels, items)?,
    }
    Ok(())
}

/// Replaces a `for each` block's prototypes (every one still pending) by their copies, in spec and
/// state: a copy starts pending with its prototype's planned times.
fn expand(
    snapshot: &mut Snapshot,
    block: &str,
    labels: &[String],
    items: &[serde_json::Value],
) -> Result<(), ApplyError> {
    let Some(b) = snapshot.spec.flow.prototype_of(block) else {
        return Err(ApplyError(format!(
            "no unexpanded `for each` starts with `{block}`"
        )));
    };
    for k in &b.tasks {
        if let Some(t) = snapshot.task(k).filter(|t| t.status != TaskStatus::Pending) {
            return Err(ApplyError(format!(
                "`{k}` is {}, so its block cannot expand",
                t.status
            )));
        }
    }
    let mut spec = (*snapshot.spec).clone();
    let pairs: Vec<(String, serde_json::Value)> =
        labels.iter().cloned().zip(items.iter().cloned()).collect();
    crate::compile::expand::expand_output(&mut spec, block, &pairs).map_err(ApplyError)?;
    let mut old: std::collections::HashMap<String, TaskState> = std::mem::take(&mut snapshot.tasks)
        .into_iter()
        .map(|t| (t.key.clone(), t))
        .collect();
    let planned: std::collections::HashMap<String, Option<super::model::Planned>> =
        old.iter().map(|(k, t)| (k.clone(), t.planned)).collect();
    snapshot.tasks = spec
        .tasks
        .iter()
        .map(|t| {
            old.remove(&t.key).unwrap_or_else(|| {
                let base = t.key.split_once('[').map_or(t.key.as_str(), |(b, _)| b);
                TaskState::new(t.key.clone(), planned.get(base).copied().flatten())
            })
        })
        .collect();
    snapshot.spec = std::sync::Arc::new(spec);
    Ok(())
}

/// Applies every action in order; stops at the first that does not fit.
pub fn apply_all(
    snapshot: &mut Snapshot,
    actions: &[Action],
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    actions.iter().try_for_each(|a| apply(snapshot, a, now))
}
