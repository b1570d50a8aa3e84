//! Notification sinks: where the feed's notifications are pushed (webhook, Slack, a command).
//! Each delivers once per call; `exec::deliver` retries and records.

mod command;
mod slack;
mod webhook;

pub use command::CommandSink;
pub use slack::{slack_payload, SlackSink};
pub use webhook::WebhookSink;

/// Every notification kind rwf emits (what a sink's `kinds` filter may name).
pub const NOTIFICATION_KINDS: &[&str] = &[
    "notification",
    "approval_needed",
    "approval_reminder",
    "approval_overdue",
    "approval_escalated",
    "approval_reopened",
    "task_failed",
    "input_needed",
    "decision_needed",
    "workflow_completed",
    "workflow_failed",
    "workflow_cancelled",
    "approval_decided",
    "workflow_paused",
    "workflow_resumed",
];

/// Default bound on one delivery.
pub const DEFAULT_SINK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The first `limit` bytes of a response body, for error messages.
fn body_excerpt(body: &str) -> String {
    let body = body.trim();
    let mut end = body.len().min(512);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body[..end].to_string()
}
