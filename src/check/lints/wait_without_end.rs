//! RWF031: a wait that says neither how long nor until when.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::Step;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF031",
    severity: Severity::Error,
    title: "wait-without-end",
    what: "A `wait` task has neither `for DURATION` nor `until SCHEDULE`.",
    why: "A wait with no end is either done at once (pointless) or never done (a stall).",
    example: "wait cool_down \"Let the dust settle\" { after announce }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        if let Step::Wait {
            duration: None,
            until: None,
        } = &task.step
        {
            out.push(
                cx.diag(
                    &DOC,
                    cx.key_span(i),
                    format!("wait `{}` has neither `for` nor `until`", task.key),
                )
                .with_label("this wait never ends")
                .help("add `for 3 days` or `until release + 1 week`"),
            );
        }
    }
}
