//! Calendar alignments of a local date: the weekday on or before it, the nth weekday of its month, the
//! start or end of its week or month. The wall-clock time is kept; only the date moves.
//!
//! The week starts on the first day after the weekend of the calendar in force (Monday for a
//! Saturday–Sunday weekend, Sunday for a Friday–Saturday one, Monday when the weekend is empty).

use crate::spec::{Align, Edge, Period, Relation};
use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// The first day of the week for a calendar with this weekend.
pub fn week_start(weekend: &[Weekday]) -> Weekday {
    let mut day = Weekday::Mon;
    for _ in 0..7 {
        if !weekend.contains(&day) && weekend.contains(&day.pred()) {
            return day;
        }
        day = day.succ();
    }
    Weekday::Mon
}

/// `date` aligned by `a`; `None` only at the edges of the representable range.
pub fn align(date: NaiveDate, a: Align, week_start: Weekday) -> Option<NaiveDate> {
    // Days from `from` forward to `to`, 0..=6.
    let ahead = |from: Weekday, to: Weekday| {
        u64::from((7 + to.num_days_from_monday() - from.num_days_from_monday()) % 7)
    };
    match a {
        Align::Weekday { weekday, relation } => {
            let wd = date.weekday();
            match relation {
                Relation::OnOrBefore => date.checked_sub_days(Days::new(ahead(weekday, wd))),
                Relation::Before => date.checked_sub_days(Days::new(ahead(weekday, wd.pred()) + 1)),
                Relation::OnOrAfter => date.checked_add_days(Days::new(ahead(wd, weekday))),
                Relation::After => date.checked_add_days(Days::new(ahead(wd.succ(), weekday) + 1)),
            }
        }
        Align::Nth { nth, weekday, next } => {
            let first = month_start(date, next)?;
            if nth < 0 {
                let last = first.checked_add_months(Months::new(1))?.pred_opt()?;
                last.checked_sub_days(Days::new(ahead(weekday, last.weekday())))
            } else {
                let day = ahead(first.weekday(), weekday) + 7 * u64::from(nth.unsigned_abs() - 1);
                first.checked_add_days(Days::new(day))
            }
        }
        Align::Edge { edge, period, next } => match period {
            Period::Month => {
                let first = month_start(date, next)?;
                match edge {
                    Edge::Start => Some(first),
                    Edge::End => first.checked_add_months(Months::new(1))?.pred_opt(),
                }
            }
            Period::Week => {
                let start = date.checked_sub_days(Days::new(ahead(week_start, date.weekday())))?;
                let start = if next {
                    start.checked_add_days(Days::new(7))?
                } else {
                    start
                };
                match edge {
                    Edge::Start => Some(start),
                    Edge::End => start.checked_add_days(Days::new(6)),
                }
            }
        },
    }
}

fn month_start(date: NaiveDate, next: bool) -> Option<NaiveDate> {
    let first = date.with_day(1)?;
    if next {
        first.checked_add_months(Months::new(1))
    } else {
        Some(first)
    }
}

