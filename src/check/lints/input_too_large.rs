//! RWF026: an agent input bigger than an executor request may carry.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::Step;

pub(crate) const MAX_INPUT_BYTES: usize = 64 * 1024;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF026",
    severity: Severity::Error,
    title: "input-too-large",
    what: "An agent's `input { ... }` is larger than 64 KiB as JSON.",
    why: "The input is stored with every attempt and sent with every dispatch; large payloads belong \
          in a file or URL the agent fetches, not in the template.",
    example: "agent draft \"Draft\" { uses \"writer\" input { text: \"...70,000 characters...\" } }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        let Step::Agent { input, .. } = &task.step else {
            continue;
        };
        if input.is_empty() {
            continue;
        }
        let size = serde_json::to_vec(input).map_or(0, |v| v.len());
        if size > MAX_INPUT_BYTES {
            out.push(
                cx.diag(
                    &DOC,
                    cx.field_span(i, "input"),
                    format!(
                        "input of `{}` is {size} bytes, more than the limit of {MAX_INPUT_BYTES}",
                        task.key
                    ),
                )
                .with_label("too large")
                .help("pass a reference (a URL or path) and let the agent fetch the content"),
            );
        }
    }
}
