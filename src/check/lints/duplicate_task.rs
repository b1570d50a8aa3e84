//! RWF012: two tasks with the same key.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF012",
    severity: Severity::Error,
    title: "duplicate-task-key",
    what: "Two tasks in one template have the same key.",
    why: "Keys name tasks in `after`, anchors, output references, the store and the CLI \
          (`rwf done KEY`); a second task with the same key could never be addressed.",
    example: "checkpoint kickoff \"Kick-off\" { at release - 6 weeks }\n\
              checkpoint kickoff \"Kick-off again\" { at release - 5 weeks }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        let first = cx.index[task.key.as_str()];
        if first == i {
            continue;
        }
        let mut d = cx
            .diag(
                &DOC,
                cx.key_span(i),
                format!("duplicate task key `{}`", task.key),
            )
            .with_label("declared again here")
            .help("rename one of the tasks; keys must be unique within a template");
        if let Some(span) = cx.key_span(first) {
            d = d.label(span, "first declared here");
        }
        out.push(d);
    }
}
