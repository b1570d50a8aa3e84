//! The built-in test executor: `uses "builtin:..."` agents with deterministic behaviour, idempotent per key.
//!
//! `builtin:succeed`, `builtin:fail`, `builtin:fatal` (not retryable), `builtin:fail_then_succeed:N`
//! (attempts 1..=N fail), `builtin:hang` (never returns), `builtin:sleep:MS` (succeeds after MS ms),
//! `builtin:needs_input`. Every success is a transactional side effect: the worker records it in
//! `rwf.builtin_effects` in the transaction that records the outcome, at most once per idempotency
//! key, and a repeat takes the first output.

use super::{AgentOutcome, AgentReport, BoxFuture, DispatchRequest, Executor};
use serde_json::json;
use std::time::Duration;

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

#[derive(Default)]
pub struct BuiltinExecutor;

impl BuiltinExecutor {
    async fn run(&self, request: &DispatchRequest) -> AgentReport {
        let Some(behaviour) = Behaviour::parse(&request.agent) else {
            return failed(format!("unknown built-in agent `{}`", request.agent), false);
        };
        match behaviour {
            Behaviour::Succeed => succeed(request),
            Behaviour::Fail => failed("builtin:fail always fails".into(), true),
            Behaviour::Fatal => failed("builtin:fatal fails without retry".into(), false),
            Behaviour::FailThenSucceed(n) if request.attempt <= n => failed(
                format!(
                    "attempt {} of a task that fails {n} time(s)",
                    request.attempt
                ),
                true,
            ),
            Behaviour::FailThenSucceed(_) => succeed(request),
            Behaviour::Hang => std::future::pending().await,
            Behaviour::Sleep(d) => {
                tokio::time::sleep(d).await;
                succeed(request)
            }
            Behaviour::NeedsInput => AgentReport {
                transactional: false,
                outcome: AgentOutcome::NeedsInput {
                    prompt: format!("{} needs an answer", request.task_key),
                    schema: None,
                },
                log: None,
            },
        }
    }
}

/// A success: its output is the effect, recorded by the outcome's transaction (see the module doc).
fn succeed(request: &DispatchRequest) -> AgentReport {
    AgentReport {
        outcome: AgentOutcome::Succeeded {
            output: json!({
                "agent": request.agent,
                "attempt": request.attempt,
                "key": request.idempotency_key,
                "input": request.input,
            }),
        },
        log: None,
        transactional: true,
    }
}

fn failed(reason: String, retryable: bool) -> AgentReport {
    AgentReport {
        transactional: false,
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
