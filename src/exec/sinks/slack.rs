//! The Slack sink: an incoming-webhook message, `{"text": ...}` with optional Block Kit blocks.

use crate::exec::{BoxFuture, Notification, Sink};
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SlackSink {
    pub name: String,
    pub url: String,
    /// Also send `blocks` (a header, the message, and a context line).
    pub blocks: bool,
    pub timeout: Duration,
    client: reqwest::Client,
}

impl SlackSink {
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> SlackSink {
        SlackSink {
            name: name.into(),
            url: url.into(),
            blocks: false,
            timeout: super::DEFAULT_SINK_TIMEOUT,
            client: reqwest::Client::new(),
        }
    }
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The incoming-webhook payload. `text` is always present (it is the fallback for notifications).
pub fn slack_payload(n: &Notification, blocks: bool) -> Value {
    let text = format!("*{}*\n{}", escape(&n.title), escape(&n.message));
    if !blocks {
        return json!({ "text": text });
    }
    let mut context = format!("{} · workflow `{}`", n.kind, n.workflow_id);
    if let Some(task) = &n.task_key {
        context.push_str(&format!(" · task `{}`", escape(task)));
    }
    if !n.recipients.is_empty() {
        context.push_str(&format!(" · to {}", escape(&n.recipients.join(", "))));
    }
    json!({
        "text": text,
        "blocks": [
            { "type": "header", "text": { "type": "plain_text", "text": n.title, "emoji": true } },
            { "type": "section", "text": { "type": "mrkdwn", "text": escape(&n.message) } },
            { "type": "context", "elements": [ { "type": "mrkdwn", "text": context } ] }
        ]
    })
}

impl Sink for SlackSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, notification: &'a Notification) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let builder = self
                .client
                .post(&self.url)
                .timeout(self.timeout)
                .json(&slack_payload(notification, self.blocks));
            super::webhook::post(builder).await
        })
    }
}
