//! RWF033: reading the output of a task that does not exist.

use crate::check::context::{suggest, Context};
use crate::check::refs::{spec_refs, Ref};
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use std::collections::HashSet;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF033",
    severity: Severity::Error,
    title: "output-of-unknown-task",
    what: "A reference `x.output...` names a task `x` that is not in the template.",
    why: "There is nothing to read: the value could never be rendered at dispatch.",
    example: "notification tell \"Tell\" { to channel(\"#x\") message \"${drfat.output.url}\" }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut reported: HashSet<(Option<usize>, &str)> = HashSet::new();
    for r in spec_refs(cx.spec) {
        let Ref::Output(name) = r.what else {
            continue;
        };
        if cx.index.contains_key(name)
            || cx.copy_of(name).is_some()
            || !reported.insert((r.task, name))
        {
            continue;
        }
        let span = match r.task {
            Some(i) => cx
                .find_in_task(i, &format!("{name}.output"))
                .or_else(|| cx.key_span(i)),
            None => cx.template_span(),
        };
        let help = match suggest(name, cx.spec.tasks.iter().map(|t| t.key.as_str())) {
            Some(near) => format!("did you mean `{near}`?"),
            None => "name a task declared in this template".to_string(),
        };
        out.push(
            cx.diag(&DOC, span, format!("output of unknown task `{name}`"))
                .with_label("no task has this key")
                .help(help),
        );
    }
}
