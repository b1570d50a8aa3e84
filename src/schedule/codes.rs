//! Diagnostic codes of the schedule resolver and the schedule lints (RWF070–089), documented.

use crate::diagnostic::{CodeDoc, Severity};

pub const ANCHOR_CYCLE: &str = "RWF070";
pub const UNKNOWN_ANCHOR: &str = "RWF071";
pub const INVALID_TIMEZONE: &str = "RWF072";
pub const RELEASE_UNRESOLVED: &str = "RWF073";
pub const UNKNOWN_CALENDAR: &str = "RWF074";
pub const OUTSIDE_CALENDAR: &str = "RWF075";
pub const DST_GAP: &str = "RWF076";
pub const DST_AMBIGUOUS: &str = "RWF077";
pub const DUE_BEFORE_DEPENDENCY: &str = "RWF078";
pub const PRE_RELEASE_AFTER_RELEASE: &str = "RWF079";
/// The same code as the template-tier lint (`check::lints::offset_beyond_horizon`): one warning,
/// measured nominally by `check` and on the real plan by `plan` and `check --release`.
pub const PAST_HORIZON: &str = "RWF024";
pub const DATE_OVERFLOW: &str = "RWF081";
pub const IN_BLACKOUT: &str = "RWF082";
pub const NEVER_OPEN: &str = "RWF083";
pub const NOT_A_DURATION: &str = "RWF084";
pub const BAD_DURATION_VALUE: &str = "RWF085";
pub const RELEASE_IN_PAST: &str = "RWF088";
pub const BEYOND_TZ_RULES: &str = "RWF089";

/// How far from the release a task may be scheduled before RWF080 fires.
pub const HORIZON_DAYS: i64 = 366;

