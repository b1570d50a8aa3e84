//! The running workflow as plain data: what the store persists and what `reconcile` reads.
//!
//! A `Snapshot` is one workflow at one moment: its status, its bound spec, its release target, one
//! `TaskState` per spec task (in spec order) and every approval round ever opened. It holds no clock:
//! `now` is always an argument. Everything but the spec `Arc` and the `Target` is serde data, so the
//! store can keep rows (or JSON columns) of exactly these types.

use crate::schedule::{Plan, Target};
use crate::spec::{Scope, WorkflowSpec};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;
use uuid::Uuid;

/// A workflow (one running release) id.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct WorkflowId(pub Uuid);

impl fmt::Display for WorkflowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowStatus {
    Draft,
    Active,
    Paused,
    Completed,
    Cancelled,
    Failed,
}

impl WorkflowStatus {
    pub const ALL: [WorkflowStatus; 6] = [
        WorkflowStatus::Draft,
        WorkflowStatus::Active,
        WorkflowStatus::Paused,
        WorkflowStatus::Completed,
        WorkflowStatus::Cancelled,
        WorkflowStatus::Failed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::Draft => "draft",
            WorkflowStatus::Active => "active",
            WorkflowStatus::Paused => "paused",
            WorkflowStatus::Completed => "completed",
            WorkflowStatus::Cancelled => "cancelled",
            WorkflowStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<WorkflowStatus> {
        WorkflowStatus::ALL.into_iter().find(|w| w.as_str() == s)
    }
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            WorkflowStatus::Completed | WorkflowStatus::Cancelled | WorkflowStatus::Failed
        )
    }
}

