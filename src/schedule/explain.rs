//! `explain`: how one task's date was produced — its anchor chain back to the release or a pinned
//! date, each offset, the calendar days skipped (holidays by name), DST adjustments, with source lines.

use super::local::LocalFix;
use super::resolve::resolve_all;
use super::trace::TraceStep;
use super::{ResolvedTask, Target, Times};
use crate::compile::SourceMap;
use crate::diagnostic::{Diagnostic, LineIndex};
use crate::spec::{Anchor, Schedule, WorkflowSpec};
use std::collections::BTreeMap;
use std::fmt::Write;

/// One task of the chain and the steps that produced its times.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// Index into `spec.tasks`.
    pub index: usize,
    pub task: ResolvedTask,
    pub steps: Vec<TraceStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The chain from the root anchor (release or a pinned/floating task) down to the asked task.
    pub chain: Vec<Link>,
    /// Findings (DST, calendar range, cycles) about tasks of the chain.
    pub findings: Vec<Diagnostic>,
}

/// Explains `key`. `Err` when there is no such task.
pub fn explain(
    spec: &WorkflowSpec,
    target: &Target,
    fixed: &BTreeMap<String, Times>,
    key: &str,
) -> Result<Explanation, Diagnostic> {
    let index = spec.task_index();
    let Some(&start) = index.get(key) else {
        return Err(Diagnostic::error(
            super::UNKNOWN_ANCHOR,
            format!("no task `{key}` in this template"),
        )
        .help("`rwf plan FILE` lists the task keys"));
    };
    let r = resolve_all(spec, target, fixed, true);
    let mut chain_idx = vec![start];
    let mut cur = start;
    while let Some(Schedule::Relative {
        anchor: Anchor::Task { task, .. },
        ..
    }) = &spec.tasks[cur].schedule
    {
        if fixed.contains_key(&spec.tasks[cur].key) {
            break;
        }
        match index.get(task.as_str()) {
            Some(&j) if !chain_idx.contains(&j) => {
                chain_idx.push(j);
                cur = j;
            }
            _ => break,
        }
    }
    chain_idx.reverse();
    let findings = r
        .findings
        .iter()
        .filter(|f| f.task.is_none_or(|t| chain_idx.contains(&t)))
        .map(|f| f.diag.clone())
        .collect();
    Ok(Explanation {
        chain: chain_idx
            .iter()
            .map(|&i| Link {
                index: i,
                task: r.tasks[i].clone(),
                steps: r.traces.get(i).cloned().unwrap_or_default(),
            })
            .collect(),
        findings,
    })
}

impl Explanation {
    /// Human text: one block per task of the chain, each step with the source line it came from.
    pub fn render(&self, spec: &WorkflowSpec, source: &SourceMap, text: &str) -> String {
        let lines = LineIndex::new(text);
        let last = std::cell::Cell::new(0usize);
        let src_line = |span: Option<&std::ops::Range<usize>>| -> String {
            match span {
                Some(s) if !text.is_empty() && lines.line_col(s.start).line != last.get() => {
                    let lc = lines.line_col(s.start);
                    last.set(lc.line);
                    format!(
                        "    {}:{}: {}\n",
                        source.file,
                        lc.line,
                        lines.line_text(lc.line).trim()
                    )
                }
                _ => String::new(),
            }
        };
        let std_text = crate::compile::stdlib("std/calendars");
        let mut origins = Origins {
            texts: vec![(source.file.clone(), text)],
        };
        if let Some((name, t)) = &std_text {
            origins.texts.push((name.clone(), t.as_str()));
        }
        let mut out = String::new();
        if !spec.closures.is_empty() {
            let days: Vec<String> = spec
                .closures
                .iter()
                .map(|c| format!("{} ({}, {})", c.date, c.date.format("%a"), c.name))
                .collect();
            let _ = writeln!(out, "closed for this workflow: {}", days.join(", "));
        }
        for link in &self.chain {
            let task = &spec.tasks[link.index];
            let src = source.tasks.get(link.index);
            let _ = writeln!(out, "{} ({})", task.key, task.title);
            out.push_str(&src_line(src.and_then(|s| s.schedule.as_ref())));
            for step in &link.steps {
                let (line, span) = describe(step, link, &origins);
                let _ = writeln!(out, "  {line}");
                let span = match span {
                    Where::Anchor => src.and_then(|s| s.anchor.as_ref()),
                    Where::Window => src.and_then(|s| s.fields.get("window")),
                    Where::None => None,
                };
                out.push_str(&src_line(span));
            }
            match (link.task.times, link.task.local()) {
                (Some(t), Some(l)) => {
                    let _ = writeln!(
                        out,
                        "  = start {} {} ({}), due {} {} ({}){}",
                        l.start.format("%Y-%m-%d %H:%M"),
                        link.task.tz,
                        t.start.format("%Y-%m-%dT%H:%MZ"),
                        l.due.format("%Y-%m-%d %H:%M"),
                        link.task.tz,
                        t.due.format("%Y-%m-%dT%H:%MZ"),
                        if link.task.pinned { ", pinned" } else { "" }
                    );
                }
                _ => {
                    let _ = writeln!(out, "  = floating: due as soon as its dependencies allow");
                }
            }
        }
        for d in &self.findings {
            let _ = writeln!(out, "{}[{}]: {}", d.severity.as_str(), d.code, d.message);
        }
        out
    }
}