pub const CODES: &[CodeDoc] = &[
    CodeDoc {
        code: ANCHOR_CYCLE,
        severity: Severity::Error,
        title: "anchor-cycle",
        what: "tasks are anchored to each other in a cycle, so none of their dates can be computed",
        why: "a date must come from the release or a pinned date through a finite chain of anchors",
        example: "checkpoint a \"A\" { at b + 1 day }\ncheckpoint b \"B\" { at a - 1 day }",
    },
    CodeDoc {
        code: UNKNOWN_ANCHOR,
        severity: Severity::Error,
        title: "unknown-anchor",
        what: "a schedule is anchored to a task that does not exist",
        why: "the anchor's date is needed to compute this one",
        example: "checkpoint a \"A\" { at nope + 1 day }",
    },
    CodeDoc {
        code: INVALID_TIMEZONE,
        severity: Severity::Error,
        title: "invalid-timezone",
        what: "a timezone is not a known IANA zone name",
        why: "offsets and times of day are applied in that zone",
        example: "checkpoint a \"A\" { at release at 09:00 in \"Mars/Olympus\" }",
    },
    CodeDoc {
        code: RELEASE_UNRESOLVED,
        severity: Severity::Error,
        title: "release-unresolved",
        what: "the release instant or its timezone is not bound, or cannot be read",
        why: "every relative date is computed from the release instant",
        example: "rwf plan launch.rwf            # without --release or --set release=...",
    },
    CodeDoc {
        code: UNKNOWN_CALENDAR,
        severity: Severity::Error,
        title: "unknown-calendar",
        what: "the calendar in force is not defined",
        why: "business-day offsets need its weekend days and holidays",
        example: "calendar nowhere",
    },
    CodeDoc {
        code: OUTSIDE_CALENDAR,
        severity: Severity::Error,
        title: "outside-calendar-range",
        what: "a business-day offset reaches a date outside the range the calendar's holidays cover",
        why: "a business day there cannot be known; rwf never guesses holidays",
        example: "calendar us_federal   // covers 2025–2030\ncheckpoint a \"A\" { at release + 10 business days }   // release 2030-12-28",
    },
    CodeDoc {
        code: DST_GAP,
        severity: Severity::Warning,
        title: "dst-gap",
        what: "a task's local time does not exist on that day (clocks spring forward); it moves forward to the first valid instant",
        why: "the task will run later on the wall clock than written",
        example: "checkpoint a \"A\" { at 2026-03-08 02:30 in \"America/New_York\" }",
    },
    CodeDoc {
        code: DST_AMBIGUOUS,
        severity: Severity::Warning,
        title: "dst-ambiguous",
        what: "a task's local time happens twice on that day (clocks fall back); the earlier instant is taken",
        why: "the wall-clock time alone does not say which of the two is meant",
        example: "checkpoint a \"A\" { at 2026-11-01 01:30 in \"America/New_York\" }",
    },
    CodeDoc {
        code: DUE_BEFORE_DEPENDENCY,
        severity: Severity::Warning,
        title: "due-before-dependency",
        what: "a task is due before a task it depends on is due",
        why: "it cannot start before its dependency finishes, so it will always be late",
        example: "checkpoint a \"A\" { at release }\ncheckpoint b \"B\" { at release - 1 day  after a }",
    },
    CodeDoc {
        code: PRE_RELEASE_AFTER_RELEASE,
        severity: Severity::Warning,
        title: "pre-release-after-release",
        what: "a task marked `pre_release` is due after the release instant",
        why: "pre-release steps must be done before the release",
        example: "manual smoke \"Smoke\" { at release + 1 day  pre_release }",
    },
    CodeDoc {
        code: DATE_OVERFLOW,
        severity: Severity::Error,
        title: "date-overflow",
        what: "an offset moves a date beyond the representable range",
        why: "no real release is scheduled there",
        example: "checkpoint a \"A\" { at release + 99999999 days }",
    },
    CodeDoc {
        code: IN_BLACKOUT,
        severity: Severity::Warning,
        title: "task-in-blackout",
        what: "a task's date lands inside a blackout range of its calendar (a freeze, a shutdown)",
        why: "nobody is there to do it; `on_blackout move before|move after` moves it out instead",
        example: "calendar acme { covers 2027-01-01 to 2027-12-31  blackout 2027-03-01 to 2027-03-05 \"Freeze\" }\n  calendar acme\n  checkpoint a \"A\" { at 2027-03-03 }",
    },
    CodeDoc {
        code: NEVER_OPEN,
        severity: Severity::Error,
        title: "calendar-never-open",
        what: "a calendar has no business day: every weekday is a weekend day, or its blackouts close its whole range",
        why: "no business-day offset could ever land; every one would be an error",
        example: "calendar closed { weekend mon, tue, wed, thu, fri, sat, sun  covers 2027-01-01 to 2027-12-31 }",
    },
    CodeDoc {
        code: NOT_A_DURATION,
        severity: Severity::Error,
        title: "not-a-duration-param",
        what: "an offset, window, timeout, deadline, reminder or wait length names something that is not a `duration` param",
        why: "only a duration param holds an amount of time; any other value has no length to step by",
        example: "param owner: string\nmanual qa \"QA\" { at release - owner }",
    },
    CodeDoc {
        code: BAD_DURATION_VALUE,
        severity: Severity::Error,
        title: "bad-duration-value",
        what: "a `duration` param used as an amount is bound (or defaults) to a negative value or to more than ten years",
        why: "the template's `+`/`-` or `before`/`after` gives the direction, so a negative amount would silently flip it; a value beyond ten years is a typo that would push tasks off every calendar",
        example: "rwf plan t.rwf --release 2027-03-01T09:00 --set lead=-2w",
    },
    CodeDoc {
        code: RELEASE_IN_PAST,
        severity: Severity::Warning,
        title: "release-in-past",
        what: "`rwf new` or `rwf retarget` was given a release instant that has already passed \
               (`--allow-past` confirms it)",
        why: "every task would be due at once; usually a wrong year or a typo",
        example: "rwf new launch.rwf --release 2020-03-01",
    },
    CodeDoc {
        code: BEYOND_TZ_RULES,
        severity: Severity::Error,
        title: "beyond-tz-rules",
        what: "a date falls in 2100 or later in a zone that still changes its clocks: the time-zone \
               database lists no transitions that far, so its offset there would be a guess",
        why: "a silently wrong hour is worse than no answer",
        example: "checkpoint a \"A\" { at 2100-07-01 09:00 in \"America/New_York\" }",
    },
];
