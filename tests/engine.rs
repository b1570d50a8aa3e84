//! The engine's decision core on specs built in Rust, driven over a virtual clock: every step type, each
//! gate, each policy, approvals (refusals, quorum, reminders, escalation), skips, the state machines
//! over random scripts, determinism, and golden `rwf simulate` output for the templates.

#[path = "support/snapshots.rs"]
mod snapshots;

use chrono::{DateTime, Duration, Utc};
use rwf::engine::action::{Action, GateKind, GateRow, GateState, NotifyKind};
use rwf::engine::apply::apply_all;
use rwf::engine::human::{complete, decide, lifecycle, resolve_missed, Lifecycle};
use rwf::engine::model::{Snapshot, TaskStatus, Verdict, WorkflowStatus};
use rwf::engine::outcome::settle;
use rwf::engine::simulator::{simulate, ApproveSet, Script, SimDirectory};
use rwf::engine::{reconcile, Decision, HookHost, HumanActor, NoHooks, Refusal, StaticDirectory};
use rwf::exec::AgentOutcome;
use rwf::spec::*;
use serde_json::{json, Value};
use snapshots::{agent, approval, fail_attempt, h, snap, status, step_with, task};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

// ---------- builders ----------

fn span(s: &str) -> Span {
    s.parse().unwrap()
}

fn after(mut t: TaskSpec, up: &str) -> TaskSpec {
    t.depends_on.push(Dependency {
        task: up.into(),
        outcome: EdgeOutcome::Success,
    });
    t
}

fn after_on(mut t: TaskSpec, up: &str, outcome: EdgeOutcome) -> TaskSpec {
    t.depends_on.push(Dependency {
        task: up.into(),
        outcome,
    });
    t
}

fn team(t: &str) -> Scope {
    Scope::Team(t.into())
}

/// A workflow `test` named `Test ${product}`, with `product` bound to `Widget`.
fn spec(tasks: Vec<TaskSpec>) -> WorkflowSpec {
    let mut s = snapshots::workflow("test", "Test ${product}", tasks);
    s.bindings.insert("product".to_string(), json!("Widget"));
    s
}

/// Reconciles and applies without hooks; asserts the fixpoint (reconciling again at `now` does nothing).
fn step(s: &mut Snapshot, now: DateTime<Utc>) -> Decision {
    step_with(s, now, &NoHooks)
}

/// The gate row of `kind` for `task` in a decision.
fn gate<'a>(d: &'a Decision, task: &str, kind: GateKind) -> &'a GateRow {
    d.gates
        .iter()
        .find(|g| g.task == task && g.gate == kind)
        .unwrap()
}

fn person(p: &str) -> HumanActor {
    HumanActor::person(p).unwrap()
}

fn ok(s: &mut Snapshot, key: &str, now: DateTime<Utc>) {
    let attempt = s.task(key).unwrap().attempt;
    let out = json!({"url": format!("https://example.invalid/{key}")});
    let a = settle(
        s,
        key,
        attempt,
        &AgentOutcome::Succeeded { output: out },
        now,
        &NoHooks,
    )
    .unwrap();
    apply_all(s, &a, now).unwrap();
}

fn fail(s: &mut Snapshot, key: &str, now: DateTime<Utc>) {
    fail_attempt(s, key, "boom", now, &NoHooks);
}

fn vote(
    s: &mut Snapshot,
    key: &str,
    who: &str,
    v: Verdict,
    dir: &StaticDirectory,
) -> Result<(), Refusal> {
    let a = decide(s, key, &person(who), v, None, dir)?;
    apply_all(s, &a, h(0)).unwrap();
    Ok(())
}

fn has<F: Fn(&Action) -> bool>(d: &Decision, f: F) -> bool {
    d.actions.iter().any(f)
}

// ---------- step types ----------

#[test]
fn checkpoint_completes_at_its_due() {
    let mut s = snap(spec(vec![task("k", Step::Checkpoint)]), &[("k", 1, 3)]);
    let d = step(&mut s, h(0));
    assert!(d.actions.is_empty());
    assert_eq!(d.next_wake, Some(h(1)));
    step(&mut s, h(1));
    assert_eq!(status(&s, "k"), TaskStatus::Running);
    let d = step(&mut s, h(3));
    assert_eq!(status(&s, "k"), TaskStatus::Succeeded);
    assert!(has(&d, |a| matches!(
        a,
        Action::SetWorkflowStatus {
            to: WorkflowStatus::Completed,
            ..
        }
    )));
}

#[test]
fn agent_dispatch_renders_input_and_key() {
    let mut draft = task("draft", agent("writer"));
    let mut input = BTreeMap::new();
    input.insert("product".into(), Expr::Param("product".into()));
    input.insert("tone".into(), Expr::Literal(json!("confident")));
    if let Step::Agent { input: i, .. } = &mut draft.step {
        *i = input;
    }
    let mut publish = after(task("publish", agent("publisher")), "draft");
    let mut pin = BTreeMap::new();
    pin.insert(
        "url".into(),
        Expr::Output {
            task: "draft".into(),
            path: vec!["url".into()],
        },
    );
    pin.insert(
        "note".into(),
        Expr::Template("see ${draft.output.url} for ${product}".into()),
    );
    if let Step::Agent { input: i, .. } = &mut publish.step {
        *i = pin;
    }
    let mut s = snap(spec(vec![draft, publish]), &[]);
    let d = step(&mut s, h(0));
    let Some(Action::Dispatch {
        input,
        idempotency_key,
        attempt,
        agent,
        ..
    }) = d
        .actions
        .iter()
        .find(|a| matches!(a, Action::Dispatch { .. }))
    else {
        panic!("no dispatch: {:?}", d.actions)
    };
    assert_eq!(input, &json!({"product": "Widget", "tone": "confident"}));
    assert_eq!(*attempt, 1);
    assert_eq!(agent, "writer");
    assert_eq!(idempotency_key, &format!("{}:draft:1", s.id));
    ok(&mut s, "draft", h(0));
    let d = step(&mut s, h(0));
    let Some(Action::Dispatch { input, .. }) = d
        .actions
        .iter()
        .find(|a| matches!(a, Action::Dispatch { .. }))
    else {
        panic!()
    };
    assert_eq!(
        input,
        &json!({"url": "https://example.invalid/draft", "note": "see https://example.invalid/draft for Widget"})
    );
}

#[test]
fn notification_renders_and_sends() {
    let n = task(
        "announce",
        Step::Notification {
            to: vec![Scope::Channel("#launch".into())],
            message: "${product} is live".into(),
        },
    );
    let mut s = snap(spec(vec![n]), &[]);
    let d = step(&mut s, h(0));
    assert!(has(
        &d,
        |a| matches!(a, Action::Notify { kind: NotifyKind::Notification, message, recipients, .. }
        if message == "Widget is live" && recipients == &vec!["channel:#launch".to_string()])
    ));
    assert_eq!(status(&s, "announce"), TaskStatus::Succeeded);
}

#[test]
fn wait_runs_for_its_duration() {
    let w = task(
        "soak",
        Step::Wait {
            duration: Some(span("2h").into()),
            until: None,
        },
    );
    let mut s = snap(spec(vec![w]), &[]);
    let d = step(&mut s, h(0));
    assert_eq!(d.next_wake, Some(h(2)));
    assert_eq!(status(&s, "soak"), TaskStatus::Running);
    step(&mut s, h(1));
    assert_eq!(status(&s, "soak"), TaskStatus::Running);
    step(&mut s, h(2));
    assert_eq!(status(&s, "soak"), TaskStatus::Succeeded);
}

#[test]
fn manual_task_waits_for_its_assignee() {
    let m = task(
        "signoff",
        Step::Manual {
            instructions: Some("sign it".into()),
            assignee: Some(team("ops")),
        },
    );
    let mut s = snap(spec(vec![m]), &[]);
    step(&mut s, h(0));
    assert_eq!(status(&s, "signoff"), TaskStatus::WaitingInput);
    let dir = StaticDirectory::default().with_team("ops", &["olga"]);
    let r = complete(&s, "signoff", &person("mallory"), None, &dir).unwrap_err();
    assert!(matches!(r, Refusal::NotAssignee { .. }), "{r}");
    // A manual task has an assignee, not approvers: the refusal says so.
    assert_eq!(
        r.to_string(),
        "mallory is not the assignee of `signoff` (team:ops)"
    );
    let a = complete(
        &s,
        "signoff",
        &person("olga"),
        Some(json!({"ok": true})),
        &dir,
    )
    .unwrap();
    apply_all(&mut s, &a, h(1)).unwrap();
    assert_eq!(status(&s, "signoff"), TaskStatus::Succeeded);
    assert_eq!(s.task("signoff").unwrap().actor.as_deref(), Some("olga"));
}

// ---------- gates ----------

#[test]
fn timing_gate_waits_for_planned_start_and_explains() {
    let mut s = snap(spec(vec![task("a", agent("x"))]), &[("a", 5, 6)]);
    let d = step(&mut s, h(0));
    let row = d.gates.iter().find(|g| g.gate == GateKind::Timing).unwrap();
    assert_eq!(row.state, GateState::Wait);
    assert!(
        row.reason.starts_with("opens 2026-06-01 14:00"),
        "{}",
        row.reason
    );
    assert_eq!(d.next_wake, Some(h(5)));
    let d = step(&mut s, h(5));
    assert!(has(&d, |a| matches!(a, Action::Dispatch { .. })));
}

