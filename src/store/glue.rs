//! The engine entry points the store drives, in one place: reconcile, apply, agent outcomes, and the
//! human paths (decide, done, lifecycle). Everything here is pure; the store wraps it in transactions.

use crate::engine::{Action, Decision, HookHost, Snapshot};
use crate::exec::AgentOutcome;
use chrono::{DateTime, Utc};

pub fn reconcile(snapshot: &Snapshot, now: DateTime<Utc>, hooks: &dyn HookHost) -> Decision {
    crate::engine::reconcile(snapshot, now, hooks)
}

/// A decision that only carries actions (outcomes, human paths): the gate ledger is left as it is.
pub fn actions_only(actions: Vec<Action>) -> Decision {
    Decision {
        actions,
        next_wake: None,
        gates: Vec::new(),
    }
}

/// The snapshot after the decision's actions. An action that does not apply is a stale decision.
pub fn applied(
    snapshot: &Snapshot,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<Snapshot, String> {
    let mut next = snapshot.clone();
    apply(&mut next, decision, now)?;
    Ok(next)
}

/// `applied` in place, without a copy. On `Err` the snapshot may be part-way: rebuild it.
pub fn apply(
    snapshot: &mut Snapshot,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<(), String> {
    crate::engine::apply::apply_all(snapshot, &decision.actions, now).map_err(|e| e.to_string())
}

/// An agent outcome for `task`'s `attempt`. `Err`: the task moved on (stale outcome).
pub fn outcome(
    snapshot: &Snapshot,
    task: &str,
    attempt: u32,
    outcome: &AgentOutcome,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Result<Decision, String> {
    crate::engine::outcome::settle(snapshot, task, attempt, outcome, now, hooks)
        .map(actions_only)
        .map_err(|e| format!("{e:?}"))
}

/// The human paths, each a refusal (with its reason) or the actions to apply.
pub enum Human {
    Decide {
        verdict: crate::engine::Verdict,
        reason: Option<String>,
    },
    /// A manual task done, an agent's question answered, or (with `run`) a missed-window decision.
    Done {
        output: Option<serde_json::Value>,
        skip: bool,
    },
}

pub fn human(
    snapshot: &Snapshot,
    task: &str,
    actor: &str,
    what: Human,
    directory: &dyn crate::engine::Membership,
) -> Result<Decision, String> {
    let person = crate::engine::HumanActor::person(actor).map_err(|e| e.to_string())?;
    let actions = match what {
        Human::Decide { verdict, reason } => crate::engine::decide(
            snapshot,
            task,
            &person,
            verdict,
            reason.as_deref(),
            directory,
        ),
        Human::Done { output, skip } => {
            let awaiting = snapshot
                .task(task)
                .is_some_and(|t| t.status == crate::engine::TaskStatus::AwaitingDecision);
            if awaiting {
                crate::engine::resolve_missed(snapshot, task, &person, !skip)
            } else if skip {
                Err(crate::engine::Refusal::Illegal(format!(
                    "`{task}` is not awaiting a missed-window decision; --skip only answers those"
                )))
            } else {
                crate::engine::complete(snapshot, task, &person, output, directory)
            }
        }
    };
    actions.map(actions_only).map_err(|e| e.to_string())
}

pub fn lifecycle(
    snapshot: &Snapshot,
    verb: crate::engine::Lifecycle,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Decision, String> {
    crate::engine::lifecycle(snapshot, verb, actor, now)
        .map(actions_only)
        .map_err(|e| e.to_string())
}
