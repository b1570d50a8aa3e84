//! `rwf new` and `rwf retarget` warn (RWF088) when the release instant has already passed: every task
//! would be due at once, usually from a wrong year. `--allow-past` confirms it and silences the warning.

use crate::schedule::{Target, RELEASE_IN_PAST};
use chrono::{DateTime, Utc};

/// The warning line for stderr; `None` when the release is in the future or the caller confirmed it.
pub(crate) fn warning(target: Target, now: DateTime<Utc>, allow_past: bool) -> Option<String> {
    if allow_past || target.instant >= now {
        return None;
    }
    let days = (now - target.instant).num_days();
    Some(format!(
        "warning[{RELEASE_IN_PAST}]: the release {} has already passed ({} ago); every task is due at once\n  help: check the year; pass --allow-past to confirm it",
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_past_release_warns_until_confirmed() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let target = Target {
            instant: t("2026-03-01T09:00:00Z"),
            tz: chrono_tz::UTC,
        };
        let now = t("2026-03-11T10:00:00Z");
        let w = warning(target, now, false).expect("warned");
        assert!(w.contains("RWF088") && w.contains("10 days ago"), "{w}");
        assert!(w.contains("--allow-past"), "{w}");
        assert!(warning(target, now, true).is_none());
        assert!(warning(target, t("2026-03-01T08:00:00Z"), false).is_none());
    }
}
