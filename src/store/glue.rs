//! The engine entry points the store drives, in one place: reconcile, apply, agent outcomes, and the
//! human paths (decide, done, lifecycle). Everything here is pure; the store wraps it in transactions.

use crate::engine::{Decision, HookHost, Snapshot};
use chrono::{DateTime, Utc};

pub fn reconcile(snapshot: &Snapshot, now: DateTime<Utc>, hooks: &dyn HookHost) -> Decision {
    crate::engine::reconcile(snapshot, now, hooks)
}

/// The snapshot after the decision's actions.
pub fn applied(snapshot: &Snapshot, decision: &Decision, now: DateTime<Utc>) -> Snapshot {
    let mut next = snapshot.clone();
    crate::engine::apply::apply(&mut next, &decision.actions, now);
    next
}
