//! RWF023: a task scheduled to start before a task it depends on.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF023",
    severity: Severity::Warning,
    title: "anchored-before-dependency",
    what:
        "A task is scheduled earlier than a task it depends on (compared along both anchor chains \
           back to `release`, with nominal day lengths). With a release given, the schedule lints \
           compare the real instants instead (RWF078).",
    why:
        "A task runs only when its timing gate is open and its dependencies are done. Timed before \
          its upstream, it will simply wait, so its planned date is fiction and the plan misleads.",
    example: "checkpoint review \"Review\" { at release - 3 days }\n\
              manual prep \"Prepare\" { at release - 5 days  after review }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let nominal = cx.nominal();
    for (i, ups) in cx.upstream.iter().enumerate() {
        let Some(mine) = nominal[i] else {
            continue;
        };
        for &(j, pos) in ups {
            let Some(theirs) = nominal[j] else {
                continue;
            };
            if i == j || !mine.earlier_than(theirs) {
                continue;
            }
            let (task, up) = (&cx.task(i).key, &cx.task(j).key);
            let mut d = cx
                .diag(
                    &DOC,
                    cx.schedule_span(i),
                    format!("`{task}` is scheduled before `{up}`, which it depends on"),
                )
                .with_label(format!("starts before `{up}`"))
                .help(format!(
                    "`{task}` will wait for `{up}`; anchor it to `{up}` (e.g. `at {up}.end + 1 day`) or move it later"
                ));
            if let Some(span) = cx.dep_span(i, pos) {
                d = d.label(span, "depends on it here");
            }
            if let Some(span) = cx.schedule_span(j) {
                d = d.label(span, format!("`{up}` is scheduled here"));
            }
            out.push(d);
        }
    }
}