#[test]
fn dependency_gate_names_its_blockers() {
    let mut s = snap(
        spec(vec![
            task("a", agent("x")),
            after(task("b", agent("y")), "a"),
        ]),
        &[],
    );
    let d = step(&mut s, h(0));
    let row = gate(&d, "b", GateKind::Dependency);
    assert_eq!(row.state, GateState::Wait);
    assert_eq!(row.blockers, vec!["a".to_string()]);
    assert_eq!(row.reason, "waiting for a (running)");
    ok(&mut s, "a", h(0));
    step(&mut s, h(0));
    assert_eq!(status(&s, "b"), TaskStatus::Running);
}

#[test]
fn approval_gate_holds_until_granted() {
    let mut s = snap(
        spec(vec![
            task("legal", approval(vec![team("legal")], 1)),
            after(task("ship", Step::Checkpoint), "legal"),
        ]),
        &[],
    );
    let d = step(&mut s, h(0));
    let row = gate(&d, "ship", GateKind::Approval);
    assert_eq!(row.state, GateState::Wait);
    assert_eq!(row.reason, "waiting for approval legal (open, 0 of 1)");
    let own = gate(&d, "legal", GateKind::Approval);
    assert_eq!(own.reason, "open: 0 of 1 approval(s) from team:legal");
    let dir = StaticDirectory::default().with_team("legal", &["lena"]);
    vote(&mut s, "legal", "lena", Verdict::Approve, &dir).unwrap();
    step(&mut s, h(0));
    assert_eq!(status(&s, "ship"), TaskStatus::Succeeded);
    assert_eq!(s.status, WorkflowStatus::Completed);
}

struct FakeHooks(BTreeMap<String, Result<Value, String>>);

impl HookHost for FakeHooks {
    fn call(&self, _point: HookPoint, function: &str, context: &Value) -> Result<Value, String> {
        assert!(context["now_unix"].is_i64());
        assert!(context["local"]["weekday"].is_string());
        self.0.get(function).cloned().unwrap_or(Ok(Value::Null))
    }
}

