//! RWF149: a run-time `when` reads the output of a task that is not upstream of it.

use super::output_not_upstream::reaches;
use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF149",
    severity: Severity::Error,
    title: "condition-not-upstream",
    what: "A `when` reads `x.output...` but `x` is not a task this one depends on, directly or \
           transitively (or is not a task at all).",
    why: "A condition on an output is decided when the task's dependencies are met; only then is an \
          upstream's output known. Any other task may not have run yet, so the condition could never \
          be decided.",
    example: "manual rc1 \"RC 1\" {}\n\
              manual rc2 \"Extra RC\" { when rc1.output.needs_another == true }   // add `after rc1`",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut stamp = vec![usize::MAX; cx.spec.tasks.len()];
    for (i, t) in cx.spec.tasks.iter().enumerate() {
        let Some(c) = &t.when else { continue };
        for name in c.output_tasks() {
            let span = cx
                .find_in_task(i, &format!("{name}.output"))
                .or_else(|| cx.key_span(i));
            let d = match cx.index.get(name.as_str()) {
                None => cx
                    .diag(
                        &DOC,
                        span,
                        format!("`{}`'s condition reads `{name}.output`, but there is no task `{name}`", t.key),
                    )
                    .help("name a task this one runs `after`"),
                Some(&j) if j == i => cx
                    .diag(&DOC, span, format!("`{}`'s condition reads its own output", t.key))
                    .help("a task's output exists only after it runs; decide on an upstream's"),
                Some(&j) if !reaches(cx, i, j, &mut stamp) => cx
                    .diag(
                        &DOC,
                        span,
                        format!(
                            "`{}`'s condition reads the output of `{name}`, which is not upstream of it",
                            t.key
                        ),
                    )
                    .with_label(format!("`{name}` may not have run when `{}` is ready", t.key))
                    .help(format!("add `after {name}` to `{}`", t.key)),
                Some(_) => continue,
            };
            out.push(d);
        }
    }
}
