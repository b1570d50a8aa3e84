//! Policy layers: each source of policy (defaults, a named policy, a task's own items) sets only the
//! fields it mentions; layers stack built-in < defaults < named policy < the task's own items.

use crate::spec::{
    Backoff, CancelPolicy, FailurePolicy, HookPoint, MissedPolicy, RetryPolicy, TaskPolicy,
};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    pub attempts: Option<u32>,
    pub backoff: Option<Backoff>,
    pub jitter: Option<f64>,
    pub on_failure: Option<FailurePolicy>,
    pub on_missed: Option<MissedPolicy>,
    pub on_cancel: Option<CancelPolicy>,
    pub hooks: BTreeMap<HookPoint, String>,
}

impl Layer {
    /// `self` with every field `over` sets replaced.
    pub fn overlay(&mut self, over: &Layer) {
        if over.attempts.is_some() {
            self.attempts = over.attempts;
        }
        if over.backoff.is_some() {
            self.backoff = over.backoff.clone();
        }
        if over.jitter.is_some() {
            self.jitter = over.jitter;
        }
        if over.on_failure.is_some() {
            self.on_failure = over.on_failure;
        }
        if over.on_missed.is_some() {
            self.on_missed = over.on_missed;
        }
        if over.on_cancel.is_some() {
            self.on_cancel = over.on_cancel;
        }
        for (k, v) in &over.hooks {
            self.hooks.insert(*k, v.clone());
        }
    }

    /// Only the retry part of a layer (for `retry NAME`).
    pub fn retry_only(&self) -> Layer {
        Layer {
            attempts: self.attempts,
            backoff: self.backoff.clone(),
            jitter: self.jitter,
            ..Layer::default()
        }
    }

    /// The built-in policy with this layer on top.
    pub fn to_policy(&self) -> TaskPolicy {
        let base = TaskPolicy::default();
        TaskPolicy {
            retry: RetryPolicy {
                max_attempts: self.attempts.unwrap_or(base.retry.max_attempts),
                backoff: self.backoff.clone().unwrap_or(base.retry.backoff),
                jitter: self.jitter.unwrap_or(base.retry.jitter),
            },
            on_failure: self.on_failure.unwrap_or(base.on_failure),
            on_missed: self.on_missed.unwrap_or(base.on_missed),
            on_cancel: self.on_cancel.unwrap_or(base.on_cancel),
        }
    }
}

pub fn failure(s: &str) -> Option<FailurePolicy> {
    Some(match s {
        "block" => FailurePolicy::Block,
        "skip" => FailurePolicy::Skip,
        _ => return None,
    })
}

pub fn missed(s: &str) -> Option<MissedPolicy> {
    Some(match s {
        "fire_asap" => MissedPolicy::FireAsap,
        "skip" => MissedPolicy::Skip,
        "require_manual_decision" => MissedPolicy::RequireManualDecision,
        "fail" => MissedPolicy::Fail,
        _ => return None,
    })
}

pub fn cancel(s: &str) -> Option<CancelPolicy> {
    Some(match s {
        "abort" => CancelPolicy::Abort,
        "drain" => CancelPolicy::Drain,
        _ => return None,
    })
}

pub fn hook_point(s: &str) -> Option<HookPoint> {
    HookPoint::ALL.into_iter().find(|p| p.as_str() == s)
}
