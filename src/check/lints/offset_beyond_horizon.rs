//! RWF024: a task scheduled implausibly far from the release.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

/// The schedule lints' horizon, so both tiers agree on what is too far.
pub(crate) const HORIZON_DAYS: i64 = crate::schedule::HORIZON_DAYS;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF024",
    severity: Severity::Warning,
    title: "offset-beyond-horizon",
    what: "A task's schedule, followed back to `release`, lands more than 366 days (nominally) before \
           or after it, or further than the template's own `horizon 24 months`. With a release given \
           (`rwf check --release`, `rwf plan`), the same code is measured on the real plan.",
    why: "Release templates span weeks or months; an offset of years is almost always a unit mistake \
          (`minutes` for `months`, an extra digit), and calendars rarely cover that far.",
    example: "checkpoint kickoff \"Kick-off\" { at release - 400 days }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, position) in cx.nominal().iter().enumerate() {
        let Some(position) = position else {
            continue;
        };
        let days = position.seconds / 86_400;
        let horizon = cx
            .spec
            .target
            .horizon
            .map_or(HORIZON_DAYS, |h| h.nominal_seconds() / 86_400);
        if days.abs() <= horizon {
            continue;
        }
        let side = if days < 0 { "before" } else { "after" };
        out.push(
            cx.diag(
                &DOC,
                cx.schedule_span(i),
                format!(
                    "`{}` is scheduled about {} days {side} the release",
                    cx.task(i).key,
                    days.abs()
                ),
            )
            .with_label(format!("more than {horizon} days from the release"))
            .help("check the amount and unit of the offsets; a template that spans longer says so: `horizon 24 months`"),
        );
    }
}
