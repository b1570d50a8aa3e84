//! Rendering at dispatch time: agent inputs (`Expr` → JSON) and `${...}` strings (titles, messages).
//!
//! `${name}` reads a bound param; `${task.output.a.b}` reads an upstream task's output. A placeholder
//! that cannot be resolved (an unbound param in a preview spec, an output that does not exist) is kept
//! verbatim in strings and renders as `null` in an `Expr::Output`, so a simulation of an unbound
//! template still runs and shows what is missing.

use super::model::Snapshot;
use crate::spec::Expr;
use serde_json::{Map, Value};

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn output_at<'a>(snapshot: &'a Snapshot, task: &str, path: &[String]) -> Option<&'a Value> {
    let mut v = snapshot.task(task)?.output.as_ref()?;
    for p in path {
        v = match v {
            Value::Object(m) => m.get(p)?,
            Value::Array(a) => a.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Resolves one placeholder body (`product`, `draft_blog.output.url`).
fn lookup(snapshot: &Snapshot, body: &str) -> Option<String> {
    let body = body.trim();
    if let Some((task, path)) = crate::spec::output_path(body) {
        if snapshot.task(task).is_some() {
            let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
            return output_at(snapshot, task, &path).map(value_text);
        }
    }
    // A param (an included template's own params are bound as `NAME.PARAM`).
    snapshot.spec.bindings.get(body).map(value_text)
}

/// Renders `${...}` placeholders in `text`.
pub fn render_text(snapshot: &Snapshot, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find('}') {
            Some(j) => {
                let body = &after[..j];
                match lookup(snapshot, body) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push_str("${");
                        out.push_str(body);
                        out.push('}');
                    }
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Renders one input expression.
pub fn render_expr(snapshot: &Snapshot, expr: &Expr) -> Value {
    match expr {
        Expr::Literal(v) => v.clone(),
        Expr::Template(s) => Value::String(render_text(snapshot, s)),
        Expr::Param(p) => snapshot
            .spec
            .bindings
            .get(p)
            .cloned()
            .unwrap_or_else(|| Value::String(format!("${{{p}}}"))),
        Expr::Output { task, path } => output_at(snapshot, task, path)
            .cloned()
            .unwrap_or(Value::Null),
        Expr::List(items) => Value::Array(items.iter().map(|e| render_expr(snapshot, e)).collect()),
        Expr::Object(map) => Value::Object(
            map.iter()
                .map(|(k, e)| (k.clone(), render_expr(snapshot, e)))
                .collect(),
        ),
    }
}

/// Renders a whole declared input map into a JSON object.
pub fn render_input(
    snapshot: &Snapshot,
    input: &std::collections::BTreeMap<String, Expr>,
) -> Value {
    let map: Map<String, Value> = input
        .iter()
        .map(|(k, e)| (k.clone(), render_expr(snapshot, e)))
        .collect();
    Value::Object(map)
}
