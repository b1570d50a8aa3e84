//! What the engine decides, as data: actions the store (or the simulator) applies, gate ledger rows,
//! and the next instant worth waking for.
//!
//! Actions are applied in order. `apply.rs` applies them to an in-memory `Snapshot`; the Postgres
//! store applies the same actions to rows (and may use `apply` to compute the new state). Side effects
//! (`Dispatch`, `Notify`) are recorded in the same transaction and performed after it commits.

use super::model::{TaskStatus, Verdict, WorkflowStatus};
use crate::spec::Scope;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The output of `reconcile`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Decision {
    pub actions: Vec<Action>,
    /// The earliest instant at which reconciling again could decide something new (a planned start,
    /// a retry, a timer, a reminder, a deadline, a window closing). `None`: only an outside event
    /// (an agent outcome, a human, an edit) can move the workflow.
    pub next_wake: Option<DateTime<Utc>>,
    /// Why every non-terminal task is (not) moving, one row per gate.
    pub gates: Vec<GateRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateKind {
    /// The planned start has come (floating tasks always pass).
    Timing,
    /// Every `depends_on` edge from a non-approval task has the outcome it waits for.
    Dependency,
    /// Every edge from an approval task: met only when the approval is granted.
    Approval,
    /// The task's `gate` hook.
    Hook,
    /// An open event wait: the event it waits for, and its timeout.
    Event,
}

impl GateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GateKind::Timing => "timing",
            GateKind::Dependency => "dependency",
            GateKind::Approval => "approval",
            GateKind::Hook => "hook",
            GateKind::Event => "event",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateState {
    Pass,
    /// Not yet; will pass by itself (time) or when upstream work finishes.
    Wait,
    /// Can never pass as things stand (an upstream ended with the wrong outcome).
    Blocked,
}

impl GateState {
    pub fn as_str(self) -> &'static str {
        match self {
            GateState::Pass => "pass",
            GateState::Wait => "wait",
            GateState::Blocked => "blocked",
        }
    }
}

/// One row of the gate ledger: `rwf status` shows these to say why a task waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateRow {
    pub task: String,
    pub gate: GateKind,
    pub state: GateState,
    /// Lowercase, human: `opens 2026-03-02 09:00 EST`, `waiting for draft_blog (running)`.
    pub reason: String,
    /// Upstream task keys holding this gate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<String>,
    /// When this gate will pass by itself, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

/// Kinds of `Notify` (the `kind` column of the notifications feed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyKind {
    /// A notification task's message.
    Notification,
    ApprovalNeeded,
    ApprovalReminder,
    ApprovalOverdue,
    ApprovalEscalated,
    ApprovalReopened,
    InputNeeded,
    DecisionNeeded,
    TaskFailed,
    WorkflowCompleted,
    WorkflowFailed,
    WorkflowCancelled,
    /// An approval was granted or rejected (not each vote).
    ApprovalDecided,
    WorkflowPaused,
    WorkflowResumed,
}

impl NotifyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyKind::Notification => "notification",
            NotifyKind::ApprovalNeeded => "approval_needed",
            NotifyKind::ApprovalReminder => "approval_reminder",
            NotifyKind::ApprovalOverdue => "approval_overdue",
            NotifyKind::ApprovalEscalated => "approval_escalated",
            NotifyKind::ApprovalReopened => "approval_reopened",
            NotifyKind::InputNeeded => "input_needed",
            NotifyKind::DecisionNeeded => "decision_needed",
            NotifyKind::TaskFailed => "task_failed",
            NotifyKind::WorkflowCompleted => "workflow_completed",
            NotifyKind::WorkflowFailed => "workflow_failed",
            NotifyKind::WorkflowCancelled => "workflow_cancelled",
            NotifyKind::ApprovalDecided => "approval_decided",
            NotifyKind::WorkflowPaused => "workflow_paused",
            NotifyKind::WorkflowResumed => "workflow_resumed",
        }
    }
}