impl fmt::Display for WorkflowStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lifecycle of one task. See `status.rs` for the legal transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Not started: waiting for its gates (timing, dependencies, approvals, hooks) or a retry time.
    Pending,
    /// Started: an agent attempt in flight, a wait or checkpoint timer running.
    Running,
    /// Waiting for a person: a manual task, an open approval, or an agent that asked for input.
    WaitingInput,
    /// Missed its window under `on_missed require_manual_decision`: a person must run or skip it.
    AwaitingDecision,
    Succeeded,
    Failed,
    Skipped,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 8] = [
        TaskStatus::Pending,
        TaskStatus::Running,
        TaskStatus::WaitingInput,
        TaskStatus::AwaitingDecision,
        TaskStatus::Succeeded,
        TaskStatus::Failed,
        TaskStatus::Skipped,
        TaskStatus::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Running => "running",
            TaskStatus::WaitingInput => "waiting_input",
            TaskStatus::AwaitingDecision => "awaiting_decision",
            TaskStatus::Succeeded => "succeeded",
            TaskStatus::Failed => "failed",
            TaskStatus::Skipped => "skipped",
            TaskStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Succeeded
                | TaskStatus::Failed
                | TaskStatus::Skipped
                | TaskStatus::Cancelled
        )
    }
    /// Started and not finished: work someone (an executor, a timer, a person) is doing now.
    pub fn is_in_flight(self) -> bool {
        matches!(self, TaskStatus::Running | TaskStatus::WaitingInput)
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Planned instants of a task (UTC), from `schedule::resolve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    pub start: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl From<crate::schedule::Times> for Planned {
    fn from(t: crate::schedule::Times) -> Planned {
        Planned {
            start: t.start,
            due: t.due,
            end: t.end,
        }
    }
}

/// The run-time state of one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskState {
    pub key: String,
    pub status: TaskStatus,
    /// Attempts started so far (0 before the first). The current attempt when running.
    pub attempt: u32,
    /// Attempts made before the current run: a task sent back for revision runs again with a fresh
    /// retry budget, while its attempt numbers (and idempotency keys) go on.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts_before: u32,
    /// A retry may not start before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// `None`: a floating task (no schedule), due as soon as its dependencies allow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<Planned>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// When a running wait or checkpoint completes (set when it starts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timer_at: Option<DateTime<Utc>>,
    /// An agent's output (or a manual task's answer), read by `${task.output.x}` downstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The person who completed it (`rwf done --as`), for `not_author_of`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The missed-window policy has been applied (so it fires once).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missed: bool,
    /// A person chose to run it after a missed window (`AwaitingDecision` → `Pending`): gates other
    /// than timing still apply, the window no longer does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forced: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl TaskState {
    /// The attempt of the current run (1-based once it has started), which the retry budget counts.
    pub fn run_attempt(&self) -> u32 {
        self.attempt.saturating_sub(self.attempts_before)
    }

    pub fn new(key: impl Into<String>, planned: Option<Planned>) -> TaskState {
        TaskState {
            key: key.into(),
            status: TaskStatus::Pending,
            attempt: 0,
            attempts_before: 0,
            next_attempt_at: None,
            planned,
            started_at: None,
            finished_at: None,
            timer_at: None,
            output: None,
            last_error: None,
            actor: None,
            missed: false,
            forced: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Open,
    Granted,
    Rejected,
    Expired,
    /// Superseded: its content changed (edit) or it was sent back for revision.
    Invalidated,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Open => "open",
            ApprovalStatus::Granted => "granted",
            ApprovalStatus::Rejected => "rejected",
            ApprovalStatus::Expired => "expired",
            ApprovalStatus::Invalidated => "invalidated",
        }
    }
}

impl fmt::Display for ApprovalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Reject,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
        }
    }
}

/// One person's vote on an approval round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// The person (a `user:` name without the prefix).
    pub actor: String,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// One round of an approval task. A task has a new round each time it (re)opens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalState {
    pub task: String,
    /// 1-based; grows each time the approval reopens (needs revision, edits).
    pub round: u32,
    pub status: ApprovalStatus,
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_at: Option<DateTime<Utc>>,
    /// Resolved at opening (spec, or the `approvers` hook); escalation appends.
    pub approvers: Vec<Scope>,
    pub quorum: u32,
    #[serde(default)]
    pub votes: Vec<Vote>,
    #[serde(default)]
    pub reminders_sent: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_reminder_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub escalated: bool,
    /// The overdue notice for a never-expiring approval was sent.
    #[serde(default)]
    pub overdue_notified: bool,
    /// sha256 of the review packet (the gated task's key/title/approvers + upstream keys/titles/edges).
    pub packet_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
}

impl ApprovalState {
    /// Distinct people who approved.
    pub fn approvals(&self) -> usize {
        let mut people: Vec<&str> = self
            .votes
            .iter()
            .filter(|v| v.verdict == Verdict::Approve)
            .map(|v| v.actor.as_str())
            .collect();
        people.sort_unstable();
        people.dedup();
        people.len()
    }
}

/// One external event delivered to a workflow (`rwf signal WF NAME`). Kept for ever (the audit trail
/// of what arrived); consumed by at most one event wait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalEvent {
    /// Unique per workflow: the sender's `--id`, else one given on receipt. A repeat is not stored twice.
    pub id: String,
    pub name: String,
    /// The payload (`--data JSON`); `null` when none was sent.
    pub data: serde_json::Value,
    /// Who sent it, from authentication (the API) or `--as` (the CLI on the database).
    pub sender: String,
    pub received_at: DateTime<Utc>,
    /// The event task that consumed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumed_at: Option<DateTime<Utc>>,
}

/// One workflow at one moment. The input of `reconcile`.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub id: WorkflowId,
    pub status: WorkflowStatus,
    /// A bound spec (params substituted).
    pub spec: Arc<WorkflowSpec>,
    pub target: Target,
    /// One per spec task, in spec order.
    pub tasks: Vec<TaskState>,
    /// Every round ever opened, oldest first.
    pub approvals: Vec<ApprovalState>,
    /// Every external event received, oldest first.
    pub events: Vec<ExternalEvent>,
    /// Set by a drain-cancel: nothing new starts, in-flight work may finish.
    pub draining: bool,
}

impl Snapshot {
    /// A fresh draft workflow: every task pending with its planned times from `plan`.
    pub fn new(id: WorkflowId, spec: Arc<WorkflowSpec>, plan: &Plan) -> Snapshot {
        let mut times = std::collections::HashMap::with_capacity(plan.tasks.len());
        for r in &plan.tasks {
            times.entry(r.key.as_str()).or_insert(r.times);
        }
        let tasks = spec
            .tasks
            .iter()
            .map(|t| {
                let planned = times.get(t.key.as_str()).copied().flatten();
                TaskState::new(t.key.clone(), planned.map(Planned::from))
            })
            .collect();
        Snapshot {
            id,
            status: WorkflowStatus::Draft,
            spec,
            target: plan.target,
            tasks,
            approvals: Vec::new(),
            events: Vec::new(),
            draining: false,
        }
    }
    pub fn task(&self, key: &str) -> Option<&TaskState> {
        self.tasks.iter().find(|t| t.key == key)
    }
    pub fn task_mut(&mut self, key: &str) -> Option<&mut TaskState> {
        self.tasks.iter_mut().find(|t| t.key == key)
    }
    /// The latest round of a task's approval.
    pub fn approval(&self, task: &str) -> Option<&ApprovalState> {
        self.approvals.iter().rev().find(|a| a.task == task)
    }
    pub fn approval_mut(&mut self, task: &str) -> Option<&mut ApprovalState> {
        self.approvals.iter_mut().rev().find(|a| a.task == task)
    }
    /// The idempotency key of one attempt: `{workflow}:{task}:{attempt}`.
    pub fn idempotency_key(&self, task: &str, attempt: u32) -> String {
        format!("{}:{}:{}", self.id, task, attempt)
    }
}
