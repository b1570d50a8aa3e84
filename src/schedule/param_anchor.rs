//! `date` and `datetime` params as anchors (`at cycle_start + 3 weeks`): their bound value (or default)
//! as an instant. A date is that calendar day at 00:00 in the task's zone; a local date-time is read in
//! the release zone; RFC 3339 keeps its offset.

use super::codes::RELEASE_UNRESOLVED;
use super::instant::parse_instant;
use super::local::to_utc;
use crate::diagnostic::Diagnostic;
use crate::spec::{ParamType, WorkflowSpec};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The param's bound value, else its default, as text.
pub fn param_value(spec: &WorkflowSpec, name: &str) -> Option<String> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    match spec.bindings.get(name) {
        Some(v) if !v.is_null() => text(v),
        _ => spec
            .params
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.default.as_ref())
            .and_then(text),
    }
}

/// The anchor instant of param `name` for a task in zone `tz` (the release is in `release_tz`).
pub fn instant(
    spec: &WorkflowSpec,
    name: &str,
    tz: Tz,
    release_tz: Tz,
    owner: &str,
) -> Result<DateTime<Utc>, Diagnostic> {
    instant_of(spec, name, tz, release_tz).map_err(|value| match value {
        None => Diagnostic::error(
            RELEASE_UNRESOLVED,
            format!("task `{owner}` is anchored to param `{name}`, which is not bound"),
        )
        .help(format!("give it a value: `--set {name}=2026-09-01`")),
        Some(value) => Diagnostic::error(
            RELEASE_UNRESOLVED,
            format!("task `{owner}`: param `{name}` = `{value}` cannot be read as a date"),
        )
        .help("write a date `2026-09-01` or a date-time `2026-09-01T09:00`"),
    })
}

/// Like `instant`; `Err(None)` when unbound, `Err(Some(value))` when the value cannot be read.
pub fn instant_of(
    spec: &WorkflowSpec,
    name: &str,
    tz: Tz,
    release_tz: Tz,
) -> Result<DateTime<Utc>, Option<String>> {
    let Some(value) = param_value(spec, name) else {
        return Err(None);
    };
    let is_date = spec
        .params
        .iter()
        .any(|p| p.name == name && p.ty == ParamType::Date);
    let read = if is_date {
        NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| to_utc(tz, d.and_time(chrono::NaiveTime::MIN)))
            .map(|(i, _)| i)
    } else {
        parse_instant(&value, release_tz).ok().map(|(i, _)| i)
    };
    read.ok_or(Some(value))
}
