//! The canonical workflow spec: the only serde boundary between the language and everything that runs it.
//!
//! A `WorkflowSpec` is what `rwf compile` prints, what the store keeps per template version and per
//! workflow, and what the schedule resolver and the engine read. Field order in JSON is canonical
//! (sorted keys; see `canonical.rs`), durations are normalised `Span`s, and the sha256 of the canonical
//! JSON is the spec's identity.

mod amount;
mod canonical;
mod flow;
mod span;

pub use amount::{check_param_span, Amount, AmountError, MAX_PARAM_DAYS};
pub use canonical::{canonical_json, content_hash};
pub use flow::{
    output_path, output_ref, Block, Condition, Excluded, Expansion, FlowSpec, EXPANSION_CAP,
};
pub use span::{Span, SpanParseError, Unit};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the spec's JSON format. Bump on any incompatible change.
pub const FORMAT: u32 = 1;

/// Most tasks one workflow may hold. One limit everywhere: `rwf check` reports more (RWF025), and
/// the simulator, `plan`, `simulate` and `new` refuse such a spec (`task_limit`).
pub const MAX_TASKS: usize = 10_000;

/// `Err` with a sentence when a spec holds more than `MAX_TASKS` tasks.
pub fn task_limit(spec: &WorkflowSpec) -> Result<(), String> {
    match spec.tasks.len() {
        n if n > MAX_TASKS => Err(format!(
            "template `{}` has {n} tasks, more than the limit of {MAX_TASKS}",
            spec.key
        )),
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSpec {
    /// Always `FORMAT` for specs this build writes.
    pub format: u32,
    /// Template key, e.g. `product_launch`.
    pub key: String,
    /// Human name, e.g. `Product launch`. May contain `${param}` until bound.
    pub name: String,
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Declared params, in declaration order.
    #[serde(default)]
    pub params: Vec<ParamSpec>,
    /// Bound param values (`--set k=v`, defaults applied). Empty for an unbound template spec.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bindings: BTreeMap<String, serde_json::Value>,
    /// The release target: which param holds the release instant and which timezone it is in.
    pub target: TargetSpec,
    /// Name of the calendar in force for business-day offsets (a key of `calendars`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// Every calendar the template can use, fully expanded (includes resolved).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub calendars: BTreeMap<String, CalendarSpec>,
    /// Extra closed days given when the workflow was created (`rwf new --closed DATE[:reason]`): no
    /// calendar in force counts them as business days. Sorted by date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closures: Vec<Holiday>,
    /// What a task whose date lands inside a blackout does (`on_blackout`), unless the task says.
    #[serde(default, skip_serializing_if = "BlackoutRule::is_default")]
    pub on_blackout: BlackoutRule,
    /// Phases (Gantt groups), in declaration order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseSpec>,
    /// Tasks in declaration order. Keys are unique in a valid spec.
    pub tasks: Vec<TaskSpec>,
    /// Hook files embedded with their source, so a stored spec is self-contained.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<HookFile>,
    /// Conditions on params (`when`), decided when the template is bound, and what they decided.
    #[serde(default, skip_serializing_if = "FlowSpec::is_empty")]
    pub flow: FlowSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ParamType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    String,
    Number,
    Bool,
    /// `YYYY-MM-DD`
    Date,
    /// RFC 3339, or a local `YYYY-MM-DDTHH:MM` read in the target timezone.
    Datetime,
    /// A `Span` string such as `3d`.
    Duration,
    /// An IANA name.
    Timezone,
    /// A `Scope` object.
    Scope,
    List(Box<ParamType>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// The `datetime` (or `date`) param that holds the release instant.
    pub param: String,
    pub timezone: TzRef,
    /// `target release in tz at 09:00`: the local time a date-only `--release` means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    /// `horizon 24 months`: how far from the release a task may be before the horizon warning
    /// (RWF024); 366 days when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon: Option<Span>,
}

/// A timezone given literally or by a `timezone` param.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TzRef {
    Literal(String),
    Param(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Days that are never business days.
    #[schemars(with = "Vec<String>")]
    pub weekend: Vec<chrono::Weekday>,
    /// Inclusive range the holiday data is known for. Stepping outside it is an error, never a guess.
    pub covers: DateRange,
    /// Holiday dates with their names, sorted by date.
    pub holidays: Vec<Holiday>,
    /// Closed date ranges with a reason (a freeze week, a conference), sorted by start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blackouts: Vec<Blackout>,
}

/// `blackout 2027-03-01 to 2027-03-05 "Freeze week"`: closed days, inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Blackout {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
}

/// `on_blackout warn | move before | move after`: a task whose date lands inside a blackout gets
/// warning RWF082, or moves to the nearest business day before the blackout starts / after it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlackoutRule {
    #[default]
    Warn,
    MoveBefore,
    MoveAfter,
}

impl BlackoutRule {
    pub fn is_default(&self) -> bool {
        *self == BlackoutRule::Warn
    }
    /// As written in a template: `warn`, `move before`, `move after`.
    pub fn words(self) -> &'static str {
        match self {
            BlackoutRule::Warn => "warn",
            BlackoutRule::MoveBefore => "move before",
            BlackoutRule::MoveAfter => "move after",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseSpec {
    pub key: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HookFile {
    /// As written in the template (`policy.rhai`, `std/hooks/business_hours.rhai`).
    pub path: String,
    pub source: String,
    /// sha256 of `source`, hex.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    pub key: String,
    /// May contain `${param}` until bound, and `${task.output.path}` resolved at dispatch.
    pub title: String,
    pub step: Step,
    /// When the task's timing gate opens. `None`: as soon as its dependencies allow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// Bar length: `due = start + window`. The task must start before `due`, else `on_missed` applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Amount>,
    /// Execution order (not timing). Each edge has the outcome of the upstream it waits for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Dependency>,
    pub policy: TaskPolicy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
    /// An optional task's failure never fails the workflow.
    pub required: bool,
    /// Marked as a step that must finish before the release instant (checked by the schedule lints).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pre_release: bool,
    /// Hook point → rhai function name (task's own bindings over the template defaults).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hooks: BTreeMap<HookPoint, String>,
    /// The task's own calendar (a key of `calendars`) for its business days, week start and
    /// blackouts; the template's `calendar` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// The task's own `on_blackout`; the template's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_blackout: Option<BlackoutRule>,
    /// A `when` that reads upstream outputs: decided when the dependencies are met; false skips the
    /// task (param-only conditions are decided at bind and never appear here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<flow::Condition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    Agent {
        /// Agent reference, resolved by the executor config (`rwf.toml`), not by the template.
        uses: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        input: BTreeMap<String, Expr>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<Amount>,
    },
    Approval {
        approvers: Vec<Scope>,
        quorum: u32,
        /// Measured from when the approval opens.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline: Option<Amount>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remind_every: Option<Amount>,
        on_reject: RejectPolicy,
        on_expire: ExpirePolicy,
        /// Separation of duties: who acted on this task (its assignee, or `done --as`) may not approve.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        not_author_of: Option<String>,
    },
    Manual {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instructions: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<Scope>,
    },
    Notification {
        to: Vec<Scope>,
        message: String,
    },
    Wait {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration: Option<Amount>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<Schedule>,
    },
    Checkpoint,
    /// Waits for a named external event (`rwf signal WORKFLOW NAME`), optionally matching fields of
    /// its payload. The matching event's record becomes the task's output. An event that arrived
    /// before the wait opened is kept and consumed when it opens (see grammar/README.md, Events).
    Event {
        /// The event name senders use, e.g. `ci.finished`.
        name: String,
        /// Dotted payload paths and the values they must equal (strings rendered when the wait opens).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        matches: BTreeMap<String, Expr>,
        /// Measured from when the wait opens. `None`: waits for ever.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<Amount>,
        /// What the task does when `timeout` passes with no matching event.
        #[serde(default, skip_serializing_if = "TimeoutPolicy::is_default")]
        on_timeout: TimeoutPolicy,
    },
}

/// `timeout 2 days then fail | skip | continue` on an event wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutPolicy {
    /// The task fails (its `on_failure` then applies).
    #[default]
    Fail,
    /// The task is skipped.
    Skip,
    /// The task succeeds with the output `{"timed_out": true}`.
    Continue,
}

impl TimeoutPolicy {
    pub fn is_default(&self) -> bool {
        *self == TimeoutPolicy::Fail
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TimeoutPolicy::Fail => "fail",
            TimeoutPolicy::Skip => "skip",
            TimeoutPolicy::Continue => "continue",
        }
    }
}

impl Step {
    /// The expressions read at run time: an agent's input, an event's `where` values.
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        match self {
            Step::Agent { input: m, .. } | Step::Event { matches: m, .. } => Some(m.values()),
            _ => None,
        }
        .into_iter()
        .flatten()
    }

    /// What an event wait waits for, as written: `` `ci.finished` where status = "success"; times out
    /// 2d after it opens (then fail) ``. `None` for other steps.
    pub fn event_summary(&self) -> Option<String> {
        let Step::Event {
            name,
            matches,
            timeout,
            on_timeout,
        } = self
        else {
            return None;
        };
        let mut out = format!("`{name}`");
        if !matches.is_empty() {
            let parts: Vec<String> = matches
                .iter()
                .map(|(k, v)| format!("{k} = {}", v.as_written()))
                .collect();
            out.push_str(&format!(" where {}", parts.join(", ")));
        }
        out.push_str(&match timeout {
            Some(t) => format!(
                "; times out {t} after it opens (then {})",
                on_timeout.as_str()
            ),
            None => "; no timeout".into(),
        });
        Some(out)
    }

    pub fn kind(&self) -> StepKind {
        match self {
            Step::Agent { .. } => StepKind::Agent,
            Step::Approval { .. } => StepKind::Approval,
            Step::Manual { .. } => StepKind::Manual,
            Step::Notification { .. } => StepKind::Notification,
            Step::Wait { .. } => StepKind::Wait,
            Step::Checkpoint => StepKind::Checkpoint,
            Step::Event { .. } => StepKind::Event,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Agent,
    Approval,
    Manual,
    Notification,
    Wait,
    Checkpoint,
    Event,
}

impl StepKind {
    pub const ALL: [StepKind; 7] = [
        StepKind::Agent,
        StepKind::Approval,
        StepKind::Manual,
        StepKind::Notification,
        StepKind::Wait,
        StepKind::Checkpoint,
        StepKind::Event,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Agent => "agent",
            StepKind::Approval => "approval",
            StepKind::Manual => "manual",
            StepKind::Notification => "notification",
            StepKind::Wait => "wait",
            StepKind::Checkpoint => "checkpoint",
            StepKind::Event => "event",
        }
    }
}

/// Who: a person, a team, an organisation's admins, or (for notifications) a channel.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Scope {
    User(String),
    Team(String),
    Organization(String),
    Channel(String),
}

