//! RWF037: a task outside a `for each` or `repeat` anchored to, reading the output of, or
//! `not_author_of` a task inside it, which has one copy per item (one copy, `translate[de]`, is fine).

use crate::check::context::{anchor_task, Context};
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::Step;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF037",
    severity: Severity::Error,
    title: "reaches-into-expansion",
    what: "A task outside a `for each` or `repeat` is anchored to, reads the output of, or is \
           `not_author_of` a task inside it.",
    why:
        "The task inside has one copy per item or occurrence, so there is no single date or output \
          to read. `after` is fine: it waits for every copy (or one: `after translate[de]`); so is \
          naming one copy: `at translate[de].due + 1 day`, `${translate[de].output.url}`.",
    example: "for each locale in locales { agent translate \"T ${locale}\" { uses \"t\" } }\n\
              manual notes \"Notes\" { at translate.due + 1 day }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let flow = &cx.spec.flow;
    if flow.blocks.is_empty() {
        return;
    }
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        let own = flow.block_of(&task.key);
        // One copy (`translate[de]`) is a single task: fine (RWF043 when made at run time).
        let inside_other = |up: &str| {
            flow.block_of(up)
                .is_some_and(|b| own != Some(b) && cx.index.contains_key(up))
        };
        let mut reach = |up: &str, how: &str, span| {
            out.push(
                cx.diag(
                    &DOC,
                    span,
                    format!("`{}` {how} `{up}`, which has one copy per item", task.key),
                )
                .with_label("repeated")
                .help(format!(
                    "move `{}` into the same block, or wait for the copies with `after {up}`",
                    task.key
                )),
            )
        };
        for (field, schedule) in cx.schedules(i) {
            if let Some(up) = anchor_task(schedule).filter(|u| inside_other(u)) {
                reach(up, "is anchored to", cx.schedule_anchor_span(i, field));
            }
        }
        let mut reads = Vec::new();
        if let Step::Agent { input, .. } = &task.step {
            input
                .values()
                .for_each(|e| crate::compile::flow::outputs(e, &mut reads));
        }
        for up in reads.iter().filter(|u| inside_other(u)) {
            reach(up, "reads the output of", cx.find_in_task(i, up));
        }
        if let Step::Approval {
            not_author_of: Some(up),
            ..
        } = &task.step
        {
            if inside_other(up) {
                reach(up, "is `not_author_of`", cx.field_span(i, "not_author_of"));
            }
        }
    }
}
