//! RWF029: `not_author_of` naming a task that does not exist (or the approval itself).

use crate::check::context::{suggest, Context};
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::Step;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF029",
    severity: Severity::Error,
    title: "unknown-separation-task",
    what:
        "An approval's `not_author_of TASK` (separation of duties) names a task that is not in the \
           template, or the approval itself.",
    why: "Separation of duties would silently check nothing: no one could ever be excluded.",
    example: "approval legal \"Legal\" { approvers team(\"legal\") not_author_of drfat }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        let Step::Approval {
            not_author_of: Some(name),
            ..
        } = &task.step
        else {
            continue;
        };
        let span = cx.name_in_field(i, "not_author_of", name);
        if *name == task.key {
            out.push(
                cx.diag(
                    &DOC,
                    span,
                    format!("approval `{name}` names itself in `not_author_of`"),
                )
                .with_label("an approval has no author")
                .help("name the task whose author must not approve (e.g. the draft it reviews)"),
            );
        } else if !cx.index.contains_key(name.as_str()) {
            let help = match suggest(name, cx.spec.tasks.iter().map(|t| t.key.as_str())) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "name a task declared in this template".to_string(),
            };
            out.push(
                cx.diag(
                    &DOC,
                    span,
                    format!(
                        "`not_author_of` of `{}` names unknown task `{name}`",
                        task.key
                    ),
                )
                .with_label("no task has this key")
                .help(help),
            );
        }
    }
}
