//! pest errors → diagnostics with human words for what was expected, and did-you-mean for keywords.

use super::Rule;
use crate::diagnostic::Diagnostic;
use pest::error::{ErrorVariant, InputLocation};

/// The words a rule stands for in "expected ..." messages.
pub fn human(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        ident => "a name such as `draft_blog`",
        name_ref => "a name such as `policies.standard`",
        int => "a whole number",
        number => "a number",
        date => "a date such as `2026-09-01`",
        clock => "a time such as `09:00`",
        string => "a string in double quotes",
        unit => "a unit (`minutes`, `hours`, `days`, `weeks`, `months`, `business days`)",
        duration => "a duration such as `3 days`",
        sign => "`+` or `-`",
        module_path => "a module path such as `std/policies` or `./shared/common`",
        step_kind => {
            "a step type (`agent`, `approval`, `manual`, `notification`, `wait`, `checkpoint`, `event`)"
        }
        param_scalar | param_type => {
            "a param type (`string`, `number`, `bool`, `date`, `datetime`, `duration`, `timezone`, `scope`, `list<T>`)"
        }
        failure_mode => "`block` or `skip`",
        missed_mode => "`fire_asap`, `skip`, `require_manual_decision` or `fail`",
        cancel_mode => "`abort` or `drain`",
        reject_mode => "`needs_revision`, `skip` or `cancel`",
        expire_mode | expire_escalate => "`remind`, `escalate SCOPES`, `reject` or `fail`",
        timeout_mode => "`fail`, `skip` or `continue`",
        blackout_rule => "`warn`, `move before` or `move after`",
        risk_level => "`low`, `medium`, `high` or `critical`",
        outcome => "an outcome (`success`, `failed`, `skipped`, `any`)",
        hook_point => {
            "a hook point (`retry`, `missed`, `gate`, `approvers`, `input`, `notification`)"
        }
        weekday => "a weekday such as `sat`",
        scope | scope_list | scope_kind => {
            "a scope such as `team(\"legal\")`, `user(\"ann\")` or `channel(\"#launch\")`"
        }
        value => "a value (string, number, date, duration, list, object, scope or name)",
        list => "a list `[...]`",
        object => "an object `{ key: value }`",
        entry => "an entry `key: value`",
        schedule | pinned | words_schedule | relative_schedule => {
            "a schedule such as `release - 2 weeks at 09:00`"
        }
        anchor => "an anchor (`release` or a task such as `kickoff.end`)",
        offset => "an offset such as `- 2 days`",
        time_of_day => "`at HH:MM`",
        sched_tz | tz_ref => "a timezone such as `\"Europe/Berlin\"` or a timezone param",
        direction => "`before` or `after`",
        import_list => "a list of names `{ a, b }`",
        retry_block => "a retry block `{ attempts 3 ... }` or a policy name",
        backoff_fixed | backoff_exponential => "`fixed DURATION` or `exponential ...`",
        dep => "a task name",
        quorum => "`quorum N`",
        EOI => "the end of the item",
        _ => return keyword(rule).map(|_| "a keyword"),
    })
}

