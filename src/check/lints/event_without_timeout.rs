//! RWF040: an event wait with no timeout.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::Step;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF040",
    severity: Severity::Warning,
    title: "event-without-timeout",
    what: "An `event` task has no `timeout`: it waits for its event for ever.",
    why:
        "An event that never comes (a CI that never reports, a renamed webhook) stalls every task \
          after the wait, silently, until someone notices; a timeout says what happens then.",
    example: "event ci_green \"CI is green\" { on \"ci.finished\" }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        if let Step::Event {
            name,
            timeout: None,
            ..
        } = &task.step
        {
            out.push(
                cx.diag(
                    &DOC,
                    cx.key_span(i),
                    format!("event `{}` waits for `{name}` with no timeout", task.key),
                )
                .with_label("this wait may never end")
                .help("add `timeout 2 days then fail` (or `then skip`, `then continue`)"),
            );
        }
    }
}
