//! Cascade: what moving the release date does to each task's due date. Pinned tasks and tasks anchored
//! to them keep their dates because they resolve the same way from either target.

use super::{resolve, Plan, Target, Times};
use crate::diagnostic::Diagnostic;
use crate::spec::WorkflowSpec;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// One task that moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub task: String,
    /// `None` when the task floated before (or floats after).
    pub old_due: Option<DateTime<Utc>>,
    pub new_due: Option<DateTime<Utc>>,
    /// `new_due - old_due` when both are known.
    pub shift: Option<Duration>,
}

/// Every task whose due date differs between two plans of the same spec, in plan order.
pub fn diff_plans(old: &Plan, new: &Plan) -> Vec<Shift> {
    let mut out = Vec::new();
    for n in &new.tasks {
        let old_due = old.task(&n.key).and_then(|t| t.times).map(|t| t.due);
        let new_due = n.times.map(|t| t.due);
        if old_due != new_due {
            out.push(Shift {
                task: n.key.clone(),
                old_due,
                new_due,
                shift: old_due.zip(new_due).map(|(o, n)| n - o),
            });
        }
    }
    out
}

/// Resolves `spec` against both targets and diffs the results. `fixed` tasks never move.
pub fn cascade(
    spec: &WorkflowSpec,
    old: &Target,
    new: &Target,
    fixed: &BTreeMap<String, Times>,
) -> Result<Vec<Shift>, Vec<Diagnostic>> {
    let before = resolve(spec, old, fixed)?;
    let after = resolve(spec, new, fixed)?;
    Ok(diff_plans(&before, &after))
}
