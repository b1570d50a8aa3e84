//! Literal values: AST values → JSON by param type, agent inputs → `Expr`, scopes, timezones.

use crate::spec::{Expr, ParamType, Scope, Span as SpecSpan, Unit};
use crate::syntax::ast;
use serde_json::Value as Json;
use std::collections::BTreeMap;

pub fn unit(u: ast::DurUnit) -> Unit {
    match u {
        ast::DurUnit::Minute => Unit::Minutes,
        ast::DurUnit::Hour => Unit::Hours,
        ast::DurUnit::Day => Unit::Days,
        ast::DurUnit::Week => Unit::Weeks,
        ast::DurUnit::Month => Unit::Months,
        ast::DurUnit::BusinessDay => Unit::BusinessDays,
    }
}

pub fn span(d: &ast::Duration) -> SpecSpan {
    SpecSpan::new(d.amount, unit(d.unit))
}

pub fn param_type(t: &ast::ParamType) -> ParamType {
    match t {
        ast::ParamType::List(inner) => ParamType::List(Box::new(param_type(inner))),
        ast::ParamType::Scalar(s) => match s.as_str() {
            "number" => ParamType::Number,
            "bool" => ParamType::Bool,
            "date" => ParamType::Date,
            "datetime" => ParamType::Datetime,
            "duration" => ParamType::Duration,
            "timezone" => ParamType::Timezone,
            "scope" => ParamType::Scope,
            _ => ParamType::String,
        },
    }
}

pub fn type_name(t: &ParamType) -> String {
    match t {
        ParamType::String => "string".into(),
        ParamType::Number => "number".into(),
        ParamType::Bool => "bool".into(),
        ParamType::Date => "date".into(),
        ParamType::Datetime => "datetime".into(),
        ParamType::Duration => "duration".into(),
        ParamType::Timezone => "timezone".into(),
        ParamType::Scope => "scope".into(),
        ParamType::List(t) => format!("list<{}>", type_name(t)),
    }
}

/// How a value of the type is written, for help texts.
pub fn example(t: &ParamType) -> String {
    match t {
        ParamType::String => "a string such as `\"Acme\"`".into(),
        ParamType::Number => "a number such as `1000`".into(),
        ParamType::Bool => "`true` or `false`".into(),
        ParamType::Date => "a date such as `2026-09-01`".into(),
        ParamType::Datetime => {
            "a date-time such as `2026-09-01T09:00` or `2026-09-01T09:00:00+02:00`".into()
        }
        ParamType::Duration => "a duration such as `2 days`".into(),
        ParamType::Timezone => "an IANA timezone such as `\"Europe/Berlin\"`".into(),
        ParamType::Scope => "a scope such as `team(\"legal\")`".into(),
        ParamType::List(t) => format!("a list `[...]` of {}", example(t)),
    }
}

pub fn valid_tz(name: &str) -> bool {
    name.parse::<chrono_tz::Tz>().is_ok()
}

pub fn valid_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

pub fn valid_clock(s: &str) -> bool {
    chrono::NaiveTime::parse_from_str(s, "%H:%M").is_ok()
}

pub fn scope(s: &ast::Scope) -> Scope {
    let name = s.name.value.clone();
    match s.kind.as_str() {
        "user" => Scope::User(name),
        "team" => Scope::Team(name),
        "channel" => Scope::Channel(name),
        _ => Scope::Organization(name),
    }
}

fn scope_json(s: &ast::Scope) -> Json {
    serde_json::to_value(scope(s)).unwrap_or(Json::Null)
}

fn number(raw: &str, v: f64) -> Json {
    if !raw.contains('.') {
        if let Ok(i) = raw.parse::<i64>() {
            return Json::from(i);
        }
    }
    serde_json::Number::from_f64(v)
        .map(Json::Number)
        .unwrap_or(Json::Null)
}

/// A literal value checked against a param type. `Err` says what was found.
pub fn typed(value: &ast::Value, ty: &ParamType) -> Result<Json, String> {
    use ast::ValueKind as V;
    match (ty, &value.kind) {
        (ParamType::String, V::Str(s)) => Ok(Json::String(s.value.clone())),
        (ParamType::Number, V::Number(raw, v)) => Ok(number(raw, *v)),
        (ParamType::Bool, V::Bool(b)) => Ok(Json::Bool(*b)),
        (ParamType::Date, V::Date(d)) if valid_date(d) => Ok(Json::String(d.clone())),
        (ParamType::Datetime, V::DateTime(d, t)) if valid_date(d) && valid_clock(t) => {
            let t = chrono::NaiveTime::parse_from_str(t, "%H:%M").unwrap_or_default();
            Ok(Json::String(format!("{d}T{}", t.format("%H:%M"))))
        }
        (ParamType::Datetime, V::Date(d)) if valid_date(d) => {
            Ok(Json::String(format!("{d}T00:00")))
        }
        (ParamType::Datetime, V::Str(s)) => super::bind::parse_datetime(&s.value).map(Json::String),
        (ParamType::Duration, V::Duration(d)) => Ok(Json::String(span(d).to_string())),
        (ParamType::Timezone, V::Str(s)) => {
            if valid_tz(&s.value) {
                Ok(Json::String(s.value.clone()))
            } else {
                Err(format!("`{}` is not an IANA timezone", s.value))
            }
        }
        (ParamType::Scope, V::Scope(s)) => Ok(scope_json(s)),
        (ParamType::List(inner), V::List(items)) => items
            .iter()
            .map(|v| typed(v, inner))
            .collect::<Result<Vec<_>, _>>()
            .map(Json::Array),
        (_, other) => Err(format!("found {}", describe(other))),
    }
}

