//! The http executor: start a run with an idempotent POST, then poll its status to an end.
//!
//! Protocol (also documented in `examples/rwf.toml` and served by `examples/http_agent.rs`):
//! - `POST {url}` with the task input as the JSON body and headers `Idempotency-Key` (the attempt's
//!   key, the same after a crash), `X-Rwf-Workflow-Id`, `X-Rwf-Task-Key`, `X-Rwf-Attempt`, plus the
//!   agent's `headers`. The service must start at most one run per key and answer a repeated POST
//!   with that run.
//! - The answer (and every status answer) is a run status:
//!   `{"id": "...", "status": "queued|running|succeeded|failed|needs_input", "output": {...},
//!   "error": "...", "retryable": false, "prompt": "...", "schema": {...}}` (`schema`: optional, a JSON
//!   Schema of the answer a `needs_input` run wants; the console renders it as a form).
//! - While the run is not finished, `GET {status_url}` (`{id}` and `{key}` substituted; default
//!   `{url}/{id}`) every `poll_interval`.
//! - Transport errors, 408, 429 and 5xx are retried with bounded exponential backoff (`Retry-After`
//!   is honoured up to the cap); once retries are exhausted the attempt fails retryably. Any other
//!   4xx fails the attempt without retry.
//! - The whole attempt is bounded by the task's `timeout`, else the agent's, else one hour.

use super::{AgentOutcome, AgentReport, BoxFuture, DispatchRequest, Executor};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);
/// Bodies quoted in reasons and logs are cut to this many bytes.
const BODY_LIMIT: usize = 4096;

/// Bounded exponential backoff for one HTTP request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestRetry {
    /// Retries after the first try.
    pub max_retries: u32,
    pub initial: Duration,
    pub cap: Duration,
}

impl Default for RequestRetry {
    fn default() -> Self {
        RequestRetry {
            max_retries: 5,
            initial: Duration::from_millis(200),
            cap: Duration::from_secs(10),
        }
    }
}

impl RequestRetry {
    /// Delay before retry number `n` (1-based): `initial * 2^(n-1)`, at most `cap`.
    pub fn delay(&self, n: u32) -> Duration {
        let factor = 2u32.saturating_pow(n.saturating_sub(1).min(30));
        self.initial.saturating_mul(factor).min(self.cap)
    }
}

#[derive(Debug, Clone)]
pub struct HttpAgent {
    pub url: String,
    /// `{id}` and `{key}` are substituted. `None`: `{url}/{id}`.
    pub status_url: Option<String>,
    pub headers: Vec<(String, String)>,
    pub timeout: Option<Duration>,
    pub poll_interval: Duration,
    pub retry: RequestRetry,
    client: reqwest::Client,
}

impl PartialEq for HttpAgent {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url
            && self.status_url == other.status_url
            && self.headers == other.headers
            && self.timeout == other.timeout
            && self.poll_interval == other.poll_interval
            && self.retry == other.retry
    }
}

/// What the service says about a run.
#[derive(Debug, Deserialize)]
struct RunStatus {
    #[serde(default)]
    id: Option<String>,
    status: String,
    #[serde(default)]
    output: Option<Value>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    retryable: Option<bool>,
    #[serde(default)]
    prompt: Option<String>,
    /// With `needs_input`: a JSON Schema of the answer, for the console's form.
    #[serde(default)]
    schema: Option<Value>,
}

/// Why a request did not give a usable answer.
enum RequestError {
    /// Retries exhausted on transport errors, 408, 429 or 5xx.
    Transient(String),
    /// Any other 4xx, or an answer that is not a run status.
    Permanent(String),
}

impl HttpAgent {
    pub fn new(url: impl Into<String>) -> HttpAgent {
        HttpAgent {
            url: url.into(),
            status_url: None,
            headers: Vec::new(),
            timeout: None,
            poll_interval: DEFAULT_POLL_INTERVAL,
            retry: RequestRetry::default(),
            client: reqwest::Client::new(),
        }
    }

    fn status_url_for(&self, id: &str, key: &str) -> String {
        match &self.status_url {
            Some(t) => t.replace("{id}", id).replace("{key}", key),
            None => format!("{}/{}", self.url.trim_end_matches('/'), id),
        }
    }

    async fn run(&self, request: &DispatchRequest) -> AgentReport {
        let timeout = request.timeout.or(self.timeout).unwrap_or(DEFAULT_TIMEOUT);
        match tokio::time::timeout(timeout, self.run_to_end(request)).await {
            Ok(report) => report,
            Err(_) => AgentReport {
                transactional: false,
                outcome: AgentOutcome::Failed {
                    reason: format!(
                        "agent run did not finish within {}",
                        super::command::human_duration(timeout)
                    ),
                    retryable: true,
                },
                log: None,
            },
        }
    }

