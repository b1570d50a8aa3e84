//! RWF013: `after NAME` where no task is called NAME.

use crate::check::context::{suggest, Context};
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF013",
    severity: Severity::Error,
    title: "unknown-dependency",
    what: "A task lists a dependency (`after NAME`) that is not a task of the template.",
    why: "The edge could never be met, so the task would wait forever.",
    example: "checkpoint kickoff \"Kick-off\" { at release - 6 weeks }\n\
              manual prep \"Prepare\" { after kikoff }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        for (pos, dep) in task.depends_on.iter().enumerate() {
            if cx.index.contains_key(dep.task.as_str()) {
                continue;
            }
            // `after translate[de]`: one copy of an expansion, checked when the params are bound.
            if dep.task.contains('[') && cx.spec.flow.block_of(&dep.task).is_some() {
                continue;
            }
            let help = match suggest(&dep.task, cx.spec.tasks.iter().map(|t| t.key.as_str())) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "name a task declared in this template".to_string(),
            };
            out.push(
                cx.diag(
                    &DOC,
                    cx.dep_span(i, pos),
                    format!("`{}` depends on unknown task `{}`", task.key, dep.task),
                )
                .with_label("no task has this key")
                .help(help),
            );
        }
    }
}