fn hooks(pairs: &[(&str, Result<Value, String>)]) -> FakeHooks {
    FakeHooks(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

#[test]
fn gate_hook_waits_until_it_says() {
    let mut a = task("a", agent("x"));
    a.hooks.insert(HookPoint::Gate, "business_hours".into());
    let until = h(3).timestamp();
    let host = hooks(&[(
        "business_hours",
        Ok(json!({"wait": "outside business hours", "until_unix": until})),
    )]);
    let mut s = snap(spec(vec![a]), &[]);
    let d = step_with(&mut s, h(0), &host);
    assert!(d.actions.is_empty());
    assert_eq!(d.next_wake, Some(h(3)));
    let row = d.gates.iter().find(|g| g.gate == GateKind::Hook).unwrap();
    assert_eq!(
        (row.state, row.reason.as_str()),
        (GateState::Wait, "outside business hours")
    );
    let pass = hooks(&[("business_hours", Ok(json!({"pass": true})))]);
    let d = step_with(&mut s, h(3), &pass);
    assert!(has(&d, |a| matches!(a, Action::Dispatch { .. })));
}

#[test]
fn hook_error_fails_the_task_under_its_policy() {
    let mut a = task("a", agent("x"));
    a.hooks.insert(HookPoint::Input, "enrich".into());
    a.policy.on_failure = FailurePolicy::Skip;
    let host = hooks(&[("enrich", Err("division by zero".into()))]);
    let mut s = snap(spec(vec![a]), &[]);
    step_with(&mut s, h(0), &host);
    assert_eq!(status(&s, "a"), TaskStatus::Skipped);
    assert!(s
        .task("a")
        .unwrap()
        .last_error
        .as_deref()
        .unwrap()
        .starts_with("hook enrich failed: division by zero"));
    assert_eq!(s.status, WorkflowStatus::Completed);
}

/// A host that names the hook itself (the rhai runtime) is not wrapped again: one "failed".
#[test]
fn hook_errors_say_failed_once() {
    let mut a = task("a", agent("x"));
    a.hooks.insert(HookPoint::Input, "enrich".into());
    a.policy.on_failure = FailurePolicy::Skip;
    let said = "input hook `enrich` in h.rhai failed at 2:7: division by zero";
    let host = hooks(&[("enrich", Err(said.into()))]);
    let mut s = snap(spec(vec![a]), &[]);
    step_with(&mut s, h(0), &host);
    let error = s.task("a").unwrap().last_error.clone().unwrap();
    assert!(error.starts_with(said), "{error}");
    assert_eq!(error.matches("failed").count(), 1, "{error}");
}

#[test]
fn approvers_hook_cannot_decide() {
    let mut a = task("legal", approval(vec![team("legal")], 1));
    a.hooks.insert(HookPoint::Approvers, "who".into());
    let host = hooks(&[(
        "who",
        Ok(json!({"approvers": ["team:legal"], "granted": true})),
    )]);
    let mut s = snap(spec(vec![a]), &[]);
    step_with(&mut s, h(0), &host);
    assert_eq!(status(&s, "legal"), TaskStatus::Failed);
    assert!(s.approvals.is_empty());
    let good = hooks(&[(
        "who",
        Ok(json!({"approvers": ["team:legal", "user:ann"], "quorum": 2})),
    )]);
    let mut b = task("legal", approval(vec![team("legal")], 1));
    b.hooks.insert(HookPoint::Approvers, "who".into());
    let mut s = snap(spec(vec![b]), &[]);
    step_with(&mut s, h(0), &good);
    let r = s.approval("legal").unwrap();
    assert_eq!((r.quorum, r.approvers.len()), (2, 2));
}

// ---------- policies ----------

#[test]
fn retries_back_off_then_dead_letter() {
    let mut a = task("a", agent("x"));
    a.policy.retry = RetryPolicy {
        max_attempts: 3,
        backoff: Backoff::Exponential {
            initial: span("10m"),
            factor: 2.0,
            cap: None,
        },
        jitter: 0.0,
    };
    let mut s = snap(spec(vec![a]), &[]);
    step(&mut s, h(0));
    fail(&mut s, "a", h(0));
    assert_eq!(status(&s, "a"), TaskStatus::Pending);
    let d = step(&mut s, h(0));
    assert_eq!(d.next_wake, Some(h(0) + Duration::minutes(10)));
    let d = step(&mut s, h(0) + Duration::minutes(10));
    assert!(has(
        &d,
        |a| matches!(a, Action::Dispatch { attempt: 2, idempotency_key, .. } if idempotency_key.ends_with(":a:2"))
    ));
    fail(&mut s, "a", h(1));
    assert_eq!(
        s.task("a").unwrap().next_attempt_at,
        Some(h(1) + Duration::minutes(20))
    );
    step(&mut s, h(2));
    fail(&mut s, "a", h(2));
    assert_eq!(status(&s, "a"), TaskStatus::Failed);
    let d = step(&mut s, h(2));
    assert!(has(&d, |a| matches!(
        a,
        Action::SetWorkflowStatus {
            to: WorkflowStatus::Failed,
            ..
        }
    )));
}

#[test]
fn stale_outcomes_are_dropped() {
    let mut s = snap(spec(vec![task("a", agent("x"))]), &[]);
    step(&mut s, h(0));
    let out = AgentOutcome::Succeeded { output: json!({}) };
    assert!(settle(&s, "a", 2, &out, h(0), &NoHooks).is_err());
    ok(&mut s, "a", h(0));
    assert!(settle(&s, "a", 1, &out, h(0), &NoHooks).is_err());
}

#[test]
fn retry_hook_can_stop_or_delay() {
    let mut a = task("a", agent("x"));
    a.policy.retry.max_attempts = 5;
    a.hooks.insert(HookPoint::Retry, "r".into());
    let mut s = snap(spec(vec![a.clone()]), &[]);
    step(&mut s, h(0));
    let delay = hooks(&[("r", Ok(json!({"delay_minutes": 45})))]);
    let outcome = AgentOutcome::Failed {
        reason: "x".into(),
        retryable: true,
    };
    let acts = settle(&s, "a", 1, &outcome, h(0), &delay).unwrap();
    apply_all(&mut s, &acts, h(0)).unwrap();
    assert_eq!(
        s.task("a").unwrap().next_attempt_at,
        Some(h(0) + Duration::minutes(45))
    );
    let mut s = snap(spec(vec![a]), &[]);
    step(&mut s, h(0));
    let stop = hooks(&[("r", Ok(json!({"stop": true})))]);
    let acts = settle(&s, "a", 1, &outcome, h(0), &stop).unwrap();
    apply_all(&mut s, &acts, h(0)).unwrap();
    assert_eq!(status(&s, "a"), TaskStatus::Failed);
}

#[test]
fn skips_propagate_along_unmeetable_edges() {
    let mut a = task("a", agent("x"));
    a.required = false;
    let tasks = vec![
        a,
        after(task("b", agent("y")), "a"),
        after(task("c", Step::Checkpoint), "b"),
        after_on(task("d", Step::Checkpoint), "a", EdgeOutcome::Failed),
        after_on(task("e", Step::Checkpoint), "b", EdgeOutcome::Any),
    ];
    let mut s = snap(spec(tasks), &[]);
    step(&mut s, h(0));
    fail(&mut s, "a", h(0));
    let d = step(&mut s, h(0));
    assert_eq!(status(&s, "b"), TaskStatus::Skipped);
    assert_eq!(status(&s, "c"), TaskStatus::Skipped);
    assert_eq!(status(&s, "d"), TaskStatus::Succeeded);
    assert_eq!(status(&s, "e"), TaskStatus::Succeeded);
    assert!(has(
        &d,
        |a| matches!(a, Action::SetTaskStatus { task, reason, .. }
        if task == "b" && reason == "upstream a ended failed; the edge needs success")
    ));
    // `a` was optional: the workflow completes.
    assert_eq!(s.status, WorkflowStatus::Completed);
}

fn missed_case(policy: MissedPolicy) -> (Snapshot, Decision) {
    let mut a = task("a", agent("x"));
    a.policy.on_missed = policy;
    let mut s = snap(spec(vec![a]), &[("a", 1, 2)]);
    s.status = WorkflowStatus::Paused;
    assert!(step(&mut s, h(0)).actions.is_empty());
    // Resumed after the window closed.
    let a = lifecycle(&s, Lifecycle::Resume, "ann", h(5)).unwrap();
    apply_all(&mut s, &a, h(5)).unwrap();
    let d = step(&mut s, h(5));
    (s, d)
}

#[test]
fn missed_windows_follow_on_missed() {
    let (s, d) = missed_case(MissedPolicy::FireAsap);
    assert_eq!(status(&s, "a"), TaskStatus::Running);
    assert!(has(
        &d,
        |a| matches!(a, Action::MarkMissed { policy, .. } if policy == "fire_asap")
    ));
    let (s, _) = missed_case(MissedPolicy::Skip);
    assert_eq!(status(&s, "a"), TaskStatus::Skipped);
    let (s, _) = missed_case(MissedPolicy::Fail);
    assert_eq!(status(&s, "a"), TaskStatus::Failed);
    assert_eq!(s.status, WorkflowStatus::Failed);
    let (mut s, d) = missed_case(MissedPolicy::RequireManualDecision);
    assert_eq!(status(&s, "a"), TaskStatus::AwaitingDecision);
    assert!(has(&d, |a| matches!(
        a,
        Action::Notify {
            kind: NotifyKind::DecisionNeeded,
            ..
        }
    )));
    let a = resolve_missed(&s, "a", &person("ann"), true).unwrap();
    apply_all(&mut s, &a, h(6)).unwrap();
    step(&mut s, h(6));
    assert_eq!(status(&s, "a"), TaskStatus::Running);
}

#[test]
fn planned_instant_gets_a_grace_hour() {
    let mut s = snap(
        spec(vec![
            task("a", agent("x")),
            after(task("b", agent("y")), "a"),
        ]),
        &[("a", 0, 0), ("b", 0, 0)],
    );
    step(&mut s, h(0));
    ok(&mut s, "a", h(0) + Duration::minutes(59));
    let d = step(&mut s, h(0) + Duration::minutes(59));
    assert!(!has(&d, |a| matches!(a, Action::MarkMissed { .. })));
}

// ---------- approvals ----------

fn legal_spec(step: Step) -> WorkflowSpec {
    let mut write = task(
        "write",
        Step::Manual {
            instructions: None,
            assignee: Some(team("legal")),
        },
    );
    write.title = "Write the notice".into();
    spec(vec![
        write,
        after(task("legal", step), "write"),
        after(task("ship", Step::Checkpoint), "legal"),
    ])
}

fn open_legal(step: Step) -> (Snapshot, StaticDirectory) {
    let dir = StaticDirectory::default().with_team("legal", &["lena", "lars", "liv"]);
    let mut s = snap(legal_spec(step), &[]);
    step_fn(&mut s);
    let a = complete(&s, "write", &person("liv"), None, &dir).unwrap();
    apply_all(&mut s, &a, h(0)).unwrap();
    step_fn(&mut s);
    (s, dir)
}

fn step_fn(s: &mut Snapshot) {
    step(s, h(0));
}

#[test]
fn approval_refusals_say_why() {
    let mut s = snap(legal_spec(approval(vec![team("legal")], 2)), &[]);
    let dir = StaticDirectory::default().with_team("legal", &["lena", "lars", "liv"]);
    step(&mut s, h(0));
    let not_open = decide(&s, "legal", &person("lena"), Verdict::Approve, None, &dir).unwrap_err();
    // It says when it opens: what it still waits for.
    let said = not_open.to_string();
    assert!(
        said.starts_with("approval `legal` is not open yet: ") && said.contains("after write ("),
        "{said}"
    );
    let (mut s, dir) = open_legal(Step::Approval {
        approvers: vec![team("legal")],
        quorum: 2,
        deadline: None,
        remind_every: None,
        on_reject: RejectPolicy::Skip,
        on_expire: ExpirePolicy::Remind,
        not_author_of: Some("write".into()),
    });
    let e = vote(&mut s, "legal", "mallory", Verdict::Approve, &dir).unwrap_err();
    assert_eq!(
        e.to_string(),
        "mallory is not among the approvers of `legal` (team:legal)"
    );
    let e = vote(&mut s, "legal", "liv", Verdict::Approve, &dir).unwrap_err();
    assert!(matches!(e, Refusal::Author { .. }), "{e}");
    vote(&mut s, "legal", "lena", Verdict::Approve, &dir).unwrap();
    assert_eq!(status(&s, "legal"), TaskStatus::WaitingInput);
    let e = vote(&mut s, "legal", "lena", Verdict::Approve, &dir).unwrap_err();
    assert!(matches!(e, Refusal::AlreadyVoted { .. }), "{e}");
    vote(&mut s, "legal", "lars", Verdict::Approve, &dir).unwrap();
    assert_eq!(status(&s, "legal"), TaskStatus::Succeeded);
    let e = vote(&mut s, "legal", "liv", Verdict::Reject, &dir).unwrap_err();
    assert_eq!(e.to_string(), "approval `legal` is already granted");
    assert!(HumanActor::person("hook:policy").is_err());
    assert!(HumanActor::person("system").is_err());
    assert!(decide(&s, "write", &person("lena"), Verdict::Approve, None, &dir).is_err());
}

fn timed(
    deadline: &str,
    remind: Option<&str>,
    on_expire: ExpirePolicy,
    on_reject: RejectPolicy,
) -> Step {
    Step::Approval {
        approvers: vec![team("legal")],
        quorum: 1,
        deadline: Some(span(deadline).into()),
        remind_every: remind.map(|r| span(r).into()),
        on_reject,
        on_expire,
        not_author_of: None,
    }
}

#[test]
fn reminders_go_out_at_their_cadence() {
    let (mut s, _) = open_legal(timed(
        "3d",
        Some("1d"),
        ExpirePolicy::Remind,
        RejectPolicy::Skip,
    ));
    let mut sent = vec![];
    let mut now = h(0);
    for _ in 0..6 {
        let d = step(&mut s, now);
        for a in &d.actions {
            match a {
                Action::SendReminder { .. } => sent.push(("reminder", (now - h(0)).num_hours())),
                Action::MarkOverdue { .. } => sent.push(("overdue", (now - h(0)).num_hours())),
                _ => {}
            }
        }
        now = d.next_wake.unwrap();
    }
    assert_eq!(
        sent,
        vec![
            ("reminder", 24),
            ("reminder", 48),
            ("overdue", 72),
            ("reminder", 72),
            ("reminder", 96),
            ("reminder", 120)
        ]
    );
    assert_eq!(s.approval("legal").unwrap().reminders_sent, 5);
}

#[test]
fn escalation_at_the_deadline_extends_approvers_once() {
    let vp = team("vp");
    let (mut s, _) = open_legal(timed(
        "2d",
        None,
        ExpirePolicy::Escalate(vec![vp.clone()]),
        RejectPolicy::Skip,
    ));
    let d = step(&mut s, h(0));
    assert_eq!(d.next_wake, Some(h(48)));
    let d = step(&mut s, h(48));
    assert!(has(&d, |a| matches!(a, Action::Escalate { .. })));
    assert!(has(
        &d,
        |a| matches!(a, Action::Notify { kind: NotifyKind::ApprovalEscalated, recipients, .. }
        if recipients.contains(&"team:vp".to_string()))
    ));
    let r = s.approval("legal").unwrap();
    assert!(r.escalated && r.approvers.contains(&vp));
    assert_eq!(r.deadline_at, Some(h(96)));
    let d = step(&mut s, h(96));
    assert!(has(&d, |a| matches!(a, Action::MarkOverdue { .. })));
    assert_eq!(d.next_wake, None);
    let dir = StaticDirectory::default().with_team("vp", &["vera"]);
    vote(&mut s, "legal", "vera", Verdict::Approve, &dir).unwrap();
    assert_eq!(status(&s, "legal"), TaskStatus::Succeeded);
}

#[test]
fn expiry_rejects_or_fails() {
    let (mut s, _) = open_legal(timed("1d", None, ExpirePolicy::Reject, RejectPolicy::Skip));
    step(&mut s, h(24));
    assert_eq!(
        s.approval("legal").unwrap().status,
        rwf::engine::ApprovalStatus::Expired
    );
    assert_eq!(status(&s, "legal"), TaskStatus::Skipped);
    assert_eq!(status(&s, "ship"), TaskStatus::Skipped);
    assert_eq!(s.status, WorkflowStatus::Completed);
    let (mut s, _) = open_legal(timed("1d", None, ExpirePolicy::Fail, RejectPolicy::Skip));
    step(&mut s, h(24));
    assert_eq!(status(&s, "legal"), TaskStatus::Failed);
    assert_eq!(status(&s, "ship"), TaskStatus::Cancelled);
    assert_eq!(s.status, WorkflowStatus::Failed);
}

#[test]
fn rejection_needs_revision_reruns_upstream_then_reopens() {
    let dir = StaticDirectory::default().with_team("legal", &["lena"]);
    let mut s = snap(
        spec(vec![
            task("draft", agent("writer")),
            after(
                task(
                    "legal",
                    timed(
                        "5d",
                        None,
                        ExpirePolicy::Remind,
                        RejectPolicy::NeedsRevision,
                    ),
                ),
                "draft",
            ),
        ]),
        &[],
    );
    step(&mut s, h(0));
    ok(&mut s, "draft", h(0));
    step(&mut s, h(0));
    let first_hash = s.approval("legal").unwrap().packet_hash.clone();
    let a = decide(
        &s,
        "legal",
        &person("lena"),
        Verdict::Reject,
        Some("tone"),
        &dir,
    )
    .unwrap();
    apply_all(&mut s, &a, h(1)).unwrap();
    let d = step(&mut s, h(1));
    assert!(has(&d, |a| matches!(
        a,
        Action::Dispatch { attempt: 2, .. }
    )));
    assert_eq!(status(&s, "legal"), TaskStatus::Pending);
    let attempt = 2;
    let a = settle(
        &s,
        "draft",
        attempt,
        &AgentOutcome::Succeeded {
            output: json!({"v": 2}),
        },
        h(2),
        &NoHooks,
    )
    .unwrap();
    apply_all(&mut s, &a, h(2)).unwrap();
    let d = step(&mut s, h(2));
    assert!(has(&d, |a| matches!(
        a,
        Action::Notify {
            kind: NotifyKind::ApprovalReopened,
            ..
        }
    )));
    let r = s.approval("legal").unwrap();
    assert_eq!(r.round, 2);
    assert_ne!(r.packet_hash, first_hash);
    vote(&mut s, "legal", "lena", Verdict::Approve, &dir).unwrap();
    step(&mut s, h(3));
    assert_eq!(s.status, WorkflowStatus::Completed);
}

/// A task sent back for revision runs with its whole retry budget again (backoff restarts too), while
/// its attempt numbers, and so its idempotency keys, go on.
#[test]
fn revision_reruns_with_a_fresh_retry_budget() {
    let dir = StaticDirectory::default().with_team("legal", &["lena"]);
    let mut draft = task("draft", agent("writer"));
    draft.policy.retry = RetryPolicy {
        max_attempts: 2,
        backoff: Backoff::Exponential {
            initial: span("10m"),
            factor: 3.0,
            cap: None,
        },
        jitter: 0.0,
    };
    let legal = timed(
        "5d",
        None,
        ExpirePolicy::Remind,
        RejectPolicy::NeedsRevision,
    );
    let mut s = snap(spec(vec![draft, after(task("legal", legal), "draft")]), &[]);
    // First run: attempt 1 fails, attempt 2 (the last of the budget) succeeds.
    step(&mut s, h(0));
    fail(&mut s, "draft", h(0));
    step(&mut s, h(1));
    ok(&mut s, "draft", h(1));
    step(&mut s, h(1));
    vote(&mut s, "legal", "lena", Verdict::Reject, &dir).unwrap();
    // The re-run is attempt 3, yet the first of its run: its failure is retried after the first delay.
    let d = step(&mut s, h(2));
    assert!(has(&d, |a| matches!(
        a,
        Action::Dispatch { attempt: 3, .. }
    )));
    fail(&mut s, "draft", h(2));
    assert_eq!(status(&s, "draft"), TaskStatus::Pending);
    assert_eq!(
        s.task("draft").unwrap().next_attempt_at,
        Some(h(2) + Duration::minutes(10))
    );
    let d = step(&mut s, h(3));
    assert!(has(&d, |a| matches!(
        a,
        Action::Dispatch { attempt: 4, idempotency_key, .. } if idempotency_key.ends_with(":draft:4")
    )));
    // Attempt 4 is the second of the run: the budget of 2 is spent.
    let boom = AgentOutcome::Failed {
        reason: "boom".into(),
        retryable: true,
    };
    let a = settle(&s, "draft", 4, &boom, h(3), &NoHooks).unwrap();
    assert!(a.iter().any(|a| matches!(
        a,
        Action::SetTaskStatus { to: TaskStatus::Failed, reason, .. } if reason == "failed after 2 attempts: boom"
    )));
    apply_all(&mut s, &a, h(3)).unwrap();
    assert_eq!(status(&s, "draft"), TaskStatus::Failed);
}

#[test]
fn rejection_can_cancel_the_workflow() {
    let (mut s, dir) = open_legal(timed(
        "5d",
        None,
        ExpirePolicy::Remind,
        RejectPolicy::Cancel,
    ));
    vote(&mut s, "legal", "lena", Verdict::Reject, &dir).unwrap();
    assert_eq!(s.status, WorkflowStatus::Cancelled);
    assert_eq!(status(&s, "ship"), TaskStatus::Cancelled);
}

#[test]
fn cancel_aborts_or_drains() {
    let mut fast = task("fast", agent("x"));
    fast.policy.on_cancel = CancelPolicy::Abort;
    let mut slow = task("slow", agent("y"));
    slow.policy.on_cancel = CancelPolicy::Drain;
    let mut s = snap(
        spec(vec![fast, slow, task("later", Step::Checkpoint)]),
        &[("later", 10, 10)],
    );
    step(&mut s, h(0));
    let a = lifecycle(&s, Lifecycle::Cancel, "ann", h(1)).unwrap();
    apply_all(&mut s, &a, h(1)).unwrap();
    assert_eq!(s.status, WorkflowStatus::Cancelled);
    assert_eq!(status(&s, "fast"), TaskStatus::Cancelled);
    assert_eq!(status(&s, "slow"), TaskStatus::Running);
    assert_eq!(status(&s, "later"), TaskStatus::Cancelled);
    assert!(s.draining);
    ok(&mut s, "slow", h(2));
    assert_eq!(status(&s, "slow"), TaskStatus::Succeeded);
    assert!(reconcile(&s, h(20), &NoHooks).actions.is_empty());
    assert!(lifecycle(&s, Lifecycle::Resume, "ann", h(3)).is_err());
}

// ---------- simulator: properties and determinism ----------

/// A tiny deterministic generator (no randomness in tests either).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

fn random_spec(rng: &mut Lcg) -> (WorkflowSpec, Vec<(String, i64, i64)>) {
    let n = 3 + rng.next(8) as usize;
    let mut tasks = Vec::new();
    let mut planned = Vec::new();
    for i in 0..n {
        let key = format!("t{i}");
        let step = match rng.next(6) {
            0 => agent("a"),
            1 => Step::Approval {
                approvers: vec![team("legal")],
                quorum: 1 + rng.next(2) as u32,
                deadline: Some(span(&format!("{}d", 1 + rng.next(3))).into()),
                remind_every: if rng.next(2) == 0 {
                    Some(span("1d").into())
                } else {
                    None
                },
                on_reject: [
                    RejectPolicy::Skip,
                    RejectPolicy::NeedsRevision,
                    RejectPolicy::Cancel,
                ][rng.next(3) as usize],
                on_expire: [
                    ExpirePolicy::Remind,
                    ExpirePolicy::Escalate(vec![team("vp")]),
                    ExpirePolicy::Reject,
                    ExpirePolicy::Fail,
                ][rng.next(4) as usize]
                    .clone(),
                not_author_of: None,
            },
            2 => Step::Manual {
                instructions: None,
                assignee: Some(team("ops")),
            },
            3 => Step::Notification {
                to: vec![Scope::Channel("#x".into())],
                message: "hi".into(),
            },
            4 => Step::Wait {
                duration: Some(span(&format!("{}h", 1 + rng.next(48))).into()),
                until: None,
            },
            _ => Step::Checkpoint,
        };
        let mut t = task(&key, step);
        t.required = rng.next(4) != 0;
        t.policy.retry.max_attempts = 1 + rng.next(3) as u32;
        t.policy.on_failure = if rng.next(2) == 0 {
            FailurePolicy::Block
        } else {
            FailurePolicy::Skip
        };
        t.policy.on_missed = [
            MissedPolicy::FireAsap,
            MissedPolicy::Skip,
            MissedPolicy::Fail,
        ][rng.next(3) as usize];
        t.policy.on_cancel = if rng.next(2) == 0 {
            CancelPolicy::Abort
        } else {
            CancelPolicy::Drain
        };
        for j in 0..i {
            if rng.next(3) == 0 {
                let outcome = [EdgeOutcome::Success, EdgeOutcome::Any, EdgeOutcome::Failed]
                    [rng.next(3) as usize];
                t = after_on(t, &format!("t{j}"), outcome);
            }
        }
        if rng.next(2) == 0 {
            let start = rng.next(24 * 10) as i64;
            planned.push((key.clone(), start, start + rng.next(3) as i64 * 24));
        }
        tasks.push(t);
    }
    (spec(tasks), planned)
}

fn draft(spec: WorkflowSpec, planned: &[(String, i64, i64)]) -> Snapshot {
    let p: Vec<(&str, i64, i64)> = planned
        .iter()
        .map(|(k, s, d)| (k.as_str(), *s, *d))
        .collect();
    let mut s = snap(spec, &p);
    s.status = WorkflowStatus::Draft;
    s
}

#[test]
fn random_scripts_only_make_legal_transitions_and_always_end() {
    let mut rng = Lcg(7);
    for case in 0..150 {
        let (spec, planned) = random_spec(&mut rng);
        let keys: Vec<String> = spec.tasks.iter().map(|t| t.key.clone()).collect();
        let pick = |rng: &mut Lcg| -> BTreeSet<String> {
            keys.iter().filter(|_| rng.next(4) == 0).cloned().collect()
        };
        let script = Script {
            approve: if rng.next(2) == 0 {
                ApproveSet::All
            } else {
                ApproveSet::Only(pick(&mut rng))
            },
            reject: pick(&mut rng),
            fail: pick(&mut rng),
            ..Script::default()
        };
        // `simulate` applies every action through the state machines: an illegal one is an Err.
        let report = simulate(draft(spec.clone(), &planned), &script, &NoHooks)
            .unwrap_or_else(|e| panic!("case {case}: {e}\n{spec:#?}"));
        let end = report.snapshot.as_ref().unwrap();
        if report.stalled.is_none() {
            assert!(end.status.is_terminal(), "case {case}: {:?}", report.status);
        }
        for (_, a) in &report.actions {
            if let Action::SetTaskStatus { from, to, .. } = a {
                assert!(rwf::engine::task_transition(*from, *to).is_ok());
            }
        }
        // Determinism: the same inputs give the same timeline.
        let again = simulate(draft(spec, &planned), &script, &NoHooks).unwrap();
        assert_eq!(report.entries, again.entries, "case {case}");
    }
}

/// Hooks that depend on the clock: a `gate` that passes in one hour of three (else waits, sometimes
/// naming when to ask again) and a `missed` hook that picks a policy by the hour.
struct ClockHooks;

impl HookHost for ClockHooks {
    fn call(&self, point: HookPoint, _function: &str, context: &Value) -> Result<Value, String> {
        let hour = context["now_unix"].as_i64().unwrap_or(0) / 3600;
        Ok(match point {
            HookPoint::Gate if hour % 3 == 0 => json!(true),
            HookPoint::Gate if hour % 2 == 0 => json!({"wait": "even hour"}),
            HookPoint::Gate => json!({"wait": "odd hour", "until_unix": (hour + 2) * 3600}),
            HookPoint::Missed => {
                json!(["fire_asap", "skip", "require_manual_decision"][(hour % 3) as usize])
            }
            _ => Value::Null,
        })
    }
}

/// The simulator's incremental `Reconciler` (only tasks whose inputs changed are looked at) decides
/// exactly what the worker's `reconcile` (every task, every pass) decides: the same actions in the
/// same order and the same next wake, call after call, over random specs driven by random outcomes,
/// votes, completions, missed-window decisions, pauses and resumes, with clock-dependent hooks.
#[test]
fn incremental_reconciler_decides_like_a_full_reconcile() {
    use rwf::engine::reconcile::Reconciler;
    let mut rng = Lcg(19);
    let directory = SimDirectory;
    for case in 0..200 {
        let (mut spec, planned) = random_spec(&mut rng);
        for t in &mut spec.tasks {
            match rng.next(4) {
                0 => {
                    t.hooks.insert(HookPoint::Gate, "gate".into());
                }
                1 => {
                    t.hooks.insert(HookPoint::Missed, "missed".into());
                }
                _ => {}
            }
        }
        let mut s = draft(spec, &planned);
        let mut now = h(-2);
        let started = lifecycle(&s, Lifecycle::Start, "ann", now).unwrap();
        apply_all(&mut s, &started, now).unwrap();
        let mut rec = Reconciler::new(&s);
        for call in 0..300 {
            let full = reconcile(&s, now, &ClockHooks);
            let mut got = Vec::new();
            let wake = rec.run(&mut s, now, &ClockHooks, &mut |_, a| got.push(a));
            assert_eq!(got, full.actions, "case {case}, call {call} at {now}");
            assert_eq!(wake, full.next_wake, "case {case}, call {call} at {now}");
            if s.status.is_terminal() && !s.tasks.iter().any(|t| t.status.is_in_flight()) {
                break;
            }
            // Outside input, as the worker's store would apply it.
            let keys: Vec<String> = s.tasks.iter().map(|t| t.key.clone()).collect();
            for key in &keys {
                if rng.next(3) != 0 {
                    continue;
                }
                let state = s.task(key).unwrap().clone();
                let approver = format!("legal-{}", 1 + rng.next(3));
                let a = match state.status {
                    TaskStatus::Running => {
                        let outcome = if rng.next(3) == 0 {
                            AgentOutcome::Failed {
                                reason: "boom".into(),
                                retryable: rng.next(2) == 0,
                            }
                        } else {
                            AgentOutcome::Succeeded {
                                output: json!({ "n": call }),
                            }
                        };
                        settle(&s, key, state.attempt, &outcome, now, &ClockHooks).ok()
                    }
                    TaskStatus::WaitingInput => {
                        let verdict = if rng.next(4) == 0 {
                            Verdict::Reject
                        } else {
                            Verdict::Approve
                        };
                        decide(&s, key, &person(&approver), verdict, None, &directory)
                            .or_else(|_| complete(&s, key, &person("ops-1"), None, &directory))
                            .ok()
                    }
                    TaskStatus::AwaitingDecision => {
                        resolve_missed(&s, key, &person("ann"), rng.next(2) == 0).ok()
                    }
                    _ => None,
                };
                for a in a.unwrap_or_default() {
                    rec.apply(&mut s, &a, now).unwrap();
                }
            }
            let life = match (s.status, rng.next(12)) {
                (WorkflowStatus::Active, 0) => Some(Lifecycle::Pause),
                (WorkflowStatus::Paused, 0..=2) => Some(Lifecycle::Resume),
                _ => None,
            };
            for a in life
                .and_then(|l| lifecycle(&s, l, "ann", now).ok())
                .unwrap_or_default()
            {
                rec.apply(&mut s, &a, now).unwrap();
            }
            let step = Duration::minutes(10 + rng.next(600) as i64);
            now = match wake {
                Some(w) if rng.next(2) == 0 => w,
                _ => now + step,
            };
        }
    }
}

/// The simulator itself holds the task limit: `spec::MAX_TASKS` tasks run, one more is refused.
#[test]
fn simulate_holds_the_task_limit() {
    let chain = |n: usize| {
        let tasks = (0..n)
            .map(|i| {
                let t = task(&format!("t{i}"), Step::Checkpoint);
                if i == 0 {
                    t
                } else {
                    after(t, &format!("t{}", i - 1))
                }
            })
            .collect();
        draft(spec(tasks), &[])
    };
    let report = simulate(chain(MAX_TASKS), &Script::default(), &NoHooks).unwrap();
    assert_eq!(report.counts.succeeded, MAX_TASKS);
    let e = simulate(chain(MAX_TASKS + 1), &Script::default(), &NoHooks).unwrap_err();
    assert!(
        e.contains("10001 tasks, more than the limit of 10000"),
        "{e}"
    );
}

#[test]
fn simulated_quorum_counts_distinct_people_and_skips_the_author() {
    let mut s = draft(
        legal_spec(Step::Approval {
            approvers: vec![team("legal")],
            quorum: 2,
            deadline: None,
            remind_every: None,
            on_reject: RejectPolicy::Skip,
            on_expire: ExpirePolicy::Remind,
            not_author_of: Some("write".into()),
        }),
        &[],
    );
    s.status = WorkflowStatus::Draft;
    let report = simulate(s, &Script::default(), &NoHooks).unwrap();
    let text: Vec<&str> = report.entries.iter().map(|e| e.text.as_str()).collect();
    assert!(text.contains(&"legal-2 approved legal"), "{text:#?}");
    assert!(text.contains(&"legal-3 approved legal"), "{text:#?}");
    assert!(
        !text.contains(&"legal-1 approved legal"),
        "the author may not approve: {text:#?}"
    );
    assert_eq!(
        report.summary(),
        "workflow completed: 3 succeeded, 0 skipped, 0 failed"
    );
    let _ = SimDirectory;
}

// ---------- event waits ----------

fn event_step(name: &str, status: Option<&str>, hours: Option<i64>, then: TimeoutPolicy) -> Step {
    Step::Event {
        name: name.into(),
        matches: status
            .map(|s| BTreeMap::from([("status".to_string(), Expr::Literal(json!(s)))]))
            .unwrap_or_default(),
        timeout: hours.map(|h| Span::new(h, Unit::Hours).into()),
        on_timeout: then,
    }
}

/// Receives one event at `now` (applied, not yet reconciled); returns whether it was a repeat.
fn send(s: &mut Snapshot, name: &str, id: &str, data: Value, now: DateTime<Utc>) -> bool {
    let incoming = rwf::engine::signal::Incoming {
        name: name.into(),
        id: Some(id.into()),
        data,
        sender: "ci-bot".into(),
    };
    let r = rwf::engine::signal::receive(s, &incoming, "unused").unwrap();
    apply_all(s, &r.actions, now).unwrap();
    r.repeat
}

fn consumed_by<'a>(s: &'a Snapshot, id: &str) -> Option<&'a str> {
    s.events
        .iter()
        .find(|e| e.id == id)
        .and_then(|e| e.consumed_by.as_deref())
}

