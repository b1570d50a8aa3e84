//! `Span`: a signed amount of one calendar or clock unit, the spec's normalised duration.
//!
//! Serialised as a compact string (`90m` → `1h30m` is not a thing: one unit only): `-14bd`, `6w` → `42d`.
//! Normalisation: weeks become days; minutes divisible by 60 become hours. Hours are never turned into
//! days, because a day is calendar arithmetic (DST) and an hour is elapsed time.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema)]
pub enum Unit {
    /// Elapsed minutes.
    Minutes,
    /// Elapsed hours.
    Hours,
    /// Calendar days in the task's timezone (wall-clock time kept).
    Days,
    /// Calendar weeks (normalised to days).
    Weeks,
    /// Calendar months (day of month clamped to the month's last day).
    Months,
    /// Days that are not weekend days or holidays of the calendar in force.
    BusinessDays,
}

impl Unit {
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Minutes => "m",
            Unit::Hours => "h",
            Unit::Days => "d",
            Unit::Weeks => "w",
            Unit::Months => "mo",
            Unit::BusinessDays => "bd",
        }
    }
    /// Singular and plural words, as written in `.rwf`.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Unit::Minutes => ("minute", "minutes"),
            Unit::Hours => ("hour", "hours"),
            Unit::Days => ("day", "days"),
            Unit::Weeks => ("week", "weeks"),
            Unit::Months => ("month", "months"),
            Unit::BusinessDays => ("business day", "business days"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(with = "String")]
pub struct Span {
    pub amount: i64,
    pub unit: Unit,
}

impl Span {
    /// A normalised span.
    pub fn new(amount: i64, unit: Unit) -> Span {
        match unit {
            Unit::Weeks => Span {
                amount: amount * 7,
                unit: Unit::Days,
            },
            Unit::Minutes if amount != 0 && amount % 60 == 0 => Span {
                amount: amount / 60,
                unit: Unit::Hours,
            },
            _ => Span { amount, unit },
        }
    }
    pub fn negate(self) -> Span {
        Span {
            amount: -self.amount,
            unit: self.unit,
        }
    }
    /// Exact length in seconds for clock units; `None` for calendar units.
    pub fn exact_seconds(self) -> Option<i64> {
        match self.unit {
            Unit::Minutes => Some(self.amount * 60),
            Unit::Hours => Some(self.amount * 3600),
            _ => None,
        }
    }
    /// Nominal seconds (a day is 86,400 s, a month 30 days): for ordering and horizons only.
    pub fn nominal_seconds(self) -> i64 {
        let per = match self.unit {
            Unit::Minutes => 60,
            Unit::Hours => 3600,
            Unit::Days | Unit::BusinessDays => 86_400,
            Unit::Weeks => 7 * 86_400,
            Unit::Months => 30 * 86_400,
        };
        self.amount.saturating_mul(per)
    }
    /// Human form: `14 business days`, `-1 day`.
    pub fn human(self) -> String {
        let (one, many) = self.unit.words();
        format!(
            "{} {}",
            self.amount,
            if self.amount.abs() == 1 { one } else { many }
        )
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.suffix())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid span `{0}`: expected a signed whole number and one of m, h, d, w, mo, bd (e.g. `-14bd`)")]
pub struct SpanParseError(pub String);

impl std::str::FromStr for Span {
    type Err = SpanParseError;
    fn from_str(s: &str) -> Result<Span, SpanParseError> {
        let err = || SpanParseError(s.to_string());
        let split = s
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
            .map(|(i, _)| i)
            .ok_or_else(err)?;
        let (num, suffix) = s.split_at(split);
        let amount: i64 = num.parse().map_err(|_| err())?;
        let unit = match suffix {
            "m" => Unit::Minutes,
            "h" => Unit::Hours,
            "d" => Unit::Days,
            "w" => Unit::Weeks,
            "mo" => Unit::Months,
            "bd" => Unit::BusinessDays,
            _ => return Err(err()),
        };
        Ok(Span::new(amount, unit))
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Span, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_normalises() {
        for (input, canonical) in [
            ("-14bd", "-14bd"),
            ("2w", "14d"),
            ("120m", "2h"),
            ("90m", "90m"),
            ("1mo", "1mo"),
        ] {
            let span: Span = input.parse().unwrap();
            assert_eq!(span.to_string(), canonical, "{input}");
            assert_eq!(canonical.parse::<Span>().unwrap(), span);
        }
        assert!("14".parse::<Span>().is_err());
        assert!("d".parse::<Span>().is_err());
        assert!("3 days".parse::<Span>().is_err());
    }
}
