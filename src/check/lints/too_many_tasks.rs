//! RWF025: more tasks than one workflow is allowed to hold.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

use crate::spec::{task_limit, WorkflowSpec};
use std::ops::Range;

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
    out.extend(diagnostic(cx.spec, cx.file, cx.template_span()));
}

/// RWF025 for `spec` in `file` at its header `at`, when it holds more than `spec::MAX_TASKS` tasks
/// (`spec::task_limit`'s sentence): what `check` reports, and what `plan` and `simulate` refuse the
/// template with.
pub(crate) fn diagnostic(
    spec: &WorkflowSpec,
    file: &str,
    at: Option<Range<usize>>,
) -> Option<Diagnostic> {
    let message = task_limit(spec).err()?;
    let d = Diagnostic::new(DOC.code, DOC.severity, message)
        .in_file(file)
        .help("split the release into several templates");
    Some(match at.filter(|r| !r.is_empty()) {
        Some(span) => d.at(span),
        None => d,
    })
}