#[test]
fn an_event_before_its_wait_is_latched_and_taken_when_it_opens() {
    let ci = after(
        task(
            "ci",
            event_step("ci.finished", Some("success"), Some(4), TimeoutPolicy::Skip),
        ),
        "gate",
    );
    let mut s = snap(
        spec(vec![task("gate", Step::Checkpoint), ci]),
        &[("gate", 2, 3)],
    );
    step(&mut s, h(0));
    send(
        &mut s,
        "ci.finished",
        "red",
        json!({"status": "failure"}),
        h(0),
    );
    send(
        &mut s,
        "ci.finished",
        "green",
        json!({"status": "success", "url": "u"}),
        h(1),
    );
    step(&mut s, h(1));
    assert_eq!(status(&s, "ci"), TaskStatus::Pending, "not open yet");
    assert_eq!(consumed_by(&s, "green"), None);
    let d = step(&mut s, h(3));
    assert_eq!(status(&s, "ci"), TaskStatus::Succeeded);
    assert!(d.actions.contains(&Action::ConsumeEvent {
        task: "ci".into(),
        event_id: "green".into()
    }));
    let out = s.task("ci").unwrap().output.clone().unwrap();
    assert_eq!(out["data"]["url"], "u");
    assert_eq!(out["timed_out"], false);
    assert_eq!(consumed_by(&s, "green"), Some("ci"));
    assert_eq!(
        consumed_by(&s, "red"),
        None,
        "a non-matching event is never taken"
    );
}

