//! Agent outcomes and failure policy: success, retries with deterministic backoff, dead-letter,
//! `on_failure block | skip`, and the `retry` hook.
//!
//! Backoff is computed in seconds (a calendar unit counts its nominal length: a day is 86,400 s).
//! Jitter is never random: the fraction is derived from the sha256 of the failed attempt's idempotency
//! key, so the same attempt always retries at the same instant (a replayed decision agrees with the
//! original one).

use super::action::{Action, NotifyKind};
use super::hook::{call_bound, HookHost};
use super::model::{Snapshot, TaskStatus, WorkflowStatus};
use crate::exec::AgentOutcome;
use crate::spec::{Backoff, FailurePolicy, HookPoint, RetryPolicy, Step, TaskSpec};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;

/// The longest delay any backoff produces (30 days), so no arithmetic overflows.
const MAX_DELAY_SECONDS: f64 = 30.0 * 86_400.0;

/// A deterministic fraction in [0, 1) from a key.
pub fn unit_fraction(key: &str) -> f64 {
    let digest = Sha256::digest(key.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// Seconds to wait after `failed_attempt` (1-based) failed, for the attempt with `key`.
pub fn retry_delay_seconds(policy: &RetryPolicy, failed_attempt: u32, key: &str) -> i64 {
    let base = match &policy.backoff {
        Backoff::Fixed { interval } => interval.nominal_seconds() as f64,
        Backoff::Exponential {
            initial,
            factor,
            cap,
        } => {
            let factor = if factor.is_finite() && *factor >= 1.0 {
                *factor
            } else {
                1.0
            };
            let exp = failed_attempt.saturating_sub(1).min(64) as i32;
            let raw = initial.nominal_seconds() as f64 * factor.powi(exp);
            match cap {
                Some(c) => raw.min(c.nominal_seconds() as f64),
                None => raw,
            }
        }
    };
    let base = if base.is_finite() {
        base.clamp(0.0, MAX_DELAY_SECONDS)
    } else {
        MAX_DELAY_SECONDS
    };
    let jitter = if policy.jitter.is_finite() {
        policy.jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let u = unit_fraction(key);
    (base * (1.0 + jitter * (2.0 * u - 1.0))).round() as i64
}

/// Retry-hook verdicts.
enum RetryVerdict {
    Default,
    Stop,
    Delay(i64),
}

fn read_retry_hook(v: &Value) -> Result<RetryVerdict, String> {
    match v {
        Value::Null => Ok(RetryVerdict::Default),
        Value::Object(m) if m.get("stop") == Some(&Value::Bool(true)) => Ok(RetryVerdict::Stop),
        Value::Object(m) => match m.get("delay_minutes").and_then(Value::as_i64) {
            Some(n) if (0..=527_040).contains(&n) => Ok(RetryVerdict::Delay(n)),
            _ => Err(format!("unexpected retry result {v}")),
        },
        other => Err(format!("unexpected retry result {other}")),
    }
}

/// The actions for a task that failed (from status `from`) with `reason`: a retry when attempts remain
/// (agents only, and only when `retryable`), else dead-letter under `on_failure`.
pub fn failure_actions(
    snapshot: &Snapshot,
    spec: &TaskSpec,
    from: TaskStatus,
    reason: &str,
    retryable: bool,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Vec<Action> {
    let key = &spec.key;
    let (attempt, run_attempt) = snapshot
        .task(key)
        .map_or((0, 0), |t| (t.attempt, t.run_attempt()));
    let is_agent = matches!(spec.step, Step::Agent { .. });
    let policy = &spec.policy.retry;
    let mut actions = Vec::new();
    let mut reason = reason.to_string();
    let active = snapshot.status == WorkflowStatus::Active;
    if is_agent && retryable && active && run_attempt < policy.max_attempts.max(1) {
        let idem = snapshot.idempotency_key(key, attempt);
        let verdict = match call_bound(
            hooks,
            snapshot,
            spec,
            HookPoint::Retry,
            run_attempt,
            now,
            Some(&reason),
        ) {
            Ok(None) => Ok(RetryVerdict::Default),
            Ok(Some(v)) => read_retry_hook(&v).map_err(|e| {
                format!(
                    "hook {} failed: {e}",
                    spec.hooks.get(&HookPoint::Retry).map_or("", String::as_str)
                )
            }),
            Err(e) => Err(e),
        };
        let delay = match verdict {
            Ok(RetryVerdict::Default) => Some(retry_delay_seconds(policy, run_attempt, &idem)),
            Ok(RetryVerdict::Delay(m)) => Some(m * 60),
            Ok(RetryVerdict::Stop) => {
                reason = format!("{reason} (retry hook stopped retries)");
                None
            }
            Err(e) => {
                reason = format!("{reason}; {e}");
                None
            }
        };
        if let Some(delay) = delay {
            let at = now + Duration::seconds(delay);
            actions.push(Action::SetTaskStatus {
                task: key.clone(),
                from,
                to: TaskStatus::Pending,
                reason: format!(
                    "attempt {run_attempt} of {} failed: {reason}",
                    policy.max_attempts
                ),
            });
            actions.push(Action::ScheduleRetry {
                task: key.clone(),
                attempt,
                at,
                reason,
            });
            return actions;
        }
    }
    dead_letter(spec, from, &reason, run_attempt, &mut actions);
    actions
}

/// No more attempts: the task fails (`block`) or is skipped (`skip`); either way an event goes out.
fn dead_letter(
    spec: &TaskSpec,
    from: TaskStatus,
    reason: &str,
    attempt: u32,
    out: &mut Vec<Action>,
) {
    let key = &spec.key;
    out.push(Action::RecordError {
        task: key.clone(),
        error: reason.to_string(),
    });
    let attempts = if attempt > 0 {
        format!(
            " after {attempt} attempt{}",
            if attempt == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    let (to, what) = match spec.policy.on_failure {
        FailurePolicy::Block => (TaskStatus::Failed, "failed"),
        FailurePolicy::Skip => (
            TaskStatus::Skipped,
            "failed and was skipped (on_failure skip)",
        ),
    };
    out.push(Action::SetTaskStatus {
        task: key.clone(),
        from,
        to,
        reason: format!("{what}{attempts}: {reason}"),
    });
    out.push(Action::Notify {
        kind: NotifyKind::TaskFailed,
        task: Some(key.clone()),
        recipients: Vec::new(),
        title: format!("Task {key} {what}"),
        message: format!("{}{attempts}: {reason}", spec.title),
    });
}

/// A late or duplicate outcome: the task is no longer running that attempt. The caller drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale(pub String);

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Stale {}

/// Settles one agent attempt's outcome. Fenced: only the task's current attempt, while it runs.
pub fn settle(
    snapshot: &Snapshot,
    task: &str,
    attempt: u32,
    outcome: &AgentOutcome,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Result<Vec<Action>, Stale> {
    settle_at(snapshot, task, None, attempt, outcome, now, hooks)
}

/// `settle` by a caller that knows where the task is (`hint`: its index in the spec and the states,
/// which are in the same order), so a large workflow is not searched for it.
pub(super) fn settle_at(
    snapshot: &Snapshot,
    task: &str,
    hint: Option<usize>,
    attempt: u32,
    outcome: &AgentOutcome,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Result<Vec<Action>, Stale> {
    let at = |i: usize| {
        let spec = snapshot.spec.tasks.get(i).filter(|t| t.key == task)?;
        Some((spec, snapshot.tasks.get(i).filter(|t| t.key == task)?))
    };
    let (spec, state) = match hint.and_then(at) {
        Some(found) => found,
        None => (
            snapshot
                .spec
                .task(task)
                .ok_or_else(|| Stale(format!("no task `{task}`")))?,
            snapshot
                .task(task)
                .ok_or_else(|| Stale(format!("no task `{task}`")))?,
        ),
    };
    if state.status != TaskStatus::Running || state.attempt != attempt {
        return Err(Stale(format!(
            "`{task}` is {} at attempt {}; outcome of attempt {attempt} dropped",
            state.status, state.attempt
        )));
    }
    Ok(match outcome {
        AgentOutcome::Succeeded { output } => vec![
            Action::RecordOutput {
                task: task.to_string(),
                output: output.clone(),
                actor: None,
            },
            Action::SetTaskStatus {
                task: task.to_string(),
                from: TaskStatus::Running,
                to: TaskStatus::Succeeded,
                reason: format!("attempt {attempt} succeeded"),
            },
        ],
        AgentOutcome::Failed { reason, retryable } => failure_actions(
            snapshot,
            spec,
            TaskStatus::Running,
            reason,
            *retryable,
            now,
            hooks,
        ),
        AgentOutcome::NeedsInput { prompt, .. } => vec![
            Action::SetTaskStatus {
                task: task.to_string(),
                from: TaskStatus::Running,
                to: TaskStatus::WaitingInput,
                reason: "the agent asked for input".into(),
            },
            Action::Notify {
                kind: NotifyKind::InputNeeded,
                task: Some(task.to_string()),
                recipients: Vec::new(),
                title: format!("{} needs input", spec.title),
                message: prompt.clone(),
            },
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Span, Unit};

    #[test]
    fn exponential_backoff_caps_and_jitters_deterministically() {
        let p = RetryPolicy {
            max_attempts: 5,
            backoff: Backoff::Exponential {
                initial: Span::new(1, Unit::Minutes),
                factor: 2.0,
                cap: Some(Span::new(5, Unit::Minutes)),
            },
            jitter: 0.0,
        };
        let d: Vec<i64> = (1..=5).map(|n| retry_delay_seconds(&p, n, "k")).collect();
        assert_eq!(d, vec![60, 120, 240, 300, 300]);
        let j = RetryPolicy { jitter: 0.5, ..p };
        let a = retry_delay_seconds(&j, 1, "wf:t:1");
        assert_eq!(a, retry_delay_seconds(&j, 1, "wf:t:1"));
        assert!((30..=90).contains(&a), "{a}");
        assert_ne!(
            retry_delay_seconds(&j, 3, "wf:t:3"),
            retry_delay_seconds(&j, 3, "wf:u:3")
        );
    }
}
