//! RWF022: a quorum that can never be reached (or needs no one).

use crate::check::context::Context;
use crate::config::Directory;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::{Scope, Step};
use std::collections::BTreeSet;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF022",
    severity: Severity::Error,
    title: "invalid-quorum",
    what: "An approval's quorum is 0, or larger than the number of people who can approve: counted \
           when every approver is a single user, and, when `rwf check` finds an `rwf.toml` with a \
           people directory, over the members of the teams and the org admins it declares.",
    why: "Quorum 0 would open the gate without a human decision; a quorum above the number of \
          approvers can never be met, and the release would wait for it forever. Teams the directory \
          does not declare have an unknown size and are not counted.",
    example: "approval legal \"Legal\" { approvers user(\"ann\"), user(\"bob\") quorum 3 }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        let Step::Approval {
            approvers, quorum, ..
        } = &task.step
        else {
            continue;
        };
        let span = cx.field_span(i, "quorum");
        if *quorum == 0 {
            out.push(
                cx.diag(&DOC, span, format!("approval `{}` has quorum 0", task.key))
                    .with_label("no decision would be needed")
                    .help("approvals are decided by humans; use `quorum 1` or more"),
            );
            continue;
        }
        if approvers.is_empty() || !approvers.iter().all(|s| matches!(s, Scope::User(_))) {
            continue;
        }
        let people: BTreeSet<&Scope> = approvers.iter().collect();
        if *quorum as usize > people.len() {
            out.push(
                cx.diag(
                    &DOC,
                    span,
                    format!(
                        "quorum {quorum} of approval `{}` exceeds its {} approver{}",
                        task.key,
                        people.len(),
                        if people.len() == 1 { "" } else { "s" }
                    ),
                )
                .with_label("can never be reached")
                .help(format!(
                    "lower the quorum to at most {}, or add approvers",
                    people.len()
                )),
            );
        }
    }
}

/// With a people directory: approver lists with teams or organisations, counted over their members.
/// (All-user lists are counted by `run` already.)
pub(crate) fn run_with_directory(cx: &Context, directory: &Directory, out: &mut Vec<Diagnostic>) {
    'tasks: for (i, task) in cx.spec.tasks.iter().enumerate() {
        let Step::Approval {
            approvers, quorum, ..
        } = &task.step
        else {
            continue;
        };
        if *quorum == 0 || approvers.iter().all(|s| matches!(s, Scope::User(_))) {
            continue;
        }
        let mut people = BTreeSet::new();
        for scope in approvers {
            match directory.scope_people(scope) {
                Some(members) => people.extend(members),
                None => continue 'tasks,
            }
        }
        if *quorum as usize <= people.len() {
            continue;
        }
        let scopes: Vec<String> = approvers
            .iter()
            .map(crate::engine::action::scope_str)
            .collect();
        out.push(
            cx.diag(
                &DOC,
                cx.field_span(i, "quorum"),
                format!(
                    "quorum {quorum} of approval `{}` exceeds the {} people of {} in the directory",
                    task.key,
                    people.len(),
                    scopes.join(", ")
                ),
            )
            .with_label("can never be reached")
            .help(format!(
                "lower the quorum to at most {}, or add members in rwf.toml's [directory]",
                people.len()
            )),
        );
    }
}
