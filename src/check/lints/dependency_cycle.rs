//! RWF016: tasks that wait for each other in a loop (`after` edges).

use crate::check::context::Context;
use crate::check::graph;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF016",
    severity: Severity::Error,
    title: "dependency-cycle",
    what: "Tasks depend on each other in a loop: a waits for b, b waits for c, c waits for a.",
    why: "No task of the loop can ever become ready, so the release would stall there.",
    example: "manual a \"A\" { after c }\nmanual b \"B\" { after a }\nmanual c \"C\" { after b }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    // Self-dependencies are RWF015; the loop lint sees only edges between different tasks.
    let edges: Vec<Vec<(usize, usize)>> = cx
        .upstream
        .iter()
        .enumerate()
        .map(|(i, ups)| ups.iter().copied().filter(|&(j, _)| j != i).collect())
        .collect();
    for cycle in graph::cycles(&edges) {
        let names: Vec<&str> = cycle.iter().map(|s| cx.task(s.node).key.as_str()).collect();
        let chain = format!("{} → {}", names.join(" → "), names[0]);
        let first = cycle[0].node;
        let mut d = cx
            .diag(
                &DOC,
                cx.key_span(first),
                format!("dependency cycle: {chain}"),
            )
            .with_label("this task is part of the cycle")
            .help("remove one of these `after` edges; a cycle can never start");
        for (k, step) in cycle.iter().enumerate() {
            let next = names[(k + 1) % names.len()];
            if let Some(span) = cx.dep_span(step.node, step.edge) {
                d = d.label(span, format!("`{}` waits for `{next}`", names[k]));
            }
        }
        out.push(d);
    }
}
