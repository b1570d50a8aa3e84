//! An edit rebuilt from the template brings its run-time `for each` blocks back unexpanded. A block the
//! workflow has already expanded is expanded again here, from the same output, before the edit is
//! diffed: its copies are diffed like any task (kept, changed or refused), never replaced by a fresh
//! expansion. Copies take their prototype's planned times, as when the engine expands. Pure.

use super::model::{Snapshot, TaskStatus};
use crate::compile::expand::{expand_output, output_items};
use crate::schedule::Plan;
use crate::spec::{Expansion, WorkflowSpec};

/// Expands in `spec` (and `plan`) each run-time block that `old` has already expanded.
pub fn carry_expansions(old: &Snapshot, spec: &mut WorkflowSpec, plan: &mut Plan) {
    let blocks: Vec<_> = spec
        .flow
        .blocks
        .iter()
        .filter(|b| b.is_dynamic())
        .cloned()
        .collect();
    for b in blocks {
        let (Some(first), Expansion::ForEachOutput { task: source, .. }) =
            (b.tasks.first(), &b.expansion)
        else {
            continue;
        };
        let expanded = old.spec.task(first).is_none()
            && (old.spec.flow.excluded.iter().any(|e| &e.key == first)
                || old
                    .spec
                    .tasks
                    .iter()
                    .any(|t| t.key.split_once('[').is_some_and(|(k, _)| k == first)));
        let Some(up) = old
            .task(source)
            .filter(|t| expanded && t.status == TaskStatus::Succeeded)
        else {
            continue;
        };
        let Ok(items) = output_items(&b, up.output.as_ref()) else {
            continue;
        };
        if expand_output(spec, first, &items).is_err() {
            continue;
        }
        let copies: Vec<crate::schedule::ResolvedTask> = spec
            .tasks
            .iter()
            .filter_map(|t| {
                let (base, _) = t.key.split_once('[')?;
                if !b.tasks.iter().any(|k| k == base) || plan.task(&t.key).is_some() {
                    return None;
                }
                let mut r = plan.task(base)?.clone();
                r.key = t.key.clone();
                Some(r)
            })
            .collect();
        plan.tasks.extend(copies);
    }
}
