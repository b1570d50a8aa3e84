//! RWF028: reading the output of a task that is not upstream (it may not exist yet).

use crate::check::context::Context;
use crate::check::refs::{spec_refs, Ref};
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use std::collections::HashSet;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF028",
    severity: Severity::Error,
    title: "output-not-upstream",
    what: "A task reads `x.output...` (in an input, a title or a message) but `x` is not one of its \
           dependencies, directly or transitively.",
    why: "Only dependencies are guaranteed to have finished when a task is dispatched; any other task \
          may not have run yet, so the output would be read before it exists.",
    example: "agent draft \"Draft\" { uses \"writer\" }\n\
              notification tell \"Tell\" { to channel(\"#x\") message \"${draft.output.url}\" }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut seen_stamp = vec![usize::MAX; cx.spec.tasks.len()];
    let mut reported: HashSet<(usize, &str)> = HashSet::new();
    for r in spec_refs(cx.spec) {
        let (Some(i), Ref::Output(name)) = (r.task, r.what) else {
            continue;
        };
        // One copy (`translate[de]`) is upstream when the block's task is.
        let Some(j) = cx.index.get(name).copied().or_else(|| cx.copy_of(name)) else {
            continue; // RWF033
        };
        let upstream = match name.split_once('[') {
            // One copy: upstream through an edge to it or to every copy (`after translate`).
            Some((base, _)) => reaches_copy(cx, i, name, base),
            None => reaches(cx, i, j, &mut seen_stamp),
        };
        if upstream || !reported.insert((i, name)) {
            continue;
        }
        let task = &cx.task(i).key;
        let span = cx
            .find_in_task(i, &format!("{name}.output"))
            .or_else(|| cx.key_span(i));
        let d = if i == j {
            cx.diag(&DOC, span, format!("`{task}` reads its own output"))
                .with_label("not produced until this task is done")
                .help(
                    "a task's output exists only after it finishes; read it from a downstream task",
                )
        } else {
            cx.diag(
                &DOC,
                span,
                format!("`{task}` reads the output of `{name}`, which is not upstream of it"),
            )
            .with_label(format!("`{name}` may not have run yet"))
            .help(format!("add `after {name}` to `{task}`"))
        };
        out.push(d);
    }
}

/// True when `target` is a (transitive) dependency of `from`. `stamp` marks visits per query.
fn reaches(cx: &Context, from: usize, target: usize, stamp: &mut [usize]) -> bool {
    let mut stack: Vec<usize> = cx.upstream[from].iter().map(|&(j, _)| j).collect();
    while let Some(v) = stack.pop() {
        if v == target {
            return true;
        }
        if stamp[v] == from {
            continue;
        }
        stamp[v] = from;
        stack.extend(cx.upstream[v].iter().map(|&(j, _)| j));
    }
    false
}

/// True when `from` (transitively) waits for `copy` (`translate[de]`): through an edge naming it or
/// naming the whole block task `base`.
fn reaches_copy(cx: &Context, from: usize, copy: &str, base: &str) -> bool {
    let mut seen = vec![false; cx.spec.tasks.len()];
    let mut stack = vec![from];
    while let Some(v) = stack.pop() {
        if std::mem::replace(&mut seen[v], true) {
            continue;
        }
        let task = cx.task(v);
        if task
            .depends_on
            .iter()
            .any(|d| d.task == copy || d.task == base)
        {
            return true;
        }
        stack.extend(cx.upstream[v].iter().map(|&(j, _)| j));
    }
    false
}