enum Where {
    Anchor,
    Window,
    None,
}

/// Where holidays and the `calendar` line are written: the template, else the embedded stdlib.
struct Origins<'a> {
    texts: Vec<(String, &'a str)>,
}

impl Origins<'_> {
    /// ` (file:line)` of the first line satisfying `pred`, or empty.
    fn find(&self, pred: impl Fn(&str) -> bool) -> String {
        for (file, text) in &self.texts {
            if let Some(n) = text.lines().position(|l| pred(l.trim())) {
                return format!("  ({file}:{})", n + 1);
            }
        }
        String::new()
    }
    fn skipped(&self, k: &super::calendar::Skipped) -> String {
        match k {
            super::calendar::Skipped::Holiday(d, _) => {
                let needle = format!("holiday {d}");
                format!("{}{}", k.describe(), self.find(|l| l.starts_with(&needle)))
            }
            super::calendar::Skipped::Blackout(d, reason) => {
                // The `blackout FROM to TO "reason"` line whose range holds the day.
                let quoted = format!("\"{reason}\"");
                let holds = |l: &str| {
                    let mut w = l.split_whitespace().skip(1);
                    let (from, to) = (w.next().unwrap_or(""), w.nth(1).unwrap_or(""));
                    l.starts_with("blackout ")
                        && l.contains(&quoted)
                        && from <= d.to_string().as_str()
                        && d.to_string().as_str() <= to
                };
                format!("{}{}", k.describe(), self.find(holds))
            }
            _ => k.describe(),
        }
    }
}