#[test]
fn a_wait_takes_only_events_received_by_its_deadline() {
    for (received, then, want) in [
        // Received before the deadline, reconciled late (a worker was down): the event wins.
        (1, TimeoutPolicy::Fail, TaskStatus::Succeeded),
        // Received after the deadline: the timeout wins and the event stays unconsumed.
        (3, TimeoutPolicy::Skip, TaskStatus::Skipped),
        (3, TimeoutPolicy::Fail, TaskStatus::Failed),
        (3, TimeoutPolicy::Continue, TaskStatus::Succeeded),
    ] {
        let mut s = snap(
            spec(vec![task(
                "ci",
                event_step("ci.finished", None, Some(2), then),
            )]),
            &[],
        );
        let d = step(&mut s, h(0));
        assert!(d.actions.contains(&Action::StartTimer {
            task: "ci".into(),
            at: h(2)
        }));
        assert_eq!(d.next_wake, Some(h(2)), "the deadline is a wake");
        let gate = d.gates.iter().find(|g| g.gate == GateKind::Event).unwrap();
        assert!(gate.reason.contains("times out"), "{gate:?}");
        assert_eq!(gate.until, Some(h(2)));
        send(&mut s, "ci.finished", "e1", json!({}), h(received));
        step(&mut s, h(5));
        assert_eq!(
            status(&s, "ci"),
            want,
            "received at {received}h, then {then:?}"
        );
        let took = consumed_by(&s, "e1").is_some();
        assert_eq!(took, received < 2, "received at {received}h");
        if then == TimeoutPolicy::Continue {
            assert_eq!(
                s.task("ci").unwrap().output,
                Some(json!({"timed_out": true}))
            );
        }
    }
}

