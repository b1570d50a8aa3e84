//! Schedule lints over a resolved plan: DST findings located in source, tasks due before what they
//! depend on, `pre_release` tasks due after the release, schedules past the horizon.

use super::codes::*;
use super::Plan;
use crate::compile::SourceMap;
use crate::diagnostic::Diagnostic;
use crate::spec::WorkflowSpec;
use chrono::Duration;
use std::collections::HashMap;

/// Puts a finding about task `task` (index into `spec.tasks`) at the task's schedule in the source.
pub fn locate(mut d: Diagnostic, task: Option<usize>, source: &SourceMap) -> Diagnostic {
    if d.file.is_none() && !source.file.is_empty() {
        d.file = Some(source.file.clone());
    }
    if d.span.is_none() {
        if let Some(t) = task.and_then(|i| source.tasks.get(i)) {
            d.span = Some(t.schedule.clone().unwrap_or_else(|| t.key.clone()));
        }
    }
    d
}

/// Every schedule finding for a plan of `spec` (the plan's own warnings included), located in `source`.
/// Pure; `check` calls it when the params allow a resolution.
pub fn lint(spec: &WorkflowSpec, plan: &Plan, source: &SourceMap) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = plan
        .warnings
        .iter()
        .enumerate()
        .map(|(k, d)| {
            locate(
                d.clone(),
                plan.warning_tasks.get(k).copied().flatten(),
                source,
            )
        })
        .collect();
    let index: HashMap<&str, usize> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.key.as_str(), i))
        .collect();
    let (horizon, horizon_text) = match spec.target.horizon {
        Some(h) => (
            Duration::seconds(h.nominal_seconds()),
            format!("template's {}", h.human()),
        ),
        None => (Duration::days(HORIZON_DAYS), format!("{HORIZON_DAYS}-day")),
    };
    let release = plan.target.instant;
    for (i, task) in spec.tasks.iter().enumerate() {
        let Some(times) = plan.tasks.get(i).and_then(|t| t.times) else {
            continue;
        };
        let src = source.tasks.get(i);
        for (k, dep) in task.depends_on.iter().enumerate() {
            let Some(up) = index
                .get(dep.task.as_str())
                .and_then(|&j| plan.tasks[j].times)
            else {
                continue;
            };
            if times.due < up.due {
                let mut d = Diagnostic::warning(
                    DUE_BEFORE_DEPENDENCY,
                    format!(
                        "task `{}` is due {} but depends on `{}`, due later ({})",
                        task.key,
                        times.due.format("%Y-%m-%d %H:%M UTC"),
                        dep.task,
                        up.due.format("%Y-%m-%d %H:%M UTC"),
                    ),
                )
                .help(format!(
                    "schedule `{}` after `{}` (e.g. `at {} + 1 day`), or drop the dependency",
                    task.key, dep.task, dep.task
                ));
                if let Some(span) = src.and_then(|s| s.deps.get(k)) {
                    d = d.at(span.clone()).with_label("depends on a task due later");
                }
                out.push(locate(d, Some(i), source));
            }
        }
        if task.pre_release && times.due > release {
            let mut d = Diagnostic::warning(
                PRE_RELEASE_AFTER_RELEASE,
                format!(
                    "task `{}` is marked `pre_release` but is due {} after the release",
                    task.key,
                    human(times.due - release)
                ),
            )
            .help("schedule it before `release`, or remove `pre_release`");
            if let Some(span) = src.and_then(|s| s.fields.get("pre_release")) {
                d = d.label(span.clone(), "marked here");
            }
            out.push(locate(d, Some(i), source));
        }
        let away = times.start - release;
        if away > horizon || away < -horizon {
            let d =
                Diagnostic::warning(
                    PAST_HORIZON,
                    format!(
                    "task `{}` is scheduled {} {} the release, past the {horizon_text} horizon",
                    task.key,
                    human(away.abs()),
                    if away < Duration::zero() { "before" } else { "after" }
                ),
                )
                .help("check the offset's unit and sign (months for days?); a template that spans longer says so: `horizon 24 months`");
            out.push(locate(d, Some(i), source));
        }
    }
    out
}

/// `3 days 4 hours`, `45 minutes`.
pub fn human(d: Duration) -> String {
    let mins = d.num_minutes().abs();
    let (days, hours, minutes) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    let mut parts = Vec::new();
    let mut put = |n: i64, w: &str| {
        if n > 0 {
            parts.push(format!("{n} {w}{}", if n == 1 { "" } else { "s" }));
        }
    };
    put(days, "day");
    put(hours, "hour");
    put(minutes, "minute");
    if parts.is_empty() {
        "0 minutes".into()
    } else {
        parts.join(" ")
    }
}