/// The keyword a rule starts with, for did-you-mean.
pub fn keyword(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        use_decl | kw_use => "use",
        policy_decl | policy_use | kw_policy => "policy",
        calendar_decl | calendar_use | f_calendar | kw_calendar => "calendar",
        template | template_header | kw_template => "template",
        kw_version => "version",
        description | kw_description => "description",
        param_decl | kw_param => "param",
        target_decl | kw_target => "target",
        kw_in => "in",
        hooks_decl | kw_hooks => "hooks",
        horizon_decl | kw_horizon => "horizon",
        hook_item | kw_hook => "hook",
        defaults | kw_defaults => "defaults",
        phase | phase_header | kw_phase => "phase",
        retry_item | kw_retry => "retry",
        attempts | kw_attempts => "attempts",
        backoff | kw_backoff => "backoff",
        kw_fixed => "fixed",
        kw_exponential => "exponential",
        exp_initial | kw_initial => "initial",
        exp_factor | kw_factor => "factor",
        exp_cap | kw_cap => "cap",
        jitter | kw_jitter => "jitter",
        on_failure | kw_on_failure => "on_failure",
        on_missed | kw_on_missed => "on_missed",
        on_cancel | kw_on_cancel => "on_cancel",
        cal_weekend | kw_weekend => "weekend",
        cal_covers | kw_covers => "covers",
        kw_to | f_to => "to",
        cal_holiday | kw_holiday => "holiday",
        cal_include | kw_include => "include",
        cal_blackout | kw_blackout => "blackout",
        on_blackout_decl | f_on_blackout | kw_on_blackout => "on_blackout",
        f_at | kw_at => "at",
        f_window | kw_window => "window",
        f_after | kw_after => "after",
        kw_before => "before",
        kw_on => "on",
        f_timeout | kw_timeout => "timeout",
        f_labels | kw_labels => "labels",
        f_risk | kw_risk => "risk",
        f_optional | kw_optional => "optional",
        f_required | kw_required => "required",
        f_pre_release | kw_pre_release => "pre_release",
        f_uses | kw_uses => "uses",
        f_input | kw_input => "input",
        f_approvers | kw_approvers => "approvers",
        f_quorum | kw_quorum => "quorum",
        f_deadline | kw_deadline => "deadline",
        f_remind | kw_remind => "remind",
        kw_every => "every",
        f_on_reject | kw_on_reject => "on_reject",
        f_on_expire | kw_on_expire => "on_expire",
        kw_escalate => "escalate",
        f_not_author_of | kw_not_author_of => "not_author_of",
        f_instructions | kw_instructions => "instructions",
        f_assignee | kw_assignee => "assignee",
        f_message | kw_message => "message",
        f_for | kw_for => "for",
        f_until | kw_until => "until",
        f_on => "on",
        kw_where => "where",
        kw_then => "then",
        f_when | kw_when => "when",
        kw_and => "and",
        kw_or => "or",
        kw_not => "not",
        task => "agent",
        _ => return None,
    })
}

/// The fields every task body accepts, whatever its step type.
pub const COMMON_TASK_FIELDS: &[&str] = &[
    "at",
    "calendar",
    "on_blackout",
    "window",
    "after",
    "labels",
    "risk",
    "optional",
    "required",
    "pre_release",
    "policy",
    "retry",
    "on_failure",
    "on_missed",
    "on_cancel",
    "hook",
    "when",
];

/// The fields only a step type's body accepts.
pub fn step_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "agent" => &["uses", "input", "timeout"],
        "approval" => &[
            "approvers",
            "quorum",
            "deadline",
            "remind",
            "on_reject",
            "on_expire",
            "not_author_of",
        ],
        "manual" => &["instructions", "assignee"],
        "notification" => &["to", "message"],
        "wait" => &["for", "until"],
        "event" => &["on", "timeout"],
        _ => &[],
    }
}

/// Every keyword some task body accepts.
fn task_fields() -> impl Iterator<Item = &'static str> {
    let steps = [
        "agent",
        "approval",
        "manual",
        "notification",
        "wait",
        "event",
    ];
    COMMON_TASK_FIELDS
        .iter()
        .chain(steps.into_iter().flat_map(step_fields))
        .copied()
}

/// Levenshtein distance, for did-you-mean.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The closest candidate within a small distance.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// The identifier-like word at `pos` in `text`, if any.
pub fn word_at(text: &str, pos: usize) -> Option<&str> {
    let rest = text.get(pos..)?;
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (len > 0).then(|| &rest[..len])
}