/// One decided change. Status changes carry `from` so the store can apply them with a CAS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// A task's status changes. Emitted for every change, alongside the specific action.
    SetTaskStatus {
        task: String,
        from: TaskStatus,
        to: TaskStatus,
        reason: String,
    },
    /// Start one agent attempt (task is set `running` by the preceding `SetTaskStatus`).
    Dispatch {
        task: String,
        /// 1-based; equals the task's `attempt` after this action.
        attempt: u32,
        /// `{workflow}:{task}:{attempt}`.
        idempotency_key: String,
        agent: String,
        /// Rendered input: params bound, upstream outputs read, the `input` hook merged over it.
        input: serde_json::Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_seconds: Option<u64>,
    },
    /// A wait or checkpoint started; it completes by itself at `at`.
    StartTimer { task: String, at: DateTime<Utc> },
    /// A wait's or checkpoint's timer fired (followed by `SetTaskStatus` → succeeded).
    CompleteTimer { task: String },
    /// Record a task's output (agent result, manual answer).
    RecordOutput {
        task: String,
        output: serde_json::Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        actor: Option<String>,
    },
    /// Open a new approval round for the task.
    OpenApproval {
        task: String,
        round: u32,
        approvers: Vec<Scope>,
        quorum: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline_at: Option<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_reminder_at: Option<DateTime<Utc>>,
        packet_hash: String,
    },
    /// A human vote was recorded (only `decide` emits this).
    RecordVote {
        task: String,
        round: u32,
        actor: String,
        verdict: Verdict,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The round closes granted (quorum of distinct people reached).
    GrantApproval { task: String, round: u32 },
    /// The round closes rejected (a person rejected, or it expired under `on_expire reject`).
    RejectApproval {
        task: String,
        round: u32,
        reason: String,
    },
    /// A reminder went out; the next is due at `next_at`.
    SendReminder {
        task: String,
        round: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_at: Option<DateTime<Utc>>,
    },
    /// The deadline passed under `on_expire escalate`: approvers extended, deadline restarted once.
    Escalate {
        task: String,
        round: u32,
        add: Vec<Scope>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline_at: Option<DateTime<Utc>>,
    },
    /// The deadline passed under `on_expire remind`: the overdue notice went out (once).
    MarkOverdue { task: String, round: u32 },
    /// The round closes expired (under `on_expire reject` or `fail`).
    ExpireApproval { task: String, round: u32 },
    /// The round is void (sent back for revision, or its content changed).
    InvalidateApproval {
        task: String,
        round: u32,
        reason: String,
    },
    /// Put a message on the durable notifications feed.
    Notify {
        kind: NotifyKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task: Option<String>,
        /// Rendered scopes: `user:ann`, `team:legal`, `channel:#launch`.
        recipients: Vec<String>,
        title: String,
        message: String,
    },
    /// A failed attempt will be retried at `at` (task back to `pending`).
    ScheduleRetry {
        task: String,
        /// The attempt that failed.
        attempt: u32,
        at: DateTime<Utc>,
        reason: String,
    },
    /// Record the failure reason of the current attempt.
    RecordError { task: String, error: String },
    /// The missed-window policy was applied to the task.
    MarkMissed { task: String, policy: String },
    /// A task needs a person to run or skip it (`on_missed require_manual_decision`).
    RequireDecision { task: String },
    /// A human chose to run a task after its missed window.
    ForceRun { task: String },
    /// The workflow's status changes.
    SetWorkflowStatus {
        from: WorkflowStatus,
        to: WorkflowStatus,
        reason: String,
    },
    /// A drain-cancel: nothing new starts, in-flight work may finish.
    StartDrain,
    /// An external event arrived (`rwf signal`); it is kept until an event wait consumes it.
    ReceiveEvent {
        event_id: String,
        name: String,
        data: serde_json::Value,
        sender: String,
    },
    /// An event arrived again with an id already received: nothing changes, the repeat is logged.
    RepeatEvent {
        event_id: String,
        name: String,
        sender: String,
    },
    /// An open event wait took a received event (followed by its output and `succeeded`).
    ConsumeEvent { task: String, event_id: String },
    /// An event wait's timeout passed with no matching event; `policy` is its `then`.
    EventTimedOut { task: String, policy: String },
    /// A `for each` over `source`'s output expands (its source succeeded): the block whose first task
    /// is `block` is replaced by one copy of its tasks per item, `task[label]`, or, with no item,
    /// left out. Applying it changes the workflow's spec and task list.
    Expand {
        /// The task whose output holds the list.
        source: String,
        /// The block's first task (a prototype).
        block: String,
        /// `for each platform in build.output.platforms`.
        header: String,
        count: usize,
        labels: Vec<String>,
        items: Vec<serde_json::Value>,
    },
}

impl Action {
    /// The task the action is about, if any.
    pub fn task(&self) -> Option<&str> {
        match self {
            Action::SetTaskStatus { task, .. }
            | Action::Dispatch { task, .. }
            | Action::StartTimer { task, .. }
            | Action::CompleteTimer { task }
            | Action::RecordOutput { task, .. }
            | Action::OpenApproval { task, .. }
            | Action::RecordVote { task, .. }
            | Action::GrantApproval { task, .. }
            | Action::RejectApproval { task, .. }
            | Action::SendReminder { task, .. }
            | Action::Escalate { task, .. }
            | Action::MarkOverdue { task, .. }
            | Action::ExpireApproval { task, .. }
            | Action::InvalidateApproval { task, .. }
            | Action::ScheduleRetry { task, .. }
            | Action::RecordError { task, .. }
            | Action::MarkMissed { task, .. }
            | Action::RequireDecision { task }
            | Action::ForceRun { task }
            | Action::ConsumeEvent { task, .. }
            | Action::EventTimedOut { task, .. } => Some(task),
            Action::Expand { source, .. } => Some(source),
            Action::Notify { task, .. } => task.as_deref(),
            Action::SetWorkflowStatus { .. }
            | Action::StartDrain
            | Action::ReceiveEvent { .. }
            | Action::RepeatEvent { .. } => None,
        }
    }
}

/// Renders a scope as a recipient string: `user:ann`, `team:legal`, `organization:acme`,
/// `channel:#launch`.
pub fn scope_str(scope: &Scope) -> String {
    match scope {
        Scope::User(n) => format!("user:{n}"),
        Scope::Team(n) => format!("team:{n}"),
        Scope::Organization(n) => format!("organization:{n}"),
        Scope::Channel(n) => format!("channel:{n}"),
    }
}

/// Parses `user:ann`, `team:legal`, `org:acme` / `organization:acme`, `channel:#x`.
pub fn parse_scope(s: &str) -> Option<Scope> {
    let (kind, name) = s.split_once(':')?;
    if name.is_empty() {
        return None;
    }
    let name = name.to_string();
    Some(match kind {
        "user" => Scope::User(name),
        "team" => Scope::Team(name),
        "org" | "organization" => Scope::Organization(name),
        "channel" => Scope::Channel(name),
        _ => return None,
    })
}
