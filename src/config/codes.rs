//! The diagnostic codes of `rwf.toml` (RWF100–119), documented for `rwf check --explain`.

use crate::diagnostic::{CodeDoc, Severity};

pub const SYNTAX: &str = "RWF100";
pub const UNKNOWN_KEY: &str = "RWF101";
pub const WRONG_TYPE: &str = "RWF102";
pub const UNKNOWN_KIND: &str = "RWF103";
pub const MISSING_KEY: &str = "RWF104";
pub const KEY_NOT_FOR_KIND: &str = "RWF105";
pub const BAD_DURATION: &str = "RWF106";
pub const BAD_URL: &str = "RWF107";
pub const BAD_TEMPLATE: &str = "RWF108";
pub const BAD_NOTIFICATION_KIND: &str = "RWF109";
pub const UNKNOWN_TEAM: &str = "RWF110";
pub const UNKNOWN_USER: &str = "RWF111";
pub const NOT_FOUND: &str = "RWF112";
pub const RESERVED_AGENT: &str = "RWF113";
pub const BAD_HEADER: &str = "RWF114";
pub const EMPTY_VALUE: &str = "RWF115";
pub const BAD_SCOPE: &str = "RWF119";
pub const DUPLICATE_SINK: &str = "RWF116";

const fn doc(
    code: &'static str,
    severity: Severity,
    title: &'static str,
    what: &'static str,
    why: &'static str,
    example: &'static str,
) -> CodeDoc {
    CodeDoc {
        code,
        severity,
        title,
        what,
        why,
        example,
    }
}

pub const CODES: &[CodeDoc] = &[
    doc(SYNTAX, Severity::Error, "config-syntax",
        "rwf.toml is not valid TOML.",
        "Nothing in the file can be trusted until it parses.",
        "[agents.writer\nkind = \"command\""),
    doc(UNKNOWN_KEY, Severity::Error, "config-unknown-key",
        "A key that rwf.toml does not define (often a typo).",
        "A misspelt key would otherwise be ignored silently, e.g. a `timout` that never applies.",
        "[agents.writer]\nkind = \"command\"\nprogram = \"./draft.sh\"\ntimout = \"5m\""),
    doc(WRONG_TYPE, Severity::Error, "config-wrong-type",
        "A key has a value of the wrong type (a string where a list is expected, ...).",
        "The executor could not use the value.",
        "[agents.writer]\nkind = \"command\"\nprogram = \"./draft.sh\"\nargs = \"--fast\""),
    doc(UNKNOWN_KIND, Severity::Error, "config-unknown-kind",
        "An agent `kind` other than `command` or `http`, or a sink `kind` other than `webhook`, `slack` or `command`.",
        "Each kind is a different executor or sink; an unknown one cannot run.",
        "[agents.writer]\nkind = \"lambda\""),
    doc(MISSING_KEY, Severity::Error, "config-missing-key",
        "A key the kind needs is absent: `program` for command agents and sinks, `url` for http agents, webhooks and slack.",
        "The executor or sink has nothing to run or call.",
        "[agents.writer]\nkind = \"http\""),
    doc(KEY_NOT_FOR_KIND, Severity::Error, "config-key-not-for-kind",
        "A key that belongs to another kind (e.g. `url` on a command agent).",
        "It would be ignored, which usually means the kind is wrong.",
        "[agents.writer]\nkind = \"command\"\nprogram = \"./draft.sh\"\nurl = \"http://localhost:9000\""),
    doc(BAD_DURATION, Severity::Error, "config-bad-duration",
        "A duration that is not a sequence of amounts with units ms, s, m, h, d (e.g. `10m`, `1h30m`), or is zero.",
        "Timeouts and poll intervals must be exact elapsed time.",
        "[agents.writer]\nkind = \"command\"\nprogram = \"./draft.sh\"\ntimeout = \"ten minutes\""),
    doc(BAD_URL, Severity::Error, "config-bad-url",
        "A URL that is not absolute `http://` or `https://`.",
        "The executor or sink could not reach it.",
        "[agents.writer]\nkind = \"http\"\nurl = \"localhost:9000/runs\""),
    doc(BAD_TEMPLATE, Severity::Error, "config-bad-template",
        "A `status_url` placeholder other than `{id}` and `{key}`, or an unclosed brace.",
        "The status URL is rendered per run; an unknown placeholder has no value.",
        "[agents.writer]\nkind = \"http\"\nurl = \"http://localhost:9000/runs\"\nstatus_url = \"http://localhost:9000/runs/{run}\""),
    doc(BAD_NOTIFICATION_KIND, Severity::Error, "config-bad-notification-kind",
        "A sink's `kinds` filter names a notification kind rwf never emits.",
        "The filter would never match, so the sink would silently get nothing of that kind.",
        "[[sinks]]\nkind = \"webhook\"\nurl = \"https://hooks.example.com/rwf\"\nkinds = [\"approval_needd\"]"),
    doc(UNKNOWN_TEAM, Severity::Warning, "config-unknown-team",
        "A user lists a team that `[directory.teams]` does not declare (when it declares any).",
        "Usually a typo: the user would not count as a member of the team they were meant to join.",
        "[directory.teams.legal]\n[directory.users.alice]\nteams = [\"legl\"]"),
    doc(UNKNOWN_USER, Severity::Warning, "config-unknown-user",
        "`org_admins` or a team's `members` names a user that `[directory.users]` does not declare (when it declares any).",
        "Usually a typo: that person would not be recognised.",
        "[directory]\norg_admins = [\"bobb\"]\n[directory.users.bob]"),
    doc(NOT_FOUND, Severity::Error, "config-not-found",
        "The config file given with `--config` does not exist or cannot be read.",
        "Without it no agent can be dispatched and no sink reached.",
        "rwf worker --config ./missing.toml"),
    doc(RESERVED_AGENT, Severity::Error, "config-reserved-agent",
        "An agent named `builtin:...`: that prefix is reserved for the built-in test executor.",
        "The built-in executor always wins, so the entry could never be used.",
        "[agents.\"builtin:echo\"]\nkind = \"command\"\nprogram = \"./echo.sh\""),
    doc(BAD_HEADER, Severity::Error, "config-bad-header",
        "An HTTP header name or value that is not valid in HTTP.",
        "The request could not be built.",
        "[agents.writer]\nkind = \"http\"\nurl = \"http://localhost:9000/runs\"\nheaders = { \"Bad Name\" = \"x\" }"),
    doc(EMPTY_VALUE, Severity::Error, "config-empty-value",
        "A required string (a program, an agent name) is empty.",
        "An empty program cannot be run.",
        "[agents.writer]\nkind = \"command\"\nprogram = \"\""),
    doc(BAD_SCOPE, Severity::Error, "config-bad-scope",
        "A `[server]` role names something that is not a scope of people or services.",
        "`rwf serve` grants roles to `user:`, `team:`, `org:` and `service:` scopes only; anything else would grant nothing.",
        "[server]\nviewers = [\"legal\"]"),
    doc(DUPLICATE_SINK, Severity::Error, "config-duplicate-sink",
        "Two `[[sinks]]` entries have the same name (given with `name`, or the default `{kind}-{n}`).",
        "Deliveries are recorded per notification and sink name: two sinks of one name would share one record, and neither would be delivered to reliably.",
        "[[sinks]]\nname = \"ops\"\nkind = \"webhook\"\nurl = \"https://a.example.com/rwf\"\n\n[[sinks]]\nname = \"ops\"\nkind = \"slack\"\nurl = \"https://hooks.slack.com/services/T/B/X\""),
];
