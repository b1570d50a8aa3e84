//! The words of the `.rwf` language by role: completion offers them, and the editor grammars
//! (`editors/vscode/syntaxes`, `editors/vim/syntax`) must agree with them and with `grammar/rwf.pest`
//! (checked by `tests/editors.rs`).

/// Step types: each starts a task.
pub const STEP_KEYWORDS: &[&str] = &[
    "checkpoint",
    "agent",
    "approval",
    "manual",
    "notification",
    "wait",
    "event",
];

/// Words that start a top-level or template-level declaration.
pub const DECLARATION_KEYWORDS: &[&str] = &[
    "use",
    "policy",
    "calendar",
    "template",
    "version",
    "description",
    "param",
    "target",
    "hooks",
    "defaults",
    "phase",
    "horizon",
    "repeat",
    "as",
];

/// Words that start a field inside a task, `defaults`, `policy`, `retry` or `calendar` block.
pub const FIELD_KEYWORDS: &[&str] = &[
    "uses",
    "input",
    "at",
    "window",
    "after",
    "timeout",
    "retry",
    "labels",
    "risk",
    "hook",
    "approvers",
    "quorum",
    "deadline",
    "remind",
    "on_reject",
    "on_expire",
    "not_author_of",
    "instructions",
    "assignee",
    "optional",
    "required",
    "pre_release",
    "to",
    "message",
    "for",
    "until",
    "on_failure",
    "on_missed",
    "on_cancel",
    "attempts",
    "backoff",
    "initial",
    "factor",
    "cap",
    "jitter",
    "weekend",
    "covers",
    "include",
    "holiday",
    "blackout",
    "on_blackout",
    "when",
];

/// Words inside schedules and clauses: anchors, directions, connectives (`on` also starts an event's
/// `on "NAME" where {...}`, and `then` says what its timeout does).
pub const SCHEDULE_KEYWORDS: &[&str] = &[
    "release",
    "occurrence",
    "before",
    "in",
    "every",
    "on",
    "each",
    "from",
    "where",
    "then",
];

/// Words of calendar alignments: `tuesday on or before`, `first monday of`, `end of month after`.
pub const ALIGN_KEYWORDS: &[&str] = &[
    "first", "second", "third", "fourth", "last", "of", "or", "start", "end",
];

/// Connectives of `when` conditions (`or` is also an alignment word, `in` a schedule word).
pub const CONDITION_KEYWORDS: &[&str] = &["and", "not"];

/// Anchor points after a task key (`kickoff.end`).
pub const ANCHOR_POINTS: &[&str] = &["start", "due", "end"];

/// Units of durations and offsets (`business` pairs with `day`/`days`).
pub const UNITS: &[&str] = &[
    "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months",
    "business",
];

/// Enumerated values of policies and fields.
pub const VALUES: &[&str] = &[
    "fixed",
    "exponential",
    "block",
    "skip",
    "fire_asap",
    "require_manual_decision",
    "fail",
    "abort",
    "drain",
    "needs_revision",
    "cancel",
    "continue",
    "escalate",
    "reject",
    "low",
    "medium",
    "high",
    "critical",
    "success",
    "failed",
    "skipped",
    "any",
    "true",
    "false",
    "warn",
    "move",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Param types.
pub const TYPES: &[&str] = &[
    "string", "datetime", "timezone", "list", "scope", "number", "bool", "date", "duration",
];

/// Scope constructors: `team("legal")`.
pub const SCOPE_FUNCTIONS: &[&str] = &["team", "user", "org", "organization", "channel"];

/// Hook points after `hook`.
pub const HOOK_POINTS: &[&str] = &[
    "retry",
    "missed",
    "gate",
    "approvers",
    "input",
    "notification",
];

/// Every keyword group, by name, as the editor grammars group them.
pub const GROUPS: &[(&str, &[&str])] = &[
    ("step", STEP_KEYWORDS),
    ("declaration", DECLARATION_KEYWORDS),
    ("field", FIELD_KEYWORDS),
    ("schedule", SCHEDULE_KEYWORDS),
    ("align", ALIGN_KEYWORDS),
    ("condition", CONDITION_KEYWORDS),
    ("anchor", ANCHOR_POINTS),
    ("unit", UNITS),
    ("value", VALUES),
    ("type", TYPES),
    ("scope", SCOPE_FUNCTIONS),
    ("hook", HOOK_POINTS),
];

/// Words the parser reads as plain names that the compiler gives a meaning: the `release` anchor,
/// the `occurrence` anchor inside a `repeat`, and the anchor point `due` (`start` and `end` are also alignment words in the grammar). Highlighted as keywords, absent from `grammar/rwf.pest` as literals.
pub const CONTEXTUAL: &[&str] = &["release", "due", "occurrence"];

/// True for a word that begins a field (ends the schedule expression before it).
pub fn is_field_keyword(word: &str) -> bool {
    FIELD_KEYWORDS.contains(&word) || word == "policy"
}

/// Every distinct keyword, sorted.
pub fn all() -> Vec<&'static str> {
    let mut words: Vec<&str> = GROUPS.iter().flat_map(|(_, g)| g.iter().copied()).collect();
    words.sort_unstable();
    words.dedup();
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Completion offers every field the compiler accepts in a task (the syntax module's lists).
    #[test]
    fn completion_knows_every_task_field() {
        let steps = [
            "checkpoint",
            "agent",
            "approval",
            "manual",
            "notification",
            "wait",
            "event",
        ];
        let fields = crate::syntax::COMMON_TASK_FIELDS
            .iter()
            .chain(steps.iter().flat_map(|s| crate::syntax::step_fields(s)));
        for field in fields {
            assert!(
                FIELD_KEYWORDS.contains(field)
                    || DECLARATION_KEYWORDS.contains(field)
                    // `on` is not a field keyword: it also sits inside schedules (`on or before`).
                    || (*field == "on" && SCHEDULE_KEYWORDS.contains(field)),
                "`{field}` is accepted in a task but not offered by completion"
            );
        }
    }
}
