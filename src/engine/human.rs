//! What people do: approve or reject, mark a manual task done, run or skip a task that missed its
//! window, and the workflow lifecycle (start, pause, resume, cancel). Pure: each returns the actions
//! to apply (under the store's per-workflow lock), or a `Refusal` that says why not.
//!
//! Approvals are human-only: `decide` is the only function that emits `RecordVote`/`GrantApproval`,
//! and it takes a `HumanActor`. Quorum counts distinct people; a person votes once per round; a
//! person who acted on the `not_author_of` task may not approve.

use super::action::{Action, NotifyKind};
use super::actor::{in_scope, HumanActor, Membership, Refusal};
use super::model::{ApprovalStatus, Snapshot, TaskStatus, Verdict, WorkflowStatus};
use super::reconcile::{reject_consequences, stop_workflow};
use crate::spec::{Scope, Step};
use chrono::{DateTime, Utc};

fn scopes_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(super::action::scope_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The person who acted on a task: who marked it done, else its assignee when that is one person.
pub fn author_of(snapshot: &Snapshot, task: &str) -> Option<String> {
    if let Some(a) = snapshot.task(task).and_then(|t| t.actor.clone()) {
        return Some(a);
    }
    match &snapshot.spec.task(task)?.step {
        Step::Manual {
            assignee: Some(Scope::User(u)),
            ..
        } => Some(u.clone()),
        _ => None,
    }
}

/// When an approval that has no round yet opens: its planned time (in the release zone) and the
/// upstream tasks it still waits for.
fn opens_when(snapshot: &Snapshot, task: &str) -> String {
    let Some(state) = snapshot.task(task) else {
        return "it has no state yet".into();
    };
    if state.status.is_terminal() {
        return format!("it ended without opening (status {})", state.status);
    }
    let mut parts = Vec::new();
    if let Some(p) = state.planned {
        parts.push(format!(
            "it is planned to open {}",
            super::reconcile::fmt_local(snapshot, p.start)
        ));
    }
    let waiting: Vec<String> = snapshot
        .spec
        .task(task)
        .map(|t| t.depends_on.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|d| {
            let up = snapshot.task(&d.task)?;
            (!up.status.is_terminal()).then(|| format!("{} ({})", d.task, up.status))
        })
        .collect();
    if !waiting.is_empty() {
        parts.push(format!("after {}", waiting.join(", ")));
    }
    if snapshot.status == WorkflowStatus::Paused {
        parts.push("once the workflow is resumed".into());
    }
    if parts.is_empty() {
        "it opens when the worker next reconciles this workflow".into()
    } else {
        parts.join(", ")
    }
}

/// A person approves or rejects the open round of an approval task.
pub fn decide(
    snapshot: &Snapshot,
    task: &str,
    actor: &HumanActor,
    verdict: Verdict,
    reason: Option<&str>,
    directory: &dyn Membership,
) -> Result<Vec<Action>, Refusal> {
    let spec = snapshot
        .spec
        .task(task)
        .ok_or_else(|| Refusal::UnknownTask(task.into()))?;
    let Step::Approval { not_author_of, .. } = &spec.step else {
        return Err(Refusal::NotAnApproval(task.into()));
    };
    if !matches!(
        snapshot.status,
        WorkflowStatus::Active | WorkflowStatus::Paused
    ) {
        return Err(Refusal::WorkflowNotActive(snapshot.status.to_string()));
    }
    let round = snapshot.approval(task).ok_or_else(|| Refusal::NotOpenYet {
        task: task.into(),
        when: opens_when(snapshot, task),
    })?;
    match round.status {
        ApprovalStatus::Open => {}
        ApprovalStatus::Invalidated => return Err(Refusal::Invalidated(task.into())),
        other => {
            return Err(Refusal::Closed {
                task: task.into(),
                status: other.to_string(),
            })
        }
    }
    let person = actor.name();
    if !in_scope(person, &round.approvers, directory) {
        return Err(Refusal::NotInScope {
            person: person.into(),
            task: task.into(),
            approvers: scopes_text(&round.approvers),
        });
    }
    if round.votes.iter().any(|v| v.actor == person) {
        return Err(Refusal::AlreadyVoted {
            person: person.into(),
            task: task.into(),
        });
    }
    if let Some(of) = not_author_of {
        if author_of(snapshot, of).as_deref() == Some(person) {
            return Err(Refusal::Author {
                person: person.into(),
                task: task.into(),
                of: of.clone(),
            });
        }
    }
    let state = snapshot
        .task(task)
        .ok_or_else(|| Refusal::UnknownTask(task.into()))?;
    let mut out = vec![Action::RecordVote {
        task: task.into(),
        round: round.round,
        actor: person.into(),
        verdict,
        reason: reason.map(str::to_string),
    }];
    match verdict {
        Verdict::Approve => {
            if round.approvals() + 1 >= round.quorum.max(1) as usize {
                out.push(Action::GrantApproval {
                    task: task.into(),
                    round: round.round,
                });
                let reason = format!(
                    "approval granted ({} of {})",
                    round.approvals() + 1,
                    round.quorum
                );
                out.push(Action::SetTaskStatus {
                    task: task.into(),
                    from: state.status,
                    to: TaskStatus::Succeeded,
                    reason: reason.clone(),
                });
                out.push(decided(
                    snapshot,
                    task,
                    "granted",
                    format!("{reason}, last by {person}"),
                ));
            }
        }
        Verdict::Reject => {
            let why = match reason {
                Some(r) => format!("{person}: {r}"),
                None => format!("{person} rejected it"),
            };
            out.push(Action::RejectApproval {
                task: task.into(),
                round: round.round,
                reason: why.clone(),
            });
            out.extend(reject_consequences(snapshot, spec, &why));
            out.push(decided(snapshot, task, "rejected", why));
        }
    }
    Ok(out)
}

/// The owner hears of a decided approval (recipients empty: the workflow's own feed, as for
/// workflow_completed).
fn decided(snapshot: &Snapshot, task: &str, how: &str, message: String) -> Action {
    let title = snapshot
        .spec
        .task(task)
        .map(|t| super::render::render_text(snapshot, &t.title))
        .unwrap_or_else(|| task.to_string());
    Action::Notify {
        kind: NotifyKind::ApprovalDecided,
        task: Some(task.into()),
        recipients: Vec::new(),
        title: format!("Approval {how}: {title}"),
        message,
    }
}

/// A person marks a manual task done (or answers an agent that asked for input), with an optional
/// output that downstream tasks read as `${task.output...}`.
pub fn complete(
    snapshot: &Snapshot,
    task: &str,
    actor: &HumanActor,
    output: Option<serde_json::Value>,
    directory: &dyn Membership,
) -> Result<Vec<Action>, Refusal> {
    let spec = snapshot
        .spec
        .task(task)
        .ok_or_else(|| Refusal::UnknownTask(task.into()))?;
    let state = snapshot
        .task(task)
        .ok_or_else(|| Refusal::UnknownTask(task.into()))?;
    if matches!(spec.step, Step::Approval { .. }) {
        return Err(Refusal::Illegal(format!(
            "`{task}` is an approval: use `rwf approve` or `rwf reject`"
        )));
    }
    if snapshot.status.is_terminal() || snapshot.status == WorkflowStatus::Draft {
        return Err(Refusal::WorkflowNotActive(snapshot.status.to_string()));
    }
    if state.status != TaskStatus::WaitingInput {
        return Err(Refusal::NotWaiting {
            task: task.into(),
            status: state.status.to_string(),
        });
    }
    if let Step::Manual {
        assignee: Some(scope),
        ..
    } = &spec.step
    {
        if !in_scope(actor.name(), std::slice::from_ref(scope), directory) {
            return Err(Refusal::NotAssignee {
                person: actor.name().into(),
                task: task.into(),
                assignee: super::action::scope_str(scope),
            });
        }
    }
    Ok(vec![
        Action::RecordOutput {
            task: task.into(),
            output: output.unwrap_or(serde_json::Value::Null),
            actor: Some(actor.name().into()),
        },
        Action::SetTaskStatus {
            task: task.into(),
            from: TaskStatus::WaitingInput,
            to: TaskStatus::Succeeded,
            reason: format!("done by {actor}"),
        },
    ])
}

/// A person decides a task that missed its window (`on_missed require_manual_decision`).
pub fn resolve_missed(
    snapshot: &Snapshot,
    task: &str,
    actor: &HumanActor,
    run: bool,
) -> Result<Vec<Action>, Refusal> {
    let state = snapshot
        .task(task)
        .ok_or_else(|| Refusal::UnknownTask(task.into()))?;
    if state.status != TaskStatus::AwaitingDecision {
        return Err(Refusal::NotAwaitingDecision {
            task: task.into(),
            status: state.status.to_string(),
        });
    }
    Ok(if run {
        vec![
            Action::ForceRun { task: task.into() },
            Action::SetTaskStatus {
                task: task.into(),
                from: TaskStatus::AwaitingDecision,
                to: TaskStatus::Pending,
                reason: format!("{actor} chose to run it after its missed window"),
            },
        ]
    } else {
        vec![Action::SetTaskStatus {
            task: task.into(),
            from: TaskStatus::AwaitingDecision,
            to: TaskStatus::Skipped,
            reason: format!("{actor} chose to skip it after its missed window"),
        }]
    })
}

/// Lifecycle verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Start,
    Pause,
    Resume,
    Cancel,
}

