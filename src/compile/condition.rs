//! `when COND` → `spec::Condition`, checked against the declared params: an unknown param is RWF140,
//! a param of the wrong type for its use (or a literal of the wrong type) is RWF141. A dotted name
//! `task.output.a.b` reads an upstream output at run time: it has no declared type (any literal fits);
//! whether `task` is upstream is checked once every task is lowered (`not_upstream`, RWF149).

use super::values;
use crate::spec::{output_path, Condition, ParamSpec, ParamType, WorkflowSpec};
use crate::syntax::ast::{self, Cond};
use serde_json::Value as Json;
use std::ops::Range;

/// A problem found in a condition: code, where, message, help.
pub struct Problem {
    pub code: &'static str,
    pub span: Range<usize>,
    pub message: String,
    pub help: String,
}

/// Where a condition reads an upstream output: the task read, and the span of the path.
pub type Reads = Vec<(String, Range<usize>)>;

/// Lowers a condition; `None` when it has a problem (each one is pushed). `used` receives every
/// known param it reads, with its span, so they count as used; `reads` every output it reads.
pub fn lower(
    c: &Cond,
    params: &[ParamSpec],
    problems: &mut Vec<Problem>,
    used: &mut Vec<(String, Range<usize>)>,
    reads: &mut Reads,
) -> Option<Condition> {
    match c {
        Cond::Flag(p) => {
            let ty = param(p, params, problems, used, reads)?;
            if let Some(ty) = ty.filter(|ty| *ty != &ParamType::Bool) {
                problems.push(Problem {
                    code: "RWF141",
                    span: p.span.clone(),
                    message: format!(
                        "`when {}`: `{}` is a {}, not a bool",
                        p.name,
                        p.name,
                        values::type_name(ty)
                    ),
                    help: format!("compare it: `when {} == ...`", p.name),
                });
                return None;
            }
            Some(Condition::Flag {
                param: p.name.clone(),
            })
        }
        Cond::Not(inner) => Some(Condition::Not {
            cond: Box::new(lower(inner, params, problems, used, reads)?),
        }),
        Cond::And(cs) | Cond::Or(cs) => {
            let parts: Vec<Option<Condition>> = cs
                .iter()
                .map(|c| lower(c, params, problems, used, reads))
                .collect();
            let parts: Vec<Condition> = parts.into_iter().collect::<Option<_>>()?;
            Some(match c {
                Cond::And(_) => Condition::And { all: parts },
                _ => Condition::Or { any: parts },
            })
        }
        Cond::Compare {
            param: p,
            ne,
            value,
        } => {
            let v = match param(p, params, problems, used, reads)?.cloned() {
                Some(ty) => literal(value, &ty, &format!("`{}` is a", p.name), problems)?,
                None => output_literal(value, problems)?,
            };
            Some(Condition::Compare {
                param: p.name.clone(),
                ne: *ne,
                value: v,
            })
        }
        Cond::Member { value, list } => {
            let Some(ty) = param(list, params, problems, used, reads)?.cloned() else {
                let v = output_literal(value, problems)?;
                return Some(Condition::Member {
                    value: v,
                    param: list.name.clone(),
                });
            };
            let ParamType::List(item) = ty else {
                problems.push(Problem {
                    code: "RWF141",
                    span: list.span.clone(),
                    message: format!(
                        "`in {}`: `{}` is a {}, not a list",
                        list.name,
                        list.name,
                        values::type_name(&ty)
                    ),
                    help: format!(
                        "membership reads a list param; compare a single value: `{} == ...`",
                        list.name
                    ),
                });
                return None;
            };
            let v = literal(
                value,
                &item,
                &format!("`{}` holds items of type", list.name),
                problems,
            )?;
            Some(Condition::Member {
                value: v,
                param: list.name.clone(),
            })
        }
    }
}

