//! RWF017: schedules anchored to each other in a loop.

use crate::check::context::{anchor_task, Context};
use crate::check::graph;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF017",
    severity: Severity::Error,
    title: "anchor-cycle",
    what: "Task schedules are anchored to each other in a loop: a is timed from b, b from a.",
    why: "The resolver computes a date from its anchor's date; in a loop no date is ever known.",
    example: "checkpoint a \"A\" { at b + 1 day }\ncheckpoint b \"B\" { at a - 1 day }",
};

/// Edge ids: 0 is the task's `at`, 1 its wait `until`.
fn field_of(edge: usize) -> &'static str {
    if edge == 0 {
        "at"
    } else {
        "until"
    }
}

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let edges: Vec<Vec<(usize, usize)>> = (0..cx.spec.tasks.len())
        .map(|i| {
            cx.schedules(i)
                .filter_map(|(field, s)| {
                    let j = *cx.index.get(anchor_task(s)?)?;
                    Some((j, usize::from(field != "at")))
                })
                .collect()
        })
        .collect();
    for cycle in graph::cycles(&edges) {
        let names: Vec<&str> = cycle.iter().map(|s| cx.task(s.node).key.as_str()).collect();
        let chain = format!("{} → {}", names.join(" → "), names[0]);
        let first = cycle[0].node;
        let mut d = cx
            .diag(&DOC, cx.key_span(first), format!("anchor cycle: {chain}"))
            .with_label("this task is part of the cycle")
            .help("anchor one of these tasks to `release` (or to a task outside the loop)");
        for (k, step) in cycle.iter().enumerate() {
            let next = names[(k + 1) % names.len()];
            if let Some(span) = cx.schedule_anchor_span(step.node, field_of(step.edge)) {
                d = d.label(span, format!("`{}` is timed from `{next}`", names[k]));
            }
        }
        out.push(d);
    }
}