/// A value in an agent input. Params are substituted at bind time; `Output` is read at dispatch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Expr {
    /// A JSON literal (strings here are already interpolated with bound params).
    Literal(serde_json::Value),
    /// A string with `${...}` still to render at dispatch (upstream outputs, or unbound params).
    Template(String),
    /// An unbound param, as in a template spec before `--set`.
    Param(String),
    /// `task.output.a.b`: the upstream task's output at that path.
    Output {
        task: String,
        path: Vec<String>,
    },
    List(Vec<Expr>),
    Object(BTreeMap<String, Expr>),
}

impl Expr {
    /// The expression as a template writes it: JSON for literals, `"..."` for strings to render,
    /// names for params and outputs.
    pub fn as_written(&self) -> String {
        match self {
            Expr::Literal(v) => v.to_string(),
            Expr::Template(s) => format!("{s:?}"),
            Expr::Param(p) => p.clone(),
            Expr::Output { task, path } => std::iter::once(task.as_str())
                .chain(std::iter::once("output"))
                .chain(path.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join("."),
            Expr::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(Expr::as_written)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Expr::Object(m) => format!(
                "{{ {} }}",
                m.iter()
                    .map(|(k, v)| format!("{k}: {}", v.as_written()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub task: String,
    pub outcome: EdgeOutcome,
}

/// What the upstream must have ended as for the edge to be met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EdgeOutcome {
    Success,
    Failed,
    Skipped,
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    /// `anchor (+|-) offsets... [at HH:MM] [in TZ]`
    Relative {
        anchor: Anchor,
        /// Applied in order. Signed amounts: `release - 2 weeks` is `-14d`, `release - lead` is
        /// `-${lead}` (a `duration` param, read from the bindings when resolved).
        offsets: Vec<Amount>,
        /// Calendar alignments applied after `offsets`, innermost first (`tuesday on or before`,
        /// `first monday of`, `end of month of`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        align: Vec<Align>,
        /// Offsets applied after `align` (`2 days after first monday of release`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        then: Vec<Amount>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        time_of_day: Option<NaiveTime>,
        /// IANA zone the offsets and time of day are applied in; else the release's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timezone: Option<String>,
    },
    /// A fixed local date-time in a zone (the release's when `timezone` is absent). Never moves.
    Pinned {
        at: NaiveDateTime,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timezone: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Anchor {
    Release,
    Task {
        task: String,
        point: AnchorPoint,
    },
    /// A `date` or `datetime` param other than the release (`cycle_start`), read in the release zone.
    Param {
        param: String,
    },
}

/// A calendar alignment of a local date (the wall-clock time is kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Align {
    /// `tuesday on or before X`, `tuesday after X` (strictly).
    Weekday {
        #[schemars(with = "String")]
        weekday: chrono::Weekday,
        relation: Relation,
    },
    /// `first monday of X` (X's month), `last friday of month after X`. `nth` is 1..=4, or -1 (last).
    Nth {
        nth: i8,
        #[schemars(with = "String")]
        weekday: chrono::Weekday,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        next: bool,
    },
    /// `start of week of X`, `end of month after X`.
    Edge {
        edge: Edge,
        period: Period,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        next: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    OnOrBefore,
    OnOrAfter,
    Before,
    After,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    Start,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Week,
    Month,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnchorPoint {
    Start,
    Due,
    End,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPolicy {
    pub retry: RetryPolicy,
    pub on_failure: FailurePolicy,
    pub on_missed: MissedPolicy,
    pub on_cancel: CancelPolicy,
}

impl Default for TaskPolicy {
    fn default() -> Self {
        TaskPolicy {
            retry: RetryPolicy::default(),
            on_failure: FailurePolicy::Block,
            on_missed: MissedPolicy::FireAsap,
            on_cancel: CancelPolicy::Abort,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Total attempts including the first. 1 = no retry.
    pub max_attempts: u32,
    pub backoff: Backoff,
    /// Fraction of each delay (0.0..=1.0) randomised deterministically from the attempt's key.
    #[serde(default)]
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 1,
            backoff: Backoff::Fixed {
                interval: Span::new(1, Unit::Minutes),
            },
            jitter: 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Backoff {
    Fixed {
        interval: Span,
    },
    Exponential {
        initial: Span,
        factor: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap: Option<Span>,
    },
}

/// What a failed (retries exhausted) task does to the rest of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailurePolicy {
    /// The task stays failed; edges needing `success` are never met; a required task fails the workflow.
    Block,
    /// The task is marked skipped and the workflow goes on.
    Skip,
}

/// What happens when a task could not start before its `due` (e.g. the workflow was paused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissedPolicy {
    FireAsap,
    Skip,
    RequireManualDecision,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CancelPolicy {
    /// In-flight work is killed at once.
    Abort,
    /// In-flight work may finish; nothing new starts.
    Drain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectPolicy {
    /// The approval's upstream tasks (its dependencies) run again, then the approval reopens.
    NeedsRevision,
    /// The approval counts as skipped; downstream edges on `success` are not met.
    Skip,
    /// The whole workflow is cancelled.
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", content = "to", rename_all = "snake_case")]
pub enum ExpirePolicy {
    /// Keep reminding; never expires.
    Remind,
    /// Add these scopes to the approvers and notify them; the deadline restarts once.
    Escalate(Vec<Scope>),
    /// Treated as a rejection (then `on_reject` applies).
    Reject,
    /// The workflow fails.
    Fail,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HookPoint {
    Retry,
    Missed,
    Gate,
    Approvers,
    Input,
    Notification,
}

impl HookPoint {
    pub const ALL: [HookPoint; 6] = [
        HookPoint::Retry,
        HookPoint::Missed,
        HookPoint::Gate,
        HookPoint::Approvers,
        HookPoint::Input,
        HookPoint::Notification,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            HookPoint::Retry => "retry",
            HookPoint::Missed => "missed",
            HookPoint::Gate => "gate",
            HookPoint::Approvers => "approvers",
            HookPoint::Input => "input",
            HookPoint::Notification => "notification",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Low,
    Medium,
    High,
    Critical,
}

impl WorkflowSpec {
    /// A spec named `key`, version 1, targeting the `release` param in UTC, with nothing else in it.
    pub fn new(key: impl Into<String>) -> WorkflowSpec {
        let key = key.into();
        WorkflowSpec {
            format: FORMAT,
            name: key.clone(),
            key,
            version: 1,
            description: None,
            params: Vec::new(),
            bindings: BTreeMap::new(),
            target: TargetSpec {
                param: "release".into(),
                timezone: TzRef::Literal("UTC".into()),
                time: None,
                horizon: None,
            },
            calendar: None,
            calendars: BTreeMap::new(),
            closures: Vec::new(),
            on_blackout: BlackoutRule::Warn,
            phases: Vec::new(),
            tasks: Vec::new(),
            hooks: Vec::new(),
            flow: FlowSpec::default(),
        }
    }

    pub fn task(&self, key: &str) -> Option<&TaskSpec> {
        self.tasks.iter().find(|t| t.key == key)
    }

    /// Each task key's position in `tasks` (the first, should a key repeat, as `task` finds it).
    pub fn task_index(&self) -> std::collections::HashMap<&str, usize> {
        let mut index = std::collections::HashMap::with_capacity(self.tasks.len());
        for (i, t) in self.tasks.iter().enumerate() {
            index.entry(t.key.as_str()).or_insert(i);
        }
        index
    }
}

impl TaskSpec {
    /// "runs only if COND (decided when its dependencies are met)" for a run-time `when`.
    pub fn runs_only_if(&self) -> Option<String> {
        let c = self.when.as_ref()?;
        Some(format!(
            "runs only if {c} (decided when its dependencies are met; skipped otherwise)"
        ))
    }

    /// A required task titled `key`, with default policy and no schedule, window, dependencies or hooks.
    pub fn new(key: impl Into<String>, step: Step) -> TaskSpec {
        let key = key.into();
        TaskSpec {
            title: key.clone(),
            key,
            step,
            schedule: None,
            window: None,
            depends_on: Vec::new(),
            policy: TaskPolicy::default(),
            phase: None,
            labels: Vec::new(),
            risk: None,
            required: true,
            pre_release: false,
            hooks: BTreeMap::new(),
            calendar: None,
            on_blackout: None,
            when: None,
        }
    }
}
