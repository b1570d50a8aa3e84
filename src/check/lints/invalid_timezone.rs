//! RWF020: a timezone that is not an IANA zone name.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::{ParamType, Schedule, TzRef};
use chrono_tz::Tz;
use std::ops::Range;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF020",
    severity: Severity::Error,
    title: "invalid-timezone",
    what:
        "A timezone (a task's `in \"...\"`, the target's zone, or a timezone param's default) is \
           not an IANA zone name such as `Europe/Berlin`.",
    why: "Dates are computed in that zone; an unknown zone cannot be resolved, and guessing would \
          put tasks at the wrong hour.",
    example: "checkpoint retro \"Retro\" { at 2026-10-01 16:00 in \"Europe/Londn\" }",
};

/// A zone name is valid when IANA knows it; `${param}` is a timezone param, checked when bound.
pub(crate) fn is_valid(name: &str) -> bool {
    name.starts_with("${") || name.parse::<Tz>().is_ok()
}

fn invalid(cx: &Context, name: &str, span: Option<Range<usize>>) -> Diagnostic {
    cx.diag(&DOC, span, format!("unknown timezone `{name}`"))
        .with_label("not an IANA zone name")
        .help("use an IANA name such as \"America/New_York\", \"Europe/Berlin\" or \"UTC\"")
}

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    if let TzRef::Literal(name) = &cx.spec.target.timezone {
        if !is_valid(name) {
            out.push(invalid(cx, name, cx.map.target.clone()));
        }
    }
    for (i, param) in cx.spec.params.iter().enumerate() {
        if param.ty != ParamType::Timezone {
            continue;
        }
        if let Some(serde_json::Value::String(name)) = &param.default {
            if !is_valid(name) {
                out.push(invalid(cx, name, cx.map.params.get(i).cloned()));
            }
        }
    }
    for i in 0..cx.spec.tasks.len() {
        for (field, schedule) in cx.schedules(i) {
            let zone = match schedule {
                Schedule::Relative { timezone, .. } | Schedule::Pinned { timezone, .. } => timezone,
            };
            if let Some(name) = zone {
                if !is_valid(name) {
                    let span = cx
                        .find_in_task(i, &format!("\"{name}\""))
                        .or_else(|| cx.schedule_field_span(i, field));
                    out.push(invalid(cx, name, span));
                }
            }
        }
    }
}
