//! Business days: stepping over a calendar's weekend days and holidays, refusing to step outside the
//! range its holiday data covers.

use crate::spec::{CalendarSpec, DateRange};
use chrono::{Datelike, NaiveDate, Weekday};

/// The calendar in force, borrowed from the spec (or the built-in Saturday/Sunday week with no holidays).
#[derive(Debug, Clone, Copy)]
pub struct Calendar<'a> {
    pub name: Option<&'a str>,
    pub spec: Option<&'a CalendarSpec>,
    /// Whether `spec.holidays` is sorted by date (binary search suffices).
    pub sorted: bool,
}

/// A day that did not count as a business day, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    Weekend(NaiveDate),
    Holiday(NaiveDate, String),
}

impl Skipped {
    pub fn date(&self) -> NaiveDate {
        match self {
            Skipped::Weekend(d) | Skipped::Holiday(d, _) => *d,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Skipped::Weekend(d) => format!("{d} ({}, weekend)", d.format("%a")),
            Skipped::Holiday(d, name) => format!("{d} ({}, {name})", d.format("%a")),
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
        }
    }

    pub fn builtin() -> Calendar<'static> {
        Calendar {
            name: None,
            spec: None,
            sorted: true,
        }
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
    use crate::spec::Holiday;

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
