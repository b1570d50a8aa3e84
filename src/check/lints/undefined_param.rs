//! RWF019: a `${x}` or bare name that is neither a declared param nor a task output.

use crate::check::context::{suggest, Context};
use crate::check::refs::{classify, spec_refs, Ref};
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use std::collections::HashSet;
use std::ops::Range;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF019",
    severity: Severity::Error,
    title: "undefined-param",
    what:
        "A title, message or input uses a name (`${x}` or a bare `x`) that is not a declared param \
           and not a task output (`task.output.field`).",
    why: "The value could never be bound: `rwf new` has nothing to fill it with.",
    example: "param product: string\n\
              checkpoint kickoff \"Kick-off: ${prodcut}\" { at release - 6 weeks }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let declared: HashSet<&str> = cx.spec.params.iter().map(|p| p.name.as_str()).collect();
    let mut reported: HashSet<&str> = HashSet::new();
    for r in &cx.map.param_refs {
        let Ref::Param(name) = classify(&r.name) else {
            continue;
        };
        if !declared.contains(name) {
            reported.insert(name);
            out.push(undefined(cx, name, Some(r.span.clone())));
        }
    }
    // References the source map did not record (e.g. inside interpolated strings): locate by text.
    for r in spec_refs(cx.spec) {
        let Ref::Param(name) = r.what else {
            continue;
        };
        // `${locale}` in a `for each locale` block, `${n}` in a repeat: from the spec's blocks (a
        // stored spec has no source map), else from the source (a block that did not compile).
        // `${platform.arch}`: a field of an item (a `for each` over an output's objects).
        let var = name.split('.').next().unwrap_or(name);
        let bound_by_block = r.task.and_then(|i| cx.spec.tasks.get(i)).is_some_and(|t| {
            cx.spec
                .flow
                .block_of(&t.key)
                .is_some_and(|b| b.var() == var)
        }) || r
            .task
            .and_then(|i| cx.map.tasks.get(i))
            .is_some_and(|s| s.bound.as_deref() == Some(var));
        if declared.contains(name) || bound_by_block || !reported.insert(name) {
            continue;
        }
        let span = match r.task {
            Some(i) => cx
                .find_in_task(i, &format!("${{{name}"))
                .or_else(|| cx.key_span(i)),
            None => cx.map.target.clone(),
        };
        out.push(undefined(cx, name, span));
    }
}

fn undefined(cx: &Context, name: &str, span: Option<Range<usize>>) -> Diagnostic {
    let help = if cx.index.contains_key(name) {
        format!("`{name}` is a task; to read what it produced write `{name}.output.FIELD`")
    } else if let Some(near) = suggest(name, cx.spec.params.iter().map(|p| p.name.as_str())) {
        format!("did you mean `{near}`?")
    } else {
        format!("declare it: `param {name}: string`")
    };
    cx.diag(&DOC, span, format!("undefined param `{name}`"))
        .with_label("not a param of this template")
        .help(help)
}
