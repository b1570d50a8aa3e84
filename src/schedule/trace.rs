//! How a date was produced: the steps the resolver took for one task, for `rwf explain`.

use super::calendar::Skipped;
use super::local::LocalFix;
use crate::spec::Span;
use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq)]
pub enum TraceStep {
    /// The schedule starts from the release instant or another task's start/due/end.
    Anchor {
        /// `release` or `task.point`.
        what: String,
        instant: DateTime<Utc>,
        /// Read in this zone from here on.
        tz: Tz,
        local: NaiveDateTime,
    },
    /// Kept from `fixed` (already ran, or frozen by an edit).
    Fixed { start: DateTime<Utc> },
    /// A pinned local date-time.
    Pinned { local: NaiveDateTime, tz: Tz },
    /// One offset: local wall-clock before and after.
    Offset {
        span: Span,
        /// The `duration` param the amount was read from (`release - lead`).
        param: Option<String>,
        from: NaiveDateTime,
        to: NaiveDateTime,
        /// Business-day offsets: the days passed over, with why.
        skipped: Vec<Skipped>,
        /// Business-day offsets: the calendar used.
        calendar: Option<String>,
    },
    /// An alignment (`tuesday on or before`, `end of month of`) moved the local date.
    Align {
        align: crate::spec::Align,
        from: NaiveDateTime,
        to: NaiveDateTime,
    },
    /// `at HH:MM` set the local time.
    TimeOfDay {
        time: NaiveTime,
        local: NaiveDateTime,
    },
    /// A local time was converted to an instant; non-exact conversions are DST adjustments.
    Convert {
        local: NaiveDateTime,
        tz: Tz,
        instant: DateTime<Utc>,
        fix: LocalFix,
    },
    /// `window`: due = start + window.
    Window {
        span: Span,
        /// The `duration` param the window was read from (`window grace`).
        param: Option<String>,
        due: DateTime<Utc>,
        /// Business-day windows: the days passed over.
        skipped: Vec<Skipped>,
    },
    /// The start landed inside a blackout: it moved out (`to`), or stayed with a warning (`to` none).
    Blackout {
        blackout: crate::spec::Blackout,
        /// The calendar's label.
        calendar: String,
        from: NaiveDateTime,
        to: Option<NaiveDateTime>,
        rule: crate::spec::BlackoutRule,
    },
    /// The task (or the task it is anchored to) has no schedule: due when its dependencies allow.
    Floating { reason: String },
}