fn describe(step: &TraceStep, link: &Link, origins: &Origins<'_>) -> (String, Where) {
    let fmt = |l: &chrono::NaiveDateTime| l.format("%a %Y-%m-%d %H:%M").to_string();
    match step {
        TraceStep::Anchor {
            what,
            instant,
            tz,
            local,
        } => (
            format!(
                "anchor {what} = {} ({}), read in {tz}: {}",
                instant.format("%Y-%m-%dT%H:%MZ"),
                if what == "release" {
                    "the release instant"
                } else if what.contains('.') {
                    "that task's time"
                } else {
                    "the param's value"
                },
                fmt(local)
            ),
            Where::Anchor,
        ),
        TraceStep::Fixed { start } => (
            format!(
                "kept at {} (already ran or frozen by an edit)",
                start.format("%Y-%m-%dT%H:%MZ")
            ),
            Where::None,
        ),
        TraceStep::Pinned { local, tz } => {
            (format!("pinned to {} in {tz}", fmt(local)), Where::None)
        }
        TraceStep::Offset {
            span,
            param,
            from,
            to,
            skipped,
            calendar,
        } => {
            let abs = crate::spec::Span {
                amount: span.amount.abs(),
                unit: span.unit,
            };
            let mut s = format!(
                "{} {}: {} → {}",
                if span.amount >= 0 { "+" } else { "-" },
                named(param.as_deref(), abs),
                fmt(from),
                fmt(to)
            );
            if span.unit == crate::spec::Unit::Months
                && chrono::Datelike::day(to) < chrono::Datelike::day(from)
            {
                let _ = write!(
                    s,
                    " (no day {} in {}: the month's last day)",
                    chrono::Datelike::day(from),
                    to.format("%B %Y")
                );
            }
            if let Some(c) = calendar {
                let _ = write!(s, " (calendar {c})");
                if let Some(name) = c.strip_prefix('`').and_then(|c| c.split('`').next()) {
                    let line = format!("calendar {name}");
                    let _ = write!(
                        s,
                        "{}",
                        origins.find(|l| l == line || l.starts_with(&format!("{line} ")))
                    );
                }
            }
            for k in skipped {
                let _ = write!(s, "\n    skipped {}", origins.skipped(k));
            }
            (s, Where::None)
        }
        TraceStep::Align { align, from, to } => (
            format!(
                "align {} it: {} → {}",
                super::align::words(*align),
                fmt(from),
                fmt(to)
            ),
            Where::None,
        ),
        TraceStep::TimeOfDay { time, local } => (
            format!("at {}: {}", time.format("%H:%M"), fmt(local)),
            Where::None,
        ),
        TraceStep::Convert {
            local,
            tz,
            instant,
            fix,
        } => match fix {
            LocalFix::Exact => (
                format!(
                    "{} in {tz} = {}",
                    fmt(local),
                    instant.format("%Y-%m-%dT%H:%MZ")
                ),
                Where::None,
            ),
            LocalFix::Gap { moved_to } => (
                format!(
                    "DST: {} does not exist in {tz} (spring forward); moved to {} = {}",
                    fmt(local),
                    moved_to.format("%H:%M"),
                    instant.format("%Y-%m-%dT%H:%MZ")
                ),
                Where::None,
            ),
            LocalFix::Ambiguous { later } => (
                format!(
                    "DST: {} happens twice in {tz} (fall back); took the earlier {} (not {})",
                    fmt(local),
                    instant.format("%Y-%m-%dT%H:%MZ"),
                    later.format("%H:%MZ")
                ),
                Where::None,
            ),
        },
        TraceStep::Window {
            span,
            param,
            due,
            skipped,
        } => {
            let mut s = format!(
                "window {}: due {}",
                named(param.as_deref(), *span),
                due.with_timezone(&link.task.tz).format("%a %Y-%m-%d %H:%M")
            );
            for k in skipped {
                let _ = write!(s, "\n    skipped {}", origins.skipped(k));
            }
            (s, Where::Window)
        }
        TraceStep::Blackout {
            blackout,
            calendar,
            from,
            to,
            rule,
        } => {
            let needle = format!("blackout {} to {}", blackout.from, blackout.to);
            let at = origins.find(|l| l.starts_with(&needle));
            let what = format!(
                "blackout {} to {} ({}) of calendar {calendar}{at}",
                blackout.from, blackout.to, blackout.reason
            );
            match to {
                Some(to) => (
                    format!(
                        "{what}: on_blackout {} moves {} → {}",
                        rule.words(),
                        fmt(from),
                        fmt(to)
                    ),
                    Where::None,
                ),
                None => (
                    format!(
                        "{what}: {} stays (on_blackout {}; warning RWF082)",
                        fmt(from),
                        rule.words()
                    ),
                    Where::None,
                ),
            }
        }
        TraceStep::Floating { reason } => (format!("floating: {reason}"), Where::None),
    }
}

/// An amount as explained: `14 days`, or `lead = 14 days` when read from a `duration` param.
fn named(param: Option<&str>, span: crate::spec::Span) -> String {
    match param {
        Some(p) => format!("{p} = {}", span.human()),
        None => span.human(),
    }
}