/// The param's type; `Some(None)` for an upstream output `task.output.a.b` (untyped).
fn param<'p>(
    p: &ast::Ident,
    params: &'p [ParamSpec],
    problems: &mut Vec<Problem>,
    used: &mut Vec<(String, Range<usize>)>,
    reads: &mut Reads,
) -> Option<Option<&'p ParamType>> {
    if p.name.contains('.') {
        return match output_path(&p.name) {
            Some((task, path)) if !path.is_empty() => {
                reads.push((task.to_string(), p.span.clone()));
                Some(None)
            }
            Some((task, _)) => {
                problems.push(Problem {
                    code: "RWF140",
                    span: p.span.clone(),
                    message: format!("the condition reads `{}` but names no field of it", p.name),
                    help: format!("name the field: `{task}.output.field`"),
                });
                None
            }
            None => {
                problems.push(Problem {
                    code: "RWF140",
                    span: p.span.clone(),
                    message: format!(
                        "the condition reads `{}`, which is neither a param nor an output",
                        p.name
                    ),
                    help: "read an upstream task's output: `task.output.field`".into(),
                });
                None
            }
        };
    }
    match params.iter().find(|d| d.name == p.name) {
        Some(d) => {
            used.push((p.name.clone(), p.span.clone()));
            Some(Some(&d.ty))
        }
        None => {
            let names = params.iter().map(|d| d.name.as_str());
            let help = match crate::syntax::did_you_mean(&p.name, names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("declare it: `param {}: bool`", p.name),
            };
            problems.push(Problem {
                code: "RWF140",
                span: p.span.clone(),
                message: format!("the condition reads `{}`, which is not a param", p.name),
                help,
            });
            None
        }
    }
}

/// RWF149 when `task`'s condition reads the output of `read`, which is not a task, the task itself, or
/// not one of its (transitive) dependencies in `spec`.
pub fn not_upstream(
    spec: &WorkflowSpec,
    task: &str,
    read: &str,
    span: Range<usize>,
) -> Option<Problem> {
    let problem = |message: String, help: String| {
        Some(Problem {
            code: "RWF149",
            span: span.clone(),
            message,
            help,
        })
    };
    if spec.task(read).is_none() {
        let names = spec.tasks.iter().map(|t| t.key.as_str());
        return problem(
            format!("`{task}`'s condition reads `{read}.output`, but there is no task `{read}`"),
            match crate::syntax::did_you_mean(read, names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "name a task this one runs `after`".into(),
            },
        );
    }
    if read == task {
        return problem(
            format!("`{task}`'s condition reads its own output"),
            "a task's output exists only after it runs; decide on an upstream's".into(),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![task];
    while let Some(k) = stack.pop() {
        for d in spec.task(k).map_or(&[][..], |t| &t.depends_on[..]) {
            if d.task == read {
                return None;
            }
            if seen.insert(d.task.as_str()) {
                stack.push(&d.task);
            }
        }
    }
    problem(
        format!("`{task}`'s condition reads the output of `{read}`, which is not upstream of it"),
        format!("add `after {read}` to `{task}`: the condition is decided when its dependencies are met"),
    )
}

/// The literal compared with an output (which has no declared type): any plain string, number or bool.
fn output_literal(v: &ast::Value, problems: &mut Vec<Problem>) -> Option<Json> {
    let ty = match &v.kind {
        ast::ValueKind::Number(..) => ParamType::Number,
        ast::ValueKind::Bool(_) => ParamType::Bool,
        _ => ParamType::String,
    };
    literal(v, &ty, "an output compares with a", problems)
}

/// The literal as JSON when it fits `ty` (string, timezone, number, bool); RWF141 otherwise.
fn literal(
    v: &ast::Value,
    ty: &ParamType,
    subject: &str,
    problems: &mut Vec<Problem>,
) -> Option<Json> {
    let fits = matches!(
        (ty, &v.kind),
        (
            ParamType::String | ParamType::Timezone,
            ast::ValueKind::Str(_)
        ) | (ParamType::Number, ast::ValueKind::Number(..))
            | (ParamType::Bool, ast::ValueKind::Bool(_))
    );
    if !fits {
        let comparable = matches!(
            ty,
            ParamType::String | ParamType::Timezone | ParamType::Number | ParamType::Bool
        );
        problems.push(Problem {
            code: "RWF141",
            span: v.span.clone(),
            message: if comparable {
                format!(
                    "{subject} {}, but this is {}",
                    values::type_name(ty),
                    values::describe(&v.kind)
                )
            } else {
                format!(
                    "a condition cannot compare this: {subject} {}",
                    values::type_name(ty)
                )
            },
            help: if comparable {
                format!("write {}", values::example(ty))
            } else {
                "conditions compare strings, numbers and bools; use a hook for anything else".into()
            },
        });
        return None;
    }
    match &v.kind {
        ast::ValueKind::Str(s) => {
            if !s.interps.is_empty() {
                problems.push(Problem {
                    code: "RWF141",
                    span: v.span.clone(),
                    message: "a condition compares with a plain string, not an interpolated one"
                        .into(),
                    help: "write the value literally".into(),
                });
                return None;
            }
            Some(Json::String(s.value.clone()))
        }
        ast::ValueKind::Number(_, n) => {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                Some(Json::from(*n as i64))
            } else {
                serde_json::Number::from_f64(*n).map(Json::Number)
            }
        }
        ast::ValueKind::Bool(b) => Some(Json::Bool(*b)),
        _ => None,
    }
}
