//! RWF015: a task that lists itself in `after`.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF015",
    severity: Severity::Error,
    title: "self-dependency",
    what: "A task depends on itself.",
    why: "A task cannot wait for its own outcome: it would never become ready.",
    example: "manual smoke \"Smoke test\" { after smoke }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        for (pos, dep) in task.depends_on.iter().enumerate() {
            if dep.task == task.key {
                out.push(
                    cx.diag(
                        &DOC,
                        cx.dep_span(i, pos),
                        format!("`{}` depends on itself", task.key),
                    )
                    .with_label("this is the task itself")
                    .help("remove it from `after`"),
                );
            }
        }
    }
}
