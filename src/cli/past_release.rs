//! `rwf new` and `rwf retarget` refuse a release instant that has already passed (RWF088) unless
//! `--allow-past` confirms it: every task would be missed at once, usually from a wrong year.

use super::CliError;
use crate::schedule::{Target, RELEASE_IN_PAST};
use chrono::{DateTime, Utc};

/// `None` when the release is in the future or the caller confirmed a past one.
pub(crate) fn refuse(target: Target, now: DateTime<Utc>, allow_past: bool) -> Option<CliError> {
    if allow_past || target.instant >= now {
        return None;
    }
    let days = (now - target.instant).num_days();
    Some(
        CliError::new(format!(
            "{RELEASE_IN_PAST}: the release {} has already passed ({} ago)",
            target
                .instant
                .with_timezone(&target.tz)
                .format("%Y-%m-%d %H:%M %Z"),
            match days {
                0 => "less than a day".to_string(),
                1 => "1 day".to_string(),
                n => format!("{n} days"),
            }
        ))
        .help("check the year; pass --allow-past to use it anyway"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_past_release_needs_confirmation() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let target = Target {
            instant: t("2026-03-01T09:00:00Z"),
            tz: chrono_tz::UTC,
        };
        let now = t("2026-03-11T10:00:00Z");
        let e = refuse(target, now, false).expect("refused");
        assert!(
            e.message.contains("RWF088") && e.message.contains("10 days ago"),
            "{}",
            e.message
        );
        assert!(e.help.unwrap().contains("--allow-past"));
        assert!(refuse(target, now, true).is_none());
        assert!(refuse(target, t("2026-03-01T08:00:00Z"), false).is_none());
    }
}
