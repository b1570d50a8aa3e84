//! The built-in test executor: `uses "builtin:..."` agents with deterministic behaviour, idempotent per key.
//!
//! `builtin:succeed`, `builtin:fail`, `builtin:fatal` (not retryable), `builtin:fail_then_succeed:N`
//! (attempts 1..=N fail), `builtin:hang` (never returns), `builtin:sleep:MS` (succeeds after MS ms),
//! `builtin:needs_input`. Every success performs its side effect through an `EffectLedger`, which must
//! perform it at most once per idempotency key and hand back the first output on a repeat.

use super::{AgentOutcome, AgentReport, BoxFuture, DispatchRequest, Executor};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Where built-in side effects are recorded (the store keeps them in `rwf.builtin_effects`).
pub trait EffectLedger: Send + Sync {
    /// Records the effect for `key` unless one exists; returns the output of the effect that stands.
    fn perform_once<'a>(
        &'a self,
        key: &'a str,
        agent: &'a str,
        output: &'a Value,
    ) -> BoxFuture<'a, Result<Value, String>>;
}

/// What a `builtin:` reference asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    Succeed,
    Fail,
    Fatal,
    FailThenSucceed(u32),
    Hang,
    Sleep(Duration),
    NeedsInput,
}

impl Behaviour {
    /// Parses `builtin:NAME[:ARG]`; `None` for anything else or a malformed argument.
    pub fn parse(agent: &str) -> Option<Behaviour> {
        let rest = agent.strip_prefix("builtin:")?;
        let (name, arg) = match rest.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (rest, None),
        };
        Some(match (name, arg) {
            ("succeed", None) => Behaviour::Succeed,
            ("fail", None) => Behaviour::Fail,
            ("fatal", None) => Behaviour::Fatal,
            ("fail_then_succeed", Some(n)) => Behaviour::FailThenSucceed(n.parse().ok()?),
            ("hang", None) => Behaviour::Hang,
            ("sleep", Some(ms)) => Behaviour::Sleep(Duration::from_millis(ms.parse().ok()?)),
            ("needs_input", None) => Behaviour::NeedsInput,
            _ => return None,
        })
    }
}

pub struct BuiltinExecutor {
    ledger: Arc<dyn EffectLedger>,
}

impl BuiltinExecutor {
    pub fn new(ledger: Arc<dyn EffectLedger>) -> BuiltinExecutor {
        BuiltinExecutor { ledger }
    }

    async fn run(&self, request: &DispatchRequest) -> AgentReport {
        let Some(behaviour) = Behaviour::parse(&request.agent) else {
            return failed(format!("unknown built-in agent `{}`", request.agent), false);
        };
        match behaviour {
            Behaviour::Succeed => self.succeed(request).await,
            Behaviour::Fail => failed("builtin:fail always fails".into(), true),
            Behaviour::Fatal => failed("builtin:fatal fails without retry".into(), false),
            Behaviour::FailThenSucceed(n) if request.attempt <= n => failed(
                format!(
                    "attempt {} of a task that fails {n} time(s)",
                    request.attempt
                ),
                true,
            ),
            Behaviour::FailThenSucceed(_) => self.succeed(request).await,
            Behaviour::Hang => std::future::pending().await,
            Behaviour::Sleep(d) => {
                tokio::time::sleep(d).await;
                self.succeed(request).await
            }
            Behaviour::NeedsInput => AgentReport {
                outcome: AgentOutcome::NeedsInput {
                    prompt: format!("{} needs an answer", request.task_key),
                    schema: None,
                },
                log: None,
            },
        }
    }

    async fn succeed(&self, request: &DispatchRequest) -> AgentReport {
        let output = json!({
            "agent": request.agent,
            "attempt": request.attempt,
            "key": request.idempotency_key,
            "input": request.input,
        });
        match self
            .ledger
            .perform_once(&request.idempotency_key, &request.agent, &output)
            .await
        {
            Ok(output) => AgentReport {
                outcome: AgentOutcome::Succeeded { output },
                log: None,
            },
            Err(e) => failed(format!("recording the side effect failed: {e}"), true),
        }
    }
}

fn failed(reason: String, retryable: bool) -> AgentReport {
    AgentReport {
        log: Some(reason.clone()),
        outcome: AgentOutcome::Failed { reason, retryable },
    }
}

impl Executor for BuiltinExecutor {
    fn dispatch<'a>(&'a self, request: &'a DispatchRequest) -> BoxFuture<'a, AgentReport> {
        Box::pin(self.run(request))
    }
}

#[cfg(test)]
mod tests {
    use super::Behaviour;
    use std::time::Duration;

    #[test]
    fn parses_references() {
        assert_eq!(
            Behaviour::parse("builtin:succeed"),
            Some(Behaviour::Succeed)
        );
        assert_eq!(
            Behaviour::parse("builtin:fail_then_succeed:2"),
            Some(Behaviour::FailThenSucceed(2))
        );
        assert_eq!(
            Behaviour::parse("builtin:sleep:50"),
            Some(Behaviour::Sleep(Duration::from_millis(50)))
        );
        assert_eq!(Behaviour::parse("builtin:fail_then_succeed:x"), None);
        assert_eq!(Behaviour::parse("blog-writer"), None);
        assert_eq!(Behaviour::parse("builtin:succeed:1"), None);
    }
}
