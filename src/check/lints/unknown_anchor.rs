//! RWF014: a schedule anchored to a task that does not exist.

use crate::check::context::{anchor_task, suggest, Context};
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF014",
    severity: Severity::Error,
    title: "unknown-anchor-task",
    what: "A schedule (`at TASK + ...`, or a wait's `until`) is anchored to a task that is not in the template.",
    why: "The resolver cannot place the task: its date is defined relative to nothing.",
    example: "approval legal \"Legal\" { approvers team(\"legal\") at draft + 2 days }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        for (field, schedule) in cx.schedules(i) {
            let Some(name) = anchor_task(schedule) else {
                continue;
            };
            // `translate[de].due`: one copy, checked when the params are bound (RWF146; RWF043
            // for a block expanded at run time).
            if cx.index.contains_key(name) || cx.copy_of(name).is_some() {
                continue;
            }
            let help = match suggest(name, cx.spec.tasks.iter().map(|t| t.key.as_str())) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "anchor to `release` or to a task declared in this template".to_string(),
            };
            out.push(
                cx.diag(
                    &DOC,
                    cx.schedule_anchor_span(i, field),
                    format!("`{}` is anchored to unknown task `{name}`", task.key),
                )
                .with_label("no task has this key")
                .help(help),
            );
        }
    }
}
