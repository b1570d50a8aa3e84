//! The resolver proper: walk anchor chains (no recursion, cycles detected), apply offsets in each
//! task's zone, convert to UTC under the DST policy, record a trace per task when asked.

use super::calendar::{Calendar, OutOfRange};
use super::codes::*;
use super::local::{to_utc, LocalFix};
use super::trace::TraceStep;
use super::{Plan, ResolvedTask, Target, Times};
use crate::diagnostic::Diagnostic;
use crate::spec::{
    Align, Amount, AmountError, Anchor, AnchorPoint, BlackoutRule, Period, Schedule, Span, Unit,
    WorkflowSpec,
};
use chrono::{DateTime, Duration, Months, NaiveDateTime, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap};

/// A diagnostic and the task (index into `spec.tasks`) it is about.
#[derive(Debug, Clone)]
pub struct Finding {
    pub task: Option<usize>,
    pub diag: Diagnostic,
}

/// Everything a resolution produced, before it is split into `Plan` or errors.
pub struct Resolution {
    pub tasks: Vec<ResolvedTask>,
    pub findings: Vec<Finding>,
    /// Parallel to `tasks` when tracing was asked for; empty otherwise.
    pub traces: Vec<Vec<TraceStep>>,
}

pub fn point_name(p: AnchorPoint) -> &'static str {
    match p {
        AnchorPoint::Start => "start",
        AnchorPoint::Due => "due",
        AnchorPoint::End => "end",
    }
}

pub fn parse_tz(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// The template's calendar in force (with the workflow's closures), or a finding when the spec
/// names one it does not define.
pub fn calendar_of(spec: &WorkflowSpec) -> Result<Calendar<'_>, Diagnostic> {
    named_calendar(spec, spec.calendar.as_deref(), None)
}

/// The calendar a task named `task` (or the template, `None`) uses at run time, with the workflow's
/// closures: the built-in one when the spec names a calendar it does not define.
pub fn resolve_calendar<'a>(spec: &'a WorkflowSpec, task: Option<&str>) -> Calendar<'a> {
    match task {
        Some(key) => task_calendar(spec, key),
        None => calendar_of(spec),
    }
    .unwrap_or_else(|_| Calendar::builtin().with_closures(&spec.closures))
}

/// The calendar of task `key`: its own `calendar`, else the template's.
pub fn task_calendar<'a>(spec: &'a WorkflowSpec, key: &str) -> Result<Calendar<'a>, Diagnostic> {
    match spec.task(key).and_then(|t| t.calendar.as_deref()) {
        Some(own) => named_calendar(spec, Some(own), Some(key)),
        None => calendar_of(spec),
    }
}

fn named_calendar<'a>(
    spec: &'a WorkflowSpec,
    name: Option<&str>,
    task: Option<&str>,
) -> Result<Calendar<'a>, Diagnostic> {
    let cal = match name {
        None => Calendar::builtin(),
        Some(name) => match spec.calendars.get_key_value(name) {
            Some((name, c)) if c.weekend.len() >= 7 => {
                return Err(Diagnostic::error(
                    NEVER_OPEN,
                    format!(
                        "calendar `{name}` has no business day: all seven days are its weekend"
                    ),
                )
                .help("list only the days off in `weekend`, e.g. `weekend sat, sun`"));
            }
            Some((name, c)) => Calendar::new(Some(name), c),
            None => {
                let whose =
                    task.map_or(String::new(), |t| format!(" (the calendar of task `{t}`)"));
                return Err(Diagnostic::error(
                    UNKNOWN_CALENDAR,
                    format!("calendar `{name}`{whose} is not defined"),
                )
                .help("define it with `calendar NAME { ... }` or import it: `use std/calendars { us_federal }`"));
            }
        },
    };
    Ok(cal.with_closures(&spec.closures))
}

/// How anchors are looked up while evaluating one schedule.
pub enum AnchorTimes {
    /// The anchor task is scheduled.
    At(Times),
    /// The anchor task floats (no schedule): so does everything anchored to it.
    Floating,
}

/// Context shared by every schedule evaluation of one resolution.
pub struct Ctx<'a> {
    pub target: &'a Target,
    pub calendar: Result<Calendar<'a>, Diagnostic>,
    /// For `date`/`datetime` param anchors: their bindings and defaults.
    pub spec: &'a WorkflowSpec,
}

