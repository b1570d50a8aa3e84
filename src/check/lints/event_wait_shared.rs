//! RWF041: two event tasks wait for the same events, neither after the other.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::Step;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF041",
    severity: Severity::Warning,
    title: "event-wait-shared",
    what: "Two `event` tasks wait for the same event name with the same `where`, and neither runs \
           after the other.",
    why:
        "Each event is taken by one wait only: the first event completes one of them and the other \
          waits for a second one, which is rarely what was meant.",
    example: "event a \"A\" { on \"ci.finished\" }\nevent b \"B\" { on \"ci.finished\" }",
};

/// Whether `to` is reachable from `from` through `after` edges (upstream direction).
fn upstream_of(cx: &Context, from: usize, to: usize) -> bool {
    let mut seen = vec![false; cx.spec.tasks.len()];
    let mut stack = vec![from];
    while let Some(i) = stack.pop() {
        for &(j, _) in &cx.upstream[i] {
            if j == to {
                return true;
            }
            if !std::mem::replace(&mut seen[j], true) {
                stack.push(j);
            }
        }
    }
    false
}

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let waits: Vec<(usize, &String, _)> = cx
        .spec
        .tasks
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match &t.step {
            Step::Event { name, matches, .. } => Some((i, name, matches)),
            _ => None,
        })
        .collect();
    for (n, (i, name, matches)) in waits.iter().enumerate() {
        let Some((j, ..)) = waits[..n].iter().find(|(j, other, m)| {
            other == name && m == matches && !upstream_of(cx, *i, *j) && !upstream_of(cx, *j, *i)
        }) else {
            continue;
        };
        let first = &cx.spec.tasks[*j].key;
        out.push(
            cx.diag(
                &DOC,
                cx.key_span(*i),
                format!(
                    "`{}` waits for the same `{name}` events as `{first}`",
                    cx.spec.tasks[*i].key
                ),
            )
            .with_label("each event is taken by one wait only")
            .help(format!(
                "wait once and add `after {first}` here, or tell the events apart with `where`"
            )),
        );
    }
}