pub fn describe(v: &ast::ValueKind) -> &'static str {
    use ast::ValueKind as V;
    match v {
        V::Str(_) => "a string",
        V::Number(..) => "a number",
        V::Bool(_) => "a bool",
        V::Date(_) => "a date",
        V::DateTime(..) => "a date-time",
        V::Duration(_) => "a duration",
        V::Scope(_) => "a scope",
        V::List(_) => "a list",
        V::Object(_) => "an object",
        V::Name(_) => "a name",
    }
}

/// What a bare name in an input stands for.
pub enum NameUse {
    Param(String),
    Output { task: String, path: Vec<String> },
    Invalid,
}

pub fn classify(path: &[String]) -> NameUse {
    match path {
        [one] => NameUse::Param(one.clone()),
        [task, output, rest @ ..] if output == "output" => NameUse::Output {
            task: task.clone(),
            path: rest.to_vec(),
        },
        _ => NameUse::Invalid,
    }
}

/// An agent input value as an `Expr`: lists and objects of literals collapse into one literal.
/// `on_name` is called for every bare name and every `${...}` with its span; it returns an error
/// message for names that are neither a param nor `task.output.path`.
pub fn expr(
    value: &ast::Value,
    on_name: &mut dyn FnMut(&[String], std::ops::Range<usize>),
    errors: &mut Vec<(std::ops::Range<usize>, String)>,
) -> Expr {
    use ast::ValueKind as V;
    match &value.kind {
        V::Str(s) => {
            for i in &s.interps {
                on_name(&i.path, i.span.clone());
            }
            if s.interps.is_empty() {
                Expr::Literal(Json::String(s.value.clone()))
            } else {
                Expr::Template(s.value.clone())
            }
        }
        V::Number(raw, v) => Expr::Literal(number(raw, *v)),
        V::Bool(b) => Expr::Literal(Json::Bool(*b)),
        V::Date(d) => Expr::Literal(Json::String(d.clone())),
        V::DateTime(d, t) => Expr::Literal(Json::String(format!("{d}T{t}"))),
        V::Duration(d) => Expr::Literal(Json::String(span(d).to_string())),
        V::Scope(s) => {
            for i in &s.name.interps {
                on_name(&i.path, i.span.clone());
            }
            Expr::Literal(scope_json(s))
        }
        V::List(items) => {
            let items: Vec<Expr> = items.iter().map(|v| expr(v, on_name, errors)).collect();
            collapse_list(items)
        }
        V::Object(entries) => {
            let map: BTreeMap<String, Expr> = entries
                .iter()
                .map(|e| (e.key.clone(), expr(&e.value, on_name, errors)))
                .collect();
            collapse_object(map)
        }
        V::Name(path) => {
            on_name(path, value.span.clone());
            match classify(path) {
                NameUse::Param(p) => Expr::Param(p),
                NameUse::Output { task, path } => Expr::Output { task, path },
                NameUse::Invalid => {
                    errors.push((
                        value.span.clone(),
                        format!(
                            "`{}` is neither a param nor `task.output.path`",
                            path.join(".")
                        ),
                    ));
                    Expr::Literal(Json::Null)
                }
            }
        }
    }
}

pub fn collapse_list(items: Vec<Expr>) -> Expr {
    if items.iter().all(|e| matches!(e, Expr::Literal(_))) {
        Expr::Literal(Json::Array(
            items
                .into_iter()
                .map(|e| match e {
                    Expr::Literal(v) => v,
                    _ => Json::Null,
                })
                .collect(),
        ))
    } else {
        Expr::List(items)
    }
}

pub fn collapse_object(map: BTreeMap<String, Expr>) -> Expr {
    if map.values().all(|e| matches!(e, Expr::Literal(_))) {
        Expr::Literal(Json::Object(
            map.into_iter()
                .map(|(k, e)| {
                    (
                        k,
                        match e {
                            Expr::Literal(v) => v,
                            _ => Json::Null,
                        },
                    )
                })
                .collect(),
        ))
    } else {
        Expr::Object(map)
    }
}
