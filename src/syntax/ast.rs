//! The syntax tree of a `.rwf` file. Every node keeps its byte span; the AST is not a wire format.

use std::ops::Range;

pub type Span = Range<usize>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A `${path}` inside a string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interp {
    pub path: Vec<String>,
    /// Span of the whole `${...}` in the file.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str {
    /// Unescaped text, `${...}` kept verbatim.
    pub value: String,
    pub interps: Vec<Interp>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurUnit {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    BusinessDay,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duration {
    pub amount: i64,
    pub unit: DurUnit,
    pub span: Span,
}

/// Where a task takes a duration: written literally, or a `duration` param (`window grace`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amount {
    Lit(Duration),
    Param(Ident),
}

impl Amount {
    pub fn span(&self) -> Span {
        match self {
            Amount::Lit(d) => d.span.clone(),
            Amount::Param(p) => p.span.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Including the leading `//`, without the newline.
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Use(UseDecl),
    Policy(PolicyDecl),
    Calendar(CalendarDecl),
    Template(Template),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Use(u) => u.span.clone(),
            Item::Policy(p) => p.span.clone(),
            Item::Calendar(c) => c.span.clone(),
            Item::Template(t) => t.span.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseDecl {
    /// As written: `std/policies`, `./shared/common`.
    pub path: String,
    pub path_span: Span,
    /// `Some` for `use m { a, b }`.
    pub names: Option<Vec<Ident>>,
    pub span: Span,
}

impl UseDecl {
    /// The name the module is known by: its last path segment.
    pub fn alias(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDecl {
    pub name: Ident,
    pub items: Vec<PolicyItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PolicyItem {
    /// `policy NAME`: every item of a named policy.
    Use(Ident),
    Retry(Retry, Span),
    OnFailure(String, Span),
    OnMissed(String, Span),
    OnCancel(String, Span),
    Hook(Hook),
}

impl PolicyItem {
    pub fn span(&self) -> Span {
        match self {
            PolicyItem::Use(i) => i.span.clone(),
            PolicyItem::Retry(_, s)
            | PolicyItem::OnFailure(_, s)
            | PolicyItem::OnMissed(_, s)
            | PolicyItem::OnCancel(_, s) => s.clone(),
            PolicyItem::Hook(h) => h.span.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Retry {
    /// `retry NAME`: the retry of a named policy.
    Named(Ident),
    Block(RetryBlock),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RetryBlock {
    pub attempts: Option<(i64, Span)>,
    pub backoff: Option<(Backoff, Span)>,
    /// Raw number text and its value.
    pub jitter: Option<(String, f64, Span)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Backoff {
    Fixed(Duration),
    Exponential {
        initial: Option<Duration>,
        factor: Option<(String, f64)>,
        cap: Option<Duration>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub point: Ident,
    pub function: Ident,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CalendarDecl {
    pub name: Ident,
    pub title: Option<Str>,
    pub items: Vec<CalendarItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CalendarItem {
    Weekend(Vec<Ident>, Span),
    Covers(String, String, Span),
    Holiday(String, Str, Span),
    /// `include a, b`
    Include(Vec<Ident>, Span),
    /// `blackout FROM to TO "reason"`
    Blackout(String, String, Str, Span),
}

impl CalendarItem {
    pub fn span(&self) -> Span {
        match self {
            CalendarItem::Weekend(_, s)
            | CalendarItem::Covers(_, _, s)
            | CalendarItem::Holiday(_, _, s)
            | CalendarItem::Include(_, s)
            | CalendarItem::Blackout(_, _, _, s) => s.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub key: Ident,
    pub name: Option<Str>,
    pub version: Option<(i64, Span)>,
    /// `template ... {`
    pub header: Span,
    pub items: Vec<TemplateItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplateItem {
    Description(Str, Span),
    Param(Param),
    Target(Target),
    CalendarUse(Ident, Span),
    Calendar(CalendarDecl),
    Hooks(Vec<Str>, Span),
    Defaults(Vec<PolicyItem>, Span),
    Policy(PolicyDecl),
    Phase(Phase),
    Task(Task),
    /// `horizon 24 months`.
    Horizon(Duration, Span),
    /// `on_blackout move before`: the words, spaces normalised.
    OnBlackout(Ident, Span),
    /// `for each ... in ... { }` or `repeat ... { }`.
    Block(Box<Block>),
    /// `when COND` heading a phase or block body (the driver attaches it to the phase or block).
    When(Cond, Span),
    /// `include TEMPLATE as NAME ["Title"] { ARGS }`: another template's tasks as a phase.
    Include(Box<Include>),
}

impl TemplateItem {
    pub fn span(&self) -> Span {
        match self {
            TemplateItem::Description(_, s)
            | TemplateItem::When(_, s)
            | TemplateItem::CalendarUse(_, s)
            | TemplateItem::Hooks(_, s)
            | TemplateItem::Defaults(_, s)
            | TemplateItem::Horizon(_, s)
            | TemplateItem::OnBlackout(_, s) => s.clone(),
            TemplateItem::Param(p) => p.span.clone(),
            TemplateItem::Target(t) => t.span.clone(),
            TemplateItem::Calendar(c) => c.span.clone(),
            TemplateItem::Policy(p) => p.span.clone(),
            TemplateItem::Phase(p) => p.span.clone(),
            TemplateItem::Task(t) => t.span.clone(),
            TemplateItem::Block(b) => b.span.clone(),
            TemplateItem::Include(i) => i.span.clone(),
        }
    }
}

/// `include app_store as ios "iOS submission" { platform = "ios"  release = release - 2 weeks }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Include {
    /// The included template's key, as imported (`app_store` or `mobile.app_store`).
    pub template: Ident,
    /// The phase its tasks form, and the prefix of their keys (`ios.submit`).
    pub name: Ident,
    pub title: Option<Str>,
    /// `NAME = VALUE`: one param of the included template each, in source order.
    pub args: Vec<IncludeArg>,
    /// `after a, b`: what the included tasks that wait for nothing wait for; the span of the
    /// (first) `after` field.
    pub after: Vec<Dep>,
    pub after_span: Option<Span>,
    pub header: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncludeArg {
    pub param: Ident,
    pub value: IncludeValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IncludeValue {
    /// A literal, or a bare name (a param of the including template, or an anchor).
    Value(Value),
    /// `release - 2 weeks`: an anchor with offsets, for a date or datetime param.
    Anchor(Schedule),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    Scalar(String),
    List(Box<ParamType>),
}

impl std::fmt::Display for ParamType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamType::Scalar(s) => f.write_str(s),
            ParamType::List(t) => write!(f, "list<{t}>"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: ParamType,
    pub ty_span: Span,
    pub default: Option<Value>,
    pub description: Option<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TzRef {
    Literal(Str),
    Param(Ident),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub param: Ident,
    pub tz: Option<TzRef>,
    /// `at HH:MM`: the local time a date-only release means.
    pub time: Option<(String, Span)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub key: Ident,
    pub title: Option<Str>,
    pub header: Span,
    /// `when COND`: every task in the phase is included only when it holds.
    pub when: Option<(Cond, Span)>,
    pub items: Vec<PhaseItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PhaseItem {
    Phase(Phase),
    Task(Task),
    Block(Box<Block>),
    Include(Box<Include>),
}

impl PhaseItem {
    pub fn span(&self) -> Span {
        match self {
            PhaseItem::Phase(p) => p.span.clone(),
            PhaseItem::Task(t) => t.span.clone(),
            PhaseItem::Block(b) => b.span.clone(),
            PhaseItem::Include(i) => i.span.clone(),
        }
    }
}

/// An expansion: its tasks are copied once per list item or occurrence when params are bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    pub header: Span,
    pub when: Option<(Cond, Span)>,
    pub tasks: Vec<Task>,
    /// `include ... as ...` inside a `for each`: copied per item like its tasks.
    pub includes: Vec<Include>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    /// `for each VAR in LIST_PARAM`.
    ForEach { var: Ident, list: Ident },
    /// `repeat every N UNIT | on DAYS from SCHEDULE [until SCHEDULE]`.
    Repeat {
        cadence: Cadence,
        from: Box<Schedule>,
        until: Option<Box<Schedule>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cadence {
    /// `every 2 weeks`, `every month` (amount 1).
    Every(Duration),
    /// `on mon, wed, fri` (weekdays as written).
    On(Vec<Ident>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub kind: String,
    pub kind_span: Span,
    pub key: Ident,
    pub title: Option<Str>,
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub kind: FieldKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dep {
    pub task: Ident,
    pub outcome: Option<Ident>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    At(Schedule),
    Window(Amount),
    After(Vec<Dep>),
    /// `timeout 2 days [then fail|skip|continue]` (`then` only means something on an event).
    Timeout(Amount, Option<Ident>),
    Labels(Vec<Str>),
    Risk(Ident),
    Optional,
    Required,
    PreRelease,
    Policy(PolicyItem),
    Uses(Str),
    Input(Vec<Entry>),
    Approvers(Vec<Scope>, Option<(i64, Span)>),
    Quorum(i64),
    Deadline(Amount),
    Remind(Amount),
    OnReject(Ident),
    OnExpire(Expire),
    NotAuthorOf(Ident),
    Instructions(Str),
    Assignee(Scope),
    To(Vec<Scope>),
    Message(Str),
    For(Amount),
    Until(Schedule),
    /// The task's own calendar.
    Calendar(Ident),
    /// `on_blackout warn | move before | move after` (words, spaces normalised).
    OnBlackout(Ident),
    /// `when COND`: the task is included only when the condition on params holds.
    When(Cond),
    /// `on "name" where { field: value, ... }`: the event an `event` task waits for.
    On(Str, Vec<Entry>),
}

impl FieldKind {
    /// The keyword that introduces the field.
    pub fn keyword(&self) -> &'static str {
        match self {
            FieldKind::At(_) => "at",
            FieldKind::Window(_) => "window",
            FieldKind::After(_) => "after",
            FieldKind::Timeout(..) => "timeout",
            FieldKind::Labels(_) => "labels",
            FieldKind::Risk(_) => "risk",
            FieldKind::Optional => "optional",
            FieldKind::Required => "required",
            FieldKind::PreRelease => "pre_release",
            FieldKind::Policy(p) => match p {
                PolicyItem::Use(_) => "policy",
                PolicyItem::Retry(..) => "retry",
                PolicyItem::OnFailure(..) => "on_failure",
                PolicyItem::OnMissed(..) => "on_missed",
                PolicyItem::OnCancel(..) => "on_cancel",
                PolicyItem::Hook(_) => "hook",
            },
            FieldKind::Uses(_) => "uses",
            FieldKind::Input(_) => "input",
            FieldKind::Approvers(..) => "approvers",
            FieldKind::Quorum(_) => "quorum",
            FieldKind::Deadline(_) => "deadline",
            FieldKind::Remind(_) => "remind",
            FieldKind::OnReject(_) => "on_reject",
            FieldKind::OnExpire(_) => "on_expire",
            FieldKind::NotAuthorOf(_) => "not_author_of",
            FieldKind::Instructions(_) => "instructions",
            FieldKind::Assignee(_) => "assignee",
            FieldKind::To(_) => "to",
            FieldKind::Message(_) => "message",
            FieldKind::For(_) => "for",
            FieldKind::Until(_) => "until",
            FieldKind::Calendar(_) => "calendar",
            FieldKind::OnBlackout(_) => "on_blackout",
            FieldKind::When(_) => "when",
            FieldKind::On(..) => "on",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expire {
    Escalate(Vec<Scope>),
    Simple(Ident),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// `user`, `team`, `organization` (`org`), `channel`.
    pub kind: String,
    pub name: Str,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    /// The key was written as a string literal.
    pub quoted: bool,
    pub key_span: Span,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    Str(Str),
    /// Raw text and value.
    Number(String, f64),
    Bool(bool),
    Date(String),
    /// `YYYY-MM-DD` and `HH:MM`.
    DateTime(String, String),
    Duration(Duration),
    Scope(Scope),
    List(Vec<Value>),
    Object(Vec<Entry>),
    /// A bare (dotted) name: a param, or `task.output.path`.
    Name(Vec<String>),
}

/// A calendar alignment written before an anchor: `tuesday on or before`, `first monday of`,
/// `last friday of month after`, `start of week of`, `end of month after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlignKind {
    /// Weekday as written (`tue`, `tuesday`); relation normalised to single spaces (`on or before`).
    Weekday { weekday: String, relation: String },
    /// `first`..`fourth`, `last`; `next`: `of month after`.
    Nth {
        ordinal: String,
        weekday: String,
        next: bool,
    },
    /// `start`/`end` of `week`/`month`; `next`: `after` rather than `of`.
    Edge {
        edge: String,
        period: String,
        next: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alignment {
    pub kind: AlignKind,
    pub span: Span,
}

impl Alignment {
    /// Canonical text, as `rwf fmt` writes it (without the anchor).
    pub fn text(&self) -> String {
        match &self.kind {
            AlignKind::Weekday { weekday, relation } => format!("{weekday} {relation}"),
            AlignKind::Nth {
                ordinal,
                weekday,
                next,
            } => format!(
                "{ordinal} {weekday} of{}",
                if *next { " month after" } else { "" }
            ),
            AlignKind::Edge { edge, period, next } => {
                format!("{edge} of {period} {}", if *next { "after" } else { "of" })
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    Relative {
        anchor: Ident,
        /// Written as words: `2 weeks before x` (the first offset).
        words: Option<(Amount, bool)>,
        /// Alignments written before the anchor, outermost first.
        align: Vec<Alignment>,
        offsets: Vec<(bool, Amount)>,
        time: Option<(String, Span)>,
        tz: Option<TzRef>,
        span: Span,
    },
    Pinned {
        date: String,
        time: Option<(String, Span)>,
        tz: Option<TzRef>,
        span: Span,
    },
}

impl Schedule {
    pub fn span(&self) -> Span {
        match self {
            Schedule::Relative { span, .. } | Schedule::Pinned { span, .. } => span.clone(),
        }
    }
}

/// A condition on params (`when ...`), decided when the params are bound.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// A bool param: `beta`.
    Flag(Ident),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    /// `param == literal` (`ne`: `!=`).
    Compare {
        param: Ident,
        ne: bool,
        value: Value,
    },
    /// `literal in list_param`.
    Member {
        value: Value,
        list: Ident,
    },
}