#[test]
fn each_event_is_taken_by_one_wait_oldest_first() {
    let mut s = snap(
        spec(vec![
            task(
                "a",
                event_step("deploy.done", None, None, TimeoutPolicy::Fail),
            ),
            task(
                "b",
                event_step("deploy.done", None, None, TimeoutPolicy::Fail),
            ),
        ]),
        &[],
    );
    let d = step(&mut s, h(0));
    assert_eq!(d.next_wake, None, "no timeout: only an event moves it");
    send(&mut s, "deploy.done", "one", json!({"n": 1}), h(1));
    send(&mut s, "deploy.done", "two", json!({"n": 2}), h(1));
    step(&mut s, h(1));
    assert_eq!(consumed_by(&s, "one"), Some("a"));
    assert_eq!(consumed_by(&s, "two"), Some("b"));
    assert_eq!(s.status, WorkflowStatus::Completed);
}

#[test]
fn receiving_refuses_what_nothing_can_take_and_repeats_change_nothing() {
    use rwf::engine::signal::{receive, Incoming};
    let mut s = snap(
        spec(vec![task(
            "ci",
            event_step("ci.finished", None, None, TimeoutPolicy::Fail),
        )]),
        &[],
    );
    let ev = |name: &str, id: &str, data: Value| Incoming {
        name: name.into(),
        id: Some(id.into()),
        data,
        sender: "ann".into(),
    };
    let unknown = receive(&s, &ev("ci.finishd", "x", json!(1)), "f").unwrap_err();
    assert!(unknown.contains("it waits for `ci.finished`"), "{unknown}");
    assert!(!send(&mut s, "ci.finished", "x", json!(1), h(0)));
    let again = receive(&s, &ev("ci.finished", "x", json!(1)), "f").unwrap();
    assert!(again.repeat);
    assert!(matches!(again.actions[..], [Action::RepeatEvent { .. }]));
    let clash = receive(&s, &ev("ci.finished", "x", json!(2)), "f").unwrap_err();
    assert!(clash.contains("already used"), "{clash}");
    let fresh = receive(
        &s,
        &Incoming {
            id: None,
            ..ev("ci.finished", "", json!(1))
        },
        "f-1",
    )
    .unwrap();
    assert_eq!(fresh.event_id, "f-1");
    s.status = WorkflowStatus::Cancelled;
    let done = receive(&s, &ev("ci.finished", "y", json!(1)), "f").unwrap_err();
    assert!(done.contains("cancelled"), "{done}");
}

/// Edits in flight: an opened event wait keeps its event, `where` and timeout (its title may change);
/// received events stay with the workflow.
#[test]
fn an_opened_event_wait_is_frozen_and_edits_keep_received_events() {
    use rwf::engine::edit_plan::{plan_edit, Evidence};
    let wait = |hours: i64| {
        task(
            "ci",
            event_step(
                "ci.finished",
                Some("success"),
                Some(hours),
                TimeoutPolicy::Fail,
            ),
        )
    };
    // A spec `rwf check` accepts (its params declared), as an edit requires.
    let full = |tasks: Vec<TaskSpec>| {
        let mut w = spec(tasks);
        for (name, ty) in [
            ("release", ParamType::Datetime),
            ("product", ParamType::String),
        ] {
            w.params.push(ParamSpec {
                name: name.into(),
                ty,
                default: None,
                description: None,
            });
        }
        w
    };
    let mut s = snap(
        full(vec![wait(4), task("later", Step::Checkpoint)]),
        &[("later", 10, 11)],
    );
    step(&mut s, h(0));
    assert_eq!(status(&s, "ci"), TaskStatus::Running);
    send(
        &mut s,
        "ci.finished",
        "red",
        json!({"status": "failure"}),
        h(1),
    );
    s.status = WorkflowStatus::Paused;
    let plan_of = |spec: &WorkflowSpec| rwf::schedule::Plan {
        target: s.target,
        tasks: spec
            .tasks
            .iter()
            .map(|t| rwf::schedule::ResolvedTask {
                key: t.key.clone(),
                times: None,
                tz: chrono_tz::UTC,
                pinned: false,
            })
            .collect(),
        warnings: Vec::new(),
        warning_tasks: Vec::new(),
    };
    let edit = |new: WorkflowSpec| {
        let plan = plan_of(&new);
        plan_edit(&s, &Evidence::default(), Arc::new(new), &plan, false, h(2))
    };
    let longer = full(vec![wait(8), task("later", Step::Checkpoint)]);
    let refused = edit(longer).unwrap_err();
    assert!(
        refused
            .iter()
            .any(|r| r.task == "ci" && r.reason.contains("is frozen")),
        "{refused:?}"
    );
    let mut renamed = wait(4);
    renamed.title = "CI green".into();
    let ok = edit(full(vec![renamed, task("later", Step::Checkpoint)])).unwrap();
    assert_eq!(
        ok.after.events, s.events,
        "received events survive the edit"
    );
}

#[test]
fn simulate_feeds_events_at_chosen_instants() {
    use rwf::engine::simulator::ScriptedSignal;
    let ci = after(
        task(
            "ci",
            event_step(
                "ci.finished",
                Some("success"),
                Some(48),
                TimeoutPolicy::Fail,
            ),
        ),
        "gate",
    );
    let spec = spec(vec![task("gate", Step::Checkpoint), ci]);
    let run = |signals: Vec<ScriptedSignal>| {
        let mut s = snap(spec.clone(), &[("gate", 2, 3)]);
        s.status = WorkflowStatus::Draft;
        let script = Script {
            signals,
            ..Script::default()
        };
        simulate(s, &script, &NoHooks).unwrap()
    };
    let green = |at: i64| ScriptedSignal {
        at: h(at),
        name: "ci.finished".into(),
        data: json!({"status": "success"}),
    };
    // Before the wait opens (latched), and while it is open: both complete the release.
    for at in [1, 10] {
        let report = run(vec![green(at)]);
        assert_eq!(
            report.status,
            WorkflowStatus::Completed,
            "{:#?}",
            report.entries
        );
        let took = report
            .entries
            .iter()
            .find(|e| e.text.starts_with("event ci succeeded"))
            .unwrap();
        assert_eq!(took.at, h(at.max(3)), "{:#?}", report.entries);
    }
    // After the timeout: the wait failed, and the late event is refused by the failed workflow.
    let report = run(vec![green(60)]);
    assert_eq!(report.status, WorkflowStatus::Failed);
    let text: Vec<&str> = report.entries.iter().map(|e| e.text.as_str()).collect();
    assert!(
        text.contains(&"event ci timed out (then fail)"),
        "{text:#?}"
    );
    // None at all: the same as after the timeout.
    assert_eq!(run(vec![]).status, WorkflowStatus::Failed);
}

