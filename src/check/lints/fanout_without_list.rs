//! RWF042: a `for each` over the output of a task that records none (a notification, wait,
//! checkpoint or approval), or over a path in an event's `where` match that is a single value.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::{Expansion, Step};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF042",
    severity: Severity::Error,
    title: "fan-out-without-list",
    what:
        "A `for each` runs over `TASK.output...` where `TASK` records no output (a notification, \
           wait, checkpoint or approval), or over an event field its `where` fixes to one value.",
    why: "The block expands when `TASK` succeeds, from a list in its output; without one the \
          expansion fails at run time, every time, and the block's tasks fail with it.",
    example: "checkpoint freeze \"Freeze\" { at release - 1 week }\n\
              for each platform in freeze.output.platforms { manual ship \"Ship ${platform}\" {} }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for b in &cx.spec.flow.blocks {
        let Expansion::ForEachOutput { task, path, .. } = &b.expansion else {
            continue;
        };
        let Some(&src) = cx.index.get(task.as_str()) else {
            continue;
        };
        let why = match &cx.task(src).step {
            Step::Notification { .. } => Some("a notification records no output".to_string()),
            Step::Wait { .. } => Some("a wait records no output".to_string()),
            Step::Checkpoint => Some("a checkpoint records no output".to_string()),
            Step::Approval { .. } => Some("an approval records no output".to_string()),
            Step::Event { matches, .. } => matches
                .get(&path.join("."))
                .filter(|_| !path.is_empty())
                .map(|_| format!("its `where` fixes `{}` to one value", path.join("."))),
            _ => None,
        };
        let Some(why) = why else { continue };
        let span = b
            .tasks
            .first()
            .and_then(|k| cx.index.get(k.as_str()))
            .and_then(|&i| cx.key_span(i));
        out.push(
            cx.diag(
                &DOC,
                span,
                format!("`{}`: {why}, so there is no list to expand", b.header()),
            )
            .with_label("expanded from a list that never comes")
            .help(format!(
                "expand over the output of an agent, a manual task's answer or an event's payload, or give `{task}` one"
            )),
        );
    }
}
