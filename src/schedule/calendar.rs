//! Business days: stepping over a calendar's weekend days, holidays, blackout ranges and the
//! workflow's own closures, refusing to step outside the range its holiday data covers.

use crate::spec::{Blackout, CalendarSpec, DateRange, Holiday};
use chrono::{Datelike, NaiveDate, Weekday};

/// The calendar in force, borrowed from the spec (or the built-in Saturday/Sunday week with no holidays).
#[derive(Debug, Clone, Copy)]
pub struct Calendar<'a> {
    pub name: Option<&'a str>,
    pub spec: Option<&'a CalendarSpec>,
    /// Whether `spec.holidays` is sorted by date (binary search suffices).
    pub sorted: bool,
    /// The workflow's extra closed days (`rwf new --closed`), sorted by date.
    pub closures: &'a [Holiday],
}

/// A day that did not count as a business day, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    Weekend(NaiveDate),
    Holiday(NaiveDate, String),
    /// Inside a blackout range of the calendar: its reason.
    Blackout(NaiveDate, String),
    /// A day the workflow was created closed (`rwf new --closed`): its reason.
    Closed(NaiveDate, String),
}

impl Skipped {
    pub fn date(&self) -> NaiveDate {
        match self {
            Skipped::Weekend(d)
            | Skipped::Holiday(d, _)
            | Skipped::Blackout(d, _)
            | Skipped::Closed(d, _) => *d,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Skipped::Weekend(d) => format!("{d} ({}, weekend)", d.format("%a")),
            Skipped::Holiday(d, name) => format!("{d} ({}, {name})", d.format("%a")),
            Skipped::Blackout(d, why) => format!("{d} ({}, blackout: {why})", d.format("%a")),
            Skipped::Closed(d, why) => {
                format!("{d} ({}, closed for this workflow: {why})", d.format("%a"))
            }
        }
    }
}

/// Stepping reached a date the calendar has no data for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfRange {
    pub date: NaiveDate,
    pub covers: DateRange,
}

const DEFAULT_WEEKEND: [Weekday; 2] = [Weekday::Sat, Weekday::Sun];