// ---------- golden `rwf simulate` output ----------

#[test]
fn golden_simulate_output_for_every_template() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let Ok(dir) = std::fs::read_dir(root.join("templates")) else {
        return; // no templates in this checkout yet
    };
    let mut files: Vec<_> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "rwf"))
        .collect();
    files.sort();
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let golden = root.join("tests/golden/cli");
    std::fs::create_dir_all(&golden).unwrap();
    let mut failures = Vec::new();
    // Every template with the defaults, and scripted variants of the quick-start template.
    let mut cases: Vec<(String, std::path::PathBuf, Vec<&str>)> = files
        .iter()
        .map(|f| {
            (
                f.file_stem().unwrap().to_string_lossy().to_string(),
                f.clone(),
                vec![],
            )
        })
        .collect();
    for (name, template, args) in [
        (
            "compliance_filing_nobody_approves",
            "compliance_filing",
            vec!["--approve", "none"],
        ),
        (
            "mobile_app_release_reject_go_live",
            "mobile_app_release",
            vec!["--reject", "go_live"],
        ),
        (
            "security_patch_fail_draft_patch",
            "security_patch",
            vec!["--fail", "draft_patch"],
        ),
    ] {
        let path = root.join(format!("templates/{template}.rwf"));
        if path.exists() {
            cases.push((name.to_string(), path, args));
        }
    }
    let launch = root.join("templates/product_launch.rwf");
    if launch.exists() {
        for (name, args) in [
            ("product_launch_reject_legal", vec!["--reject", "legal"]),
            ("product_launch_fail_draft", vec!["--fail", "draft_blog"]),
            ("product_launch_nobody_approves", vec!["--approve", "none"]),
            (
                "product_launch_json",
                vec!["--release", "2026-11-10T09:00", "--format", "json"],
            ),
        ] {
            cases.push((name.to_string(), launch.clone(), args));
        }
    }
    // Alignments and param anchors, including a wait's `until` resolved by the engine.
    cases.push((
        "release_cycle".to_string(),
        root.join("tests/fixtures/schedule/cycle.rwf"),
        vec![
            "--set",
            "cycle_start=2027-05-10",
            "--release",
            "2027-08-18T10:00",
        ],
    ));
    // Lead times as duration params: offsets, a window, a deadline and a wait read from them.
    cases.push((
        "lead_times".to_string(),
        root.join("tests/fixtures/schedule/lead.rwf"),
        vec![
            "--release",
            "2027-06-01T10:00",
            "--set",
            "lead=10d",
            "--set",
            "grace=2 business days",
        ],
    ));
    for (stem, file, args) in cases {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
            .arg("simulate")
            .arg(file.strip_prefix(root).unwrap_or(&file))
            .args(&args)
            .current_dir(root)
            .output()
            .unwrap();
        let actual = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .replace(&root.display().to_string(), "$ROOT");
        let path = golden.join(format!("simulate_{stem}.txt"));
        if update {
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == actual => {}
            Ok(_) => failures.push(format!(
                "{stem}: output differs (UPDATE_EXPECT=1 to accept)\n{actual}"
            )),
            Err(_) => failures.push(format!(
                "{stem}: no golden file {} (UPDATE_EXPECT=1)",
                path.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn edits_reopen_approvals_signed_against_changed_content() {
    let (mut s, dir) = open_legal(approval(vec![team("legal")], 1));
    // Paused, then the notice's title is edited: the open round no longer stands.
    s.status = WorkflowStatus::Paused;
    Arc::make_mut(&mut s.spec).tasks[0].title = "Write the new notice".into();
    let a = rwf::engine::edit::revalidate_approvals(&s);
    apply_all(&mut s, &a, h(1)).unwrap();
    assert_eq!(status(&s, "legal"), TaskStatus::Pending);
    let e = vote(&mut s, "legal", "lena", Verdict::Approve, &dir).unwrap_err();
    assert!(matches!(e, Refusal::Invalidated(_)), "{e}");
    let a = lifecycle(&s, Lifecycle::Resume, "ann", h(2)).unwrap();
    apply_all(&mut s, &a, h(2)).unwrap();
    let d = step(&mut s, h(2));
    assert!(has(&d, |a| matches!(
        a,
        Action::OpenApproval { round: 2, .. }
    )));
    vote(&mut s, "legal", "lena", Verdict::Approve, &dir).unwrap();
    // Granted and consumed downstream: an edit no longer reopens it.
    step(&mut s, h(2));
    assert_eq!(status(&s, "ship"), TaskStatus::Succeeded);
    Arc::make_mut(&mut s.spec).tasks[0].title = "Yet another title".into();
    assert!(rwf::engine::edit::revalidate_approvals(&s).is_empty());
    // Unchanged content: nothing to do.
    let (s, _) = open_legal(approval(vec![team("legal")], 1));
    assert!(rwf::engine::edit::revalidate_approvals(&s).is_empty());
}

/// `cargo test --test engine -- --ignored --nocapture bench`: a 400-task release simulated end to end.
#[test]
#[ignore]
fn bench_simulate_large_release() {
    let mut tasks = Vec::new();
    for i in 0..400 {
        let step = match i % 4 {
            0 => agent("writer"),
            1 => approval(vec![team("legal")], 1),
            2 => Step::Notification {
                to: vec![Scope::Channel("#x".into())],
                message: "m".into(),
            },
            _ => Step::Checkpoint,
        };
        let mut t = task(&format!("t{i}"), step);
        if i >= 4 {
            t = after(t, &format!("t{}", i - 4));
        }
        if i % 7 == 0 && i > 0 {
            t = after(t, &format!("t{}", i - 1));
        }
        tasks.push(t);
    }
    let planned: Vec<(String, i64, i64)> = (0..400)
        .map(|i| (format!("t{i}"), i as i64, i as i64))
        .collect();
    let s = draft(spec(tasks), &planned);
    let started = std::time::Instant::now();
    let report = simulate(s.clone(), &Script::default(), &NoHooks).unwrap();
    let took = started.elapsed();
    let n = report.actions.len();
    println!(
        "simulated 400 tasks: {n} actions in {took:?} ({:.1} µs/action)",
        took.as_micros() as f64 / n as f64
    );
    assert_eq!(report.status, WorkflowStatus::Completed);
    let mut active = s;
    active.status = WorkflowStatus::Active;
    let started = std::time::Instant::now();
    for _ in 0..100 {
        let _ = reconcile(&active, h(0) - Duration::hours(1), &NoHooks);
    }
    println!(
        "reconcile of an idle 400-task snapshot: {:?}",
        started.elapsed() / 100
    );
}

#[test]
fn an_agent_asking_for_input_waits_for_a_person() {
    let mut s = snap(spec(vec![task("a", agent("x"))]), &[]);
    step(&mut s, h(0));
    let ask = AgentOutcome::NeedsInput {
        prompt: "which tone?".into(),
        schema: None,
    };
    let a = settle(&s, "a", 1, &ask, h(0), &NoHooks).unwrap();
    assert!(a.iter().any(
        |a| matches!(a, Action::Notify { kind: NotifyKind::InputNeeded, message, .. } if message == "which tone?")
    ));
    apply_all(&mut s, &a, h(0)).unwrap();
    assert_eq!(status(&s, "a"), TaskStatus::WaitingInput);
    let dir = StaticDirectory::default();
    let a = complete(&s, "a", &person("ann"), Some(json!({"tone": "calm"})), &dir).unwrap();
    apply_all(&mut s, &a, h(1)).unwrap();
    let d = step(&mut s, h(1));
    assert_eq!(s.task("a").unwrap().output, Some(json!({"tone": "calm"})));
    assert!(has(&d, |a| matches!(
        a,
        Action::Notify {
            kind: NotifyKind::WorkflowCompleted,
            ..
        }
    )));
}

#[test]
fn nothing_is_decided_in_a_draft() {
    let mut s = snap(
        spec(vec![task("legal", approval(vec![team("legal")], 1))]),
        &[],
    );
    s.status = WorkflowStatus::Draft;
    assert!(reconcile(&s, h(0), &NoHooks).actions.is_empty());
    let dir = StaticDirectory::default().with_team("legal", &["lena"]);
    let e = decide(&s, "legal", &person("lena"), Verdict::Approve, None, &dir).unwrap_err();
    assert_eq!(e.to_string(), "the workflow is draft, not active");
    assert!(lifecycle(&s, Lifecycle::Pause, "ann", h(0)).is_err());
    let a = lifecycle(&s, Lifecycle::Start, "ann", h(0)).unwrap();
    apply_all(&mut s, &a, h(0)).unwrap();
    step(&mut s, h(0));
    assert_eq!(status(&s, "legal"), TaskStatus::WaitingInput);
}

/// The reasons of the status changes a decision made, by task.
fn reasons(d: &Decision) -> BTreeMap<String, String> {
    d.actions
        .iter()
        .filter_map(|a| match a {
            Action::SetTaskStatus { task, reason, .. } => Some((task.clone(), reason.clone())),
            _ => None,
        })
        .collect()
}

/// `when rc1.output.needs_another == true and not fast` on `rc2`, `ship` after `rc2` (success edge),
/// `wrap` after `rc2` on any outcome; `rc1` an agent whose output decides.
fn output_condition_spec() -> WorkflowSpec {
    let mut rc2 = after(task("rc2", agent("release")), "rc1");
    rc2.when = Some(Condition::And {
        all: vec![
            Condition::Compare {
                param: "rc1.output.needs_another".into(),
                ne: false,
                value: json!(true),
            },
            Condition::Not {
                cond: Box::new(Condition::Flag {
                    param: "fast".into(),
                }),
            },
        ],
    });
    let mut s = spec(vec![
        task("rc1", agent("release")),
        rc2,
        after(task("ship", Step::Checkpoint), "rc2"),
        after_on(task("wrap", Step::Checkpoint), "rc2", EdgeOutcome::Any),
    ]);
    s.bindings.insert("fast".into(), json!(false));
    s
}

fn settle_with(s: &mut Snapshot, key: &str, output: Value, now: DateTime<Utc>) {
    let attempt = s.task(key).unwrap().attempt;
    let a = settle(
        s,
        key,
        attempt,
        &AgentOutcome::Succeeded { output },
        now,
        &NoHooks,
    )
    .unwrap();
    apply_all(s, &a, now).unwrap();
}

#[test]
fn an_output_condition_is_decided_when_the_dependencies_are_met() {
    // True: rc2 is dispatched once rc1 succeeds, and at its planned start, not before.
    let mut s = snap(output_condition_spec(), &[("rc2", 5, 6)]);
    step(&mut s, h(0));
    assert_eq!(status(&s, "rc2"), TaskStatus::Pending);
    settle_with(&mut s, "rc1", json!({"needs_another": true}), h(1));
    step(&mut s, h(1));
    assert_eq!(
        status(&s, "rc2"),
        TaskStatus::Pending,
        "waits for its start"
    );
    step(&mut s, h(5));
    assert_eq!(status(&s, "rc2"), TaskStatus::Running);

    // False: skipped as soon as rc1 is done (not at its start), with the condition and the values
    // read; the skip propagates along success edges and satisfies `any` edges.
    for (output, read) in [
        (json!({"needs_another": false}), "false"),
        (json!({"other": 1}), "null"),
    ] {
        let mut s = snap(output_condition_spec(), &[("rc2", 5, 6)]);
        step(&mut s, h(0));
        settle_with(&mut s, "rc1", output, h(1));
        let d = step(&mut s, h(1));
        assert_eq!(status(&s, "rc2"), TaskStatus::Skipped);
        assert_eq!(
            reasons(&d)["rc2"],
            format!(
                "condition false: rc1.output.needs_another == true and not fast \
                 (rc1.output.needs_another = {read}, fast = false)"
            )
        );
        assert_eq!(status(&s, "ship"), TaskStatus::Skipped);
        assert_eq!(
            reasons(&d)["ship"],
            "upstream rc2 ended skipped; the edge needs success"
        );
        assert_eq!(status(&s, "wrap"), TaskStatus::Succeeded);
    }

    // The params it reads come from the bindings: `fast` makes it false whatever rc1 says.
    let mut spec = output_condition_spec();
    spec.bindings.insert("fast".into(), json!(true));
    let mut s = snap(spec, &[]);
    step(&mut s, h(0));
    settle_with(&mut s, "rc1", json!({"needs_another": true}), h(1));
    step(&mut s, h(1));
    assert_eq!(status(&s, "rc2"), TaskStatus::Skipped);
}

#[test]
fn simulate_skips_on_a_scripted_output() {
    let run = |output: Value| {
        let mut s = snap(output_condition_spec(), &[("rc1", 1, 2)]);
        s.status = WorkflowStatus::Draft;
        let script = Script {
            outputs: BTreeMap::from([("rc1".to_string(), output)]),
            ..Script::default()
        };
        simulate(s, &script, &NoHooks).unwrap()
    };
    let text = |r: &rwf::engine::simulator::Report| -> Vec<String> {
        r.entries.iter().map(|e| e.text.clone()).collect()
    };
    let yes = run(json!({"needs_another": true}));
    assert!(
        text(&yes)
            .iter()
            .any(|t| t.starts_with("agent rc2 succeeded")),
        "{:#?}",
        text(&yes)
    );
    let no = run(json!({"needs_another": false}));
    assert!(
        text(&no)
            .iter()
            .any(|t| t.starts_with("agent rc2 skipped: condition false:")),
        "{:#?}",
        text(&no)
    );
    assert!(text(&no)
        .iter()
        .any(|t| t.starts_with("checkpoint ship skipped")));
}

/// Per-item approvals (`for each locale in locales { ... approval review { after translate } }`):
/// each `review[de]` opens when its own item's upstream is done, for its own approvers (scoped by
/// the item), with a review packet over only that item's upstream; deciding one leaves the other.
#[test]
fn per_item_approvals_have_their_own_approvers_and_packet() {
    let text = r#"template l10n "L10n" version 1 {
  param release: datetime
  param locales: list<string> = ["de", "fr"]
  target release in "UTC" at 09:00
  for each locale in locales {
    agent translate "Translate to ${locale}" { uses "translator"  input { lang: locale } }
    approval review "Review ${locale}" { approvers team("l10n-${locale}")  after translate }
  }
  checkpoint ship "Ship" { after review }
}"#;
    let c = rwf::compile::compile_source("l10n.rwf", text, &rwf::compile::MemLoader::default());
    assert!(
        !c.diagnostics.iter().any(|d| d.is_error()),
        "{:?}",
        c.diagnostics
    );
    let inputs = rwf::compile::Inputs {
        sets: BTreeMap::new(),
        release: Some("2031-03-01".into()),
        tz: None,
    };
    let bound = rwf::compile::bind(&c.spec.unwrap(), &inputs).unwrap();
    let review_spec = |k: &str| bound.task(k).unwrap().clone();
    let deps = |k: &str| -> Vec<String> {
        review_spec(k)
            .depends_on
            .iter()
            .map(|d| d.task.clone())
            .collect()
    };
    assert_eq!(deps("review[de]"), ["translate[de]"]);
    assert_eq!(deps("review[fr]"), ["translate[fr]"]);
    let dir = StaticDirectory::default()
        .with_team("l10n-de", &["dora"])
        .with_team("l10n-fr", &["fred"]);
    let mut s = snap(bound.clone(), &[]);
    step(&mut s, h(0));
    // German done first: only its review opens, for the German team.
    ok(&mut s, "translate[de]", h(1));
    let d = step(&mut s, h(1));
    let opened: Vec<(&str, &Vec<Scope>, &str)> = d
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::OpenApproval {
                task,
                approvers,
                packet_hash,
                ..
            } => Some((task.as_str(), approvers, packet_hash.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!(opened[0].0, "review[de]");
    assert_eq!(opened[0].1, &vec![team("l10n-de")]);
    let de_packet = opened[0].2.to_string();
    assert_eq!(
        de_packet,
        rwf::engine::reconcile::packet_hash(&s, &review_spec("review[de]"))
    );
    assert_eq!(status(&s, "review[fr]"), TaskStatus::Pending);
    // The French output does not enter the German packet.
    ok(&mut s, "translate[fr]", h(2));
    assert_eq!(
        rwf::engine::reconcile::packet_hash(&s, &review_spec("review[de]")),
        de_packet,
        "review[de]'s packet covers only translate[de]"
    );
    let d = step(&mut s, h(2));
    assert!(has(
        &d,
        |a| matches!(a, Action::OpenApproval { task, approvers, packet_hash, .. }
        if task == "review[fr]" && approvers == &vec![team("l10n-fr")] && *packet_hash != de_packet)
    ));
    // Each team decides its own item only.
    let e = vote(&mut s, "review[fr]", "dora", Verdict::Approve, &dir).unwrap_err();
    assert!(
        e.to_string()
            .contains("not among the approvers of `review[fr]` (team:l10n-fr)"),
        "{e}"
    );
    vote(&mut s, "review[de]", "dora", Verdict::Approve, &dir).unwrap();
    step(&mut s, h(3));
    assert_eq!(status(&s, "review[de]"), TaskStatus::Succeeded);
    assert_eq!(status(&s, "review[fr]"), TaskStatus::WaitingInput);
    let fr = s.approval("review[fr]").unwrap();
    assert!(
        fr.votes.is_empty() && fr.approvers == vec![team("l10n-fr")],
        "{fr:?}"
    );
    assert_eq!(s.approval("review[de]").unwrap().packet_hash, de_packet);
    assert_eq!(status(&s, "ship"), TaskStatus::Pending);
    vote(&mut s, "review[fr]", "fred", Verdict::Reject, &dir).unwrap();
    step(&mut s, h(4));
    assert_eq!(
        status(&s, "review[de]"),
        TaskStatus::Succeeded,
        "a rejection elsewhere leaves it"
    );
}
