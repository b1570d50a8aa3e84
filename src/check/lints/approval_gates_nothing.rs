//! RWF030: an approval no task waits for.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::Step;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF030",
    severity: Severity::Warning,
    title: "approval-gates-nothing",
    what: "No task depends on (`after`) this approval.",
    why:
        "An approval is a gate: if nothing waits for it, approving or rejecting it changes nothing \
          else in the release, which is rarely what was meant.",
    example: "approval legal \"Legal\" { approvers team(\"legal\") after draft }\n\
              // ... and no task says `after legal`",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        if !matches!(task.step, Step::Approval { .. }) {
            continue;
        }
        if cx.index.get(task.key.as_str()) != Some(&i) {
            continue; // a duplicate key: RWF012
        }
        if cx.downstream[i].iter().any(|&d| d != i) {
            continue;
        }
        out.push(
            cx.diag(
                &DOC,
                cx.key_span(i),
                format!("approval `{}` gates nothing", task.key),
            )
            .with_label("no task waits for this approval")
            .help(format!(
                "add `after {}` to the tasks it should hold back",
                task.key
            )),
        );
    }
}
