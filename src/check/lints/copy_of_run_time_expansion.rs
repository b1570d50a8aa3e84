//! RWF043: one copy of a block expanded at run time (`for each` over an upstream's output) named in
//! the template — waited for (`after ship[ios]`), anchored to (`at ship[ios].due`) or read
//! (`${ship[ios].output.url}`) — whose items nobody knows before that output lands.

use crate::check::context::{anchor_task, Context};
use crate::check::refs::{spec_refs, Ref};
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use std::ops::Range;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF043",
    severity: Severity::Error,
    title: "copy-of-run-time-expansion",
    what: "A task waits for (`after ship[ios]`), is anchored to (`at ship[ios].due`) or reads the \
           output of (`${ship[ios].output.url}`) one copy of a `for each` over an upstream's output.",
    why: "Its copies are made when the upstream's output lands, from whatever list it holds; a copy \
          named in the template may never exist, and the task would never start (or have no date, or \
          nothing to read).",
    example: "for each platform in build.output.platforms { agent ship \"Ship ${platform}\" { uses \"s\" } }\n\
              manual ios \"iOS notes\" { after ship[ios] }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut report = |i: usize, copy: &str, how: &str, span: Option<Range<usize>>, help: &str| {
        let Some((base, _)) = copy.split_once('[') else {
            return;
        };
        let Some(b) = cx.spec.flow.prototype_of(base) else {
            return;
        };
        let task = &cx.task(i).key;
        out.push(
            cx.diag(
                &DOC,
                span,
                format!(
                    "`{task}` {how} `{copy}`, one copy of `{}`, whose items are known only at run time",
                    b.header()
                ),
            )
            .with_label("may never exist")
            .help(format!("{}, or move `{task}` into the block", help.replace("{base}", base))),
        );
    };
    for (i, task) in cx.spec.tasks.iter().enumerate() {
        for (pos, dep) in task.depends_on.iter().enumerate() {
            report(
                i,
                &dep.task,
                "waits for",
                cx.dep_span(i, pos),
                "wait for every copy with `after {base}`",
            );
        }
        for (field, schedule) in cx.schedules(i) {
            if let Some(up) = anchor_task(schedule) {
                report(
                    i,
                    up,
                    "is anchored to",
                    cx.schedule_anchor_span(i, field),
                    "anchor to `{base}`'s upstream or to the release",
                );
            }
        }
    }
    let mut read = std::collections::HashSet::new();
    for r in spec_refs(cx.spec) {
        if let (Some(i), Ref::Output(name)) = (r.task, r.what) {
            if !read.insert((i, name)) {
                continue;
            }
            report(
                i,
                name,
                "reads the output of",
                cx.find_in_task(i, &format!("{name}.output")),
                "read the list item inside the block",
            );
        }
    }
}
