//! Reading a release instant: a date (local midnight), a local date-time (read in a zone), or RFC 3339
//! with an explicit offset.

use super::local::{to_utc, LocalFix};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` or RFC 3339 with an offset, got `{0}`")]
pub struct InstantError(pub String);

/// Parses `text`; local forms are read in `tz` under the DST policy (the fix says what happened).
pub fn parse_instant(text: &str, tz: Tz) -> Result<(DateTime<Utc>, LocalFix), InstantError> {
    let s = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok((t.with_timezone(&Utc), LocalFix::Exact));
    }
    let local = parse_local(s).ok_or_else(|| InstantError(text.to_string()))?;
    to_utc(tz, local).ok_or_else(|| InstantError(text.to_string()))
}

/// The local (zone-less) forms: a date (00:00) or a date-time; `None` for RFC 3339 or anything else.
pub fn parse_local(text: &str) -> Option<NaiveDateTime> {
    let s = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0);
    }
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_form() {
        let ny = chrono_tz::America::New_York;
        let f = |s| parse_instant(s, ny).unwrap().0.to_rfc3339();
        assert_eq!(f("2026-09-15"), "2026-09-15T04:00:00+00:00");
        assert_eq!(f("2026-09-15T09:00"), "2026-09-15T13:00:00+00:00");
        assert_eq!(f("2026-09-15 09:00:30"), "2026-09-15T13:00:30+00:00");
        assert_eq!(f("2026-09-15T09:00:00+02:00"), "2026-09-15T07:00:00+00:00");
        assert!(parse_instant("next tuesday", ny).is_err());
    }
}
