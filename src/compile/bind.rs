//! Binding: `--set k=v`, `--release` and `--tz` → an instance spec where params are literals and
//! `${param}` is rendered; `${task.output.x}` stays for dispatch.

use super::values;
use super::Inputs;
use crate::diagnostic::Diagnostic;
use crate::spec::{
    Amount, Expr, ParamType, Schedule, Scope, Span, Step, TzRef, Unit, WorkflowSpec,
};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// Normalises a date-time input: a date (`2026-09-01`, midnight), a local date-time
/// (`2026-09-01T09:00`, `2026-09-01 09:00`, seconds optional) → `YYYY-MM-DDTHH:MM[:SS]` read in the
/// target zone; RFC 3339 with an offset → RFC 3339 (seconds, offset kept).
pub fn parse_datetime(s: &str) -> Result<String, String> {
    let s = s.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(dt.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(format!("{d}T00:00"));
    }
    let t = s.replacen(' ', "T", 1);
    for f in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(&t, f) {
            return Ok(
                if f.ends_with("%S") && dt.format("%S").to_string() != "00" {
                    dt.format("%Y-%m-%dT%H:%M:%S").to_string()
                } else {
                    dt.format("%Y-%m-%dT%H:%M").to_string()
                },
            );
        }
    }
    Err(format!("`{s}` is not a date-time"))
}

/// `2d`, `14bd`, `2 days`, `3 business days`.
pub fn parse_duration(s: &str) -> Option<Span> {
    let s = s.trim();
    if let Ok(span) = s.parse::<Span>() {
        return Some(span);
    }
    let (num, unit) = s.split_once(' ')?;
    let amount: i64 = num.parse().ok()?;
    let unit = match unit.trim().trim_end_matches('s') {
        "minute" => Unit::Minutes,
        "hour" => Unit::Hours,
        "day" => Unit::Days,
        "week" => Unit::Weeks,
        "month" => Unit::Months,
        u if u.starts_with("business") && u.ends_with("day") => Unit::BusinessDays,
        _ => return None,
    };
    Some(Span::new(amount, unit))
}

fn parse_scope(s: &str) -> Option<Json> {
    let s = s.trim();
    let (kind, name) = if let Some((k, rest)) = s.split_once('(') {
        (
            k.trim(),
            rest.trim_end_matches(')').trim().trim_matches('"'),
        )
    } else {
        let (k, n) = s.split_once(':')?;
        (k.trim(), n.trim())
    };
    let scope = match kind {
        "user" => Scope::User(name.into()),
        "team" => Scope::Team(name.into()),
        "channel" => Scope::Channel(name.into()),
        "org" | "organization" => Scope::Organization(name.into()),
        _ => return None,
    };
    serde_json::to_value(scope).ok()
}

/// A `--set` value read as the param's type.
pub fn parse_value(ty: &ParamType, s: &str) -> Option<Json> {
    Some(match ty {
        ParamType::String => Json::String(s.to_string()),
        ParamType::Number => {
            if let Ok(i) = s.trim().parse::<i64>() {
                Json::from(i)
            } else {
                let f: f64 = s.trim().parse().ok()?;
                Json::Number(serde_json::Number::from_f64(f)?)
            }
        }
        ParamType::Bool => match s.trim() {
            "true" | "yes" => Json::Bool(true),
            "false" | "no" => Json::Bool(false),
            _ => return None,
        },
        ParamType::Date => {
            let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
            Json::String(d.to_string())
        }
        ParamType::Datetime => Json::String(parse_datetime(s).ok()?),
        ParamType::Duration => Json::String(parse_duration(s)?.to_string()),
        ParamType::Timezone => {
            let s = s.trim();
            values::valid_tz(s).then(|| Json::String(s.to_string()))?
        }
        ParamType::Scope => parse_scope(s)?,
        ParamType::List(inner) => {
            if s.trim().is_empty() {
                return Some(Json::Array(Vec::new()));
            }
            Json::Array(
                split_list(s)
                    .iter()
                    .map(|item| parse_value(inner, item))
                    .collect::<Option<Vec<_>>>()?,
            )
        }
    })
}

/// Splits on commas outside parentheses and quotes.
fn split_list(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0, false);
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

