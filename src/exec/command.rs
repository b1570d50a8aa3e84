//! The command executor: one process per attempt, in its own process group.
//!
//! Contract with the program (also documented in `examples/rwf.toml`):
//! - stdin: the task input as JSON, then EOF.
//! - env: `RWF_IDEMPOTENCY_KEY` (`{workflow}:{task}:{attempt}`, the same after a crash: do the work
//!   once per key), `RWF_WORKFLOW_ID`, `RWF_TASK_KEY`, `RWF_ATTEMPT`, `RWF_AGENT`, plus the agent's `env`.
//! - exit 0: success; stdout is the output, parsed as JSON (non-JSON stdout becomes `{"text": ...}`,
//!   empty stdout `{}`).
//! - exit 75 (`EX_TEMPFAIL`): a retryable failure (the task's retry policy decides).
//! - exit 76: the agent needs human input; stdout is the prompt, or a JSON object
//!   `{"prompt": "...", "schema": {...}}` whose `schema` (a JSON Schema of the answer) the console
//!   renders as a form. The task stays running.
//! - any other exit, or death by a signal: a failure that is not retried.
//! - timeout (the task's `timeout`, else the agent's, else one hour): the whole process group is
//!   killed and the attempt fails retryably.
//!
//! stderr is kept, bounded to its last 64 KiB, in `AgentReport.log`. When the program exits, anything
//! it left running in its process group is killed.

use super::process::{run_process, ProcessEnd, ProcessSpec};
use super::{AgentOutcome, AgentReport, BoxFuture, DispatchRequest, Executor};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Exit code for "failed, try again".
pub const EXIT_RETRYABLE: i32 = 75;
/// Exit code for "paused: a person must answer the prompt on stdout".
pub const EXIT_NEEDS_INPUT: i32 = 76;
/// Used when neither the task nor the agent sets a timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, PartialEq)]
pub struct CommandAgent {
    /// Absolute, or resolved against the directory of `rwf.toml` when it contains a `/`; else looked
    /// up on `PATH`.
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub cwd: Option<PathBuf>,
    pub timeout: Option<Duration>,
}

impl CommandAgent {
    pub fn new(program: impl Into<PathBuf>) -> CommandAgent {
        CommandAgent {
            program: program.into(),
            args: Vec::new(),
            env: BTreeMap::new(),
            cwd: None,
            timeout: None,
        }
    }

    /// The task's own timeout wins over the agent's.
    fn timeout_for(&self, request: &DispatchRequest) -> Duration {
        request.timeout.or(self.timeout).unwrap_or(DEFAULT_TIMEOUT)
    }

    async fn run(&self, request: &DispatchRequest) -> AgentReport {
        let mut env = self.env.clone();
        env.insert(
            "RWF_IDEMPOTENCY_KEY".into(),
            request.idempotency_key.clone(),
        );
        env.insert("RWF_WORKFLOW_ID".into(), request.workflow_id.to_string());
        env.insert("RWF_TASK_KEY".into(), request.task_key.clone());
        env.insert("RWF_ATTEMPT".into(), request.attempt.to_string());
        env.insert("RWF_AGENT".into(), request.agent.clone());
        let timeout = self.timeout_for(request);
        let result = run_process(ProcessSpec {
            program: &self.program,
            args: &self.args,
            env,
            cwd: self.cwd.as_ref(),
            stdin: serde_json::to_vec(&request.input).unwrap_or_default(),
            timeout,
        })
        .await;
        let log = (!result.stderr_tail.is_empty()).then(|| result.stderr_tail.clone());
        let last_line = result.stderr_last_line();
        let outcome = match result.end {
            ProcessEnd::SpawnFailed(reason) => AgentOutcome::Failed {
                reason,
                retryable: false,
            },
            ProcessEnd::TimedOut => AgentOutcome::Failed {
                reason: format!(
                    "agent timed out after {}; its process group was killed",
                    human_duration(timeout)
                ),
                retryable: true,
            },
            ProcessEnd::Signalled(signal) => AgentOutcome::Failed {
                reason: format!("agent was killed by signal {signal}{last_line}"),
                retryable: false,
            },
            ProcessEnd::Exited(0) if result.stdout_overflow => AgentOutcome::Failed {
                reason: "agent output is larger than 16 MiB".into(),
                retryable: false,
            },
            ProcessEnd::Exited(0) => AgentOutcome::Succeeded {
                output: parse_output(&result.stdout),
            },
            ProcessEnd::Exited(EXIT_RETRYABLE) => AgentOutcome::Failed {
                reason: format!("agent asked to retry (exit {EXIT_RETRYABLE}){last_line}"),
                retryable: true,
            },
            ProcessEnd::Exited(EXIT_NEEDS_INPUT) => input_request(&result.stdout),
            ProcessEnd::Exited(code) => AgentOutcome::Failed {
                reason: format!("agent exited with status {code}{last_line}"),
                retryable: false,
            },
        };
        AgentReport {
            outcome,
            log,
            transactional: false,
        }
    }
}

impl Executor for CommandAgent {
    fn dispatch<'a>(&'a self, request: &'a DispatchRequest) -> BoxFuture<'a, AgentReport> {
        Box::pin(self.run(request))
    }
}

/// JSON stdout as is; anything else as `{"text": ...}`; nothing as `{}`.
pub fn parse_output(stdout: &[u8]) -> Value {
    let text = String::from_utf8_lossy(stdout);
    if text.trim().is_empty() {
        return Value::Object(Default::default());
    }
    serde_json::from_str(&text).unwrap_or_else(|_| serde_json::json!({ "text": text.trim_end() }))
}

/// `90s`, `10m`, `1h`: the largest whole unit, for messages.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if d.subsec_millis() != 0 || s == 0 {
        format!("{}ms", d.as_millis())
    } else if s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// What an agent that exits 76 asks: its stdout as the prompt, or `{"prompt", "schema"}` as JSON.
pub fn input_request(stdout: &[u8]) -> AgentOutcome {
    let text = String::from_utf8_lossy(stdout).trim().to_string();
    if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&text) {
        if let Some(prompt) = o.get("prompt").and_then(Value::as_str) {
            return AgentOutcome::NeedsInput {
                prompt: prompt.to_string(),
                schema: o.get("schema").filter(|s| s.is_object()).cloned(),
            };
        }
    }
    AgentOutcome::NeedsInput {
        prompt: if text.is_empty() {
            "the agent needs input".into()
        } else {
            text
        },
        schema: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_parsing() {
        assert_eq!(parse_output(b"{\"a\":1}\n"), serde_json::json!({"a": 1}));
        assert_eq!(
            parse_output(b"hello\nworld\n"),
            serde_json::json!({"text": "hello\nworld"})
        );
        assert_eq!(parse_output(b"  \n"), serde_json::json!({}));
        assert_eq!(parse_output(b"[1,2]"), serde_json::json!([1, 2]));
    }

    #[test]
    fn durations_for_humans() {
        assert_eq!(human_duration(Duration::from_secs(600)), "10m");
        assert_eq!(human_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(human_duration(Duration::from_secs(90)), "90s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1500ms");
    }
}