    async fn run_to_end(&self, request: &DispatchRequest) -> AgentReport {
        let mut status = match self.send(request, None).await {
            Ok(s) => s,
            Err(e) => return failed(e),
        };
        loop {
            match status.status.as_str() {
                "succeeded" => {
                    return AgentReport {
                        transactional: false,
                        outcome: AgentOutcome::Succeeded {
                            output: status.output.unwrap_or_else(|| serde_json::json!({})),
                        },
                        log: None,
                    }
                }
                "failed" => {
                    let reason = status
                        .error
                        .unwrap_or_else(|| "agent run failed".to_string());
                    return AgentReport {
                        transactional: false,
                        outcome: AgentOutcome::Failed {
                            reason: reason.clone(),
                            retryable: status.retryable.unwrap_or(false),
                        },
                        log: Some(reason),
                    };
                }
                "needs_input" => {
                    return AgentReport {
                        transactional: false,
                        outcome: AgentOutcome::NeedsInput {
                            prompt: status
                                .prompt
                                .unwrap_or_else(|| "the agent needs input".into()),
                            schema: status.schema.filter(|s| s.is_object()),
                        },
                        log: None,
                    }
                }
                "queued" | "running" | "pending" | "accepted" => {}
                other => {
                    return failed(RequestError::Permanent(format!(
                        "agent answered with unknown status `{other}`"
                    )))
                }
            }
            let Some(id) = status.id.clone() else {
                return failed(RequestError::Permanent(
                    "agent answered a pending run without an `id` to poll".into(),
                ));
            };
            tokio::time::sleep(self.poll_interval).await;
            let url = self.status_url_for(&id, &request.idempotency_key);
            status = match self.send(request, Some(&url)).await {
                Ok(s) => s,
                Err(e) => return failed(e),
            };
        }
    }

    /// POST to start (`poll: None`) or GET a status, retrying transient failures.
    async fn send(
        &self,
        request: &DispatchRequest,
        poll: Option<&str>,
    ) -> Result<RunStatus, RequestError> {
        let mut retry = 0;
        loop {
            let builder = match poll {
                None => self.client.post(&self.url).json(&request.input),
                Some(url) => self.client.get(url),
            };
            let mut builder = builder
                .header("Idempotency-Key", &request.idempotency_key)
                .header("X-Rwf-Workflow-Id", request.workflow_id.to_string())
                .header("X-Rwf-Task-Key", &request.task_key)
                .header("X-Rwf-Attempt", request.attempt.to_string());
            for (name, value) in &self.headers {
                builder = builder.header(name, value);
            }
            let (problem, retry_after) = match builder.send().await {
                Err(e) => (format!("cannot reach the agent: {e}"), None),
                Ok(response) => {
                    let code = response.status();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let body = response.text().await.unwrap_or_default();
                    if code.is_success() {
                        return serde_json::from_str::<RunStatus>(&body).map_err(|e| {
                            RequestError::Permanent(format!(
                                "agent answer is not a run status ({e}): {}",
                                cut(&body)
                            ))
                        });
                    }
                    let transient = code.is_server_error()
                        || code == reqwest::StatusCode::REQUEST_TIMEOUT
                        || code == reqwest::StatusCode::TOO_MANY_REQUESTS;
                    let problem = format!("agent answered {}: {}", code.as_u16(), cut(&body));
                    if !transient {
                        return Err(RequestError::Permanent(problem));
                    }
                    (problem, retry_after)
                }
            };
            retry += 1;
            if retry > self.retry.max_retries {
                return Err(RequestError::Transient(format!(
                    "{problem} (gave up after {} retries)",
                    self.retry.max_retries
                )));
            }
            let delay = retry_after
                .map(|d| d.min(self.retry.cap))
                .unwrap_or_else(|| self.retry.delay(retry));
            tokio::time::sleep(delay).await;
        }
    }
}

fn failed(error: RequestError) -> AgentReport {
    let (reason, retryable) = match error {
        RequestError::Transient(r) => (r, true),
        RequestError::Permanent(r) => (r, false),
    };
    AgentReport {
        transactional: false,
        outcome: AgentOutcome::Failed {
            reason: reason.clone(),
            retryable,
        },
        log: Some(reason),
    }
}

fn cut(body: &str) -> &str {
    let body = body.trim();
    if body.len() <= BODY_LIMIT {
        return body;
    }
    let mut end = BODY_LIMIT;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    &body[..end]
}

impl Executor for HttpAgent {
    fn dispatch<'a>(&'a self, request: &'a DispatchRequest) -> BoxFuture<'a, AgentReport> {
        Box::pin(self.run(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let r = RequestRetry {
            max_retries: 10,
            initial: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
        let delays: Vec<u128> = (1..=6).map(|n| r.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(r.delay(100), Duration::from_secs(1));
    }

    #[test]
    fn status_url_template() {
        let mut a = HttpAgent::new("http://h/runs/");
        assert_eq!(a.status_url_for("r1", "k"), "http://h/runs/r1");
        a.status_url = Some("http://h/status/{id}?key={key}".into());
        assert_eq!(
            a.status_url_for("r1", "w:t:1"),
            "http://h/status/r1?key=w:t:1"
        );
    }
}
