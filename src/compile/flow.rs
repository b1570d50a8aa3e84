//! Deciding a template's conditions when its params are bound: tasks whose `when` is false leave the
//! workflow (recorded with the reason in `spec.flow.excluded`); an edge to such a task is replaced by
//! that task's own edges (so order through it is kept); a kept task that needs one (an anchor, an
//! output, `not_author_of`) is RWF142. Pure.

use crate::diagnostic::Diagnostic;
use crate::spec::{Anchor, Dependency, Excluded, Expr, Schedule, Step, WorkflowSpec};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// Decides every condition of `spec` (already bound with `values`). `empty` are tasks already left
/// out (an expansion with no item), bridged the same way.
pub fn decide(
    spec: &mut WorkflowSpec,
    values: &BTreeMap<String, Json>,
    empty: Vec<Excluded>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let when = std::mem::take(&mut spec.flow.when);
    let mut out: BTreeSet<String> = empty.iter().map(|e| e.key.clone()).collect();
    spec.flow.excluded.extend(empty);
    for t in &spec.tasks {
        let Some(c) = when.get(&t.key).filter(|_| !out.contains(&t.key)) else {
            continue;
        };
        match c.eval(values) {
            Ok(true) => {}
            Ok(false) => {
                out.insert(t.key.clone());
                spec.flow.excluded.push(Excluded {
                    key: t.key.clone(),
                    title: t.title.clone(),
                    reason: c.reason(values),
                });
            }
            Err(p) => diags.push(
                Diagnostic::error(
                    "RWF063",
                    format!(
                        "param `{p}` has no value, and task `{}` depends on it: `when {c}`",
                        t.key
                    ),
                )
                .help(format!("give `--set {p}=...`")),
            ),
        }
    }
    if out.is_empty() {
        return diags;
    }
    // Edges of excluded tasks, resolved through chains of excluded tasks.
    let edges: BTreeMap<String, Vec<Dependency>> = spec
        .tasks
        .iter()
        .filter(|t| out.contains(&t.key))
        .map(|t| (t.key.clone(), t.depends_on.clone()))
        .collect();
    let bridged = |deps: &[Dependency]| -> Vec<Dependency> {
        let mut result: Vec<Dependency> = Vec::new();
        let mut stack: Vec<Dependency> = deps.to_vec();
        let mut seen = BTreeSet::new();
        while let Some(d) = stack.pop() {
            match edges.get(&d.task) {
                Some(up) => {
                    if seen.insert(d.task.clone()) {
                        stack.extend(up.iter().cloned());
                    }
                }
                None => {
                    if !result.contains(&d) {
                        result.push(d);
                    }
                }
            }
        }
        result.sort_by(|a, b| a.task.cmp(&b.task));
        result
    };
    spec.tasks.retain(|t| !out.contains(&t.key));
    for t in &mut spec.tasks {
        if t.depends_on.iter().any(|d| out.contains(&d.task)) {
            let mut kept: Vec<Dependency> = t
                .depends_on
                .iter()
                .filter(|d| !out.contains(&d.task))
                .cloned()
                .collect();
            let through: Vec<Dependency> = t
                .depends_on
                .iter()
                .filter(|d| out.contains(&d.task))
                .cloned()
                .collect();
            for d in bridged(&through) {
                if !kept.iter().any(|k| k.task == d.task) {
                    kept.push(d);
                }
            }
            t.depends_on = kept;
        }
        let why = |what: &str, up: &str| {
            Diagnostic::error(
                "RWF142",
                format!(
                    "task `{}` {what} `{up}`, which a condition leaves out",
                    t.key
                ),
            )
            .help(format!(
                "give `{}` the same `when` as `{up}`, or stop relying on it",
                t.key
            ))
        };
        for s in t.schedule.iter().chain(match &t.step {
            Step::Wait { until, .. } => until.as_ref(),
            _ => None,
        }) {
            if let Schedule::Relative {
                anchor: Anchor::Task { task, .. },
                ..
            } = s
            {
                if out.contains(task) {
                    diags.push(why("is anchored to", task));
                }
            }
        }
        let mut read = Vec::new();
        strings_of(&t.step, &t.title, &mut read);
        let mut named: BTreeSet<&str> = BTreeSet::new();
        for text in &read {
            named.extend(output_refs(text).filter(|up| out.contains(*up)));
        }
        for up in named {
            diags.push(why("reads the output of", up));
        }
        let mut outs = Vec::new();
        for e in t.step.exprs() {
            outputs(e, &mut outs);
        }
        for up in outs.iter().filter(|u| out.contains(*u)) {
            diags.push(why("reads the output of", up));
        }
        if let Step::Approval { not_author_of, .. } = &mut t.step {
            if not_author_of.as_ref().is_some_and(|a| out.contains(a)) {
                *not_author_of = None; // nobody authored a task that is not in the workflow
            }
        }
    }
    diags
}

fn strings_of<'a>(step: &'a Step, title: &'a str, out: &mut Vec<&'a str>) {
    out.push(title);
    match step {
        Step::Notification { message, .. } => out.push(message),
        Step::Manual {
            instructions: Some(i),
            ..
        } => out.push(i),
        Step::Agent { .. } | Step::Event { .. } => {
            for e in step.exprs() {
                templates(e, out);
            }
        }
        _ => {}
    }
}

/// The tasks whose output a string reads: `X` of each `${X.output...}`.
fn output_refs(s: &str) -> impl Iterator<Item = &str> {
    s.split("${").skip(1).filter_map(|rest| {
        let body = rest.split_once('}').map_or(rest, |(b, _)| b);
        crate::spec::output_path(body).map(|(task, _)| task.trim())
    })
}

fn templates<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
    match e {
        Expr::Template(s) => out.push(s),
        Expr::List(items) => items.iter().for_each(|i| templates(i, out)),
        Expr::Object(map) => map.values().for_each(|i| templates(i, out)),
        _ => {}
    }
}

/// The tasks whose outputs `e` reads.
pub(crate) fn outputs(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Output { task, .. } => out.push(task.clone()),
        Expr::List(items) => items.iter().for_each(|i| outputs(i, out)),
        Expr::Object(map) => map.values().for_each(|i| outputs(i, out)),
        _ => {}
    }
}

/// The source map of `template` re-aligned with `bound` (whose tasks a condition may have removed, and
/// an expansion copied): each bound task keeps the source of the template task with its key, a copy
/// (`translate[de]`) that of the task it was copied from.
pub fn source_for(
    map: &super::SourceMap,
    template: &WorkflowSpec,
    bound: &WorkflowSpec,
) -> super::SourceMap {
    if template.tasks.len() == bound.tasks.len()
        && template
            .tasks
            .iter()
            .zip(&bound.tasks)
            .all(|(a, b)| a.key == b.key)
    {
        return map.clone();
    }
    let by_key: BTreeMap<&str, &super::TaskSource> = template
        .tasks
        .iter()
        .zip(map.tasks.iter())
        .map(|(t, s)| (t.key.as_str(), s))
        .collect();
    let mut out = map.clone();
    out.tasks = bound
        .tasks
        .iter()
        .map(|t| {
            let copied_from = t.key.split_once('[').map_or("", |(base, _)| base);
            by_key
                .get(t.key.as_str())
                .or_else(|| by_key.get(copied_from))
                .map(|s| (*s).clone())
                .unwrap_or_default()
        })
        .collect();
    out
}
