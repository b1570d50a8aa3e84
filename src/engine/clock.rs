//! Span arithmetic on instants, in a timezone and a business calendar: deadlines, reminders, waits and
//! backoff all step through here. DST-correct: calendar units keep the wall-clock time; a wall time
//! that falls in a DST gap moves forward by the gap, an ambiguous one takes the earlier instant.

use crate::spec::{Anchor, AnchorPoint, CalendarSpec, Schedule, Span, Unit, WorkflowSpec};
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
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

fn is_business_day(date: NaiveDate, calendar: Option<&CalendarSpec>) -> Result<bool, String> {
    match calendar {
        None => Ok(!matches!(
            date.weekday(),
            chrono::Weekday::Sat | chrono::Weekday::Sun
        )),
        Some(cal) => {
            if date < cal.covers.from || date > cal.covers.to {
                return Err(format!(
                    "{date} is outside the calendar's known range {}..{}",
                    cal.covers.from, cal.covers.to
                ));
            }
            Ok(!cal.weekend.contains(&date.weekday())
                && cal
                    .holidays
                    .binary_search_by(|h| h.date.cmp(&date))
                    .is_err())
        }
    }
}

/// `instant + span`, calendar units applied in `tz` (business days by `calendar`, else Mon–Fri).
pub fn add_span(
    instant: DateTime<Utc>,
    span: Span,
    tz: Tz,
    calendar: Option<&CalendarSpec>,
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
                if is_business_day(date, calendar)? {
                    left -= 1;
                }
            }
            from_local(tz, date.and_time(local.time())).ok_or_else(overflow)
        }
    }
}

/// The calendar in force for a spec, if it names one.
pub fn calendar_of(spec: &WorkflowSpec) -> Option<&CalendarSpec> {
    spec.calendar.as_ref().and_then(|c| spec.calendars.get(c))
}

/// `add_span` in the snapshot's release zone and calendar.
pub fn add(
    snapshot: &Snapshot,
    instant: DateTime<Utc>,
    span: Span,
) -> Result<DateTime<Utc>, String> {
    add_span(
        instant,
        span,
        snapshot.target.tz,
        calendar_of(&snapshot.spec),
    )
}

/// Resolves a schedule expression at run time (a wait's `until`): anchors read the release instant
/// or the anchor task's planned times (its actual start/finish when it has them).
pub fn resolve_schedule(snapshot: &Snapshot, schedule: &Schedule) -> Result<DateTime<Utc>, String> {
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
                t = add_span(t, *off, tz, calendar_of(&snapshot.spec))?;
            }
            if !align.is_empty() {
                let weekend = calendar_of(&snapshot.spec)
                    .map_or(&[chrono::Weekday::Sat, chrono::Weekday::Sun][..], |c| {
                        &c.weekend[..]
                    });
                let week_start = crate::schedule::week_start(weekend);
                let mut local = t.with_timezone(&tz).naive_local();
                for a in align {
                    let date = crate::schedule::align(local.date(), *a, week_start)
                        .ok_or_else(|| format!("aligning {local} is out of range"))?;
                    local = date.and_time(local.time());
                }
                t = from_local(tz, local).ok_or_else(|| format!("no instant for {local}"))?;
            }
            for off in then {
                t = add_span(t, *off, tz, calendar_of(&snapshot.spec))?;
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
    use crate::spec::{DateRange, Holiday};

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
            None,
        )
        .unwrap();
        assert_eq!(t, at("2026-03-08T13:00:00Z"));
        let h = add_span(
            at("2026-03-07T14:00:00Z"),
            Span::new(24, Unit::Hours),
            tz,
            None,
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
            assert!(add_span(at("2026-01-01T00:00:00Z"), span, tz, None).is_err());
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
        };
        // Fri 2026-05-22 + 1bd → Tue 05-26 (weekend + Monday holiday).
        let t = add_span(
            at("2026-05-22T10:00:00Z"),
            Span::new(1, Unit::BusinessDays),
            tz,
            Some(&cal),
        )
        .unwrap();
        assert_eq!(t, at("2026-05-26T10:00:00Z"));
        let back = add_span(t, Span::new(-1, Unit::BusinessDays), tz, Some(&cal)).unwrap();
        assert_eq!(back, at("2026-05-22T10:00:00Z"));
        assert!(add_span(
            at("2026-12-30T10:00:00Z"),
            Span::new(5, Unit::BusinessDays),
            tz,
            Some(&cal)
        )
        .is_err());
    }
}