/// How the alignment is written, without the anchor: `tuesday on or before`, `end of month after`.
pub fn words(a: Align) -> String {
    let day = |w: Weekday| match w {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    };
    match a {
        Align::Weekday { weekday, relation } => format!(
            "{} {}",
            day(weekday),
            match relation {
                Relation::OnOrBefore => "on or before",
                Relation::OnOrAfter => "on or after",
                Relation::Before => "before",
                Relation::After => "after",
            }
        ),
        Align::Nth { nth, weekday, next } => format!(
            "{} {} of{}",
            match nth {
                1 => "first",
                2 => "second",
                3 => "third",
                4 => "fourth",
                _ => "last",
            },
            day(weekday),
            if next { " month after" } else { "" }
        ),
        Align::Edge { edge, period, next } => format!(
            "{} of {} {}",
            if edge == Edge::Start { "start" } else { "end" },
            if period == Period::Week {
                "week"
            } else {
                "month"
            },
            if next { "after" } else { "of" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn wd(weekday: Weekday, relation: Relation) -> Align {
        Align::Weekday { weekday, relation }
    }

    #[test]
    fn weekday_relations_on_the_day_and_off_it() {
        // 2027-03-02 is a Tuesday.
        let tue = d("2027-03-02");
        let cases = [
            (tue, wd(Weekday::Tue, Relation::OnOrBefore), "2027-03-02"),
            (tue, wd(Weekday::Tue, Relation::OnOrAfter), "2027-03-02"),
            (tue, wd(Weekday::Tue, Relation::Before), "2027-02-23"),
            (tue, wd(Weekday::Tue, Relation::After), "2027-03-09"),
            (tue, wd(Weekday::Fri, Relation::OnOrBefore), "2027-02-26"),
            (tue, wd(Weekday::Fri, Relation::OnOrAfter), "2027-03-05"),
            (tue, wd(Weekday::Wed, Relation::Before), "2027-02-24"),
            (tue, wd(Weekday::Mon, Relation::After), "2027-03-08"),
        ];
        for (from, a, want) in cases {
            assert_eq!(align(from, a, Weekday::Mon), Some(d(want)), "{}", words(a));
        }
    }

    #[test]
    fn nth_weekday_and_month_edges() {
        let nth = |nth, weekday, next| Align::Nth { nth, weekday, next };
        let edge = |edge, period, next| Align::Edge { edge, period, next };
        let from = d("2027-01-31");
        let cases = [
            (nth(1, Weekday::Mon, false), "2027-01-04"),
            (nth(3, Weekday::Fri, false), "2027-01-15"),
            (nth(-1, Weekday::Fri, false), "2027-01-29"),
            (nth(-1, Weekday::Sun, false), "2027-01-31"),
            (nth(1, Weekday::Mon, true), "2027-02-01"),
            (nth(-1, Weekday::Fri, true), "2027-02-26"),
            (edge(Edge::Start, Period::Month, false), "2027-01-01"),
            (edge(Edge::End, Period::Month, false), "2027-01-31"),
            (edge(Edge::End, Period::Month, true), "2027-02-28"),
            (edge(Edge::Start, Period::Month, true), "2027-02-01"),
            // 2027-01-31 is a Sunday: its week (Monday start) began on the 25th.
            (edge(Edge::Start, Period::Week, false), "2027-01-25"),
            (edge(Edge::End, Period::Week, false), "2027-01-31"),
            (edge(Edge::Start, Period::Week, true), "2027-02-01"),
        ];
        for (a, want) in cases {
            assert_eq!(align(from, a, Weekday::Mon), Some(d(want)), "{}", words(a));
        }
        // Leap February.
        assert_eq!(
            align(
                d("2028-02-10"),
                edge(Edge::End, Period::Month, false),
                Weekday::Mon
            ),
            Some(d("2028-02-29"))
        );
        // A Sunday-first week (Friday–Saturday weekend).
        assert_eq!(week_start(&[Weekday::Fri, Weekday::Sat]), Weekday::Sun);
        assert_eq!(week_start(&[Weekday::Sat, Weekday::Sun]), Weekday::Mon);
        assert_eq!(week_start(&[]), Weekday::Mon);
        assert_eq!(
            align(from, edge(Edge::Start, Period::Week, false), Weekday::Sun),
            Some(d("2027-01-31"))
        );
        // The edges of the representable range are `None`, not a panic.
        assert_eq!(
            align(
                NaiveDate::MAX,
                edge(Edge::End, Period::Month, true),
                Weekday::Mon
            ),
            None
        );
        assert_eq!(
            align(
                NaiveDate::MIN,
                wd(Weekday::Mon, Relation::Before),
                Weekday::Mon
            ),
            None
        );
    }
}
