//! Adjusting one task of a workflow's spec, as the web console's Gantt does: move its bar (shift its
//! schedule), resize its window, add or remove a dependency. Pure: the caller resolves the new spec
//! and previews or commits it through the store's edit with the workflow's version.

use crate::spec::{Amount, Dependency, EdgeOutcome, Schedule, Span, Unit, WorkflowSpec};

/// One change to one task.
#[derive(Debug, Clone, PartialEq)]
pub enum Adjustment {
    /// Move the bar: its schedule's offset grows by the span (a pinned task's instant moves).
    Shift(Span),
    /// The bar's length: `due = start + window`.
    Window(Span),
    /// The task now runs after `upstream` succeeds.
    AddDependency(String),
    RemoveDependency(String),
}

/// The spec with `task` adjusted, or why it cannot be.
pub fn adjust(
    spec: &WorkflowSpec,
    task: &str,
    change: &Adjustment,
) -> Result<WorkflowSpec, String> {
    let mut spec = spec.clone();
    let known = |k: &str| spec.tasks.iter().any(|t| t.key == k);
    if !known(task) {
        return Err(format!("the workflow has no task `{task}`"));
    }
    if let Adjustment::AddDependency(up) = change {
        if !known(up) {
            return Err(format!("the workflow has no task `{up}` to depend on"));
        }
        if up == task {
            return Err(format!("`{task}` cannot depend on itself"));
        }
        if reaches(&spec, up, task) {
            return Err(format!(
                "`{task}` cannot run after `{up}`: `{up}` already runs after `{task}` (a cycle)"
            ));
        }
    }
    let Some(t) = spec.tasks.iter_mut().find(|t| t.key == task) else {
        return Err(format!("the workflow has no task `{task}`"));
    };
    match change {
        Adjustment::Shift(by) => match &mut t.schedule {
            None => {
                return Err(format!(
                    "`{task}` has no schedule: it starts as soon as its dependencies allow; move \
                     what it depends on, or give it a schedule in the template"
                ))
            }
            Some(Schedule::Relative {
                offsets,
                align,
                then,
                ..
            }) => {
                // An aligned schedule moves by the offsets after its alignment, so the bar moves by
                // exactly `by` instead of snapping back to the aligned day.
                let offsets = if align.is_empty() { offsets } else { then };
                match offsets.last_mut() {
                    Some(Amount::Span(last)) if last.unit == by.unit => last.amount += by.amount,
                    _ => offsets.push(Amount::Span(*by)),
                }
                offsets.retain(|o| !matches!(o, Amount::Span(s) if s.amount == 0));
            }
            Some(Schedule::Pinned { at, .. }) => {
                let delta = match by.unit {
                    Unit::Minutes => chrono::Duration::minutes(by.amount),
                    Unit::Hours => chrono::Duration::hours(by.amount),
                    Unit::Days | Unit::Weeks => chrono::Duration::days(by.amount),
                    Unit::Months | Unit::BusinessDays => {
                        return Err(format!(
                            "`{task}` is pinned to a date: move it by minutes, hours or days, not `{by}`"
                        ))
                    }
                };
                *at = at
                    .checked_add_signed(delta)
                    .ok_or_else(|| format!("moving `{task}` by {by} leaves the calendar"))?;
            }
        },
        Adjustment::Window(w) => {
            if w.amount < 0 {
                return Err(format!(
                    "a window cannot be negative (`{w}`); write a length like `2d`"
                ));
            }
            t.window = Some(Amount::Span(*w));
        }
        Adjustment::AddDependency(up) => {
            if t.depends_on.iter().any(|d| &d.task == up) {
                return Err(format!("`{task}` already runs after `{up}`"));
            }
            t.depends_on.push(Dependency {
                task: up.clone(),
                outcome: EdgeOutcome::Success,
            });
        }
        Adjustment::RemoveDependency(up) => {
            let before = t.depends_on.len();
            t.depends_on.retain(|d| &d.task != up);
            if t.depends_on.len() == before {
                return Err(format!("`{task}` does not run after `{up}`"));
            }
        }
    }
    Ok(spec)
}

/// Whether `from` depends, directly or not, on `to`.
fn reaches(spec: &WorkflowSpec, from: &str, to: &str) -> bool {
    let mut stack = vec![from.to_string()];
    let mut seen = std::collections::HashSet::new();
    while let Some(k) = stack.pop() {
        if k == to {
            return true;
        }
        if !seen.insert(k.clone()) {
            continue;
        }
        if let Some(t) = spec.tasks.iter().find(|t| t.key == k) {
            stack.extend(t.depends_on.iter().map(|d| d.task.clone()));
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Anchor, Step, TaskSpec};

    fn spec() -> WorkflowSpec {
        let mut s = WorkflowSpec::new("k");
        let mut a = TaskSpec::new("a", Step::Checkpoint);
        a.schedule = Some(Schedule::Relative {
            anchor: Anchor::Release,
            offsets: vec![Span::new(-3, Unit::Days).into()],
            align: vec![],
            then: vec![],
            time_of_day: None,
            timezone: None,
        });
        let mut b = TaskSpec::new("b", Step::Checkpoint);
        b.depends_on.push(Dependency {
            task: "a".into(),
            outcome: EdgeOutcome::Success,
        });
        s.tasks = vec![a, b];
        s
    }

    #[test]
    fn shifts_windows_and_edges() {
        let s = spec();
        let moved = adjust(&s, "a", &Adjustment::Shift(Span::new(2, Unit::Days))).unwrap();
        let Some(Schedule::Relative { offsets, .. }) = &moved.tasks[0].schedule else {
            panic!()
        };
        assert_eq!(offsets, &vec![Span::new(-1, Unit::Days).into()]);
        let back = adjust(&moved, "a", &Adjustment::Shift(Span::new(1, Unit::Days))).unwrap();
        let Some(Schedule::Relative { offsets, .. }) = &back.tasks[0].schedule else {
            panic!()
        };
        assert!(offsets.is_empty(), "{offsets:?}");
        let w = adjust(&s, "a", &Adjustment::Window(Span::new(4, Unit::Hours))).unwrap();
        assert_eq!(w.tasks[0].window, Some(Span::new(4, Unit::Hours).into()));
        let cyc = adjust(&s, "a", &Adjustment::AddDependency("b".into())).unwrap_err();
        assert!(cyc.contains("cycle"), "{cyc}");
        let unsched = adjust(&s, "b", &Adjustment::Shift(Span::new(1, Unit::Days))).unwrap_err();
        assert!(unsched.contains("no schedule"), "{unsched}");
        let removed = adjust(&s, "b", &Adjustment::RemoveDependency("a".into())).unwrap();
        assert!(removed.tasks[1].depends_on.is_empty());
        assert!(adjust(&removed, "b", &Adjustment::RemoveDependency("a".into())).is_err());
        assert!(adjust(&s, "zz", &Adjustment::Window(Span::new(1, Unit::Days))).is_err());
    }
}