/// What a schedule evaluated to.
pub enum Evaluated {
    At(DateTime<Utc>, Tz),
    Floating,
}

/// Evaluates one schedule. `lookup` gives the anchor task's times; `owner` names the task in findings.
pub fn eval_schedule(
    ctx: &Ctx<'_>,
    schedule: &Schedule,
    owner: &str,
    lookup: &dyn Fn(&str) -> Option<AnchorTimes>,
    findings: &mut Vec<Diagnostic>,
    trace: &mut Option<Vec<TraceStep>>,
) -> Result<Evaluated, Diagnostic> {
    match schedule {
        Schedule::Pinned { at, timezone } => {
            let tz = zone(ctx, timezone.as_deref(), owner)?;
            push(trace, || TraceStep::Pinned { local: *at, tz });
            let instant = convert(tz, *at, owner, "start", findings, trace)?;
            check_range(tz, instant, owner, "start")?;
            Ok(Evaluated::At(instant, tz))
        }
        Schedule::Relative {
            anchor,
            offsets,
            align,
            then,
            time_of_day,
            timezone,
        } => {
            let tz = zone(ctx, timezone.as_deref(), owner)?;
            let (instant, what) = match anchor {
                Anchor::Release => (ctx.target.instant, "release".to_string()),
                Anchor::Param { param } => (
                    super::param_anchor::instant(ctx.spec, param, tz, ctx.target.tz, owner)?,
                    param.clone(),
                ),
                Anchor::Task { task, point } => {
                    let what = format!("{task}.{}", point_name(*point));
                    match lookup(task) {
                        None => {
                            return Err(Diagnostic::error(
                                UNKNOWN_ANCHOR,
                                format!(
                                    "task `{owner}` is anchored to `{task}`, which is not a task"
                                ),
                            )
                            .help("anchor to `release` or to an existing task's key"))
                        }
                        Some(AnchorTimes::Floating) => {
                            push(trace, || TraceStep::Floating {
                                reason: format!("anchored to `{task}`, which has no schedule"),
                            });
                            return Ok(Evaluated::Floating);
                        }
                        Some(AnchorTimes::At(t)) => (
                            match point {
                                AnchorPoint::Start => t.start,
                                AnchorPoint::Due => t.due,
                                AnchorPoint::End => t.end,
                            },
                            what,
                        ),
                    }
                }
            };
            let mut cursor = Cursor::Instant(instant);
            push(trace, || TraceStep::Anchor {
                what,
                instant,
                tz,
                local: instant.with_timezone(&tz).naive_local(),
            });
            for amount in offsets {
                cursor = apply_amount(ctx, tz, cursor, amount, owner, findings, trace)?;
            }
            for a in align {
                cursor = align_step(ctx, tz, cursor, *a, owner, trace)?;
            }
            for amount in then {
                cursor = apply_amount(ctx, tz, cursor, amount, owner, findings, trace)?;
            }
            if let Some(t) = time_of_day {
                let local = cursor.local(tz).date().and_time(*t);
                push(trace, || TraceStep::TimeOfDay { time: *t, local });
                cursor = Cursor::Local(local);
            }
            let instant = cursor.instant(tz, owner, "start", findings, trace)?;
            check_range(tz, instant, owner, "start")?;
            Ok(Evaluated::At(instant, tz))
        }
    }
}

