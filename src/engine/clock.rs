//! Span arithmetic on instants, in a timezone and a business calendar: deadlines, reminders, waits and
//! backoff all step through here. DST-correct: calendar units keep the wall-clock time; a wall time
//! that falls in a DST gap moves forward by the gap, an ambiguous one takes the earlier instant.

use crate::schedule::Calendar;
use crate::spec::{Amount, Anchor, AnchorPoint, Schedule, Span, TaskSpec, Unit, WorkflowSpec};
use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::model::Snapshot;

/// The local wall time `local` in `tz` as an instant (gap → shifted forward, overlap → earlier).
pub fn from_local(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, _) => Some(a.with_timezone(&Utc)),
        LocalResult::None => {
            // A DST gap: the same wall time one hour later exists in every real zone.
            let later = local.checked_add_signed(Duration::hours(1))?;
            match tz.from_local_datetime(&later) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    Some(t.with_timezone(&Utc))
                }
                LocalResult::None => None,
            }
        }
    }
}

/// `instant + span`, calendar units applied in `tz`; business days by `calendar` (its weekend,
/// holidays, blackouts and the workflow's closures; the built-in one is Mon–Fri).
pub fn add_span(
    instant: DateTime<Utc>,
    span: Span,
    tz: Tz,
    calendar: Calendar<'_>,
) -> Result<DateTime<Utc>, String> {
    let overflow = || format!("{span} from {instant} is out of range");
    match span.unit {
        Unit::Minutes => Duration::try_minutes(span.amount)
            .and_then(|d| instant.checked_add_signed(d))
            .ok_or_else(overflow),
        Unit::Hours => Duration::try_hours(span.amount)
            .and_then(|d| instant.checked_add_signed(d))
            .ok_or_else(overflow),
        Unit::Days | Unit::Weeks => {
            let days = if span.unit == Unit::Weeks {
                span.amount.saturating_mul(7)
            } else {
                span.amount
            };
            let local = instant.with_timezone(&tz).naive_local();
            let moved = Duration::try_days(days)
                .and_then(|d| local.checked_add_signed(d))
                .ok_or_else(overflow)?;
            from_local(tz, moved).ok_or_else(overflow)
        }
        Unit::Months => {
            let local = instant.with_timezone(&tz).naive_local();
            let months = u32::try_from(span.amount.unsigned_abs()).map_err(|_| overflow())?;
            let months = chrono::Months::new(months);
            let moved = if span.amount >= 0 {
                local.checked_add_months(months)
            } else {
                local.checked_sub_months(months)
            }
            .ok_or_else(overflow)?;
            from_local(tz, moved).ok_or_else(overflow)
        }
        Unit::BusinessDays => {
            let local = instant.with_timezone(&tz).naive_local();
            let step = if span.amount >= 0 { 1 } else { -1 };
            let mut date = local.date();
            let mut left = span.amount.abs();
            if left > 100_000 {
                return Err(overflow());
            }
            while left > 0 {
                date = date
                    .checked_add_signed(Duration::days(step))
                    .ok_or_else(overflow)?;
                match calendar.check(date) {
                    Ok(None) => left -= 1,
                    Ok(Some(_)) => {}
                    Err(e) => {
                        return Err(format!(
                            "{} is outside the calendar's known range {}..{}",
                            e.date, e.covers.from, e.covers.to
                        ))
                    }
                }
            }
            from_local(tz, date.and_time(local.time())).ok_or_else(overflow)
        }
    }
}

/// The calendar in force for a spec (with the workflow's closures); the built-in one when it names
/// none or one it does not define (the resolver reports that).
pub fn calendar_of(spec: &WorkflowSpec) -> Calendar<'_> {
    crate::schedule::resolve_calendar(spec, None)
}

/// `add_span` in the snapshot's release zone and the task's calendar (its own, else the template's).
/// The span an amount stands for in the workflow: a `duration` param's bound value, signed.
pub fn span(snapshot: &Snapshot, task: &TaskSpec, amount: &Amount) -> Result<Span, String> {
    snapshot
        .spec
        .span_of(amount)
        .map_err(|e| e.message(&task.key))
}

