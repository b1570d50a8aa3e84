//! The webhook sink: POSTs the notification as JSON with `X-Rwf-Delivery: <notification id>`, which
//! stays the same on every redelivery so the receiver can dedupe.

use super::body_excerpt;
use crate::exec::{BoxFuture, Notification, Sink};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct WebhookSink {
    pub name: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub timeout: Duration,
    client: reqwest::Client,
}

impl WebhookSink {
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> WebhookSink {
        WebhookSink {
            name: name.into(),
            url: url.into(),
            headers: Vec::new(),
            timeout: super::DEFAULT_SINK_TIMEOUT,
            client: reqwest::Client::new(),
        }
    }
}

impl Sink for WebhookSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, notification: &'a Notification) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut builder = self
                .client
                .post(&self.url)
                .timeout(self.timeout)
                .header("X-Rwf-Delivery", notification.id.to_string())
                .json(notification);
            for (name, value) in &self.headers {
                builder = builder.header(name, value);
            }
            post(builder).await
        })
    }
}

/// Sends and maps anything but 2xx to an error that says what came back.
pub(super) async fn post(builder: reqwest::RequestBuilder) -> Result<(), String> {
    let response = builder
        .send()
        .await
        .map_err(|e| format!("cannot reach the sink: {e}"))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    Err(format!(
        "sink answered {}: {}",
        status.as_u16(),
        body_excerpt(&body)
    ))
}