/// One pest error on a chunk that starts at `off` in `text` (the whole file).
pub fn convert(file: &str, text: &str, off: usize, err: &pest::error::Error<Rule>) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p + off,
        InputLocation::Span((s, _)) => s + off,
    };
    let (positives, negatives): (Vec<Rule>, Vec<Rule>) = match &err.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => (positives.clone(), negatives.clone()),
        ErrorVariant::CustomError { .. } => (Vec::new(), Vec::new()),
    };
    let _ = negatives;
    let rest = &text[pos.min(text.len())..];
    let found = describe_found(rest);
    let end = pos + found_len(rest);
    // A string that never closes.
    if rest.starts_with('"') && !rest.lines().next().unwrap_or("")[1..].contains('"') {
        return Diagnostic::error("RWF003", "unterminated string")
            .in_file(file)
            .at(pos..pos + rest.lines().next().unwrap_or("").len())
            .with_label("this string has no closing `\"` on its line")
            .help("close the string with `\"` on the same line; write a newline as `\\n`");
    }
    if let Some(word) = word_at(text, pos) {
        let keywords: Vec<&str> = positives.iter().filter_map(|r| keyword(*r)).collect();
        let only_keywords = !keywords.is_empty()
            && positives
                .iter()
                .all(|r| keyword(*r).is_some() || *r == Rule::EOI);
        if only_keywords || positives.is_empty() {
            let mut pool: Vec<&str> = keywords.clone();
            if positives
                .iter()
                .any(|r| matches!(r, Rule::f_at | Rule::f_uses | Rule::f_window))
            {
                pool.extend(task_fields());
            }
            let mut d = Diagnostic::error("RWF002", format!("unknown keyword `{word}`"))
                .in_file(file)
                .at(pos..pos + word.len())
                .with_label("not a keyword here");
            d = match did_you_mean(word, pool.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!("expected {}", expected_list(&positives))),
            };
            return d;
        }
    }
    let expected = expected_list(&positives);
    let mut d = Diagnostic::error("RWF001", format!("expected {expected}, found {found}"))
        .in_file(file)
        .at(pos..end.max(pos))
        .with_label(format!("expected {expected}"));
    if let Some(word) = word_at(text, pos) {
        let pool = positives
            .iter()
            .filter_map(|r| enum_words(*r))
            .flat_map(|w| w.iter().copied());
        if let Some(s) = did_you_mean(word, pool) {
            d = d.help(format!("did you mean `{s}`?"));
        }
    }
    if d.help.is_none() {
        d = d.help("see grammar/README.md for the syntax of each item");
    }
    d
}

fn enum_words(rule: Rule) -> Option<&'static [&'static str]> {
    use Rule::*;
    Some(match rule {
        step_kind => &[
            "agent",
            "approval",
            "manual",
            "notification",
            "wait",
            "checkpoint",
            "event",
        ],
        param_scalar | param_type => &[
            "string", "number", "bool", "date", "datetime", "duration", "timezone", "scope", "list",
        ],
        failure_mode => &["block", "skip"],
        missed_mode => &["fire_asap", "skip", "require_manual_decision", "fail"],
        cancel_mode => &["abort", "drain"],
        reject_mode => &["needs_revision", "skip", "cancel"],
        expire_mode | expire_escalate => &["remind", "escalate", "reject", "fail"],
        timeout_mode => &["fail", "skip", "continue"],
        risk_level => &["low", "medium", "high", "critical"],
        outcome => &["success", "failed", "skipped", "any"],
        hook_point => &[
            "retry",
            "missed",
            "gate",
            "approvers",
            "input",
            "notification",
        ],
        unit | duration => &[
            "minutes", "hours", "days", "weeks", "months", "business", "minute", "hour", "day",
            "week", "month",
        ],
        scope | scope_kind | scope_list => &["user", "team", "organization", "org", "channel"],
        direction => &["before", "after"],
        weekday => &["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        _ => return None,
    })
}

fn expected_list(positives: &[Rule]) -> String {
    let mut words: Vec<String> = Vec::new();
    for r in positives {
        let w = match keyword(*r) {
            Some(k) if human(*r) == Some("a keyword") => format!("`{k}`"),
            Some(k) if !matches!(r, Rule::task | Rule::f_to) && human(*r).is_none() => {
                format!("`{k}`")
            }
            _ => match human(*r) {
                Some(h) => h.to_string(),
                None => format!("{r:?}").replace('_', " "),
            },
        };
        if !words.contains(&w) {
            words.push(w);
        }
    }
    if words.len() > 6 {
        let shown = words[..5].join(", ");
        return format!("{shown} or another item");
    }
    match words.len() {
        0 => "something else".to_string(),
        1 => words.remove(0),
        _ => {
            let last = words.pop().unwrap_or_default();
            format!("{} or {last}", words.join(", "))
        }
    }
}

fn found_len(rest: &str) -> usize {
    match rest.chars().next() {
        None => 0,
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len()),
        Some(c) => c.len_utf8(),
    }
}

fn describe_found(rest: &str) -> String {
    match rest.chars().next() {
        None => "the end of the file".to_string(),
        Some('\n') | Some('\r') => "the end of the line".to_string(),
        Some(_) => {
            let n = found_len(rest);
            let tok: String = rest[..n].chars().take(40).collect();
            format!("`{tok}`")
        }
    }
}
