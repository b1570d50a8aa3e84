//! `reconcile`: one pass over a snapshot at `now` → the actions that move it forward.
//!
//! A task starts when three gates pass (and its `gate` hook, if bound):
//! - timing: `now >= planned start` (a floating task with no schedule passes);
//! - dependency: every `depends_on` edge from a non-approval task has its outcome;
//! - approval: every edge from an approval task is met, which happens only when it is granted.
//!
//! An edge whose upstream ended with an outcome it does not accept can never be met: the task is
//! skipped, and the skip propagates. A task that has not started by its planned `due` has missed its
//! window and `on_missed` applies once (when `due == start`, a grace of `MISSED_GRACE` is allowed, so
//! a task planned at an instant is not missed because its upstream finished a minute late). When every
//! task is terminal the workflow completes, or fails if a required task failed (`on_failure block`).
//!
//! The decision is a fixpoint: `reconcile` applies its own actions to a working copy and goes on until
//! nothing changes, so applying the returned actions and reconciling again at the same instant yields
//! no actions. Only an `active` workflow acts; a paused one still gets its gate ledger. Each pass looks
//! only at tasks whose inputs changed (`agenda`): `reconcile` starts with all of them, and a
//! `Reconciler` (the simulator's) keeps its agenda from call to call, so a whole release costs what
//! changes in it rather than its size at every step.

