//! Engine-level builders for in-memory tests: plain `TaskSpec`s and `WorkflowSpec`s written in Rust, an
//! active `Snapshot` planned in hours from a fixed instant, and reconcile passes checked to be fixpoints.
//! No store, compiler or resolver needed.

#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use rwf::engine::action::Action;
use rwf::engine::apply::apply_all;
use rwf::engine::model::{Planned, Snapshot, TaskState, TaskStatus, WorkflowId, WorkflowStatus};
use rwf::engine::outcome::settle;
use rwf::engine::{reconcile, Decision, HookHost};
use rwf::exec::AgentOutcome;
use rwf::schedule::Target;
use rwf::spec::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Monday 2026-06-01 09:00 UTC.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
}

/// `hours` after `t0`.
pub fn h(hours: i64) -> DateTime<Utc> {
    t0() + Duration::hours(hours)
}

/// A required task with default policies, no schedule, dependencies or hooks.
pub fn task(key: &str, step: Step) -> TaskSpec {
    TaskSpec {
        title: format!("Task {key}"),
        ..TaskSpec::new(key, step)
    }
}

/// An agent step without input or timeout.
pub fn agent(uses: &str) -> Step {
    Step::Agent {
        uses: uses.into(),
        input: BTreeMap::new(),
        timeout: None,
    }
}

/// An approval without deadline or reminders; a rejection skips, an expiry reminds.
pub fn approval(scopes: Vec<Scope>, quorum: u32) -> Step {
    Step::Approval {
        approvers: scopes,
        quorum,
        deadline: None,
        remind_every: None,
        on_reject: RejectPolicy::Skip,
        on_expire: ExpirePolicy::Remind,
        not_author_of: None,
    }
}

/// A workflow of `tasks` targeting the `release` param in UTC, with no params, bindings, phases or hooks.
pub fn workflow(key: &str, name: &str, tasks: Vec<TaskSpec>) -> WorkflowSpec {
    WorkflowSpec {
        name: name.into(),
        tasks,
        ..WorkflowSpec::new(key)
    }
}

/// An active snapshot; `planned` gives (task, start hour, due hour) from `t0`.
pub fn snap(spec: WorkflowSpec, planned: &[(&str, i64, i64)]) -> Snapshot {
    let tasks = spec
        .tasks
        .iter()
        .map(|t| {
            let p = planned
                .iter()
                .find(|(k, _, _)| *k == t.key)
                .map(|(_, s, d)| Planned {
                    start: h(*s),
                    due: h(*d),
                    end: h(*d),
                });
            TaskState::new(t.key.clone(), p)
        })
        .collect();
    Snapshot {
        id: WorkflowId::default(),
        status: WorkflowStatus::Active,
        spec: Arc::new(spec),
        target: Target {
            instant: h(24 * 30),
            tz: chrono_tz::UTC,
        },
        tasks,
        approvals: vec![],
        events: vec![],
        draining: false,
    }
}

/// Reconciles and applies; asserts the fixpoint (reconciling again at `now` does nothing).
pub fn step_with(s: &mut Snapshot, now: DateTime<Utc>, hooks: &dyn HookHost) -> Decision {
    let d = reconcile(s, now, hooks);
    apply_all(s, &d.actions, now).unwrap();
    let again = reconcile(s, now, hooks);
    assert!(
        again.actions.is_empty(),
        "not a fixpoint: {:?}",
        again.actions
    );
    d
}

pub fn status(s: &Snapshot, key: &str) -> TaskStatus {
    s.task(key).unwrap().status
}

/// Settles the task's current attempt as a retryable failure and applies the result, which it returns.
pub fn fail_attempt(
    s: &mut Snapshot,
    key: &str,
    reason: &str,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Vec<Action> {
    let attempt = s.task(key).unwrap().attempt;
    let outcome = AgentOutcome::Failed {
        reason: reason.into(),
        retryable: true,
    };
    let a = settle(s, key, attempt, &outcome, now, hooks).unwrap();
    apply_all(s, &a, now).unwrap();
    a
}
