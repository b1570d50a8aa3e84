//! `reconcile`: one pass over a snapshot at `now` → the actions that move it forward.

use super::action::Decision;
use super::hook::HookHost;
use super::model::Snapshot;
use chrono::{DateTime, Utc};

/// Decides what to do now. Pure and deterministic: the same snapshot, instant and hooks give the
/// same decision. Applying the actions and reconciling again at the same instant yields no actions.
pub fn reconcile(snapshot: &Snapshot, now: DateTime<Utc>, hooks: &dyn HookHost) -> Decision {
    let _ = (snapshot, now, hooks);
    Decision::default()
}