use super::action::{scope_str, Action, Decision, GateKind, GateRow, GateState, NotifyKind};
use super::agenda::{Agenda, Ix};
use super::apply::ApplyError;
use super::clock;
use super::hook::{call_bound, HookHost};
use super::model::{Planned, Snapshot, TaskState, TaskStatus, WorkflowStatus};
use super::outcome::failure_actions;
use super::render::{render_input, render_text};
use super::signal;
use crate::spec::{
    canonical_json, CancelPolicy, EdgeOutcome, ExpirePolicy, HookPoint, MissedPolicy, RejectPolicy,
    Scope, Step, TaskSpec, TimeoutPolicy,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Grace after a planned instant (`due == start`) before the window counts as missed.
pub const MISSED_GRACE_MINUTES: i64 = 60;
/// How soon a `gate` hook that said "wait" without `until_unix` is asked again.
pub const GATE_HOOK_RECHECK_MINUTES: i64 = 60;

/// Decides what to do now. Pure and deterministic: the same snapshot, instant and hooks give the
/// same decision.
pub fn reconcile(snapshot: &Snapshot, now: DateTime<Utc>, hooks: &dyn HookHost) -> Decision {
    let mut work = snapshot.clone();
    let mut actions = Vec::new();
    let mut cache = GateHookCache::default();
    let mut agenda = Agenda::new(&work);
    fixpoint(
        &mut work,
        &mut agenda,
        &mut cache,
        now,
        hooks,
        &mut |_, a| actions.push(a),
    );
    let ix = agenda.ix();
    let gates = gate_rows(&work, ix, now, hooks, &mut cache);
    let next_wake = if work.status == WorkflowStatus::Active {
        next_wake(&work, ix, now, &cache)
    } else {
        None
    };
    Decision {
        actions,
        next_wake,
        gates,
    }
}

/// Applies the decision at `now` to `work` action by action until nothing changes, calling `applied`
/// after each. Each pass acts for the first task in spec order that has something to do (the
/// agenda's first dirty task that is not idle), else rolls the workflow up.
fn fixpoint(
    work: &mut Snapshot,
    agenda: &mut Agenda,
    cache: &mut GateHookCache,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
    applied: &mut dyn FnMut(&Snapshot, Action),
) {
    if work.status != WorkflowStatus::Active || work.draining {
        return;
    }
    // Bounded by the task count, which an expansion may raise.
    let mut passes = 0;
    while passes < work.tasks.len() * 8 + 16 {
        passes += 1;
        let mut pass = step(work, agenda, now, hooks, cache);
        if pass.is_empty() && agenda.unfinished() == 0 {
            pass = rollup(work, agenda.ix());
        }
        if pass.is_empty() {
            break;
        }
        for a in pass {
            if agenda.apply(work, &a, now).is_err() {
                return;
            }
            applied(work, a);
        }
        if work.status != WorkflowStatus::Active {
            break;
        }
    }
}

/// `reconcile` for a caller that keeps the snapshot and calls again and again on the same workflow,
/// like the simulator: actions are applied in place, and each call looks only at the tasks whose
/// inputs changed since the last (see `agenda`). The decisions are `reconcile`'s, without the gate
/// ledger.
pub struct Reconciler {
    agenda: Agenda,
}

impl Reconciler {
    /// For `work` as it is now; every later change to it must go through `apply` or `run`.
    pub fn new(work: &Snapshot) -> Reconciler {
        Reconciler {
            agenda: Agenda::new(work),
        }
    }

    /// Applies an action decided outside `reconcile` (an agent outcome, a person's decision, a
    /// lifecycle change) to `work`.
    pub fn apply(
        &mut self,
        work: &mut Snapshot,
        action: &Action,
        now: DateTime<Utc>,
    ) -> Result<(), ApplyError> {
        self.agenda.apply(work, action, now)
    }

    /// Decides and applies at `now`, calling `applied` after each action, and returns the next
    /// instant worth a call (`Decision::next_wake`).
    pub fn run(
        &mut self,
        work: &mut Snapshot,
        now: DateTime<Utc>,
        hooks: &dyn HookHost,
        applied: &mut dyn FnMut(&Snapshot, Action),
    ) -> Option<DateTime<Utc>> {
        let mut cache = GateHookCache::default();
        self.agenda.wake_up(now);
        fixpoint(work, &mut self.agenda, &mut cache, now, hooks, applied);
        let ix = self.agenda.ix();
        let waiting = cache
            .0
            .iter()
            .filter(|(_, r)| matches!(r, Ok(g) if !g.pass))
            .filter_map(|(k, _)| ix.index(k))
            .collect();
        self.agenda.set_recheck(waiting);
        if work.status != WorkflowStatus::Active {
            return None;
        }
        self.agenda.next_wake(now, |ix, i, at| {
            if let Some((spec, state)) = ix.at(work, i) {
                task_wakes(work, spec, state, now, &cache, at);
            }
        })
    }
}

/// Gate-hook results, asked at most once per task per `reconcile` call.
#[derive(Default)]
struct GateHookCache(BTreeMap<String, Result<HookGate, String>>);

#[derive(Clone)]
struct HookGate {
    pass: bool,
    reason: String,
    until: Option<DateTime<Utc>>,
}

fn read_gate(v: &Value) -> Result<HookGate, String> {
    let pass = |reason: &str| HookGate {
        pass: true,
        reason: reason.into(),
        until: None,
    };
    match v {
        Value::Bool(true) => Ok(pass("the gate hook passed")),
        Value::Bool(false) => Ok(HookGate {
            pass: false,
            reason: "the gate hook said wait".into(),
            until: None,
        }),
        Value::Object(m) => {
            if m.get("pass") == Some(&Value::Bool(true)) {
                return Ok(pass("the gate hook passed"));
            }
            let until = match m.get("until_unix") {
                None | Some(Value::Null) => None,
                Some(u) => Some(
                    u.as_i64()
                        .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
                        .ok_or_else(|| format!("bad until_unix {u}"))?,
                ),
            };
            match (m.get("wait"), m.get("pass")) {
                (Some(Value::String(r)), _) => Ok(HookGate {
                    pass: false,
                    reason: r.clone(),
                    until,
                }),
                (None, Some(Value::Bool(false))) => Ok(HookGate {
                    pass: false,
                    reason: "the gate hook said wait".into(),
                    until,
                }),
                _ => Err(format!("unexpected gate result {v}")),
            }
        }
        other => Err(format!("unexpected gate result {other}")),
    }
}

fn gate_hook(
    cache: &mut GateHookCache,
    work: &Snapshot,
    spec: &TaskSpec,
    state: &TaskState,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Option<Result<HookGate, String>> {
    let function = spec.hooks.get(&HookPoint::Gate)?;
    if let Some(r) = cache.0.get(&spec.key) {
        return Some(r.clone());
    }
    let r = match call_bound(hooks, work, spec, HookPoint::Gate, state.attempt, now, None) {
        Ok(Some(v)) => read_gate(&v).map_err(|e| format!("hook {function} failed: {e}")),
        Ok(None) => Ok(HookGate {
            pass: true,
            reason: String::new(),
            until: None,
        }),
        Err(e) => Err(e),
    };
    cache.0.insert(spec.key.clone(), r.clone());
    Some(r)
}

/// Whether an edge is met (`Some(true)`), can never be met (`Some(false)`), or not yet (`None`).
pub fn edge_met(upstream: TaskStatus, outcome: EdgeOutcome) -> Option<bool> {
    use EdgeOutcome as E;
    match upstream {
        TaskStatus::Succeeded => Some(matches!(outcome, E::Success | E::Any)),
        TaskStatus::Failed => Some(matches!(outcome, E::Failed | E::Any)),
        TaskStatus::Skipped => Some(matches!(outcome, E::Skipped | E::Any)),
        TaskStatus::Cancelled => Some(outcome == E::Any),
        _ => None,
    }
}

fn outcome_word(o: EdgeOutcome) -> &'static str {
    match o {
        EdgeOutcome::Success => "success",
        EdgeOutcome::Failed => "failed",
        EdgeOutcome::Skipped => "skipped",
        EdgeOutcome::Any => "any",
    }
}

/// The instant after which a not-yet-started task has missed its window.
pub fn missed_after(planned: &Planned) -> DateTime<Utc> {
    if planned.due > planned.start {
        planned.due
    } else {
        planned.start + Duration::minutes(MISSED_GRACE_MINUTES)
    }
}

/// Local time in the release zone, for messages: `2026-03-02 09:00 EST`.
pub fn fmt_local(work: &Snapshot, t: DateTime<Utc>) -> String {
    t.with_timezone(&work.target.tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// One pass: the actions of the first task (in spec order) that has something to do. Only dirty
/// tasks can (see `agenda`); each found idle leaves the agenda.
fn step(
    work: &Snapshot,
    agenda: &mut Agenda,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
    cache: &mut GateHookCache,
) -> Vec<Action> {
    while let Some(i) = agenda.first_dirty() {
        let ix = agenda.ix();
        if let Some((spec, state)) = ix.at(work, i) {
            let actions = match state.status {
                TaskStatus::Pending => eval_pending(work, ix, spec, state, now, hooks, cache),
                TaskStatus::Running => eval_running(work, spec, state, now, hooks),
                TaskStatus::WaitingInput => eval_waiting(work, spec, state, now),
                _ => Vec::new(),
            };
            if !actions.is_empty() {
                return actions;
            }
        }
        agenda.idle(i);
    }
    Vec::new()
}

fn set(task: &str, from: TaskStatus, to: TaskStatus, reason: impl Into<String>) -> Action {
    Action::SetTaskStatus {
        task: task.to_string(),
        from,
        to,
        reason: reason.into(),
    }
}

fn eval_running(
    work: &Snapshot,
    spec: &TaskSpec,
    state: &TaskState,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Vec<Action> {
    let key = &spec.key;
    match &spec.step {
        Step::Event { on_timeout, .. } => eval_event(work, spec, state, *on_timeout, now, hooks),
        Step::Wait { .. } | Step::Checkpoint if state.timer_at.is_none_or(|t| t <= now) => {
            let what = if matches!(spec.step, Step::Wait { .. }) {
                "the wait is over"
            } else {
                "checkpoint reached"
            };
            vec![
                Action::CompleteTimer { task: key.clone() },
                set(key, TaskStatus::Running, TaskStatus::Succeeded, what),
            ]
        }
        // A notification whose batch was cut short: its message went out with the start.
        Step::Notification { .. } => vec![set(
            key,
            TaskStatus::Running,
            TaskStatus::Succeeded,
            "notification sent",
        )],
        _ => Vec::new(),
    }
}

/// An open event wait: it takes the oldest matching event received before its deadline, else its
/// timeout applies once the deadline has passed.
fn eval_event(
    work: &Snapshot,
    spec: &TaskSpec,
    state: &TaskState,
    on_timeout: TimeoutPolicy,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Vec<Action> {
    let key = &spec.key;
    if let Some(e) = signal::matching(work, spec, state.timer_at) {
        return vec![
            Action::ConsumeEvent {
                task: key.clone(),
                event_id: e.id.clone(),
            },
            Action::RecordOutput {
                task: key.clone(),
                output: signal::output_of(e),
                actor: None,
            },
            set(
                key,
                TaskStatus::Running,
                TaskStatus::Succeeded,
                format!(
                    "event `{}` received from {} (id {})",
                    e.name, e.sender, e.id
                ),
            ),
        ];
    }
    let Some(deadline) = state.timer_at.filter(|t| *t <= now) else {
        return Vec::new();
    };
    let why = format!(
        "no event {} by {}",
        signal::describe(work, spec),
        fmt_local(work, deadline)
    );
    let mut out = vec![Action::EventTimedOut {
        task: key.clone(),
        policy: on_timeout.as_str().into(),
    }];
    match on_timeout {
        TimeoutPolicy::Fail => out.extend(failure_actions(
            work,
            spec,
            TaskStatus::Running,
            &format!("{why}; timeout then fail"),
            false,
            now,
            hooks,
        )),
        TimeoutPolicy::Skip => out.push(set(
            key,
            TaskStatus::Running,
            TaskStatus::Skipped,
            format!("{why}; timeout then skip"),
        )),
        TimeoutPolicy::Continue => {
            out.push(Action::RecordOutput {
                task: key.clone(),
                output: json!({ "timed_out": true }),
                actor: None,
            });
            out.push(set(
                key,
                TaskStatus::Running,
                TaskStatus::Succeeded,
                format!("{why}; timeout then continue"),
            ));
        }
    }
    out
}

/// Upstream edges of a task split into dependency edges and approval edges.
fn edges<'a>(work: &'a Snapshot, ix: &Ix, spec: &'a TaskSpec) -> Vec<(&'a str, EdgeOutcome, bool)> {
    spec.depends_on
        .iter()
        .map(|d| {
            let is_approval = ix
                .spec(work, &d.task)
                .is_some_and(|t| matches!(t.step, Step::Approval { .. }));
            (d.task.as_str(), d.outcome, is_approval)
        })
        .collect()
}

fn upstream_status(work: &Snapshot, ix: &Ix, key: &str) -> Option<TaskStatus> {
    ix.state(work, key).map(|t| t.status)
}

/// The first edge that can never be met, with a reason.
fn impossible_edge(work: &Snapshot, ix: &Ix, spec: &TaskSpec) -> Option<(String, String)> {
    for (up, outcome, _) in edges(work, ix, spec) {
        match upstream_status(work, ix, up) {
            None => return Some((up.to_string(), format!("upstream {up} does not exist"))),
            Some(s) if edge_met(s, outcome) == Some(false) => {
                return Some((
                    up.to_string(),
                    format!(
                        "upstream {up} ended {s}; the edge needs {}",
                        outcome_word(outcome)
                    ),
                ))
            }
            _ => {}
        }
    }
    None
}

fn deps_met(work: &Snapshot, ix: &Ix, spec: &TaskSpec) -> bool {
    edges(work, ix, spec).iter().all(|(up, outcome, _)| {
        upstream_status(work, ix, up).and_then(|s| edge_met(s, *outcome)) == Some(true)
    })
}

/// A run-time `when` (on upstream outputs), decided once the dependencies are met: the skip reason
/// when it is false. An output or path that is absent reads as null.
fn condition_false(work: &Snapshot, ix: &Ix, spec: &TaskSpec) -> Option<String> {
    let c = spec.when.as_ref()?;
    let values = c.run_time_values(&work.spec.bindings, |task| {
        ix.state(work, task).and_then(|t| t.output.as_ref())
    });
    match c.eval(&values) {
        Ok(true) => None,
        Ok(false) => Some(run_time_reason(c, &values)),
        Err(p) => Some(format!(
            "condition `{c}` cannot be decided: param `{p}` has no value"
        )),
    }
}

/// "condition false: COND (path = value, ...)".
fn run_time_reason(c: &crate::spec::Condition, values: &BTreeMap<String, Value>) -> String {
    let read: Vec<String> = c
        .params()
        .iter()
        .filter_map(|p| Some(format!("{p} = {}", values.get(p)?)))
        .collect();
    format!("condition false: {c} ({})", read.join(", "))
}

fn timing_open(state: &TaskState, now: DateTime<Utc>) -> bool {
    state.forced || state.planned.is_none_or(|p| p.start <= now)
}

fn retry_waiting(state: &TaskState, now: DateTime<Utc>) -> bool {
    state.next_attempt_at.is_some_and(|t| t > now)
}

fn may_miss(state: &TaskState) -> bool {
    !state.missed && !state.forced && state.started_at.is_none() && state.planned.is_some()
}

fn parse_missed(v: &Value) -> Option<MissedPolicy> {
    Some(match v.as_str()? {
        "fire_asap" => MissedPolicy::FireAsap,
        "skip" => MissedPolicy::Skip,
        "require_manual_decision" => MissedPolicy::RequireManualDecision,
        "fail" => MissedPolicy::Fail,
        _ => return None,
    })
}

fn missed_word(p: MissedPolicy) -> &'static str {
    match p {
        MissedPolicy::FireAsap => "fire_asap",
        MissedPolicy::Skip => "skip",
        MissedPolicy::RequireManualDecision => "require_manual_decision",
        MissedPolicy::Fail => "fail",
    }
}

fn eval_pending(
    work: &Snapshot,
    ix: &Ix,
    spec: &TaskSpec,
    state: &TaskState,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
    cache: &mut GateHookCache,
) -> Vec<Action> {
    let key = &spec.key;
    if let Some((_, reason)) = impossible_edge(work, ix, spec) {
        return vec![set(key, TaskStatus::Pending, TaskStatus::Skipped, reason)];
    }
    if let Some(block) = work.spec.flow.prototype_of(key) {
        return expansion(work, ix, block, spec, now, hooks);
    }
    if retry_waiting(state, now) {
        return Vec::new();
    }
    if let Some(planned) = state.planned.filter(|_| may_miss(state)) {
        let after = missed_after(&planned);
        if now >= after {
            return missed(work, spec, now, after, hooks);
        }
    }
    if !deps_met(work, ix, spec) {
        return Vec::new();
    }
    if let Some(reason) = condition_false(work, ix, spec) {
        return vec![set(key, TaskStatus::Pending, TaskStatus::Skipped, reason)];
    }
    if !timing_open(state, now) {
        return Vec::new();
    }
    match gate_hook(cache, work, spec, state, now, hooks) {
        Some(Err(e)) => {
            return failure_actions(work, spec, TaskStatus::Pending, &e, false, now, hooks)
        }
        Some(Ok(g)) if !g.pass => return Vec::new(),
        _ => {}
    }
    start(work, spec, state, now, hooks)
}

/// A prototype of an unexpanded `for each` over an output never starts: once the source has succeeded
/// the block expands (decided here, applied with every copy at once), or fails with the reason.
fn expansion(
    work: &Snapshot,
    ix: &Ix,
    block: &crate::spec::Block,
    spec: &TaskSpec,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Vec<Action> {
    let crate::spec::Expansion::ForEachOutput { task: source, .. } = &block.expansion else {
        return Vec::new();
    };
    let Some(up) = ix
        .state(work, source)
        .filter(|t| t.status == TaskStatus::Succeeded)
    else {
        return Vec::new();
    };
    let first = block.tasks.first().map_or("", String::as_str);
    let items = crate::compile::expand::output_items(block, up.output.as_ref()).and_then(|items| {
        // Made once here to refuse what cannot be expanded; `apply` makes it again, the same way.
        let mut probe = (*work.spec).clone();
        crate::compile::expand::expand_output(&mut probe, first, &items)?;
        Ok(items)
    });
    match items {
        Ok(items) => vec![Action::Expand {
            source: source.clone(),
            block: first.to_string(),
            header: block.header(),
            count: items.len(),
            labels: items.iter().map(|(l, _)| l.clone()).collect(),
            items: items.into_iter().map(|(_, v)| v).collect(),
        }],
        Err(reason) => failure_actions(work, spec, TaskStatus::Pending, &reason, false, now, hooks),
    }
}

fn missed(
    work: &Snapshot,
    spec: &TaskSpec,
    now: DateTime<Utc>,
    after: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Vec<Action> {
    let key = &spec.key;
    let policy = match call_bound(hooks, work, spec, HookPoint::Missed, 0, now, None) {
        Ok(None) => spec.policy.on_missed,
        Ok(Some(v)) => match parse_missed(&v) {
            Some(p) => p,
            None => {
                let f = spec
                    .hooks
                    .get(&HookPoint::Missed)
                    .map_or("", String::as_str);
                let e = format!("hook {f} failed: unexpected missed result {v}");
                return failure_actions(work, spec, TaskStatus::Pending, &e, false, now, hooks);
            }
        },
        Err(e) => return failure_actions(work, spec, TaskStatus::Pending, &e, false, now, hooks),
    };
    let why = format!(
        "missed its window (not started by {})",
        fmt_local(work, after)
    );
    let mut out = vec![Action::MarkMissed {
        task: key.clone(),
        policy: missed_word(policy).into(),
    }];
    match policy {
        MissedPolicy::FireAsap => {}
        MissedPolicy::Skip => out.push(set(
            key,
            TaskStatus::Pending,
            TaskStatus::Skipped,
            format!("{why}; on_missed skip"),
        )),
        MissedPolicy::RequireManualDecision => {
            out.push(set(
                key,
                TaskStatus::Pending,
                TaskStatus::AwaitingDecision,
                format!("{why}; a person must run or skip it"),
            ));
            out.push(Action::RequireDecision { task: key.clone() });
            out.push(Action::Notify {
                kind: NotifyKind::DecisionNeeded,
                task: Some(key.clone()),
                recipients: Vec::new(),
                title: format!("Decision needed: {}", render_text(work, &spec.title)),
                message: format!("{key} {why}; run it or skip it"),
            });
        }
        MissedPolicy::Fail => {
            out.extend(failure_actions(
                work,
                spec,
                TaskStatus::Pending,
                &format!("{why}; on_missed fail"),
                false,
                now,
                hooks,
            ));
        }
    }
    out
}

fn hook_fail(
    work: &Snapshot,
    spec: &TaskSpec,
    error: &str,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Vec<Action> {
    failure_actions(work, spec, TaskStatus::Pending, error, false, now, hooks)
}

fn hook_contract(spec: &TaskSpec, point: HookPoint, what: String) -> String {
    let f = spec.hooks.get(&point).map_or("", String::as_str);
    format!("hook {f} failed: {what}")
}

/// Starts a task whose gates all passed.
fn start(
    work: &Snapshot,
    spec: &TaskSpec,
    state: &TaskState,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
) -> Vec<Action> {
    let key = &spec.key;
    let title = render_text(work, &spec.title);
    match &spec.step {
        Step::Agent {
            uses,
            input,
            timeout,
        } => {
            let attempt = state.attempt + 1;
            let timeout_seconds = match timeout.as_ref().map(|t| clock::span(work, spec, t)) {
                None => None,
                Some(Ok(t)) => Some(t.nominal_seconds().max(0) as u64).filter(|s| *s > 0),
                Some(Err(e)) => return hook_fail(work, spec, &format!("timeout: {e}"), now, hooks),
            };
            let mut rendered = render_input(work, input);
            match call_bound(hooks, work, spec, HookPoint::Input, attempt, now, None) {
                Ok(None) => {}
                Ok(Some(Value::Object(extra))) => {
                    if let Value::Object(m) = &mut rendered {
                        m.extend(extra);
                    }
                }
                Ok(Some(other)) => {
                    let e = hook_contract(
                        spec,
                        HookPoint::Input,
                        format!("expected an object, got {other}"),
                    );
                    return hook_fail(work, spec, &e, now, hooks);
                }
                Err(e) => return hook_fail(work, spec, &e, now, hooks),
            }
            vec![
                set(
                    key,
                    TaskStatus::Pending,
                    TaskStatus::Running,
                    format!("gates passed; attempt {attempt}"),
                ),
                Action::Dispatch {
                    task: key.clone(),
                    attempt,
                    idempotency_key: work.idempotency_key(key, attempt),
                    agent: uses.clone(),
                    input: rendered,
                    timeout_seconds,
                },
            ]
        }
        Step::Approval {
            approvers,
            quorum,
            deadline,
            remind_every,
            ..
        } => {
            let (approvers, quorum) =
                match call_bound(hooks, work, spec, HookPoint::Approvers, 0, now, None) {
                    Ok(None) => (approvers.clone(), *quorum),
                    Ok(Some(v)) => match read_approvers(&v, *quorum) {
                        Ok(r) => r,
                        Err(e) => {
                            let e = hook_contract(spec, HookPoint::Approvers, e);
                            return hook_fail(work, spec, &e, now, hooks);
                        }
                    },
                    Err(e) => return hook_fail(work, spec, &e, now, hooks),
                };
            let deadline_at = match deadline
                .as_ref()
                .map(|d| clock::add(work, spec, now, d))
                .transpose()
            {
                Ok(d) => d,
                Err(e) => return hook_fail(work, spec, &format!("deadline: {e}"), now, hooks),
            };
            let next_reminder_at = match remind_every
                .as_ref()
                .filter(|r| clock::span(work, spec, r).is_ok_and(|s| s.amount > 0))
                .map(|r| clock::add(work, spec, now, r))
                .transpose()
            {
                Ok(d) => d,
                Err(e) => return hook_fail(work, spec, &format!("reminder: {e}"), now, hooks),
            };
            let round = work
                .approvals
                .iter()
                .filter(|a| a.task == *key)
                .map(|a| a.round)
                .max()
                .unwrap_or(0)
                + 1;
            let packet_hash = packet_hash(work, spec);
            let recipients: Vec<String> = approvers.iter().map(scope_str).collect();
            let due = deadline_at
                .map(|d| format!("; decide by {}", fmt_local(work, d)))
                .unwrap_or_default();
            let (kind, verb) = if round > 1 {
                (NotifyKind::ApprovalReopened, "reopened")
            } else {
                (NotifyKind::ApprovalNeeded, "needed")
            };
            vec![
                set(
                    key,
                    TaskStatus::Pending,
                    TaskStatus::WaitingInput,
                    format!("approval round {round} opened"),
                ),
                Action::OpenApproval {
                    task: key.clone(),
                    round,
                    approvers,
                    quorum,
                    deadline_at,
                    next_reminder_at,
                    packet_hash,
                },
                Action::Notify {
                    kind,
                    task: Some(key.clone()),
                    recipients,
                    title: format!("Approval {verb}: {title}"),
                    message: format!("{quorum} approval(s) needed for {key}{due}"),
                },
            ]
        }
        Step::Manual {
            instructions,
            assignee,
        } => vec![
            set(
                key,
                TaskStatus::Pending,
                TaskStatus::WaitingInput,
                "waiting for a person to do it",
            ),
            Action::Notify {
                kind: NotifyKind::InputNeeded,
                task: Some(key.clone()),
                recipients: assignee.iter().map(scope_str).collect(),
                title,
                message: instructions
                    .as_deref()
                    .map(|i| render_text(work, i))
                    .unwrap_or_else(|| format!("mark it done with `rwf done <workflow> {key}`")),
            },
        ],
        Step::Notification { to, message } => {
            let mut recipients: Vec<String> = to.iter().map(scope_str).collect();
            let mut message = render_text(work, message);
            match call_bound(hooks, work, spec, HookPoint::Notification, 0, now, None) {
                Ok(None) => {}
                Ok(Some(v)) => match read_notification(&v) {
                    Ok((m, t)) => {
                        if let Some(m) = m {
                            message = render_text(work, &m);
                        }
                        if let Some(t) = t {
                            recipients = t;
                        }
                    }
                    Err(e) => {
                        let e = hook_contract(spec, HookPoint::Notification, e);
                        return hook_fail(work, spec, &e, now, hooks);
                    }
                },
                Err(e) => return hook_fail(work, spec, &e, now, hooks),
            }
            vec![
                set(key, TaskStatus::Pending, TaskStatus::Running, "sending"),
                Action::Notify {
                    kind: NotifyKind::Notification,
                    task: Some(key.clone()),
                    recipients,
                    title,
                    message,
                },
                set(
                    key,
                    TaskStatus::Running,
                    TaskStatus::Succeeded,
                    "notification sent",
                ),
            ]
        }
        Step::Wait { duration, until } => {
            let mut at = now;
            if let Some(d) = duration {
                match clock::add(work, spec, now, d) {
                    Ok(t) => at = at.max(t),
                    Err(e) => return hook_fail(work, spec, &format!("wait: {e}"), now, hooks),
                }
            }
            if let Some(u) = until {
                match clock::resolve_schedule(work, spec, u) {
                    Ok(t) => at = at.max(t),
                    Err(e) => return hook_fail(work, spec, &format!("wait: {e}"), now, hooks),
                }
            }
            vec![
                set(key, TaskStatus::Pending, TaskStatus::Running, "waiting"),
                Action::StartTimer {
                    task: key.clone(),
                    at,
                },
            ]
        }
        Step::Event { timeout, .. } => {
            let mut out = vec![set(
                key,
                TaskStatus::Pending,
                TaskStatus::Running,
                format!("waiting for event {}", signal::describe(work, spec)),
            )];
            if let Some(t) = timeout {
                match clock::add(work, spec, now, t) {
                    Ok(at) => out.push(Action::StartTimer {
                        task: key.clone(),
                        at,
                    }),
                    Err(e) => return hook_fail(work, spec, &format!("timeout: {e}"), now, hooks),
                }
            }
            out
        }
        Step::Checkpoint => {
            let at = state
                .planned
                .map(|p| p.due)
                .filter(|d| *d > now)
                .unwrap_or(now);
            vec![
                set(
                    key,
                    TaskStatus::Pending,
                    TaskStatus::Running,
                    "checkpoint open",
                ),
                Action::StartTimer {
                    task: key.clone(),
                    at,
                },
            ]
        }
    }
}

/// Keys an `approvers` hook result may never carry: no hook decides an approval.
const DECISION_KEYS: [&str; 14] = [
    "granted", "grant", "approved", "approve", "decision", "decide", "decided", "verdict", "votes",
    "rejected", "reject", "status", "outcome", "result",
];

fn read_approvers(v: &Value, default_quorum: u32) -> Result<(Vec<Scope>, u32), String> {
    let m = v
        .as_object()
        .ok_or_else(|| format!("expected {{\"approvers\": [...]}}, got {v}"))?;
    if let Some(k) = DECISION_KEYS.iter().find(|k| m.contains_key(**k)) {
        return Err(format!("`{k}` is refused: hooks cannot decide approvals"));
    }
    let list = m
        .get("approvers")
        .and_then(Value::as_array)
        .ok_or_else(|| "missing `approvers` list".to_string())?;
    let mut scopes = Vec::new();
    for item in list {
        let s = item
            .as_str()
            .and_then(super::action::parse_scope)
            .filter(|s| !matches!(s, Scope::Channel(_)))
            .ok_or_else(|| format!("bad approver {item}: use `team:NAME` or `user:NAME`"))?;
        scopes.push(s);
    }
    if scopes.is_empty() {
        return Err("empty approvers list".into());
    }
    let quorum = match m.get("quorum") {
        None | Some(Value::Null) => default_quorum,
        Some(q) => q
            .as_u64()
            .filter(|q| (1..=1000).contains(q))
            .ok_or_else(|| format!("bad quorum {q}"))? as u32,
    };
    Ok((scopes, quorum))
}

type NotificationOverride = (Option<String>, Option<Vec<String>>);

fn read_notification(v: &Value) -> Result<NotificationOverride, String> {
    let m = v
        .as_object()
        .ok_or_else(|| format!("expected {{\"message\": ..., \"to\": [...]}}, got {v}"))?;
    let message = match m.get("message") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(o) => return Err(format!("bad message {o}")),
    };
    let to = match m.get("to") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(
            a.iter()
                .map(|x| {
                    x.as_str()
                        .and_then(super::action::parse_scope)
                        .map(|s| scope_str(&s))
                        .ok_or_else(|| format!("bad recipient {x}"))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(o) => return Err(format!("bad `to` {o}")),
    };
    Ok((message, to))
}

/// sha256 of the review packet: the gated task's key, title, declared approvers and quorum, and each
/// upstream edge with its task's title and output. A round whose packet changed (an edit, a re-run
/// upstream) no longer stands: see `edit::revalidate_approvals`.
pub fn packet_hash(work: &Snapshot, spec: &TaskSpec) -> String {
    let (approvers, quorum) = match &spec.step {
        Step::Approval {
            approvers, quorum, ..
        } => (approvers.iter().map(scope_str).collect::<Vec<_>>(), *quorum),
        _ => (Vec::new(), 0),
    };
    let upstream: Vec<Value> = spec
        .depends_on
        .iter()
        .map(|d| {
            json!({
                "task": d.task,
                "outcome": outcome_word(d.outcome),
                "title": work.spec.task(&d.task).map(|t| render_text(work, &t.title)),
                "output": work.task(&d.task).and_then(|t| t.output.clone()),
            })
        })
        .collect();
    let packet = json!({
        "task": spec.key,
        "title": render_text(work, &spec.title),
        "approvers": approvers,
        "quorum": quorum,
        "upstream": upstream,
    });
    hex::encode(Sha256::digest(canonical_json(&packet).as_bytes()))
}

/// An open approval's clock: the deadline and its `on_expire`, then reminders at their cadence.
fn eval_waiting(
    work: &Snapshot,
    spec: &TaskSpec,
    state: &TaskState,
    now: DateTime<Utc>,
) -> Vec<Action> {
    let Step::Approval {
        deadline,
        remind_every,
        on_expire,
        ..
    } = &spec.step
    else {
        return Vec::new();
    };
    let key = &spec.key;
    let Some(round) = work.approval(key) else {
        return Vec::new();
    };
    let title = render_text(work, &spec.title);
    let recipients: Vec<String> = round.approvers.iter().map(scope_str).collect();
    if round.status == super::model::ApprovalStatus::Granted {
        // The grant was recorded but the task not moved (a cut batch): finish it.
        return vec![set(
            key,
            state.status,
            TaskStatus::Succeeded,
            "approval granted",
        )];
    }
    if round.status != super::model::ApprovalStatus::Open {
        return Vec::new();
    }
    let r = round.round;
    if round.deadline_at.is_some_and(|d| d <= now) {
        let overdue = |work: &Snapshot| {
            vec![
                Action::MarkOverdue {
                    task: key.clone(),
                    round: r,
                },
                Action::Notify {
                    kind: NotifyKind::ApprovalOverdue,
                    task: Some(key.clone()),
                    recipients: recipients.clone(),
                    title: format!("Approval overdue: {title}"),
                    message: format!(
                        "{key} passed its deadline {} without a decision",
                        round
                            .deadline_at
                            .map(|d| fmt_local(work, d))
                            .unwrap_or_default()
                    ),
                },
            ]
        };
        match on_expire {
            ExpirePolicy::Remind if !round.overdue_notified => return overdue(work),
            ExpirePolicy::Escalate(add) if !round.escalated => {
                let deadline_at = deadline
                    .as_ref()
                    .and_then(|d| clock::add(work, spec, now, d).ok());
                let mut to = recipients.clone();
                for s in add {
                    let s = scope_str(s);
                    if !to.contains(&s) {
                        to.push(s);
                    }
                }
                return vec![
                    Action::Escalate {
                        task: key.clone(),
                        round: r,
                        add: add.clone(),
                        deadline_at,
                    },
                    Action::Notify {
                        kind: NotifyKind::ApprovalEscalated,
                        task: Some(key.clone()),
                        recipients: to,
                        title: format!("Approval escalated: {title}"),
                        message: format!(
                            "{key} had no decision by its deadline; escalated to {}",
                            add.iter().map(scope_str).collect::<Vec<_>>().join(", ")
                        ),
                    },
                ];
            }
            ExpirePolicy::Escalate(_) if !round.overdue_notified => return overdue(work),
            ExpirePolicy::Reject => {
                let mut out = vec![Action::ExpireApproval {
                    task: key.clone(),
                    round: r,
                }];
                out.extend(reject_consequences(
                    work,
                    spec,
                    "expired without a decision (on_expire reject)",
                ));
                return out;
            }
            ExpirePolicy::Fail => {
                let reason = "expired without a decision (on_expire fail)";
                let mut out = vec![
                    Action::ExpireApproval {
                        task: key.clone(),
                        round: r,
                    },
                    set(key, state.status, TaskStatus::Failed, reason),
                    Action::Notify {
                        kind: NotifyKind::TaskFailed,
                        task: Some(key.clone()),
                        recipients: recipients.clone(),
                        title: format!("Approval expired: {title}"),
                        message: format!("{key} {reason}; the workflow fails"),
                    },
                ];
                out.extend(stop_workflow(
                    work,
                    WorkflowStatus::Failed,
                    &format!("approval {key} {reason}"),
                    Some(key),
                ));
                return out;
            }
            _ => {}
        }
    }
    if let (Some(at), Some(every)) = (round.next_reminder_at, remind_every) {
        if at <= now && clock::span(work, spec, every).is_ok_and(|s| s.amount > 0) {
            let mut next = at;
            let mut guard = 0;
            while next <= now && guard < 10_000 {
                match clock::add(work, spec, next, every) {
                    Ok(n) if n > next => next = n,
                    _ => break,
                }
                guard += 1;
            }
            let next_at = (next > now).then_some(next);
            return vec![
                Action::SendReminder {
                    task: key.clone(),
                    round: r,
                    next_at,
                },
                Action::Notify {
                    kind: NotifyKind::ApprovalReminder,
                    task: Some(key.clone()),
                    recipients,
                    title: format!("Reminder: approval needed: {title}"),
                    message: format!(
                        "{key} is waiting for {} approval(s) ({} so far)",
                        round.quorum,
                        round.approvals()
                    ),
                },
            ];
        }
    }
    Vec::new()
}

/// What a rejected (or expired-as-rejected) approval does, by `on_reject`.
pub fn reject_consequences(work: &Snapshot, spec: &TaskSpec, reason: &str) -> Vec<Action> {
    let key = &spec.key;
    let Step::Approval { on_reject, .. } = &spec.step else {
        return Vec::new();
    };
    let from = work
        .task(key)
        .map_or(TaskStatus::WaitingInput, |t| t.status);
    match on_reject {
        RejectPolicy::Skip => vec![set(
            key,
            from,
            TaskStatus::Skipped,
            format!("rejected: {reason}; on_reject skip"),
        )],
        RejectPolicy::Cancel => {
            let mut out = vec![set(
                key,
                from,
                TaskStatus::Cancelled,
                format!("rejected: {reason}; on_reject cancel"),
            )];
            out.extend(stop_workflow(
                work,
                WorkflowStatus::Cancelled,
                &format!("approval {key} rejected"),
                Some(key),
            ));
            out
        }
        RejectPolicy::NeedsRevision => {
            let mut out = Vec::new();
            for d in &spec.depends_on {
                let Some(up) = work.task(&d.task) else {
                    continue;
                };
                if up.status != TaskStatus::Succeeded {
                    continue;
                }
                if let Some(a) = work
                    .approval(&d.task)
                    .filter(|a| a.status == super::model::ApprovalStatus::Granted)
                {
                    out.push(Action::InvalidateApproval {
                        task: d.task.clone(),
                        round: a.round,
                        reason: format!("{key} was sent back for revision"),
                    });
                }
                out.push(set(
                    &d.task,
                    TaskStatus::Succeeded,
                    TaskStatus::Pending,
                    format!("sent back for revision by {key}: {reason}"),
                ));
                out.push(Action::ForceRun {
                    task: d.task.clone(),
                });
            }
            out.push(set(
                key,
                from,
                TaskStatus::Pending,
                format!("rejected: {reason}; reopens after revision"),
            ));
            out
        }
    }
}

/// Ends the workflow (`cancelled` or `failed`): pending and waiting work is cancelled; running work
/// is cancelled at once under `on_cancel abort`, or left to finish under `drain`.
pub fn stop_workflow(
    work: &Snapshot,
    to: WorkflowStatus,
    reason: &str,
    except: Option<&str>,
) -> Vec<Action> {
    let mut out = vec![Action::SetWorkflowStatus {
        from: work.status,
        to,
        reason: reason.to_string(),
    }];
    let mut drain = false;
    for spec in &work.spec.tasks {
        if Some(spec.key.as_str()) == except {
            continue;
        }
        let Some(state) = work.task(&spec.key) else {
            continue;
        };
        if state.status.is_terminal() {
            continue;
        }
        let running_agent =
            state.status == TaskStatus::Running && matches!(spec.step, Step::Agent { .. });
        if running_agent && spec.policy.on_cancel == CancelPolicy::Drain {
            drain = true;
            continue;
        }
        if let Some(a) = work
            .approval(&spec.key)
            .filter(|a| a.status == super::model::ApprovalStatus::Open)
        {
            out.push(Action::InvalidateApproval {
                task: spec.key.clone(),
                round: a.round,
                reason: format!("workflow {to}"),
            });
        }
        out.push(set(
            &spec.key,
            state.status,
            TaskStatus::Cancelled,
            format!("workflow {to}: {reason}"),
        ));
    }
    if drain {
        out.push(Action::StartDrain);
    }
    let kind = if to == WorkflowStatus::Failed {
        NotifyKind::WorkflowFailed
    } else {
        NotifyKind::WorkflowCancelled
    };
    out.push(Action::Notify {
        kind,
        task: None,
        recipients: Vec::new(),
        title: format!("{} {to}", render_text(work, &work.spec.name)),
        message: reason.to_string(),
    });
    out
}

/// All tasks terminal → completed, or failed when a required task failed.
fn rollup(work: &Snapshot, ix: &Ix) -> Vec<Action> {
    if work.status != WorkflowStatus::Active || !work.tasks.iter().all(|t| t.status.is_terminal()) {
        return Vec::new();
    }
    let failed: Vec<&str> = work
        .spec
        .tasks
        .iter()
        .filter(|s| s.required)
        .filter(|s| {
            ix.state(work, &s.key)
                .is_some_and(|t| t.status == TaskStatus::Failed)
        })
        .map(|s| s.key.as_str())
        .collect();
    let name = render_text(work, &work.spec.name);
    let count = |st: TaskStatus| work.tasks.iter().filter(|t| t.status == st).count();
    let summary = format!(
        "{} succeeded, {} skipped, {} failed",
        count(TaskStatus::Succeeded),
        count(TaskStatus::Skipped),
        count(TaskStatus::Failed)
    );
    let (to, kind, reason) = if failed.is_empty() {
        (
            WorkflowStatus::Completed,
            NotifyKind::WorkflowCompleted,
            format!("every task finished: {summary}"),
        )
    } else {
        (
            WorkflowStatus::Failed,
            NotifyKind::WorkflowFailed,
            format!("required task(s) failed: {}; {summary}", failed.join(", ")),
        )
    };
    vec![
        Action::SetWorkflowStatus {
            from: work.status,
            to,
            reason: reason.clone(),
        },
        Action::Notify {
            kind,
            task: None,
            recipients: Vec::new(),
            title: format!("{name} {to}"),
            message: reason,
        },
    ]
}

fn status_list(work: &Snapshot, ix: &Ix, keys: &[&str]) -> String {
    keys.iter()
        .map(|k| {
            let st = ix
                .state(work, k)
                .map_or("missing".into(), |t| t.status.to_string());
            format!("{k} ({st})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The gate ledger for every task not yet started, those awaiting a decision, and open approvals.
fn gate_rows(
    work: &Snapshot,
    ix: &Ix,
    now: DateTime<Utc>,
    hooks: &dyn HookHost,
    cache: &mut GateHookCache,
) -> Vec<GateRow> {
    let mut rows = Vec::new();
    for spec in &work.spec.tasks {
        let Some(state) = ix.state(work, &spec.key) else {
            continue;
        };
        if state.status == TaskStatus::WaitingInput {
            // An open approval: who it waits for, and until when.
            if let Some(a) = work
                .approval(&spec.key)
                .filter(|a| a.status == super::model::ApprovalStatus::Open)
            {
                let deadline = a
                    .deadline_at
                    .map(|d| format!("; deadline {}", fmt_local(work, d)))
                    .unwrap_or_default();
                rows.push(GateRow {
                    task: spec.key.clone(),
                    gate: GateKind::Approval,
                    state: GateState::Wait,
                    reason: format!(
                        "open: {} of {} approval(s) from {}{deadline}",
                        a.approvals(),
                        a.quorum,
                        a.approvers
                            .iter()
                            .map(scope_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    blockers: vec![],
                    until: None,
                });
            }
            continue;
        }
        if state.status == TaskStatus::Running && matches!(spec.step, Step::Event { .. }) {
            let deadline = match (state.timer_at, &spec.step) {
                (Some(t), Step::Event { on_timeout, .. }) => format!(
                    "; times out {} (then {})",
                    fmt_local(work, t),
                    on_timeout.as_str()
                ),
                _ => "; no timeout".into(),
            };
            rows.push(GateRow {
                task: spec.key.clone(),
                gate: GateKind::Event,
                state: GateState::Wait,
                reason: format!(
                    "waiting for event {}{deadline}",
                    signal::describe(work, spec)
                ),
                blockers: vec![],
                until: state.timer_at,
            });
            continue;
        }
        if !matches!(
            state.status,
            TaskStatus::Pending | TaskStatus::AwaitingDecision
        ) {
            continue;
        }
        if let Some(block) = work.spec.flow.prototype_of(&spec.key) {
            let source = match &block.expansion {
                crate::spec::Expansion::ForEachOutput { task, .. } => task.clone(),
                _ => String::new(),
            };
            rows.push(GateRow {
                task: spec.key.clone(),
                gate: GateKind::Dependency,
                state: GateState::Wait,
                reason: format!("{} — expanded when {source} succeeds", block.header()),
                blockers: vec![source],
                until: None,
            });
            continue;
        }
        let row = |gate, st, reason: String, blockers: Vec<String>, until| GateRow {
            task: spec.key.clone(),
            gate,
            state: st,
            reason,
            blockers,
            until,
        };
        // Timing.
        rows.push(if state.status == TaskStatus::AwaitingDecision {
            row(
                GateKind::Timing,
                GateState::Blocked,
                "missed its window; a person must run or skip it".into(),
                vec![],
                None,
            )
        } else if let Some(at) = state.next_attempt_at.filter(|t| *t > now) {
            row(
                GateKind::Timing,
                GateState::Wait,
                format!("retry {} at {}", state.attempt + 1, fmt_local(work, at)),
                vec![],
                Some(at),
            )
        } else if state.forced {
            row(
                GateKind::Timing,
                GateState::Pass,
                "runs again (revision or a person's decision)".into(),
                vec![],
                None,
            )
        } else {
            match state.planned {
                None => row(
                    GateKind::Timing,
                    GateState::Pass,
                    "floating: no schedule".into(),
                    vec![],
                    None,
                ),
                Some(p) if p.start <= now => row(
                    GateKind::Timing,
                    GateState::Pass,
                    format!("opened {}", fmt_local(work, p.start)),
                    vec![],
                    None,
                ),
                Some(p) => row(
                    GateKind::Timing,
                    GateState::Wait,
                    format!("opens {}", fmt_local(work, p.start)),
                    vec![],
                    Some(p.start),
                ),
            }
        });
        // Dependencies and approvals.
        for approval_gate in [false, true] {
            let es: Vec<(&str, EdgeOutcome)> = edges(work, ix, spec)
                .into_iter()
                .filter(|(_, _, a)| *a == approval_gate)
                .map(|(k, o, _)| (k, o))
                .collect();
            if approval_gate && es.is_empty() {
                continue;
            }
            let kind = if approval_gate {
                GateKind::Approval
            } else {
                GateKind::Dependency
            };
            let blocked: Vec<&str> = es
                .iter()
                .filter(|(k, o)| {
                    upstream_status(work, ix, k).is_none_or(|s| edge_met(s, *o) == Some(false))
                })
                .map(|(k, _)| *k)
                .collect();
            let waiting: Vec<&str> = es
                .iter()
                .filter(|(k, o)| {
                    upstream_status(work, ix, k).is_some_and(|s| edge_met(s, *o).is_none())
                })
                .map(|(k, _)| *k)
                .collect();
            rows.push(if !blocked.is_empty() {
                row(
                    kind,
                    GateState::Blocked,
                    format!("cannot be met: {}", status_list(work, ix, &blocked)),
                    blocked.iter().map(|s| s.to_string()).collect(),
                    None,
                )
            } else if !waiting.is_empty() {
                let what = if approval_gate {
                    let parts: Vec<String> = waiting
                        .iter()
                        .map(|k| match work.approval(k) {
                            Some(a) if a.status == super::model::ApprovalStatus::Open => {
                                format!("{k} (open, {} of {})", a.approvals(), a.quorum)
                            }
                            _ => status_list(work, ix, &[k]),
                        })
                        .collect();
                    format!("waiting for approval {}", parts.join(", "))
                } else {
                    format!("waiting for {}", status_list(work, ix, &waiting))
                };
                row(
                    kind,
                    GateState::Wait,
                    what,
                    waiting.iter().map(|s| s.to_string()).collect(),
                    None,
                )
            } else if es.is_empty() {
                row(
                    kind,
                    GateState::Pass,
                    "no dependencies".into(),
                    vec![],
                    None,
                )
            } else if approval_gate {
                row(kind, GateState::Pass, "granted".into(), vec![], None)
            } else {
                row(kind, GateState::Pass, "every edge met".into(), vec![], None)
            });
        }
        // Hook.
        if spec.hooks.contains_key(&HookPoint::Gate) {
            let ready = state.status == TaskStatus::Pending
                && timing_open(state, now)
                && !retry_waiting(state, now)
                && deps_met(work, ix, spec);
            rows.push(if !ready {
                row(
                    GateKind::Hook,
                    GateState::Wait,
                    "asked once the other gates pass".into(),
                    vec![],
                    None,
                )
            } else {
                match gate_hook(cache, work, spec, state, now, hooks) {
                    Some(Ok(g)) if g.pass => {
                        row(GateKind::Hook, GateState::Pass, g.reason, vec![], None)
                    }
                    Some(Ok(g)) => row(GateKind::Hook, GateState::Wait, g.reason, vec![], g.until),
                    Some(Err(e)) => row(GateKind::Hook, GateState::Blocked, e, vec![], None),
                    None => continue,
                }
            });
        }
    }
    rows
}

/// The earliest future instant at which something could change without outside input.
fn next_wake(
    work: &Snapshot,
    ix: &Ix,
    now: DateTime<Utc>,
    cache: &GateHookCache,
) -> Option<DateTime<Utc>> {
    let mut wake: Option<DateTime<Utc>> = None;
    for spec in &work.spec.tasks {
        let Some(state) = ix.state(work, &spec.key) else {
            continue;
        };
        task_wakes(work, spec, state, now, cache, &mut |t| {
            if t > now {
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
        });
    }
    wake
}

/// The instants at which a task could have something to do without outside input (a planned start,
/// a window closing, a retry, a timer, a reminder, a deadline, a gate hook's wait), past ones too.
fn task_wakes(
    work: &Snapshot,
    spec: &TaskSpec,
    state: &TaskState,
    now: DateTime<Utc>,
    cache: &GateHookCache,
    at: &mut dyn FnMut(DateTime<Utc>),
) {
    match state.status {
        // A prototype waits for its block to expand, which only its source's outcome moves.
        TaskStatus::Pending if work.spec.flow.prototype_of(&spec.key).is_some() => {}
        TaskStatus::Pending => {
            if let Some(t) = state.next_attempt_at {
                at(t);
            }
            if let Some(p) = state.planned {
                if !state.forced {
                    at(p.start);
                }
                if may_miss(state) {
                    at(missed_after(&p));
                }
            }
            if let Some(Ok(g)) = cache.0.get(&spec.key) {
                if !g.pass {
                    at(g.until
                        .unwrap_or(now + Duration::minutes(GATE_HOOK_RECHECK_MINUTES)));
                }
            }
        }
        TaskStatus::Running => {
            if let Some(t) = state.timer_at {
                at(t);
            }
        }
        TaskStatus::WaitingInput => {
            let Some(a) = work
                .approval(&spec.key)
                .filter(|a| a.status == super::model::ApprovalStatus::Open)
            else {
                return;
            };
            if let Some(t) = a.next_reminder_at {
                at(t);
            }
            if let (Some(d), Step::Approval { on_expire, .. }) = (a.deadline_at, &spec.step) {
                let handled = match on_expire {
                    ExpirePolicy::Remind => a.overdue_notified,
                    ExpirePolicy::Escalate(_) => a.escalated && a.overdue_notified,
                    _ => false,
                };
                if !handled {
                    at(d);
                }
            }
        }
        _ => {}
    }
}
