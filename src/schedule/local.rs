//! Local wall-clock time → UTC instant, with the documented DST policy: a time in a spring-forward gap
//! moves forward to the first valid instant (the transition itself); an ambiguous fall-back time takes
//! the earlier of its two instants.

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// How a local time mapped to an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalFix {
    /// Exactly one instant has this wall-clock time.
    Exact,
    /// The wall-clock time does not exist; the instant is the end of the gap.
    Gap {
        /// The first valid wall-clock time after the gap.
        moved_to: NaiveDateTime,
    },
    /// The wall-clock time happens twice; the earlier instant was taken.
    Ambiguous {
        /// The later instant, not taken.
        later: DateTime<Utc>,
    },
}

/// Maps a local time in `tz` to UTC under the gap/overlap policy. Never panics; `None` only when the
/// date is beyond what chrono can represent.
pub fn to_utc(tz: Tz, local: NaiveDateTime) -> Option<(DateTime<Utc>, LocalFix)> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => Some((t.with_timezone(&Utc), LocalFix::Exact)),
        chrono::LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            Some((a.min(b), LocalFix::Ambiguous { later: a.max(b) }))
        }
        chrono::LocalResult::None => {
            let instant = gap_end(tz, local)?;
            let moved_to = instant.with_timezone(&tz).naive_local();
            Some((instant, LocalFix::Gap { moved_to }))
        }
    }
}

/// The UTC offset in seconds at an instant.
pub fn offset_seconds(tz: Tz, instant: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&instant.naive_utc())
        .fix()
        .local_minus_utc()
}

/// The transition instant that skipped `local`: binary search between the readings of `local` under
/// the offsets in force a day either side.
fn gap_end(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let day = Duration::days(1);
    let before = offset_seconds(tz, local.checked_sub_signed(day)?.and_utc());
    let after = offset_seconds(tz, local.checked_add_signed(day)?.and_utc());
    // Read with the later offset (larger, since the clock jumped forward) it is before the transition;
    // read with the earlier one it is after.
    let mut lo = (local - Duration::seconds(after as i64)).and_utc();
    let mut hi = (local - Duration::seconds(before as i64)).and_utc();
    if lo > hi {
        std::mem::swap(&mut lo, &mut hi);
    }
    // Invariant: the offset at `hi` is the post-transition one; find the first such second.
    while hi - lo > Duration::seconds(1) {
        let mid = lo + (hi - lo) / 2;
        if offset_seconds(tz, mid) == after {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(if offset_seconds(tz, lo) == after {
        lo
    } else {
        hi
    })
}

/// True when `instant` is past the last year the bundled time-zone database lists transitions for
/// (2099) and `tz` still changes its clocks then: its offset there would silently be the last one.
pub fn beyond_rules(tz: Tz, instant: DateTime<Utc>) -> bool {
    use chrono::NaiveDate;
    let at = |m| {
        NaiveDate::from_ymd_opt(2099, m, 15)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map(|t| offset_seconds(tz, t.and_utc()))
    };
    let limit = NaiveDate::from_ymd_opt(2100, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc());
    limit.is_some_and(|limit| instant >= limit) && at(1) != at(7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    #[test]
    fn gap_moves_to_transition() {
        let (t, fix) = to_utc(chrono_tz::America::New_York, at(2026, 3, 8, 2, 30)).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-08T07:00:00+00:00");
        assert_eq!(
            fix,
            LocalFix::Gap {
                moved_to: at(2026, 3, 8, 3, 0)
            }
        );
        let (t, _) = to_utc(chrono_tz::Pacific::Chatham, at(2026, 9, 27, 3, 0)).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-09-26T14:00:00+00:00");
    }

    #[test]
    fn overlap_takes_earlier() {
        let (t, fix) = to_utc(chrono_tz::America::New_York, at(2026, 11, 1, 1, 30)).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-01T05:30:00+00:00");
        assert!(matches!(fix, LocalFix::Ambiguous { .. }));
    }

    #[test]
    fn the_tz_database_ends_in_2099_for_zones_with_dst() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert!(!beyond_rules(ny, t("2099-12-31T23:59:00Z")));
        assert!(beyond_rules(ny, t("2100-07-01T13:00:00Z")));
        // No DST: the fixed offset is the rule, far into the future.
        assert!(!beyond_rules(tokyo, t("2150-07-01T00:00:00Z")));
        assert!(!beyond_rules(chrono_tz::UTC, t("2500-01-01T00:00:00Z")));
    }
}