impl<'a> Calendar<'a> {
    pub fn new(name: Option<&'a str>, spec: &'a CalendarSpec) -> Calendar<'a> {
        Calendar {
            name,
            spec: Some(spec),
            sorted: spec.holidays.windows(2).all(|w| w[0].date <= w[1].date),
            closures: &[],
        }
    }

    pub fn builtin() -> Calendar<'static> {
        Calendar {
            name: None,
            spec: None,
            sorted: true,
            closures: &[],
        }
    }

    /// The same calendar, also closed on the workflow's `closures` (sorted by date).
    pub fn with_closures(self, closures: &'a [Holiday]) -> Calendar<'a> {
        Calendar { closures, ..self }
    }

    /// The blackout range containing `date`, if any.
    pub fn blackout(&self, date: NaiveDate) -> Option<&'a Blackout> {
        self.spec?
            .blackouts
            .iter()
            .find(|b| b.from <= date && date <= b.to)
    }

    /// The nearest business day strictly before (`dir` -1) or after (`dir` 1) `date`, for moving a
    /// task out of a blackout. Errors when that walk leaves the covered range.
    pub fn nearest_open(&self, date: NaiveDate, dir: i64) -> Result<NaiveDate, OutOfRange> {
        self.step(date, dir.signum(), &mut Vec::new())
    }

    /// The calendar's weekend days (Saturday and Sunday for the built-in calendar).
    pub fn weekend(&self) -> &[Weekday] {
        self.spec.map_or(&DEFAULT_WEEKEND[..], |c| &c.weekend[..])
    }

    /// Whether `date` is a business day, or why not.
    pub fn check(&self, date: NaiveDate) -> Result<Option<Skipped>, OutOfRange> {
        if let Some(c) = self.spec {
            if date < c.covers.from || date > c.covers.to {
                return Err(OutOfRange {
                    date,
                    covers: c.covers.clone(),
                });
            }
            if let Ok(i) = c.holidays.binary_search_by(|h| h.date.cmp(&date)) {
                return Ok(Some(Skipped::Holiday(date, c.holidays[i].name.clone())));
            }
            // Holidays are sorted by contract; a hand-built spec may not be: then scan.
            if !self.sorted {
                if let Some(h) = c.holidays.iter().find(|h| h.date == date) {
                    return Ok(Some(Skipped::Holiday(date, h.name.clone())));
                }
            }
            if let Some(b) = self.blackout(date) {
                return Ok(Some(Skipped::Blackout(date, b.reason.clone())));
            }
        }
        if let Ok(i) = self.closures.binary_search_by(|h| h.date.cmp(&date)) {
            return Ok(Some(Skipped::Closed(date, self.closures[i].name.clone())));
        }
        if self.weekend().contains(&date.weekday()) {
            return Ok(Some(Skipped::Weekend(date)));
        }
        Ok(None)
    }

    /// Moves `n` business days from `from` (forward for positive `n`, back for negative): each step goes
    /// to the next day that is a business day. `0` stays put. Returns the date and the days passed over.
    pub fn step(
        &self,
        from: NaiveDate,
        n: i64,
        skipped: &mut Vec<Skipped>,
    ) -> Result<NaiveDate, OutOfRange> {
        let dir = if n < 0 { -1 } else { 1 };
        let mut left = n.unsigned_abs();
        let mut date = from;
        // A week with no business days at all would loop forever: bound the walk.
        let mut guard: u64 = 0;
        while left > 0 {
            date = date
                .checked_add_signed(chrono::Duration::days(dir))
                .ok_or(OutOfRange {
                    date,
                    covers: self.covers(),
                })?;
            guard += 1;
            if guard > left.saturating_mul(8) + 400 {
                return Err(OutOfRange {
                    date,
                    covers: self.covers(),
                });
            }
            match self.check(date)? {
                None => left -= 1,
                Some(s) => skipped.push(s),
            }
        }
        Ok(date)
    }

    fn covers(&self) -> DateRange {
        self.spec.map_or(
            DateRange {
                from: NaiveDate::MIN,
                to: NaiveDate::MAX,
            },
            |c| c.covers.clone(),
        )
    }

    pub fn label(&self) -> String {
        match (self.name, self.spec.and_then(|c| c.title.as_deref())) {
            (Some(n), Some(t)) => format!("`{n}` ({t})"),
            (Some(n), None) => format!("`{n}`"),
            _ => "the built-in Saturday/Sunday week (no holidays)".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn steps_over_weekends_and_holidays() {
        let cal = CalendarSpec {
            title: None,
            weekend: vec![Weekday::Sat, Weekday::Sun],
            covers: DateRange {
                from: d(2026, 1, 1),
                to: d(2026, 12, 31),
            },
            holidays: vec![Holiday {
                date: d(2026, 12, 25),
                name: "Christmas Day".into(),
            }],
            blackouts: vec![],
        };
        let c = Calendar::new(Some("x"), &cal);
        let mut skipped = vec![];
        // Thu 24 Dec + 1 bd: Fri 25 is a holiday, then the weekend → Mon 28.
        assert_eq!(
            c.step(d(2026, 12, 24), 1, &mut skipped),
            Ok(d(2026, 12, 28))
        );
        assert_eq!(skipped.len(), 3);
        assert!(c.step(d(2026, 12, 30), 2, &mut vec![]).is_err());
        assert_eq!(
            c.step(d(2026, 12, 28), -1, &mut vec![]),
            Ok(d(2026, 12, 24))
        );
    }
}

#[cfg(test)]
mod blackout_tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn blackouts_and_closures_are_not_business_days() {
        let cal = CalendarSpec {
            title: None,
            weekend: vec![Weekday::Sat, Weekday::Sun],
            covers: DateRange {
                from: d(2027, 1, 1),
                to: d(2027, 12, 31),
            },
            holidays: vec![],
            blackouts: vec![Blackout {
                from: d(2027, 3, 1),
                to: d(2027, 3, 5),
                reason: "Freeze week".into(),
            }],
        };
        let closures = [Holiday {
            date: d(2027, 3, 8),
            name: "Office move".into(),
        }];
        let c = Calendar::new(Some("x"), &cal).with_closures(&closures);
        let mut skipped = vec![];
        // Fri 26 Feb + 1 bd: the weekend, the freeze week, the weekend, the closure → Tue 9 Mar.
        assert_eq!(c.step(d(2027, 2, 26), 1, &mut skipped), Ok(d(2027, 3, 9)));
        assert_eq!(skipped.len(), 10);
        assert_eq!(
            skipped[2],
            Skipped::Blackout(d(2027, 3, 1), "Freeze week".into())
        );
        assert_eq!(
            skipped[9],
            Skipped::Closed(d(2027, 3, 8), "Office move".into())
        );
        assert_eq!(
            c.blackout(d(2027, 3, 3)).map(|b| b.reason.as_str()),
            Some("Freeze week")
        );
        assert_eq!(c.nearest_open(d(2027, 3, 1), -1), Ok(d(2027, 2, 26)));
        assert_eq!(c.nearest_open(d(2027, 3, 5), 1), Ok(d(2027, 3, 9)));
    }
}
