//! RWF021: an approval that no human could decide.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::{Scope, Step};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF021",
    severity: Severity::Error,
    title: "approval-without-approvers",
    what: "An approval has no approvers, or names a channel as an approver.",
    why:
        "Approvals are decided by humans only: a user, a team or an organisation's admins. With no \
          one able to decide, the gate would never open.",
    example: "approval legal \"Legal sign-off\" { quorum 1 after draft }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        let Step::Approval { approvers, .. } = &task.step else {
            continue;
        };
        if approvers.is_empty() {
            out.push(
                cx.diag(
                    &DOC,
                    cx.key_span(i),
                    format!("approval `{}` has no approvers", task.key),
                )
                .with_label("no one can decide this approval")
                .help("add `approvers user(\"...\"), team(\"...\")`"),
            );
            continue;
        }
        for scope in approvers {
            if let Scope::Channel(name) = scope {
                out.push(
                    cx.diag(
                        &DOC,
                        cx.field_span(i, "approvers"),
                        format!("channel `{name}` cannot approve `{}`", task.key),
                    )
                    .with_label("a channel is not a person")
                    .help("approvers are user(...), team(...) or organization(...); notify channels with a notification task"),
                );
            }
        }
    }
}