/// `due = start + window` in the task's zone.
pub fn apply_window(
    ctx: &Ctx<'_>,
    tz: Tz,
    start: DateTime<Utc>,
    window: Option<&Amount>,
    owner: &str,
    findings: &mut Vec<Diagnostic>,
    trace: &mut Option<Vec<TraceStep>>,
) -> Result<DateTime<Utc>, Diagnostic> {
    let Some(amount) = window else {
        return Ok(start);
    };
    let span = amount_span(ctx, amount, owner)?;
    // The window's own arithmetic is traced as one `Window` step, not as an offset.
    let mut inner = trace.as_ref().map(|_| Vec::new());
    let cursor = apply(
        ctx,
        tz,
        Cursor::Instant(start),
        span,
        owner,
        "due",
        findings,
        &mut inner,
    )?;
    let due = cursor.instant(tz, owner, "due", findings, &mut inner)?;
    check_range(tz, due, owner, "due")?;
    let skipped = inner
        .iter()
        .flatten()
        .find_map(|s| match s {
            TraceStep::Offset { skipped, .. } => Some(skipped.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let dst: Vec<TraceStep> = inner
        .into_iter()
        .flatten()
        .filter(|s| matches!(s, TraceStep::Convert { fix, .. } if *fix != LocalFix::Exact))
        .collect();
    push(trace, || TraceStep::Window {
        span,
        param: amount.param_name().map(str::to_string),
        due,
        skipped,
    });
    if let Some(t) = trace {
        t.extend(dst);
    }
    Ok(due)
}

fn push(trace: &mut Option<Vec<TraceStep>>, step: impl FnOnce() -> TraceStep) {
    if let Some(t) = trace {
        t.push(step());
    }
}

fn zone(ctx: &Ctx<'_>, name: Option<&str>, owner: &str) -> Result<Tz, Diagnostic> {
    match name {
        None => Ok(ctx.target.tz),
        Some(n) => parse_tz(n).ok_or_else(|| {
            Diagnostic::error(
                INVALID_TIMEZONE,
                format!("task `{owner}` uses timezone `{n}`, which is not an IANA zone"),
            )
            .help("use a name such as \"Europe/Berlin\" or \"America/New_York\"")
        }),
    }
}

/// Calendar arithmetic works on local wall-clock time and is converted to an instant only when an
/// exact offset or the end of the schedule needs one, so intermediate days never raise DST findings.
#[derive(Clone, Copy)]
enum Cursor {
    Local(NaiveDateTime),
    Instant(DateTime<Utc>),
}

impl Cursor {
    fn local(self, tz: Tz) -> NaiveDateTime {
        match self {
            Cursor::Local(l) => l,
            Cursor::Instant(i) => i.with_timezone(&tz).naive_local(),
        }
    }
    fn instant(
        self,
        tz: Tz,
        owner: &str,
        what: &str,
        findings: &mut Vec<Diagnostic>,
        trace: &mut Option<Vec<TraceStep>>,
    ) -> Result<DateTime<Utc>, Diagnostic> {
        match self {
            Cursor::Instant(i) => Ok(i),
            Cursor::Local(l) => convert(tz, l, owner, what, findings, trace),
        }
    }
}

/// A resolved instant must be a four-digit year, and inside the years the zone's rules are known for.
fn check_range(tz: Tz, instant: DateTime<Utc>, owner: &str, what: &str) -> Result<(), Diagnostic> {
    use chrono::Datelike;
    let year = instant.with_timezone(&tz).year();
    if !(1..=9999).contains(&year) {
        return Err(overflow(owner));
    }
    if super::local::beyond_rules(tz, instant) {
        return Err(Diagnostic::error(
            BEYOND_TZ_RULES,
            format!(
                "task `{owner}`: {what} {} is past 2099, the last year the time-zone database lists {tz}'s clock changes for",
                instant.format("%Y-%m-%d %H:%MZ")
            ),
        )
        .help("move the date before 2100, or schedule the task in a zone without DST (e.g. `in \"UTC\"`)"));
    }
    Ok(())
}

fn overflow(owner: &str) -> Diagnostic {
    Diagnostic::error(
        DATE_OVERFLOW,
        format!("the schedule of task `{owner}` moves beyond the representable range of dates"),
    )
    .help("check the offset's amount and unit")
}

fn convert(
    tz: Tz,
    local: NaiveDateTime,
    owner: &str,
    what: &str,
    findings: &mut Vec<Diagnostic>,
    trace: &mut Option<Vec<TraceStep>>,
) -> Result<DateTime<Utc>, Diagnostic> {
    let (instant, fix) = to_utc(tz, local).ok_or_else(|| overflow(owner))?;
    match fix {
        LocalFix::Exact => {}
        LocalFix::Gap { moved_to } => findings.push(
            Diagnostic::warning(
                DST_GAP,
                format!(
                    "task `{owner}`: {what} {} does not exist in {tz} (clocks spring forward); moved to {}",
                    local.format("%Y-%m-%d %H:%M"),
                    moved_to.format("%H:%M")
                ),
            )
            .help("pick a local time outside the transition, e.g. `at 09:00`"),
        ),
        LocalFix::Ambiguous { later } => findings.push(
            Diagnostic::warning(
                DST_AMBIGUOUS,
                format!(
                    "task `{owner}`: {what} {} happens twice in {tz} (clocks fall back); the earlier one ({}) is taken, not {}",
                    local.format("%Y-%m-%d %H:%M"),
                    instant.format("%H:%M UTC"),
                    later.format("%H:%M UTC"),
                ),
            )
            .help("pick a local time outside the transition, e.g. `at 09:00`"),
        ),
    }
    push(trace, || TraceStep::Convert {
        local,
        tz,
        instant,
        fix,
    });
    Ok(instant)
}

/// The span an amount stands for: a `duration` param's bound value (else its default), signed.
pub fn amount_span(ctx: &Ctx<'_>, amount: &Amount, owner: &str) -> Result<Span, Diagnostic> {
    ctx.spec.span_of(amount).map_err(|e| {
        let code = match e {
            AmountError::Unbound(_) => RELEASE_UNRESOLVED,
            AmountError::Invalid(..) => BAD_DURATION_VALUE,
        };
        Diagnostic::error(code, e.message(owner)).help(e.help())
    })
}

/// One offset written as an amount; its trace step names the param it read.
fn apply_amount(
    ctx: &Ctx<'_>,
    tz: Tz,
    cursor: Cursor,
    amount: &Amount,
    owner: &str,
    findings: &mut Vec<Diagnostic>,
    trace: &mut Option<Vec<TraceStep>>,
) -> Result<Cursor, Diagnostic> {
    let span = amount_span(ctx, amount, owner)?;
    let next = apply(ctx, tz, cursor, span, owner, "start", findings, trace)?;
    if let (Some(name), Some(TraceStep::Offset { param, .. })) = (
        amount.param_name(),
        trace.as_mut().and_then(|t| t.last_mut()),
    ) {
        *param = Some(name.to_string());
    }
    Ok(next)
}

#[allow(clippy::too_many_arguments)]
fn apply(
    ctx: &Ctx<'_>,
    tz: Tz,
    cursor: Cursor,
    span: Span,
    owner: &str,
    what: &str,
    findings: &mut Vec<Diagnostic>,
    trace: &mut Option<Vec<TraceStep>>,
) -> Result<Cursor, Diagnostic> {
    let mut skipped = Vec::new();
    let mut calendar = None;
    let from = cursor.local(tz);
    let next = match span.unit {
        Unit::Minutes | Unit::Hours => {
            let secs = span.exact_seconds().unwrap_or(0);
            let instant = cursor.instant(tz, owner, what, findings, trace)?;
            let d = Duration::try_seconds(secs).ok_or_else(|| overflow(owner))?;
            Cursor::Instant(
                instant
                    .checked_add_signed(d)
                    .ok_or_else(|| overflow(owner))?,
            )
        }
        Unit::Days | Unit::Weeks => {
            let days = if span.unit == Unit::Weeks {
                span.amount.checked_mul(7).ok_or_else(|| overflow(owner))?
            } else {
                span.amount
            };
            let d = Duration::try_days(days).ok_or_else(|| overflow(owner))?;
            Cursor::Local(from.checked_add_signed(d).ok_or_else(|| overflow(owner))?)
        }
        Unit::Months => {
            let n = u32::try_from(span.amount.unsigned_abs()).map_err(|_| overflow(owner))?;
            let moved = if span.amount >= 0 {
                from.checked_add_months(Months::new(n))
            } else {
                from.checked_sub_months(Months::new(n))
            };
            Cursor::Local(moved.ok_or_else(|| overflow(owner))?)
        }
        Unit::BusinessDays => {
            let cal = ctx.calendar.as_ref().map_err(|d| d.clone())?;
            calendar = Some(cal.label());
            let date = cal
                .step(from.date(), span.amount, &mut skipped)
                .map_err(|e| out_of_range(owner, cal, span, &e))?;
            Cursor::Local(date.and_time(from.time()))
        }
    };
    push(trace, || TraceStep::Offset {
        span,
        param: None,
        from,
        to: next.local(tz),
        skipped: skipped.clone(),
        calendar: calendar.clone(),
    });
    Ok(next)
}

/// One alignment: the date moves, the wall-clock time stays.
fn align_step(
    ctx: &Ctx<'_>,
    tz: Tz,
    cursor: Cursor,
    a: Align,
    owner: &str,
    trace: &mut Option<Vec<TraceStep>>,
) -> Result<Cursor, Diagnostic> {
    let from = cursor.local(tz);
    let week_start = match a {
        Align::Edge {
            period: Period::Week,
            ..
        } => {
            let cal = ctx.calendar.as_ref().map_err(|d| d.clone())?;
            super::align::week_start(cal.weekend())
        }
        _ => chrono::Weekday::Mon,
    };
    let date = super::align::align(from.date(), a, week_start).ok_or_else(|| overflow(owner))?;
    let to = date.and_time(from.time());
    push(trace, || TraceStep::Align { align: a, from, to });
    Ok(Cursor::Local(to))
}

fn out_of_range(owner: &str, cal: &Calendar<'_>, span: Span, e: &OutOfRange) -> Diagnostic {
    Diagnostic::error(
        OUTSIDE_CALENDAR,
        format!(
            "task `{owner}`: `{}` reaches {}, outside the dates calendar {} covers ({} to {})",
            span.human(),
            e.date,
            cal.label(),
            e.covers.from,
            e.covers.to
        ),
    )
    .help("move the release date, or extend the calendar's `covers` range and its holidays")
}

/// Resolves every task of `spec`. Tasks in `fixed` keep their times.
pub fn resolve_all(
    spec: &WorkflowSpec,
    target: &Target,
    fixed: &BTreeMap<String, Times>,
    tracing: bool,
) -> Resolution {
    let n = spec.tasks.len();
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
    for (i, t) in spec.tasks.iter().enumerate() {
        index.entry(t.key.as_str()).or_insert(i);
    }
    let ctx = Ctx {
        target,
        calendar: calendar_of(spec),
        spec,
    };
    // Tasks with their own calendar resolve in a context of their own (one per calendar named).
    let mut own: HashMap<&str, Ctx<'_>> = HashMap::new();
    for t in &spec.tasks {
        if let Some(name) = t.calendar.as_deref() {
            own.entry(name).or_insert_with(|| Ctx {
                target,
                calendar: named_calendar(spec, Some(name), Some(&t.key)),
                spec,
            });
        }
    }
    let mut findings: Vec<Finding> = super::release_dst_warning(spec)
        .map(|diag| Finding { task: None, diag })
        .into_iter()
        .collect();
    let mut calendar_reported = false;
    // None: not yet resolved. Some(None): failed or floating. Some(Some(..)): scheduled.
    let mut done: Vec<Option<Option<(Times, Tz)>>> = vec![None; n];
    let mut tasks: Vec<Option<ResolvedTask>> = vec![None; n];
    let mut traces: Vec<Vec<TraceStep>> = if tracing {
        vec![Vec::new(); n]
    } else {
        Vec::new()
    };
    let mut on_path = vec![false; n];

    for root in 0..n {
        if done[root].is_some() {
            continue;
        }
        // Follow the anchor chain from `root` until a resolved task, a task without a task anchor, or
        // a task already on the path (a cycle).
        let mut path = vec![root];
        on_path[root] = true;
        let mut cycle_at = None;
        loop {
            let cur = *path.last().unwrap_or(&root);
            let next = anchor_task(spec, cur).and_then(|k| index.get(k).copied());
            let Some(next) = next else { break };
            if fixed.contains_key(&spec.tasks[cur].key) || done[next].is_some() {
                break;
            }
            if on_path[next] {
                cycle_at = Some(next);
                break;
            }
            on_path[next] = true;
            path.push(next);
        }
        if let Some(start) = cycle_at {
            let pos = path.iter().position(|&p| p == start).unwrap_or(0);
            let members: Vec<usize> = path[pos..].to_vec();
            let chain = members
                .iter()
                .chain(std::iter::once(&start))
                .map(|&i| format!("`{}`", spec.tasks[i].key))
                .collect::<Vec<_>>()
                .join(" → ");
            findings.push(Finding {
                task: Some(start),
                diag: Diagnostic::error(ANCHOR_CYCLE, format!("anchor cycle: {chain}"))
                    .help("anchor one of these tasks to `release` or pin it to a date"),
            });
            for &m in &members {
                done[m] = Some(None);
                tasks[m] = Some(unresolved(spec, target, m));
            }
            path.truncate(pos);
        }
        for &i in path.iter().rev() {
            on_path[i] = false;
            if done[i].is_some() {
                continue;
            }
            let mut trace = if tracing { Some(Vec::new()) } else { None };
            let mut diags = Vec::new();
            let task_ctx = spec.tasks[i]
                .calendar
                .as_deref()
                .and_then(|c| own.get(c))
                .unwrap_or(&ctx);
            let result = resolve_one(
                spec, task_ctx, fixed, &index, &done, i, &mut diags, &mut trace,
            );
            for d in diags {
                findings.push(Finding {
                    task: Some(i),
                    diag: d,
                });
            }
            let task = &spec.tasks[i];
            match result {
                Ok(Some((times, tz))) => {
                    done[i] = Some(Some((times, tz)));
                    tasks[i] = Some(ResolvedTask {
                        key: task.key.clone(),
                        times: Some(times),
                        tz,
                        pinned: is_pinned(task.schedule.as_ref()),
                    });
                }
                Ok(None) => {
                    done[i] = Some(None);
                    tasks[i] = Some(unresolved(spec, target, i));
                }
                Err(d) => {
                    if d.code == UNKNOWN_CALENDAR {
                        if !calendar_reported {
                            findings.push(Finding {
                                task: None,
                                diag: d,
                            });
                        }
                        calendar_reported = true;
                    } else {
                        findings.push(Finding {
                            task: Some(i),
                            diag: d,
                        });
                    }
                    done[i] = Some(None);
                    tasks[i] = Some(unresolved(spec, target, i));
                }
            }
            if let (Some(t), true) = (trace, tracing) {
                traces[i] = t;
            }
        }
    }
    Resolution {
        tasks: tasks
            .into_iter()
            .enumerate()
            .map(|(i, t)| t.unwrap_or_else(|| unresolved(spec, target, i)))
            .collect(),
        findings,
        traces,
    }
}

fn anchor_task(spec: &WorkflowSpec, i: usize) -> Option<&str> {
    match &spec.tasks[i].schedule {
        Some(Schedule::Relative {
            anchor: Anchor::Task { task, .. },
            ..
        }) => Some(task.as_str()),
        _ => None,
    }
}

fn is_pinned(s: Option<&Schedule>) -> bool {
    matches!(s, Some(Schedule::Pinned { .. }))
}

fn own_tz(spec: &WorkflowSpec, target: &Target, i: usize) -> Tz {
    let name = match &spec.tasks[i].schedule {
        Some(Schedule::Relative { timezone, .. }) | Some(Schedule::Pinned { timezone, .. }) => {
            timezone.as_deref()
        }
        None => None,
    };
    name.and_then(parse_tz).unwrap_or(target.tz)
}

fn unresolved(spec: &WorkflowSpec, target: &Target, i: usize) -> ResolvedTask {
    ResolvedTask {
        key: spec.tasks[i].key.clone(),
        times: None,
        tz: own_tz(spec, target, i),
        pinned: is_pinned(spec.tasks[i].schedule.as_ref()),
    }
}

#[allow(clippy::too_many_arguments)]
fn resolve_one(
    spec: &WorkflowSpec,
    ctx: &Ctx<'_>,
    fixed: &BTreeMap<String, Times>,
    index: &HashMap<&str, usize>,
    done: &[Option<Option<(Times, Tz)>>],
    i: usize,
    findings: &mut Vec<Diagnostic>,
    trace: &mut Option<Vec<TraceStep>>,
) -> Result<Option<(Times, Tz)>, Diagnostic> {
    let task = &spec.tasks[i];
    if let Some(times) = fixed.get(&task.key) {
        push(trace, || TraceStep::Fixed { start: times.start });
        return Ok(Some((*times, own_tz(spec, ctx.target, i))));
    }
    let Some(schedule) = &task.schedule else {
        push(trace, || TraceStep::Floating {
            reason: "no `at`: due as soon as its dependencies allow".into(),
        });
        return Ok(None);
    };
    let lookup = |key: &str| -> Option<AnchorTimes> {
        let j = *index.get(key)?;
        Some(match done.get(j).copied().flatten().flatten() {
            Some((t, _)) => AnchorTimes::At(t),
            None => AnchorTimes::Floating,
        })
    };
    match eval_schedule(ctx, schedule, &task.key, &lookup, findings, trace)? {
        Evaluated::Floating => Ok(None),
        Evaluated::At(start, tz) => {
            let rule = task.on_blackout.unwrap_or(spec.on_blackout);
            let pinned = is_pinned(Some(schedule));
            let start = blackout(ctx, tz, start, rule, pinned, &task.key, findings, trace)?;
            let due = apply_window(
                ctx,
                tz,
                start,
                task.window.as_ref(),
                &task.key,
                findings,
                trace,
            )?;
            Ok(Some((
                Times {
                    start,
                    due,
                    end: due,
                },
                tz,
            )))
        }
    }
}

/// A start inside a blackout of the task's calendar: warning RWF082 (`on_blackout warn`, and always
/// for a pinned task), or moved to the nearest business day before the blackout starts / after it
/// ends, wall-clock time kept.
#[allow(clippy::too_many_arguments)]
fn blackout(
    ctx: &Ctx<'_>,
    tz: Tz,
    start: DateTime<Utc>,
    rule: BlackoutRule,
    pinned: bool,
    owner: &str,
    findings: &mut Vec<Diagnostic>,
    trace: &mut Option<Vec<TraceStep>>,
) -> Result<DateTime<Utc>, Diagnostic> {
    let Ok(cal) = ctx.calendar.as_ref() else {
        return Ok(start);
    };
    let local = start.with_timezone(&tz).naive_local();
    let Some(b) = cal.blackout(local.date()) else {
        return Ok(start);
    };
    let dir = match (rule, pinned) {
        (BlackoutRule::MoveBefore, false) => -1,
        (BlackoutRule::MoveAfter, false) => 1,
        _ => 0,
    };
    if dir == 0 {
        push(trace, || TraceStep::Blackout {
            blackout: b.clone(),
            calendar: cal.label(),
            from: local,
            to: None,
            rule,
        });
        findings.push(
            Diagnostic::warning(
                IN_BLACKOUT,
                format!(
                    "task `{owner}` starts {} ({}), inside the blackout {} to {} ({}) of calendar {}",
                    local.format("%Y-%m-%d %H:%M"),
                    local.format("%a"),
                    b.from,
                    b.to,
                    b.reason,
                    cal.label()
                ),
            )
            .help(if pinned {
                "a pinned task never moves: pin it outside the blackout"
            } else {
                "move it, or let it move: `on_blackout move before` or `on_blackout move after`"
            }),
        );
        return Ok(start);
    }
    let edge = if dir < 0 { b.from } else { b.to };
    let span = Span::new(dir, Unit::BusinessDays);
    let date = cal
        .nearest_open(edge, dir)
        .map_err(|e| out_of_range(owner, cal, span, &e))?;
    let to = date.and_time(local.time());
    push(trace, || TraceStep::Blackout {
        blackout: b.clone(),
        calendar: cal.label(),
        from: local,
        to: Some(to),
        rule,
    });
    let moved = convert(tz, to, owner, "start", findings, trace)?;
    check_range(tz, moved, owner, "start")?;
    Ok(moved)
}

/// Splits a resolution into the public result: errors fail the whole plan.
pub fn into_plan(target: &Target, r: Resolution) -> Result<Plan, Vec<Diagnostic>> {
    let errors: Vec<Diagnostic> = r
        .findings
        .iter()
        .filter(|f| f.diag.is_error())
        .map(|f| f.diag.clone())
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let (warnings, warning_tasks) = r.findings.into_iter().map(|f| (f.diag, f.task)).unzip();
    Ok(Plan {
        target: *target,
        tasks: r.tasks,
        warnings,
        warning_tasks,
    })
}
