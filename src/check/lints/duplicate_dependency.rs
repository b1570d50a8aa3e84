//! RWF032: the same upstream listed twice in one task's `after`.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::EdgeOutcome;
use std::collections::HashMap;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF032",
    severity: Severity::Warning,
    title: "duplicate-dependency",
    what: "A task lists the same upstream more than once in `after`.",
    why: "The second edge adds nothing, and with contradicting outcomes (`on success` and \
          `on failed`) the task can never start: the two are never met together.",
    example: "manual smoke \"Smoke\" { after legal, legal on any }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (pos, dep) in task.depends_on.iter().enumerate() {
            let Some(&earlier) = first.get(dep.task.as_str()) else {
                first.insert(&dep.task, pos);
                continue;
            };
            let (a, b) = (task.depends_on[earlier].outcome, dep.outcome);
            let conflicting = a != b && a != EdgeOutcome::Any && b != EdgeOutcome::Any;
            let mut d = cx
                .diag(
                    &DOC,
                    cx.dep_span(i, pos),
                    format!("`{}` lists `{}` twice in `after`", task.key, dep.task),
                )
                .with_label("listed again here")
                .help(if conflicting {
                    "the two outcomes can never both hold, so the task would never start; keep one edge (`on any` for either)"
                } else {
                    "remove the repeated name"
                });
            if let Some(span) = cx.dep_span(i, earlier) {
                d = d.label(span, "first listed here");
            }
            out.push(d);
        }
    }
}
