//! RWF034: a task anchored to, or reading the output of, a task that a `when` may leave out, while the
//! task itself is not under that condition.

use crate::check::context::{anchor_task, Context};
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::{Condition, Step};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF034",
    severity: Severity::Warning,
    title: "relies-on-conditional-task",
    what:
        "A task is anchored to (or reads the output of) a task with a `when`, without being under \
           the same condition.",
    why:
        "When the condition is false the upstream is left out, and the workflow cannot be created \
          (RWF142): this task's date or input would have nothing to read. `after` edges are fine: \
          they are bridged to the left-out task's own upstreams.",
    example: "manual beta \"Beta\" { when beta }\nmanual notes \"Notes\" { at beta + 1 day }",
};

/// True when `own` implies `up`: the same condition, or a conjunction holding it (or, when `up` is a
/// conjunction, each of its parts), in any order.
fn implies(own: Option<&Condition>, up: &Condition) -> bool {
    match (own, up) {
        (Some(c), _) if c == up => true,
        (Some(_), Condition::And { all }) => all.iter().all(|u| implies(own, u)),
        (Some(Condition::And { all }), _) => all.iter().any(|c| implies(Some(c), up)),
        _ => false,
    }
}

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let when = &cx.spec.flow.when;
    if when.is_empty() {
        return;
    }
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        let own = when.get(&task.key);
        for (field, schedule) in cx.schedules(i) {
            let Some(up) = anchor_task(schedule) else {
                continue;
            };
            let Some(c) = when.get(up) else { continue };
            if implies(own, c) {
                continue;
            }
            out.push(
                cx.diag(
                    &DOC,
                    cx.schedule_anchor_span(i, field),
                    format!(
                        "`{}` is anchored to `{up}`, which is only in the workflow `when {c}`",
                        task.key
                    ),
                )
                .with_label("may be left out")
                .help(format!(
                    "add `when {c}` to `{}`, or anchor it to something always there",
                    task.key
                )),
            );
        }
        let mut reads = Vec::new();
        if let Step::Agent { input, .. } = &task.step {
            input
                .values()
                .for_each(|e| crate::compile::flow::outputs(e, &mut reads));
        }
        for up in reads {
            let Some(c) = when.get(&up) else { continue };
            if implies(own, c) {
                continue;
            }
            out.push(
                cx.diag(
                    &DOC,
                    cx.find_in_task(i, &up),
                    format!(
                        "`{}` reads the output of `{up}`, which is only in the workflow `when {c}`",
                        task.key
                    ),
                )
                .with_label("may be left out")
                .help(format!("add `when {c}` to `{}`", task.key)),
            );
        }
    }
}
