//! Executors for agent tasks (command, http, and a built-in test executor) and notification sinks.
//! This is the IO edge the worker drives; the engine only decides.

pub mod builtin;
pub mod command;
pub mod deliver;
pub mod http;
pub mod lifeline;
pub mod process;
pub mod sinks;

use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use uuid::Uuid;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One attempt of one agent task. The same attempt always carries the same key, also after a crash.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchRequest {
    pub workflow_id: Uuid,
    pub task_key: String,
    /// 1-based.
    pub attempt: u32,
    /// `{workflow}:{task}:{attempt}`.
    pub idempotency_key: String,
    /// The task's `uses` reference.
    pub agent: String,
    /// Rendered at dispatch time (params bound, upstream outputs read).
    pub input: Value,
    pub timeout: Option<Duration>,
}

impl DispatchRequest {
    pub fn key_for(workflow_id: Uuid, task_key: &str, attempt: u32) -> String {
        format!("{workflow_id}:{task_key}:{attempt}")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum AgentOutcome {
    Succeeded {
        output: Value,
    },
    /// `retryable: false` fails the task at once whatever its retry policy says.
    Failed {
        reason: String,
        retryable: bool,
    },
    /// The agent's run paused for human input; the task stays running until `rwf done` answers.
    NeedsInput {
        prompt: String,
        /// A JSON Schema of the answer the agent wants, when it gave one: the console renders it as
        /// a form.
        schema: Option<Value>,
    },
}

/// The outcome plus what the attempt leaves for the record.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentReport {
    pub outcome: AgentOutcome,
    /// Bounded tail of the agent's stderr or error body.
    pub log: Option<String>,
    /// The success is the agent's side effect itself (the built-in executor's ledger row): the
    /// transaction that records the outcome commits it too, at most once per idempotency key, and a
    /// repeat takes the output that stands. Nothing is committed for an outcome that is not accepted.
    pub transactional: bool,
}

pub trait Executor: Send + Sync {
    /// Runs one attempt to a terminal outcome (or needs-input). Must be safe to call twice with the same
    /// key: the second call must not repeat the side effect. Cancelled by dropping the future.
    fn dispatch<'a>(&'a self, request: &'a DispatchRequest) -> BoxFuture<'a, AgentReport>;
}

/// A notification as written to the durable feed and handed to sinks.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Notification {
    /// Stable across redeliveries: receivers dedupe on it.
    pub id: Uuid,
    pub workflow_id: Uuid,
    /// `notification` (a notification task), `approval_needed`, `approval_reminder`, `approval_overdue`,
    /// `approval_escalated`, `task_failed`, `workflow_completed`, `workflow_failed`, `workflow_cancelled`,
    /// `input_needed`, `approval_reopened`.
    pub kind: String,
    pub task_key: Option<String>,
    /// Rendered scopes: `user:alice`, `team:legal`, `channel:#launch`.
    pub recipients: Vec<String>,
    pub title: String,
    pub message: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub trait Sink: Send + Sync {
    fn name(&self) -> &str;
    /// Delivers once; the caller records the delivery and retries on `Err`.
    fn deliver<'a>(&'a self, notification: &'a Notification) -> BoxFuture<'a, Result<(), String>>;
}
