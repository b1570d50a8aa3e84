//! Names a compiled spec refers to: params (`${x}`, bare input values, the target) and upstream
//! outputs (`${x.output.y}`, `x.output.y`), with the task they appear in.

use super::context::interpolations;
use crate::spec::{Expr, Step, TzRef, WorkflowSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ref<'a> {
    Param(&'a str),
    /// The task whose output is read.
    Output(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Located<'a> {
    /// The task the reference is in; `None` for the template header and target.
    pub task: Option<usize>,
    pub what: Ref<'a>,
}

/// Classifies a dotted name: `x.output...` reads task `x`'s output (`ios.submit.output...` an
/// included task's), anything else names a param (an included template's are bound as `ios.platform`).
pub(crate) fn classify(name: &str) -> Ref<'_> {
    let name = name.trim();
    match crate::spec::output_path(name) {
        Some((task, _)) => Ref::Output(task.trim()),
        None => Ref::Param(name),
    }
}

/// Every reference in the spec, in task order.
pub(crate) fn spec_refs(spec: &WorkflowSpec) -> Vec<Located<'_>> {
    let mut out = Vec::new();
    push_text(&mut out, None, &spec.name);
    if let Some(description) = &spec.description {
        push_text(&mut out, None, description);
    }
    out.push(Located {
        task: None,
        what: Ref::Param(&spec.target.param),
    });
    if let TzRef::Param(tz) = &spec.target.timezone {
        out.push(Located {
            task: None,
            what: Ref::Param(tz),
        });
    }
    for (i, task) in spec.tasks.iter().enumerate() {
        let at = Some(i);
        push_text(&mut out, at, &task.title);
        match &task.step {
            Step::Agent { .. } | Step::Event { .. } => {
                for expr in task.step.exprs() {
                    push_expr(&mut out, at, expr);
                }
            }
            Step::Notification { message, .. } => push_text(&mut out, at, message),
            Step::Manual {
                instructions: Some(instructions),
                ..
            } => push_text(&mut out, at, instructions),
            _ => {}
        }
    }
    out
}

fn push_text<'a>(out: &mut Vec<Located<'a>>, task: Option<usize>, s: &'a str) {
    for name in interpolations(s) {
        out.push(Located {
            task,
            what: classify(name),
        });
    }
}

fn push_expr<'a>(out: &mut Vec<Located<'a>>, task: Option<usize>, expr: &'a Expr) {
    // Depth-first without recursion: input values may nest deeply.
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        match expr {
            Expr::Literal(_) => {}
            Expr::Template(s) => push_text(out, task, s),
            Expr::Param(name) => out.push(Located {
                task,
                what: Ref::Param(name),
            }),
            Expr::Output { task: up, .. } => out.push(Located {
                task,
                what: Ref::Output(up),
            }),
            Expr::List(items) => stack.extend(items.iter().rev()),
            Expr::Object(fields) => stack.extend(fields.values().rev()),
        }
    }
}