/// Start, pause, resume or cancel. Cancel stops pending work at once and running agents by their
/// `on_cancel` (abort: cancelled now; drain: left to finish, nothing new starts).
pub fn lifecycle(
    snapshot: &Snapshot,
    verb: Lifecycle,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Action>, Refusal> {
    let _ = now;
    let (to, reason) = match verb {
        Lifecycle::Start => (WorkflowStatus::Active, format!("started by {actor}")),
        Lifecycle::Pause => (WorkflowStatus::Paused, format!("paused by {actor}")),
        Lifecycle::Resume => (WorkflowStatus::Active, format!("resumed by {actor}")),
        Lifecycle::Cancel => (WorkflowStatus::Cancelled, format!("cancelled by {actor}")),
    };
    let legal = match verb {
        Lifecycle::Start => snapshot.status == WorkflowStatus::Draft,
        Lifecycle::Resume => snapshot.status == WorkflowStatus::Paused,
        _ => super::status::workflow_transition(snapshot.status, to).is_ok(),
    };
    if !legal {
        return Err(Refusal::Illegal(format!(
            "cannot {} a {} workflow",
            match verb {
                Lifecycle::Start => "start",
                Lifecycle::Pause => "pause",
                Lifecycle::Resume => "resume",
                Lifecycle::Cancel => "cancel",
            },
            snapshot.status
        )));
    }
    if verb == Lifecycle::Cancel {
        return Ok(stop_workflow(
            snapshot,
            WorkflowStatus::Cancelled,
            &reason,
            None,
        ));
    }
    let notice = match verb {
        Lifecycle::Pause => Some((NotifyKind::WorkflowPaused, "paused")),
        Lifecycle::Resume => Some((NotifyKind::WorkflowResumed, "resumed")),
        _ => None,
    };
    let mut out = vec![Action::SetWorkflowStatus {
        from: snapshot.status,
        to,
        reason: reason.clone(),
    }];
    if let Some((kind, word)) = notice {
        // The owner hears of it (recipients empty: the workflow's own feed).
        let name = super::render::render_text(snapshot, &snapshot.spec.name);
        out.push(Action::Notify {
            kind,
            task: None,
            recipients: Vec::new(),
            title: format!("{name} {word}"),
            message: reason,
        });
    }
    Ok(out)
}