/// How a bound value reads inside a string.
fn render(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Array(items) => items.iter().map(render).collect::<Vec<_>>().join(", "),
        Json::Object(o) => o.get("name").map(render).unwrap_or_default(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// Replaces each `${name}` whose name is bound.
pub fn interpolate(s: &str, values: &BTreeMap<String, Json>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        match after.find('}') {
            Some(close) => {
                let name = after[..close].trim();
                match values.get(name) {
                    Some(v) => out.push_str(&render(v)),
                    None => out.push_str(&rest[at..at + 2 + close + 1]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[at..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn bind_expr(e: &Expr, values: &BTreeMap<String, Json>) -> Expr {
    match e {
        Expr::Literal(v) => Expr::Literal(v.clone()),
        Expr::Param(p) => match values.get(p) {
            Some(v) => Expr::Literal(v.clone()),
            None => Expr::Param(p.clone()),
        },
        Expr::Template(s) => {
            let r = interpolate(s, values);
            if r.contains("${") {
                Expr::Template(r)
            } else {
                Expr::Literal(Json::String(r))
            }
        }
        Expr::Output { .. } => e.clone(),
        Expr::List(items) => {
            values::collapse_list(items.iter().map(|i| bind_expr(i, values)).collect())
        }
        Expr::Object(map) => values::collapse_object(
            map.iter()
                .map(|(k, v)| (k.clone(), bind_expr(v, values)))
                .collect(),
        ),
    }
}

pub(super) fn bind_scope(s: &Scope, values: &BTreeMap<String, Json>) -> Scope {
    match s {
        Scope::User(n) => Scope::User(interpolate(n, values)),
        Scope::Team(n) => Scope::Team(interpolate(n, values)),
        Scope::Organization(n) => Scope::Organization(interpolate(n, values)),
        Scope::Channel(n) => Scope::Channel(interpolate(n, values)),
    }
}

/// Names of params the schedule cannot resolve without.
fn schedule_params(spec: &WorkflowSpec) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    out.insert(spec.target.param.clone());
    if let TzRef::Param(p) = &spec.target.timezone {
        out.insert(p.clone());
    }
    let mut anchors = Vec::new();
    let mut from_tz = |tz: &Option<String>| {
        if let Some(z) = tz {
            if let Some(name) = z.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                out.insert(name.to_string());
            }
        }
    };
    for t in &spec.tasks {
        for s in t.schedule.iter().chain(match &t.step {
            crate::spec::Step::Wait { until, .. } => until.as_ref(),
            _ => None,
        }) {
            match s {
                Schedule::Relative { timezone, .. } | Schedule::Pinned { timezone, .. } => {
                    from_tz(timezone)
                }
            }
            if let Schedule::Relative {
                anchor: crate::spec::Anchor::Param { param },
                ..
            } = s
            {
                anchors.push(param.clone());
            }
        }
    }
    out.extend(anchors);
    out.extend(duration_params(spec));
    out
}

/// Names of the `duration` params the tasks use as amounts (offsets, windows, deadlines, ...).
fn duration_params(spec: &WorkflowSpec) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |a: &Amount| {
        if let Some(p) = a.param_name() {
            out.insert(p.to_string());
        }
    };
    for t in &spec.tasks {
        t.window.iter().for_each(&mut add);
        for s in t.schedule.iter().chain(match &t.step {
            Step::Wait { until, .. } => until.as_ref(),
            _ => None,
        }) {
            if let Schedule::Relative { offsets, then, .. } = s {
                offsets.iter().chain(then).for_each(&mut add);
            }
        }
        match &t.step {
            Step::Agent { timeout, .. } => timeout.iter().for_each(&mut add),
            Step::Approval {
                deadline,
                remind_every,
                ..
            } => deadline.iter().chain(remind_every).for_each(&mut add),
            Step::Wait { duration, .. } => duration.iter().for_each(&mut add),
            _ => {}
        }
    }
    out
}

/// RWF085 for each `duration` param the tasks use whose value is negative or longer than ten years.
fn check_durations(spec: &WorkflowSpec, values: &BTreeMap<String, Json>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for name in duration_params(spec) {
        let Some(text) = values.get(&name).and_then(Json::as_str) else {
            continue;
        };
        let why = match text.parse::<Span>() {
            Ok(span) => match crate::spec::check_param_span(span) {
                Ok(_) => continue,
                Err(why) => why,
            },
            Err(e) => e.to_string(),
        };
        diags.push(
            Diagnostic::error(
                crate::schedule::codes::BAD_DURATION_VALUE,
                format!("duration param `{name}`: {why}"),
            )
            .help(format!(
                "give an amount of zero to ten years: `--set {name}=2w` (or `3bd`, `2 weeks`)"
            )),
        );
    }
    diags
}

/// The binding of `--release TEXT` for the target param. A date-only release of a `datetime` target is
/// that date at the template's declared release time (`target release in tz at 09:00`); without one it
/// is refused rather than read as midnight.
// `Diagnostic` is the crate-wide error value; boxing it here would leak into every caller.
#[allow(clippy::result_large_err)]
pub fn release_value(spec: &WorkflowSpec, r: &str) -> Result<Json, Diagnostic> {
    let ty = spec
        .params
        .iter()
        .find(|p| p.name == spec.target.param)
        .map(|p| p.ty.clone())
        .unwrap_or(ParamType::Datetime);
    if ty == ParamType::Datetime {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(r.trim(), "%Y-%m-%d") {
            return match spec.target.time {
                Some(t) => Ok(Json::String(d.and_time(t).format("%Y-%m-%dT%H:%M").to_string())),
                None => Err(Diagnostic::error(
                    "RWF064",
                    format!("`--release {r}` gives no time of day, and the template declares no release time"),
                )
                .help(format!(
                    "give the time: `--release {d}T09:00`, or declare it in the template: `target {} in \"Zone/Name\" at 09:00`",
                    spec.target.param
                ))),
            };
        }
    }
    let parsed = parse_value(&ty, r).or_else(|| match ty {
        // A date target given a date-time: its (local) date.
        ParamType::Date => parse_datetime(r)
            .ok()
            .map(|d| Json::String(d[..10].to_string())),
        _ => None,
    });
    parsed.ok_or_else(|| {
        Diagnostic::error("RWF064", format!("`--release {r}` is not a valid release date"))
            .help("write a local date-time `2026-09-01T09:00`, RFC 3339 `2026-09-01T09:00:00+02:00`, or a date `2026-09-01` when the template declares its release time")
    })
}

pub fn bind(
    spec: &WorkflowSpec,
    inputs: &Inputs,
    preview: bool,
) -> Result<WorkflowSpec, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut values: BTreeMap<String, Json> = spec.bindings.clone();
    for (k, v) in &inputs.sets {
        let Some(p) = spec.params.iter().find(|p| &p.name == k) else {
            let names: Vec<&str> = spec.params.iter().map(|p| p.name.as_str()).collect();
            let help = match crate::syntax::did_you_mean(k, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the template's params: {}", names.join(", ")),
            };
            diags.push(
                Diagnostic::error("RWF065", format!("`{k}` is not a param of `{}`", spec.key))
                    .help(help),
            );
            continue;
        };
        match parse_value(&p.ty, v) {
            Some(j) => {
                values.insert(k.clone(), j);
            }
            None => diags.push(
                Diagnostic::error(
                    "RWF062",
                    format!(
                        "`--set {k}={v}`: `{v}` is not a {}",
                        values::type_name(&p.ty)
                    ),
                )
                .help(format!("param `{k}` takes {}", values::example(&p.ty))),
            ),
        }
    }
    if let Some(r) = &inputs.release {
        match release_value(spec, r) {
            Ok(j) => {
                values.insert(spec.target.param.clone(), j);
            }
            Err(d) => diags.push(d),
        }
    }
    let mut out = spec.clone();
    if let Some(tz) = &inputs.tz {
        if !values::valid_tz(tz) {
            diags.push(
                Diagnostic::error("RWF056", format!("`--tz {tz}` is not an IANA timezone"))
                    .help("use a name such as Europe/Berlin or America/New_York"),
            );
        } else {
            match &spec.target.timezone {
                TzRef::Param(p) => {
                    values.insert(p.clone(), Json::String(tz.clone()));
                }
                TzRef::Literal(_) => out.target.timezone = TzRef::Literal(tz.clone()),
            }
        }
    }
    for p in &spec.params {
        if !values.contains_key(&p.name) {
            if let Some(d) = &p.default {
                values.insert(p.name.clone(), d.clone());
            }
        }
    }
    let mut needed = schedule_params(spec);
    needed.extend(spec.flow.when.values().flat_map(|c| c.params()));
    for b in &spec.flow.blocks {
        match &b.expansion {
            crate::spec::Expansion::ForEach { param, .. } => {
                needed.insert(param.clone());
            }
            crate::spec::Expansion::ForEachOutput { .. } => {}
            crate::spec::Expansion::Repeat { from, until, .. } => {
                for s in [from, until] {
                    if let Schedule::Relative {
                        anchor: crate::spec::Anchor::Param { param },
                        ..
                    } = &**s
                    {
                        needed.insert(param.clone());
                    }
                }
            }
        }
    }
    let release_refused = inputs.release.is_some() && !values.contains_key(&spec.target.param);
    for p in &spec.params {
        if values.contains_key(&p.name) || (preview && !needed.contains(&p.name)) {
            continue;
        }
        if release_refused && p.name == spec.target.param {
            continue; // its `--release` was refused above, with the reason
        }
        let how = if p.name == spec.target.param {
            "give `--release 2026-09-01` (or `--set`)".to_string()
        } else {
            format!("give `--set {}=...` ({})", p.name, values::example(&p.ty))
        };
        diags.push(
            Diagnostic::error("RWF063", format!("param `{}` has no value", p.name)).help(how),
        );
    }
    diags.extend(check_durations(spec, &values));
    if !diags.is_empty() {
        return Err(diags);
    }
    if let TzRef::Param(p) = &out.target.timezone {
        if let Some(Json::String(z)) = values.get(p) {
            out.target.timezone = TzRef::Literal(z.clone());
        }
    }
    out.bindings = values.clone();
    let empty = super::expand::expand(&mut out, &values)?;
    let decided = super::flow::decide(&mut out, &values, empty);
    if !decided.is_empty() {
        return Err(decided);
    }
    out.name = interpolate(&out.name, &values);
    out.description = out.description.map(|d| interpolate(&d, &values));
    for ph in &mut out.phases {
        ph.title = interpolate(&ph.title, &values);
    }
    for t in &mut out.tasks {
        bind_task(t, &values);
    }
    Ok(out)
}

/// Renders `${name}` in a task's strings and scopes, and bound names in its inputs.
pub(super) fn bind_task(t: &mut crate::spec::TaskSpec, values: &BTreeMap<String, Json>) {
    task_texts(t, &mut |x| match x {
        Text::Str(s) => *s = interpolate(s, values),
        Text::Scope(s) => *s = bind_scope(s, values),
        Text::Expr(e) => *e = bind_expr(e, values),
    });
}

/// A part of a task that may read params: a string (`${name}`, a zone `${tz}`), a scope, an input
/// or event-match expression.
pub(super) enum Text<'a> {
    Str(&'a mut String),
    Scope(&'a mut Scope),
    Expr(&'a mut Expr),
}

fn zone(s: &mut Schedule) -> Option<&mut String> {
    match s {
        Schedule::Relative { timezone, .. } | Schedule::Pinned { timezone, .. } => {
            timezone.as_mut()
        }
    }
}

/// Calls `f` on every part of a task that may read params (its schedules' zones included).
pub(super) fn task_texts(t: &mut crate::spec::TaskSpec, f: &mut dyn FnMut(Text<'_>)) {
    f(Text::Str(&mut t.title));
    if let Some(z) = t.schedule.as_mut().and_then(zone) {
        f(Text::Str(z));
    }
    match &mut t.step {
        crate::spec::Step::Agent { input, .. } => input.values_mut().for_each(|v| f(Text::Expr(v))),
        crate::spec::Step::Approval {
            approvers,
            on_expire,
            ..
        } => {
            approvers.iter_mut().for_each(|a| f(Text::Scope(a)));
            if let crate::spec::ExpirePolicy::Escalate(to) = on_expire {
                to.iter_mut().for_each(|a| f(Text::Scope(a)));
            }
        }
        crate::spec::Step::Manual {
            instructions,
            assignee,
        } => {
            if let Some(i) = instructions {
                f(Text::Str(i));
            }
            if let Some(a) = assignee {
                f(Text::Scope(a));
            }
        }
        crate::spec::Step::Notification { to, message } => {
            f(Text::Str(message));
            to.iter_mut().for_each(|a| f(Text::Scope(a)));
        }
        crate::spec::Step::Wait { until, .. } => {
            if let Some(z) = until.as_mut().and_then(zone) {
                f(Text::Str(z));
            }
        }
        crate::spec::Step::Event { matches, .. } => {
            matches.values_mut().for_each(|v| f(Text::Expr(v)))
        }
        crate::spec::Step::Checkpoint => {}
    }
}
