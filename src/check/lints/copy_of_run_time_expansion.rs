//! RWF043: `after task[item]` naming one copy of a block expanded at run time (`for each` over an
//! upstream's output), whose items nobody knows before that output lands.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF043",
    severity: Severity::Error,
    title: "copy-of-run-time-expansion",
    what: "A task waits for one copy (`after ship[ios]`) of a `for each` over an upstream's output.",
    why: "Its copies are made when the upstream's output lands, from whatever list it holds; a copy \
          named in the template may never exist, and the task would never start.",
    example: "for each platform in build.output.platforms { agent ship \"Ship ${platform}\" { uses \"s\" } }\n\
              manual ios \"iOS notes\" { after ship[ios] }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        for (pos, dep) in task.depends_on.iter().enumerate() {
            let Some((base, _)) = dep.task.split_once('[') else {
                continue;
            };
            let Some(b) = cx.spec.flow.prototype_of(base) else {
                continue;
            };
            out.push(
                cx.diag(
                    &DOC,
                    cx.dep_span(i, pos),
                    format!(
                        "`{}` waits for `{}`, one copy of `{}`, whose items are known only at run time",
                        task.key,
                        dep.task,
                        b.header()
                    ),
                )
                .with_label("may never exist")
                .help(format!(
                    "wait for every copy with `after {base}`, or move `{}` into the block",
                    task.key
                )),
            );
        }
    }
}