pub fn add(
    snapshot: &Snapshot,
    task: &TaskSpec,
    instant: DateTime<Utc>,
    amount: &Amount,
) -> Result<DateTime<Utc>, String> {
    add_span(
        instant,
        span(snapshot, task, amount)?,
        snapshot.target.tz,
        crate::schedule::resolve_calendar(&snapshot.spec, Some(&task.key)),
    )
}

/// Resolves a schedule expression at run time (a wait's `until`): anchors read the release instant
/// or the anchor task's planned times (its actual start/finish when it has them).
pub fn resolve_schedule(
    snapshot: &Snapshot,
    task: &TaskSpec,
    schedule: &Schedule,
) -> Result<DateTime<Utc>, String> {
    let calendar = crate::schedule::resolve_calendar(&snapshot.spec, Some(&task.key));
    let zone = |name: &Option<String>| -> Result<Tz, String> {
        match name {
            None => Ok(snapshot.target.tz),
            Some(n) => n
                .parse::<Tz>()
                .map_err(|_| format!("unknown timezone `{n}`")),
        }
    };
    match schedule {
        Schedule::Pinned { at, timezone } => {
            from_local(zone(timezone)?, *at).ok_or_else(|| format!("no instant for {at}"))
        }
        Schedule::Relative {
            anchor,
            offsets,
            align,
            then,
            time_of_day,
            timezone,
        } => {
            let tz = zone(timezone)?;
            let mut t = match anchor {
                Anchor::Release => snapshot.target.instant,
                Anchor::Param { param } => {
                    crate::schedule::param_instant(&snapshot.spec, param, tz, snapshot.target.tz)
                        .map_err(|value| match value {
                            None => format!("anchor param `{param}` is not bound"),
                            Some(v) => format!("anchor param `{param}` = `{v}` is not a date"),
                        })?
                }
                Anchor::Task { task, point } => {
                    let state = snapshot
                        .task(task)
                        .ok_or_else(|| format!("unknown anchor task `{task}`"))?;
                    let planned = state.planned;
                    match point {
                        AnchorPoint::Start => state.started_at.or(planned.map(|p| p.start)),
                        AnchorPoint::Due => planned.map(|p| p.due),
                        AnchorPoint::End => state.finished_at.or(planned.map(|p| p.end)),
                    }
                    .ok_or_else(|| format!("anchor task `{task}` has no time yet"))?
                }
            };
            for off in offsets {
                t = add_span(t, span(snapshot, task, off)?, tz, calendar)?;
            }
            if !align.is_empty() {
                let week_start = crate::schedule::week_start(calendar.weekend());
                let mut local = t.with_timezone(&tz).naive_local();
                for a in align {
                    let date = crate::schedule::align(local.date(), *a, week_start)
                        .ok_or_else(|| format!("aligning {local} is out of range"))?;
                    local = date.and_time(local.time());
                }
                t = from_local(tz, local).ok_or_else(|| format!("no instant for {local}"))?;
            }
            for off in then {
                t = add_span(t, span(snapshot, task, off)?, tz, calendar)?;
            }
            if let Some(tod) = time_of_day {
                let local = t.with_timezone(&tz).naive_local().date().and_time(*tod);
                t = from_local(tz, local).ok_or_else(|| format!("no instant for {local}"))?;
            }
            Ok(t)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{CalendarSpec, DateRange, Holiday};
    use chrono::NaiveDate;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn days_keep_wall_time_across_dst() {
        let tz: Tz = "America/New_York".parse().unwrap();
        // 2026-03-07 09:00 EST = 14:00Z; DST starts 2026-03-08; 09:00 EDT = 13:00Z.
        let t = add_span(
            at("2026-03-07T14:00:00Z"),
            Span::new(1, Unit::Days),
            tz,
            Calendar::builtin(),
        )
        .unwrap();
        assert_eq!(t, at("2026-03-08T13:00:00Z"));
        let h = add_span(
            at("2026-03-07T14:00:00Z"),
            Span::new(24, Unit::Hours),
            tz,
            Calendar::builtin(),
        )
        .unwrap();
        assert_eq!(h, at("2026-03-08T14:00:00Z"));
    }

    #[test]
    fn huge_spans_are_errors_not_panics() {
        let tz: Tz = "UTC".parse().unwrap();
        for unit in [
            Unit::Minutes,
            Unit::Hours,
            Unit::Days,
            Unit::Months,
            Unit::BusinessDays,
        ] {
            let span = Span {
                amount: i64::MAX,
                unit,
            };
            assert!(add_span(at("2026-01-01T00:00:00Z"), span, tz, Calendar::builtin()).is_err());
        }
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        let tz: Tz = "UTC".parse().unwrap();
        let cal = CalendarSpec {
            title: None,
            weekend: vec![chrono::Weekday::Sat, chrono::Weekday::Sun],
            covers: DateRange {
                from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                to: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            },
            holidays: vec![Holiday {
                date: NaiveDate::from_ymd_opt(2026, 5, 25).unwrap(),
                name: "Memorial Day".into(),
            }],
            blackouts: vec![],
        };
        // Fri 2026-05-22 + 1bd → Tue 05-26 (weekend + Monday holiday).
        let t = add_span(
            at("2026-05-22T10:00:00Z"),
            Span::new(1, Unit::BusinessDays),
            tz,
            Calendar::new(None, &cal),
        )
        .unwrap();
        assert_eq!(t, at("2026-05-26T10:00:00Z"));
        let back = add_span(
            t,
            Span::new(-1, Unit::BusinessDays),
            tz,
            Calendar::new(None, &cal),
        )
        .unwrap();
        assert_eq!(back, at("2026-05-22T10:00:00Z"));
        assert!(add_span(
            at("2026-12-30T10:00:00Z"),
            Span::new(5, Unit::BusinessDays),
            tz,
            Calendar::new(None, &cal)
        )
        .is_err());
    }

    /// Deadlines and waits at run time count business days in the task's own calendar, and skip
    /// the workflow's closures and the calendar's blackouts.
    #[test]
    fn run_time_business_days_use_the_task_calendar_and_closures() {
        let tz: Tz = "UTC".parse().unwrap();
        let d = |m, day| NaiveDate::from_ymd_opt(2027, m, day).unwrap();
        let mut spec = WorkflowSpec::new("w");
        spec.calendars.insert(
            "team".into(),
            CalendarSpec {
                title: None,
                weekend: vec![chrono::Weekday::Sat, chrono::Weekday::Sun],
                covers: DateRange {
                    from: d(1, 1),
                    to: d(12, 31),
                },
                holidays: vec![],
                blackouts: vec![crate::spec::Blackout {
                    from: d(3, 1),
                    to: d(3, 3),
                    reason: "Offsite".into(),
                }],
            },
        );
        spec.closures = vec![Holiday {
            date: d(3, 4),
            name: "Office move".into(),
        }];
        let mut own = TaskSpec::new("own", crate::spec::Step::Checkpoint);
        own.calendar = Some("team".into());
        spec.tasks = vec![own, TaskSpec::new("plain", crate::spec::Step::Checkpoint)];
        let one = Span::new(1, Unit::BusinessDays);
        // Fri 02-26 + 1 bd: the task's calendar skips the weekend, the offsite and the closure.
        let cal = crate::schedule::resolve_calendar(&spec, Some("own"));
        let t = add_span(at("2027-02-26T09:00:00Z"), one, tz, cal).unwrap();
        assert_eq!(t, at("2027-03-05T09:00:00Z"));
        // Another task keeps the template's (built-in) calendar, with the closure still closed.
        let cal = crate::schedule::resolve_calendar(&spec, Some("plain"));
        let t = add_span(at("2027-03-03T09:00:00Z"), one, tz, cal).unwrap();
        assert_eq!(t, at("2027-03-05T09:00:00Z"));
    }
}
