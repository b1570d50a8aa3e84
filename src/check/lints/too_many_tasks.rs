//! RWF025: more tasks than one workflow is allowed to hold.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

use crate::spec::MAX_TASKS;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF025",
    severity: Severity::Error,
    title: "too-many-tasks",
    what: "The template declares more than 10,000 tasks.",
    why:
        "Each workflow is reconciled as one unit under one lock; beyond this size a single tick \
          and a plan preview stop being fast, and the template is almost certainly generated wrong.",
    example: "// a template with 10,001 tasks",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let count = cx.spec.tasks.len();
    if count > MAX_TASKS {
        out.push(
            cx.diag(
                &DOC,
                cx.template_span(),
                format!("template has {count} tasks, more than the limit of {MAX_TASKS}"),
            )
            .help("split the release into several templates"),
        );
    }
}
