//! The reconciler on Postgres, driven in-process on a virtual clock with the built-in executor: every
//! step type, gates, retries, dead letters, missed windows, rejections, cancellation, the event log,
//! lease takeover with fencing, racing workers; and real `rwf worker` processes SIGKILLed mid-run.

#[path = "support/pg.rs"]
mod pg;
#[path = "support/rig.rs"]
mod rig;
#[path = "support/specs.rs"]
mod specs;

use chrono::Duration;
use rig::{rig, worker_on, Rig};
use rwf::engine::Verdict;
use rwf::exec::{AgentOutcome, AgentReport};
use rwf::spec::{CancelPolicy, FailurePolicy, MissedPolicy, RejectPolicy};
use rwf::store::LifecycleVerb;
use specs::*;

impl Rig {
    async fn effects(&self, key_prefix: &str) -> Vec<(String, i64)> {
        sqlx::query_as(
            "SELECT idempotency_key, count(*) FROM rwf.builtin_effects WHERE idempotency_key LIKE $1 || '%'
             GROUP BY 1 ORDER BY 1",
        )
        .bind(key_prefix)
        .fetch_all(self.store.pool())
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn every_step_type_runs_to_completion() {
    let r = rig().await;
    let id = r
        .started(
            "all",
            vec![
                checkpoint("kickoff").at(1),
                agent("draft", "builtin:succeed").after("kickoff"),
                approval("legal", &["lea"], 1).after("draft"),
                manual("prep").after("legal"),
                wait("soak", 30).after("prep"),
                notification("announce", "it is out").after("soak"),
            ],
        )
        .await;
    r.idle().await;
    assert_eq!(
        r.task_status(id, "kickoff").await,
        "pending",
        "timing gate holds"
    );
    r.advance(1).await;
    assert_eq!(
        r.task_status(id, "kickoff").await,
        "running",
        "a checkpoint holds until its due"
    );
    r.advance(1).await;
    assert_eq!(r.task_status(id, "kickoff").await, "succeeded");
    assert_eq!(r.task_status(id, "draft").await, "succeeded");
    let draft = r.task(id, "draft").await;
    assert_eq!(draft.attempts, 1);
    assert_eq!(
        draft.output.as_ref().unwrap()["key"],
        format!("{id}:draft:1")
    );
    assert_eq!(r.task_status(id, "legal").await, "waiting_input");
    let inbox = r.store.inbox().await.unwrap();
    assert!(inbox
        .iter()
        .any(|i| i.workflow_id == id && i.kind == "approval"));
    r.store
        .decide(id, "legal", "lea", Verdict::Approve, None)
        .await
        .unwrap();
    r.idle().await;
    assert_eq!(r.task_status(id, "legal").await, "succeeded");
    assert_eq!(r.task_status(id, "prep").await, "waiting_input");
    r.store
        .done(id, "prep", "ann", Some(serde_json::json!({"ok": true})))
        .await
        .unwrap();
    r.idle().await;
    assert_eq!(r.task_status(id, "prep").await, "succeeded");
    assert_eq!(r.task_status(id, "soak").await, "running");
    r.clock.advance(Duration::minutes(30));
    r.idle().await;
    assert_eq!(r.task_status(id, "soak").await, "succeeded");
    assert_eq!(r.task_status(id, "announce").await, "succeeded");
    assert_eq!(r.status(id).await, "completed");
    let feed = r.store.notifications(Some(id)).await.unwrap();
    assert!(
        feed.iter()
            .any(|n| n.kind == "notification" && n.message.contains("it is out")),
        "{feed:?}"
    );
    assert!(feed.iter().any(|n| n.kind == "approval_needed"));
    assert!(feed.iter().any(|n| n.kind == "workflow_completed"));
    assert_eq!(
        r.effects(&id.to_string()).await,
        vec![(format!("{id}:draft:1"), 1)]
    );
    let kinds = r.kinds(id).await;
    for want in [
        "workflow_started",
        "dispatched",
        "approval_opened",
        "approval_vote",
        "approval_granted",
        "workflow_status",
    ] {
        assert!(kinds.iter().any(|k| k == want), "missing {want}: {kinds:?}");
    }
    let votes: Vec<(String, String)> = sqlx::query_as(
        "SELECT d.actor, d.verdict FROM rwf.approval_decisions d JOIN rwf.approvals a ON a.id = d.approval_id
         WHERE a.workflow_id = $1",
    )
    .bind(id)
    .fetch_all(r.store.pool())
    .await
    .unwrap();
    assert_eq!(votes, vec![("lea".into(), "approve".into())]);
    // The gate ledger explained the wait while it lasted; nothing is left waiting.
    let gates = r.store.gates(id).await.unwrap();
    assert!(gates.iter().all(|g| g.2 == "pass"), "{gates:?}");
}

#[tokio::test]
async fn gates_explain_why_tasks_wait() {
    let r = rig().await;
    let id = r
        .started(
            "gates",
            vec![
                checkpoint("later").at(3),
                approval("ok", &["lea"], 1),
                agent("after_both", "builtin:succeed")
                    .after("later")
                    .after("ok"),
            ],
        )
        .await;
    r.idle().await;
    let gates = r.store.gates(id).await.unwrap();
    let of = |task: &str, kind: &str| {
        gates
            .iter()
            .find(|g| g.0 == task && g.1 == kind)
            .unwrap_or_else(|| panic!("no {kind} gate for {task}: {gates:?}"))
            .clone()
    };
    assert_eq!(of("later", "timing").2, "wait");
    assert_eq!(of("after_both", "dependency").2, "wait");
    assert_eq!(of("after_both", "approval").2, "wait");
    assert!(of("after_both", "dependency")
        .4
        .to_string()
        .contains("later"));
    r.advance(4).await;
    assert_eq!(r.task_status(id, "later").await, "succeeded");
    assert_eq!(
        r.task_status(id, "after_both").await,
        "pending",
        "approval gate still closed"
    );
    r.store
        .decide(id, "ok", "lea", Verdict::Approve, None)
        .await
        .unwrap();
    r.idle().await;
    assert_eq!(r.task_status(id, "after_both").await, "succeeded");
    assert_eq!(r.status(id).await, "completed");
}

#[tokio::test]
async fn retries_back_off_then_succeed_with_new_keys() {
    let r = rig().await;
    let id = r
        .started(
            "retry",
            vec![agent("flaky", "builtin:fail_then_succeed:2").retry(3, 60)],
        )
        .await;
    r.idle().await;
    let t = r.task(id, "flaky").await;
    assert_eq!((t.status.as_str(), t.attempts), ("pending", 1));
    assert_eq!(t.next_attempt_at, Some(base() + Duration::minutes(60)));
    assert!(t.last_error.unwrap().contains("attempt 1"));
    r.clock.advance(Duration::minutes(59));
    r.idle().await;
    assert_eq!(r.task(id, "flaky").await.attempts, 1, "backoff holds");
    r.advance(1).await;
    assert_eq!(r.task(id, "flaky").await.attempts, 2);
    r.advance(1).await;
    let t = r.task(id, "flaky").await;
    assert_eq!((t.status.as_str(), t.attempts), ("succeeded", 3));
    let keys: Vec<(String, String, i32)> = sqlx::query_as(
        "SELECT idempotency_key, status, lease_epoch FROM rwf.attempts WHERE workflow_id = $1 ORDER BY attempt",
    )
    .bind(id)
    .fetch_all(r.store.pool())
    .await
    .unwrap();
    assert_eq!(
        keys,
        vec![
            (format!("{id}:flaky:1"), "failed".into(), 1),
            (format!("{id}:flaky:2"), "failed".into(), 1),
            (format!("{id}:flaky:3"), "succeeded".into(), 1),
        ]
    );
    assert!(r.kinds(id).await.iter().any(|k| k == "retry_scheduled"));
    assert_eq!(r.status(id).await, "completed");
}

#[tokio::test]
async fn exhausted_retries_dead_letter_and_block_or_skip() {
    let r = rig().await;
    let blocked = r
        .started(
            "dead",
            vec![
                agent("bad", "builtin:fail").retry(2, 1),
                checkpoint("next").after("bad"),
            ],
        )
        .await;
    let skipped = r
        .started(
            "skip",
            vec![
                agent("bad", "builtin:fatal")
                    .retry(5, 1)
                    .on_failure(FailurePolicy::Skip),
                checkpoint("next").after_any("bad"),
            ],
        )
        .await;
    r.idle().await;
    r.clock.advance(Duration::minutes(1));
    r.idle().await;
    let bad = r.task(blocked, "bad").await;
    assert_eq!((bad.status.as_str(), bad.attempts), ("failed", 2));
    assert_eq!(r.status(blocked).await, "failed");
    assert_ne!(r.task_status(blocked, "next").await, "succeeded");
    let feed = r.store.notifications(Some(blocked)).await.unwrap();
    assert!(feed.iter().any(|n| n.kind == "task_failed"), "{feed:?}");
    let bad = r.task(skipped, "bad").await;
    assert_eq!(
        (bad.status.as_str(), bad.attempts),
        ("skipped", 1),
        "fatal: no retry"
    );
    assert_eq!(r.task_status(skipped, "next").await, "succeeded");
    assert_eq!(r.status(skipped).await, "completed");
}

#[tokio::test]
async fn missed_windows_after_a_pause_follow_their_policy() {
    let r = rig().await;
    let id = r
        .started(
            "missed",
            vec![
                checkpoint("asap").at(1).on_missed(MissedPolicy::FireAsap),
                checkpoint("skipme").at(1).on_missed(MissedPolicy::Skip),
                checkpoint("failme")
                    .at(1)
                    .on_missed(MissedPolicy::Fail)
                    .optional(),
                checkpoint("ask")
                    .at(1)
                    .on_missed(MissedPolicy::RequireManualDecision),
            ],
        )
        .await;
    r.idle().await;
    r.store
        .transition(id, LifecycleVerb::Pause, "ann")
        .await
        .unwrap();
    r.advance(5).await;
    assert_eq!(
        r.task_status(id, "asap").await,
        "pending",
        "paused: nothing runs"
    );
    r.store
        .transition(id, LifecycleVerb::Resume, "ann")
        .await
        .unwrap();
    r.idle().await;
    assert_eq!(r.task_status(id, "asap").await, "succeeded");
    assert_eq!(r.task_status(id, "skipme").await, "skipped");
    assert_eq!(r.task_status(id, "failme").await, "failed");
    assert_eq!(r.task_status(id, "ask").await, "awaiting_decision");
    assert!(r.kinds(id).await.iter().any(|k| k == "window_missed"));
    let inbox = r.store.inbox().await.unwrap();
    assert!(inbox
        .iter()
        .any(|i| i.task_key == "ask" && i.kind == "decision"));
    r.store.done(id, "ask", "ann", None).await.unwrap();
    r.idle().await;
    assert_eq!(r.task_status(id, "ask").await, "succeeded");
    assert_eq!(r.status(id).await, "completed");
}

#[tokio::test]
async fn rejections_follow_on_reject() {
    let r = rig().await;
    let skip = r
        .started(
            "rs",
            vec![
                approval("ok", &["lea"], 1).on_reject(RejectPolicy::Skip),
                checkpoint("after").after("ok"),
            ],
        )
        .await;
    let cancel = r
        .started(
            "rc",
            vec![approval("ok", &["lea"], 1).on_reject(RejectPolicy::Cancel)],
        )
        .await;
    let revise = r
        .started(
            "rr",
            vec![
                agent("draft", "builtin:succeed"),
                approval("ok", &["lea"], 1)
                    .after("draft")
                    .on_reject(RejectPolicy::NeedsRevision),
            ],
        )
        .await;
    r.idle().await;
    for id in [skip, cancel, revise] {
        r.store
            .decide(id, "ok", "lea", Verdict::Reject, Some("not yet".into()))
            .await
            .unwrap();
    }
    r.idle().await;
    assert_eq!(r.task_status(skip, "ok").await, "skipped");
    assert_ne!(r.task_status(skip, "after").await, "succeeded");
    assert_eq!(r.status(cancel).await, "cancelled");
    // Needs revision: the draft runs again (attempt 2, a new key) and the approval reopens.
    let draft = r.task(revise, "draft").await;
    assert_eq!((draft.status.as_str(), draft.attempts), ("succeeded", 2));
    let (before,): (i32,) = sqlx::query_as(
        "SELECT attempts_before FROM rwf.tasks WHERE workflow_id = $1 AND key = 'draft'",
    )
    .bind(revise)
    .fetch_one(r.store.pool())
    .await
    .unwrap();
    assert_eq!(before, 1, "the re-run's retry budget counts from attempt 2");
    assert_eq!(r.task_status(revise, "ok").await, "waiting_input");
    let rounds: Vec<(i32, String)> = sqlx::query_as(
        "SELECT round, status FROM rwf.approvals WHERE workflow_id = $1 ORDER BY round",
    )
    .bind(revise)
    .fetch_all(r.store.pool())
    .await
    .unwrap();
    assert_eq!(rounds[0], (1, "rejected".to_string()));
    assert_eq!(rounds.last().unwrap().1, "open");
    r.store
        .decide(revise, "ok", "lea", Verdict::Approve, None)
        .await
        .unwrap();
    r.idle().await;
    assert_eq!(r.status(revise).await, "completed");
    // Refusals: not an approver, a machine, a second vote.
    let err = r
        .store
        .decide(skip, "ok", "lea", Verdict::Approve, None)
        .await;
    assert!(err.is_err());
    let fresh = r.started("rf", vec![approval("ok", &["lea"], 1)]).await;
    r.idle().await;
    assert!(r
        .store
        .decide(fresh, "ok", "bob", Verdict::Approve, None)
        .await
        .is_err());
    assert!(r
        .store
        .decide(fresh, "ok", "system", Verdict::Approve, None)
        .await
        .is_err());
}

#[tokio::test]
async fn cancel_abandons_in_flight_work_and_drops_its_result() {
    let r = rig().await;
    let id = r
        .started(
            "cancel",
            vec![
                agent("stuck", "builtin:hang").on_cancel(CancelPolicy::Abort),
                checkpoint("never").after("stuck"),
            ],
        )
        .await;
    let dispatches = r.worker.reconcile_due().await.unwrap();
    assert_eq!(dispatches.len(), 1);
    assert_eq!(r.task_status(id, "stuck").await, "running");
    r.store
        .transition(id, LifecycleVerb::Cancel, "ann")
        .await
        .unwrap();
    assert_eq!(r.status(id).await, "cancelled");
    assert_eq!(r.task_status(id, "stuck").await, "cancelled");
    assert_eq!(r.task_status(id, "never").await, "cancelled");
    // The hung agent "returns" late: its result is dropped, nothing changes.
    let accepted = r
        .worker
        .record_outcome(
            &dispatches[0],
            AgentReport {
                transactional: false,
                outcome: AgentOutcome::Succeeded {
                    output: serde_json::json!({}),
                },
                log: None,
            },
        )
        .await
        .unwrap();
    assert!(!accepted);
    assert_eq!(r.task_status(id, "stuck").await, "cancelled");
    assert!(r.kinds(id).await.iter().any(|k| k == "late_result_dropped"));
}

#[tokio::test]
async fn expired_lease_is_taken_over_with_the_same_key_and_a_late_result_is_dropped() {
    let r = rig().await;
    let id = r
        .started(
            "lease",
            vec![agent("a", "builtin:succeed"), checkpoint("b").after("a")],
        )
        .await;
    // Worker 1 decides the dispatch, then "dies" before running it.
    let first = r.worker.reconcile_due().await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].epoch, 1);
    let w2 = worker_on(&r.store, "w2", 60);
    assert!(
        w2.take_over(false).await.unwrap().is_empty(),
        "lease still valid"
    );
    r.clock.advance(Duration::seconds(61));
    let taken = w2.take_over(false).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].epoch, 2);
    assert_eq!(taken[0].attempt_id, first[0].attempt_id);
    assert_eq!(taken[0].request.idempotency_key, format!("{id}:a:1"));
    assert_eq!(
        taken[0].request, first[0].request,
        "same attempt, same key, same input"
    );
    assert!(w2.run_dispatch(taken[0].clone()).await.unwrap());
    // The old holder comes back with a result for epoch 1: dropped.
    let late = r
        .worker
        .record_outcome(
            &first[0],
            AgentReport {
                transactional: false,
                outcome: AgentOutcome::Failed {
                    reason: "late".into(),
                    retryable: true,
                },
                log: None,
            },
        )
        .await
        .unwrap();
    assert!(!late);
    w2.run_until_idle().await.unwrap();
    assert_eq!(r.status(id).await, "completed");
    let t = r.task(id, "a").await;
    assert_eq!((t.status.as_str(), t.attempts), ("succeeded", 1));
    let kinds = r.kinds(id).await;
    assert!(kinds.iter().any(|k| k == "lease_taken_over"));
    assert!(kinds.iter().any(|k| k == "late_result_dropped"));
    // A restarted worker with the same id takes its own leases back at once (no expiry wait).
    let id2 = r.started("own", vec![agent("x", "builtin:succeed")]).await;
    let held = r.worker.reconcile_due().await.unwrap();
    assert_eq!(held.len(), 1);
    let restarted = worker_on(&r.store, "w1", 60);
    let back = restarted.take_over(true).await.unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].epoch, 2);
    assert!(restarted.run_dispatch(back[0].clone()).await.unwrap());
    restarted.run_until_idle().await.unwrap();
    assert_eq!(r.status(id2).await, "completed");
}

/// Outcomes of one workflow that finish together land in one transaction (one `lock_version` step),
/// each still fenced by its own epoch: a stale one in the group is dropped, the rest are accepted.
#[tokio::test]
async fn outcomes_finishing_together_are_recorded_as_one_group_each_fenced() {
    let r = rig().await;
    let tasks = (0..5)
        .map(|i| agent(&format!("a{i}"), "builtin:succeed"))
        .chain([checkpoint("end").after("a0")])
        .collect();
    let id = r.started("group", tasks).await;
    let mut dispatches = r.worker.reconcile_due().await.unwrap();
    assert_eq!(dispatches.len(), 5);
    // a4's lease moves to another worker: the result this worker holds for it is stale.
    r.clock.advance(Duration::seconds(61));
    let w2 = worker_on(&r.store, "w2", 60);
    let taken = w2.take_over(false).await.unwrap();
    assert_eq!(taken.len(), 5);
    let fresh: Vec<_> = taken.into_iter().take(4).collect();
    dispatches.retain(|d| !fresh.iter().any(|f| f.attempt_id == d.attempt_id));
    assert_eq!(dispatches.len(), 1, "the stale one");
    let before = r.store.workflow(id).await.unwrap().lock_version;
    let mut set = tokio::task::JoinSet::new();
    for d in fresh.into_iter().chain(dispatches) {
        let w = w2.clone();
        set.spawn(async move {
            let report = AgentReport {
                transactional: false,
                outcome: AgentOutcome::Succeeded {
                    output: serde_json::json!({ "by": d.request.task_key }),
                },
                log: None,
            };
            (d.epoch, w.record_outcome(&d, report).await.unwrap())
        });
    }
    let mut results = Vec::new();
    while let Some(r) = set.join_next().await {
        results.push(r.unwrap());
    }
    results.sort();
    assert_eq!(
        results,
        vec![(1, false), (2, true), (2, true), (2, true), (2, true)]
    );
    let after = r.store.workflow(id).await.unwrap().lock_version;
    assert_eq!(after - before, 1, "one transaction for the whole group");
    let succeeded = r
        .store
        .tasks(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.status == "succeeded")
        .count();
    assert_eq!(succeeded, 4);
    assert!(r.kinds(id).await.iter().any(|k| k == "late_result_dropped"));
}

/// A leader cancelled before it recorded its group takes the group with it: a later outcome of the
/// same workflow leads a group of its own instead of waiting behind a leader that is gone.
#[tokio::test]
async fn a_cancelled_outcome_leader_strands_nothing() {
    let r = rig().await;
    let id = r
        .started(
            "cancelled_leader",
            vec![agent("a", "builtin:succeed"), agent("b", "builtin:succeed")],
        )
        .await;
    let dispatches = r.worker.reconcile_due().await.unwrap();
    assert_eq!(dispatches.len(), 2);
    let report = || AgentReport {
        transactional: false,
        outcome: AgentOutcome::Succeeded {
            output: serde_json::json!({}),
        },
        log: None,
    };
    let leader = {
        let (w, d) = (r.worker.clone(), dispatches[0].clone());
        tokio::spawn(async move { w.record_outcome(&d, report()).await })
    };
    // Let the leader register its group and reach its yield, then cancel it.
    tokio::task::yield_now().await;
    leader.abort();
    assert!(leader.await.unwrap_err().is_cancelled());
    let second = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        r.worker.record_outcome(&dispatches[1], report()),
    )
    .await
    .expect("the second outcome is not stranded");
    assert!(second.unwrap());
    assert_eq!(r.task_status(id, "b").await, "succeeded");
    assert_eq!(r.task_status(id, "a").await, "running");
}

/// A built-in success is a transactional effect: its ledger row commits with the outcome that reports
/// it (one transaction), a repeat of the key takes the output that stands, and an outcome that is not
/// accepted (its lease moved on) commits no effect.
#[tokio::test]
async fn a_builtin_effect_commits_with_its_outcome_once_per_key() {
    let r = rig().await;
    let id = r
        .started(
            "effects",
            vec![
                agent("a", "builtin:succeed"),
                agent("b", "builtin:succeed"),
                agent("c", "builtin:succeed"),
            ],
        )
        .await;
    let mut dispatches = r.worker.reconcile_due().await.unwrap();
    dispatches.sort_by(|x, y| x.request.task_key.cmp(&y.request.task_key));
    assert_eq!(dispatches.len(), 3);
    let (a, b, c) = (&dispatches[0], &dispatches[1], &dispatches[2]);
    // b's effect stands already (an earlier run of the same attempt): b settles with that output.
    sqlx::query(
        "INSERT INTO rwf.builtin_effects (idempotency_key, agent, output) VALUES ($1, $2, $3)",
    )
    .bind(&b.request.idempotency_key)
    .bind(&b.request.agent)
    .bind(serde_json::json!({ "first": true }))
    .execute(r.store.pool())
    .await
    .unwrap();
    assert!(r.worker.run_dispatch(a.clone()).await.unwrap());
    assert!(r.worker.run_dispatch(b.clone()).await.unwrap());
    let effects: Vec<(String, bool, serde_json::Value)> = sqlx::query_as(
        "SELECT a.task_key, e.xmin = a.xmin, e.output FROM rwf.builtin_effects e
         JOIN rwf.attempts a ON a.idempotency_key = e.idempotency_key
         WHERE a.workflow_id = $1 ORDER BY 1",
    )
    .bind(id)
    .fetch_all(r.store.pool())
    .await
    .unwrap();
    assert_eq!(effects.len(), 2, "{effects:?}");
    assert!(effects[0].1, "a's effect commits with a's outcome");
    assert_eq!(effects[1].2, serde_json::json!({ "first": true }));
    assert_eq!(
        r.task(id, "a").await.output.unwrap()["key"],
        serde_json::json!(a.request.idempotency_key)
    );
    assert_eq!(
        r.task(id, "b").await.output,
        Some(serde_json::json!({ "first": true })),
        "the output that stands"
    );
    // c's lease moves to another worker before this one reports: its success is dropped, and no
    // effect is committed for it; the new holder's run commits the one effect.
    r.clock.advance(Duration::seconds(61));
    let w2 = worker_on(&r.store, "w2", 60);
    let taken = w2.take_over(false).await.unwrap();
    assert_eq!(taken.len(), 1);
    let late = r
        .worker
        .record_outcome(
            c,
            AgentReport {
                outcome: AgentOutcome::Succeeded {
                    output: serde_json::json!({ "late": true }),
                },
                log: None,
                transactional: true,
            },
        )
        .await
        .unwrap();
    assert!(!late);
    assert!(r.effects(&c.request.idempotency_key).await.is_empty());
    assert!(w2.run_dispatch(taken[0].clone()).await.unwrap());
    assert_eq!(
        r.effects(&id.to_string()).await.len(),
        3,
        "one effect per key: a, b, c"
    );
    assert_eq!(r.status(id).await, "completed");
}

/// Event hints (`rwf_events`) go out only while someone follows the log: with nobody registered a
/// busy worker sends none (each would cost every listening backend a transaction); once a follower
/// registers, every write hints it.
#[tokio::test]
async fn event_hints_go_out_only_while_someone_follows() {
    let r = rig().await;
    // A bare listener, not registered as a follower: it sees what is sent, and counts for nothing.
    let mut spy = sqlx::postgres::PgListener::connect_with(r.store.pool())
        .await
        .unwrap();
    spy.listen("rwf_events").await.unwrap();
    let hinted = |spy: &mut sqlx::postgres::PgListener| {
        let mut got = Vec::new();
        while let Some(n) = spy.next_buffered() {
            got.push(n.payload().to_string());
        }
        got
    };
    let quiet = r
        .started("quiet", vec![agent("a", "builtin:succeed")])
        .await;
    r.worker.run_until_idle().await.unwrap();
    assert_eq!(r.status(quiet).await, "completed");
    let waited = tokio::time::timeout(std::time::Duration::from_millis(300), spy.recv()).await;
    assert!(waited.is_err(), "no hint without a follower: {waited:?}");
    let mut follower = r.store.follow().await.unwrap();
    let watched = r
        .started("watched", vec![agent("a", "builtin:succeed")])
        .await;
    r.worker.run_until_idle().await.unwrap();
    assert_eq!(r.status(watched).await, "completed");
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), spy.recv())
        .await
        .expect("a hint while someone follows")
        .unwrap();
    let mut payloads = vec![first.payload().to_string()];
    payloads.extend(hinted(&mut spy));
    assert!(
        payloads.iter().all(|p| *p == watched.to_string()),
        "{payloads:?}"
    );
    // The follower is woken by them too.
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        follower.wait(std::time::Duration::from_secs(60)),
    )
    .await
    .expect("the follower is woken by a hint")
    .unwrap();
}

#[tokio::test]
async fn racing_workers_never_double_dispatch() {
    let r = rig().await;
    let mut ids = Vec::new();
    for n in 0..12 {
        let tasks = (0..5)
            .map(|i| {
                let t = agent(&format!("a{i}"), "builtin:succeed");
                if i > 0 {
                    t.after(&format!("a{}", i - 1))
                } else {
                    t
                }
            })
            .collect();
        ids.push(r.started(&format!("race{n}"), tasks).await);
    }
    let workers: Vec<_> = (0..3)
        .map(|i| worker_on(&r.store, &format!("racer{i}"), 60))
        .collect();
    let mut set = tokio::task::JoinSet::new();
    for w in workers.clone() {
        set.spawn(async move { w.run_until_idle().await });
    }
    while let Some(res) = set.join_next().await {
        res.unwrap().unwrap();
    }
    r.idle().await;
    for id in &ids {
        assert_eq!(r.status(*id).await, "completed");
    }
    let dispatched: usize = workers
        .iter()
        .map(|w| {
            w.stats
                .dispatches
                .load(std::sync::atomic::Ordering::Relaxed)
        })
        .sum();
    assert_eq!(dispatched, 12 * 5, "each attempt dispatched exactly once");
    let (dupes,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM (SELECT idempotency_key FROM rwf.builtin_effects GROUP BY 1 HAVING count(*) > 1) d",
    )
    .fetch_one(r.store.pool())
    .await
    .unwrap();
    assert_eq!(dupes, 0);
}

/// Real `rwf worker` processes, SIGKILLed again and again while several workflows run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_killed_mid_run_still_finish_every_workflow_exactly_once() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let mut ids = Vec::new();
    for n in 0..6 {
        let tasks = (0..6)
            .map(|i| {
                let t = agent(&format!("s{i}"), "builtin:sleep:150");
                if i > 0 {
                    t.after(&format!("s{}", i - 1))
                } else {
                    t
                }
            })
            .collect();
        let id = create(&store, spec_of(&format!("crash{n}"), tasks), base()).await;
        store
            .transition(id, LifecycleVerb::Start, "ann")
            .await
            .unwrap();
        ids.push(id);
    }
    // Several rounds of two workers each, SIGKILLed mid-run (no grace, no lease hand-back).
    let kills = kill_rounds_then_finish(
        &db.url,
        &store,
        &["--poll", "0.5", "--lease", "1", "--grace", "1"],
        "crash",
        (5, 2),
        |round| 700 + 97 * round,
        120,
    )
    .await;
    assert!(
        kills >= 4,
        "the run was interrupted several times ({kills} kills)"
    );
    assert!(
        all_completed(&store).await,
        "every workflow completes despite the kills"
    );
    let (tasks, succeeded_once): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE status = 'succeeded' AND attempts = 1) FROM rwf.tasks",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        (tasks, succeeded_once),
        (36, 36),
        "each task succeeded, on its first attempt"
    );
    let (effects, keys, max_per_key): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT idempotency_key), COALESCE(max(n), 0) FROM
           (SELECT idempotency_key, count(*) OVER (PARTITION BY idempotency_key) AS n FROM rwf.builtin_effects) e",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        max_per_key, 1,
        "at most one side effect per idempotency key"
    );
    assert_eq!((effects, keys), (36, 36));
}

/// A real `rwf worker` SIGKILLed while its command agent runs: the agent (a shell script) and what
/// it started (a `sleep` in the background) are gone shortly after, so a takeover never races an
/// orphan of the same attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_takes_its_agents_process_group_with_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("rwf-orphan-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let pids = dir.join("pids");
    let script = dir.join("sleeper.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat >/dev/null\nsleep 120 &\necho $$ $! > {}.tmp\nmv {0}.tmp {0}\nwait\n",
            pids.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.join("rwf.toml"),
        "[agents.sleeper]\nkind = \"command\"\nprogram = \"./sleeper.sh\"\ntimeout = \"10m\"\n",
    )
    .unwrap();
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let id = create(
        &store,
        spec_of("orphan", vec![agent("nap", "sleeper")]),
        base(),
    )
    .await;
    store
        .transition(id, LifecycleVerb::Start, "ann")
        .await
        .unwrap();
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args(["worker", "--database-url", &db.url, "--id", "orphan-w"])
        .arg("--config")
        .arg(dir.join("rwf.toml"))
        .args(["--poll", "0.5"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn rwf worker");
    let started = std::time::Instant::now();
    let running: Vec<i32> = loop {
        if let Ok(text) = std::fs::read_to_string(&pids) {
            break text
                .split_whitespace()
                .map(|p| p.parse().unwrap())
                .collect();
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the agent never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(running.len(), 2, "the script and its sleep");
    let alive = |pid: i32| {
        // A zombie waiting for a reaper is dead too.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| {
                !stat
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
            .unwrap_or(false)
    };
    assert!(running.iter().all(|p| alive(*p)));
    worker.kill().expect("SIGKILL the worker");
    worker.wait().unwrap();
    let killed = std::time::Instant::now();
    while running.iter().any(|p| alive(*p)) {
        assert!(
            killed.elapsed() < std::time::Duration::from_secs(3),
            "agent processes {running:?} outlived their worker"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_outcome_dispatches_what_it_unblocks_in_its_own_commit() {
    let r = rig().await;
    let id = r
        .started(
            "inline",
            vec![
                agent("a", "builtin:succeed"),
                agent("b", "builtin:succeed").after("a"),
                agent("c", "builtin:succeed").after("b"),
                approval("ok", &["lea"], 1).after("c"),
                checkpoint("later").at(3),
            ],
        )
        .await;
    let first = r.worker.reconcile_due().await.unwrap();
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].request.task_key, "a");
    // The row version of each gate: a gate that does not change is not rewritten.
    let gates = || async {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT task_key, kind, state, xmin::text FROM rwf.gates WHERE workflow_id = $1
             ORDER BY 1, 2",
        )
        .bind(id)
        .fetch_all(r.store.pool())
        .await
        .unwrap();
        rows
    };
    let before = gates().await;
    let later = |rows: &[(String, String, String, String)]| {
        rows.iter()
            .find(|g| g.0 == "later" && g.1 == "timing")
            .cloned()
            .unwrap_or_else(|| panic!("no timing gate for later: {rows:?}"))
    };
    // Running `a` settles it and runs what each outcome unblocks, without another claim.
    assert!(r.worker.run_dispatch(first[0].clone()).await.unwrap());
    for task in ["a", "b", "c"] {
        assert_eq!(r.task_status(id, task).await, "succeeded", "{task}");
    }
    assert_eq!(r.task_status(id, "ok").await, "waiting_input");
    // Each downstream was dispatched (the approval opened) in the transaction that recorded its
    // upstream's output: the same commit wrote both events.
    let events: Vec<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT kind, task_key, xmin::text FROM rwf.events WHERE workflow_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(r.store.pool())
    .await
    .unwrap();
    let xact = |kind: &str, task: &str| {
        events
            .iter()
            .find(|e| e.0 == kind && e.1.as_deref() == Some(task))
            .unwrap_or_else(|| panic!("no {kind} for {task}: {events:?}"))
            .2
            .clone()
    };
    assert_eq!(xact("output_recorded", "a"), xact("dispatched", "b"));
    assert_eq!(xact("output_recorded", "b"), xact("dispatched", "c"));
    assert_eq!(xact("output_recorded", "c"), xact("approval_opened", "ok"));
    assert_ne!(xact("dispatched", "b"), xact("dispatched", "c"));
    // Nothing is left for a claim: the settled decisions were the reconcile.
    assert!(r.worker.reconcile_due().await.unwrap().is_empty());
    // The gate ledger: settled tasks' rows are gone, an unchanged gate kept its row version.
    let after = gates().await;
    assert!(
        after
            .iter()
            .all(|g| !["a", "b", "c"].contains(&g.0.as_str())),
        "{after:?}"
    );
    assert_eq!(
        later(&after),
        later(&before),
        "an unchanged gate is not rewritten"
    );
    assert!(
        after.iter().any(|g| g.0 == "ok" && g.2 == "wait"),
        "{after:?}"
    );
    r.store
        .decide(id, "ok", "lea", Verdict::Approve, None)
        .await
        .unwrap();
    r.advance(4).await;
    assert_eq!(r.status(id).await, "completed");
    assert!(gates().await.is_empty(), "a finished workflow has no gates");
    assert_eq!(r.effects(&id.to_string()).await.len(), 3);
}

/// Sends one event as `sender`.
async fn signal(
    r: &Rig,
    id: uuid::Uuid,
    name: &str,
    event_id: Option<&str>,
    data: serde_json::Value,
    sender: &str,
) -> rwf::store::Result<rwf::store::SignalReceipt> {
    r.store
        .signal(
            id,
            rwf::engine::signal::Incoming {
                name: name.into(),
                id: event_id.map(str::to_string),
                data,
                sender: sender.into(),
            },
        )
        .await
}

/// The audit entries about events: (kind, actor, task, event id).
async fn event_log(r: &Rig, id: uuid::Uuid) -> Vec<(String, String, Option<String>, String)> {
    r.store
        .events(id, 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.starts_with("event_"))
        .map(|e| {
            let eid = e.data["event_id"].as_str().unwrap_or_default().to_string();
            (e.kind, e.actor, e.task_key, eid)
        })
        .collect()
}

fn log_row(
    kind: &str,
    actor: &str,
    task: Option<&str>,
    eid: &str,
) -> (String, String, Option<String>, String) {
    (
        kind.into(),
        actor.into(),
        task.map(str::to_string),
        eid.into(),
    )
}

#[tokio::test]
async fn an_event_sent_before_its_wait_opens_is_latched_and_taken_when_it_opens() {
    use rwf::spec::TimeoutPolicy;
    let r = rig().await;
    let id = r
        .started(
            "latch",
            vec![
                checkpoint("freeze").at(1),
                event(
                    "ci",
                    "ci.finished",
                    &[("status", serde_json::json!("success"))],
                    Some(4),
                    TimeoutPolicy::Fail,
                )
                .after("freeze"),
                agent("deploy", "builtin:succeed").after("ci"),
            ],
        )
        .await;
    r.idle().await;
    // A failing run first (does not match), then the green one; both before the wait opens.
    let red = signal(
        &r,
        id,
        "ci.finished",
        Some("run-1"),
        serde_json::json!({"status": "failure"}),
        "ci-bot",
    )
    .await
    .unwrap();
    assert!(!red.repeat);
    signal(
        &r,
        id,
        "ci.finished",
        Some("run-2"),
        serde_json::json!({"status": "success", "url": "https://ci/2"}),
        "ci-bot",
    )
    .await
    .unwrap();
    r.idle().await;
    assert_eq!(
        r.task_status(id, "ci").await,
        "pending",
        "the wait is not open yet"
    );
    let stored = r.store.external_events(id).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|e| e.consumed_by.is_none()));
    r.advance(2).await;
    assert_eq!(r.task_status(id, "freeze").await, "succeeded");
    assert_eq!(
        r.task_status(id, "ci").await,
        "succeeded",
        "latched event taken on opening"
    );
    let ci = r.task(id, "ci").await;
    let out = ci.output.unwrap();
    assert_eq!(out["id"], "run-2");
    assert_eq!(out["data"]["url"], "https://ci/2");
    assert_eq!(out["sender"], "ci-bot");
    assert_eq!(r.task_status(id, "deploy").await, "succeeded");
    assert_eq!(r.status(id).await, "completed");
    let stored = r.store.external_events(id).await.unwrap();
    assert_eq!(
        stored[0].consumed_by, None,
        "the failing run is never taken"
    );
    assert_eq!(stored[1].consumed_by.as_deref(), Some("ci"));
    assert_eq!(
        event_log(&r, id).await,
        vec![
            log_row("event_received", "ci-bot", None, "run-1"),
            log_row("event_received", "ci-bot", None, "run-2"),
            log_row("event_consumed", "worker", Some("ci"), "run-2"),
        ]
    );
}

#[tokio::test]
async fn an_event_after_its_wait_opened_completes_it_and_a_finished_workflow_takes_no_more() {
    use rwf::spec::TimeoutPolicy;
    let r = rig().await;
    let id = r
        .started(
            "after",
            vec![event(
                "ci",
                "ci.finished",
                &[],
                Some(4),
                TimeoutPolicy::Fail,
            )],
        )
        .await;
    r.idle().await;
    assert_eq!(r.task_status(id, "ci").await, "running", "the wait is open");
    let gates = r.store.gates(id).await.unwrap();
    assert!(
        gates
            .iter()
            .any(|g| g.0 == "ci" && g.1 == "event" && g.3.contains("`ci.finished`")),
        "{gates:?}"
    );
    r.advance(1).await;
    let first = signal(
        &r,
        id,
        "ci.finished",
        Some("run-7"),
        serde_json::json!({"n": 7}),
        "ci-bot",
    )
    .await
    .unwrap();
    assert!(!first.repeat);
    r.idle().await;
    assert_eq!(r.task_status(id, "ci").await, "succeeded");
    assert_eq!(r.status(id).await, "completed");
    // Twice with the same id: the first event comes back, nothing is stored again.
    let again = signal(
        &r,
        id,
        "ci.finished",
        Some("run-7"),
        serde_json::json!({"n": 7}),
        "ci-bot",
    );
    let err = again.await.unwrap_err();
    assert!(err.to_string().contains("completed"), "{err}");
    assert_eq!(r.store.external_events(id).await.unwrap().len(), 1);
    assert_eq!(
        event_log(&r, id).await,
        vec![
            log_row("event_received", "ci-bot", None, "run-7"),
            log_row("event_consumed", "worker", Some("ci"), "run-7"),
        ]
    );
}

#[tokio::test]
async fn the_same_event_id_twice_is_stored_once_and_logged_as_a_repeat() {
    use rwf::spec::TimeoutPolicy;
    let r = rig().await;
    let id = r
        .started(
            "dup",
            vec![
                checkpoint("freeze").at(5),
                event("ci", "ci.finished", &[], None, TimeoutPolicy::Fail).after("freeze"),
            ],
        )
        .await;
    r.idle().await;
    let data = serde_json::json!({"status": "success"});
    let first = signal(&r, id, "ci.finished", Some("run-1"), data.clone(), "ci-bot")
        .await
        .unwrap();
    let second = signal(&r, id, "ci.finished", Some("run-1"), data.clone(), "ann")
        .await
        .unwrap();
    assert!(!first.repeat);
    assert!(second.repeat);
    assert_eq!(second.event, first.event, "the first event comes back");
    assert_eq!(second.event.sender, "ci-bot");
    // The same id for another payload is refused, and the refusal changes nothing.
    let before = r.store.events(id, 0).await.unwrap().len();
    let clash = signal(
        &r,
        id,
        "ci.finished",
        Some("run-1"),
        serde_json::json!({"status": "x"}),
        "ann",
    )
    .await
    .unwrap_err();
    assert!(clash.to_string().contains("already used"), "{clash}");
    // So are unknown names.
    let unknown = signal(&r, id, "ci.finishd", None, serde_json::Value::Null, "ann")
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("`ci.finished`"), "{unknown}");
    assert_eq!(r.store.events(id, 0).await.unwrap().len(), before);
    assert_eq!(r.store.external_events(id).await.unwrap().len(), 1);
    // Without an id, each signal is a new event.
    let a = signal(&r, id, "ci.finished", None, data.clone(), "ann")
        .await
        .unwrap();
    let b = signal(&r, id, "ci.finished", None, data.clone(), "ann")
        .await
        .unwrap();
    assert_ne!(a.event.id, b.event.id);
    let n: (i64,) =
        sqlx::query_as("SELECT count(*) FROM rwf.external_events WHERE workflow_id = $1")
            .bind(id)
            .fetch_one(r.store.pool())
            .await
            .unwrap();
    assert_eq!(n.0, 3);
    // The oldest matching event is the one taken.
    r.advance(7).await;
    assert_eq!(r.task(id, "ci").await.output.unwrap()["id"], "run-1");
    let log = event_log(&r, id).await;
    assert_eq!(log[0], log_row("event_received", "ci-bot", None, "run-1"));
    assert_eq!(log[1], log_row("event_repeated", "ann", None, "run-1"));
    assert_eq!(log.iter().filter(|l| l.0 == "event_received").count(), 3);
}

#[tokio::test]
async fn an_event_after_the_timeout_is_kept_but_the_wait_has_ended_by_its_policy() {
    use rwf::spec::TimeoutPolicy;
    let r = rig().await;
    let id = r
        .started(
            "late",
            vec![
                event("fail", "ci.finished", &[], Some(2), TimeoutPolicy::Fail).optional(),
                event("skip", "ci.finished", &[], Some(2), TimeoutPolicy::Skip),
                event("go", "ci.finished", &[], Some(2), TimeoutPolicy::Continue),
                checkpoint("after_skip").after("skip"),
                checkpoint("after_go").after("go"),
            ],
        )
        .await;
    r.idle().await;
    r.advance(3).await;
    assert_eq!(r.task_status(id, "fail").await, "failed");
    assert_eq!(r.task_status(id, "skip").await, "skipped");
    assert_eq!(r.task_status(id, "after_skip").await, "skipped");
    assert_eq!(r.task_status(id, "go").await, "succeeded");
    assert_eq!(
        r.task(id, "go").await.output.unwrap(),
        serde_json::json!({"timed_out": true})
    );
    assert!(r
        .task(id, "fail")
        .await
        .last_error
        .unwrap()
        .contains("timeout then fail"));
    assert_eq!(
        r.status(id).await,
        "completed",
        "the failed wait was optional"
    );
    // Too late: the workflow has finished; the event is refused and nothing is stored.
    let late = signal(
        &r,
        id,
        "ci.finished",
        Some("late"),
        serde_json::Value::Null,
        "ci-bot",
    )
    .await;
    assert!(late
        .unwrap_err()
        .to_string()
        .contains("takes no more events"));
    assert!(r.store.external_events(id).await.unwrap().is_empty());
    let log = event_log(&r, id).await;
    assert_eq!(
        log.iter()
            .filter(|l| l.0 == "event_timed_out")
            .map(|l| l.2.clone().unwrap())
            .collect::<Vec<_>>(),
        vec!["fail", "skip", "go"]
    );
}

#[tokio::test]
async fn an_event_after_the_timeout_of_a_running_workflow_stays_unconsumed() {
    use rwf::spec::TimeoutPolicy;
    let r = rig().await;
    let id = r
        .started(
            "late2",
            vec![
                event("ci", "ci.finished", &[], Some(1), TimeoutPolicy::Skip),
                manual("signoff"),
            ],
        )
        .await;
    r.idle().await;
    r.advance(2).await;
    assert_eq!(r.task_status(id, "ci").await, "skipped");
    signal(
        &r,
        id,
        "ci.finished",
        Some("late"),
        serde_json::json!({}),
        "ci-bot",
    )
    .await
    .unwrap();
    r.idle().await;
    assert_eq!(
        r.task_status(id, "ci").await,
        "skipped",
        "a timed-out wait stays ended"
    );
    let stored = r.store.external_events(id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].consumed_by, None);
    assert_eq!(
        event_log(&r, id).await,
        vec![
            log_row("event_timed_out", "worker", Some("ci"), ""),
            log_row("event_received", "ci-bot", None, "late"),
        ]
    );
}

/// A condition on an upstream output, on Postgres: decided once the upstream's answer is recorded;
/// true runs the task, false skips it with the reason in the log and the skip propagates.
#[tokio::test]
async fn an_output_condition_runs_or_skips_the_task_when_its_upstream_is_done() {
    use rwf::spec::Condition;
    let r = rig().await;
    let flow = || {
        vec![
            manual("rc1"),
            agent("rc2", "builtin:succeed")
                .after("rc1")
                .when(Condition::Compare {
                    param: "rc1.output.needs_another".into(),
                    ne: false,
                    value: serde_json::json!(true),
                }),
            checkpoint("ship").after("rc2"),
        ]
    };
    let yes = r.started("cond_yes", flow()).await;
    let no = r.started("cond_no", flow()).await;
    r.idle().await;
    for (id, answer) in [(yes, true), (no, false)] {
        assert_eq!(r.task_status(id, "rc2").await, "pending");
        r.store
            .done(
                id,
                "rc1",
                "ann",
                Some(serde_json::json!({ "needs_another": answer })),
            )
            .await
            .unwrap();
    }
    r.idle().await;
    assert_eq!(r.task_status(yes, "rc2").await, "succeeded");
    assert_eq!(r.task_status(yes, "ship").await, "succeeded");
    assert_eq!(r.status(yes).await, "completed");
    assert_eq!(r.task_status(no, "rc2").await, "skipped");
    assert_eq!(r.task_status(no, "ship").await, "skipped");
    assert_eq!(r.status(no).await, "completed");
    assert_eq!(r.effects(&no.to_string()).await, vec![], "never dispatched");
    let skip = r
        .store
        .events(no, 0)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == "task_status" && e.task_key.as_deref() == Some("rc2"))
        .unwrap();
    assert!(
        skip.data.to_string().contains(
            "condition false: rc1.output.needs_another == true (rc1.output.needs_another = false)"
        ),
        "{}",
        skip.data
    );
}

/// A `for each` over `build`'s output (the built-in agent echoes its input, `n` platforms), each item
/// shipped by `ship` (a built-in agent with a side effect), then a fan-in `done`: the template, and
/// the spec bound at `base()` with its plan.
fn fanout_template(
    key: &str,
    n: usize,
    ship: &str,
) -> (
    rwf::spec::WorkflowSpec,
    rwf::spec::WorkflowSpec,
    rwf::schedule::Plan,
) {
    let items: Vec<String> = (0..n).map(|i| format!("\"p{i}\"")).collect();
    let text = format!(
        r#"template {key} "Fan-out" {{
  param release: datetime
  target release in "UTC"
  agent build "Build" {{ uses "builtin:succeed"  input {{ platforms: [{}] }} }}
  for each platform in build.output.input.platforms {{
    agent ship "Ship ${{platform}}" {{ uses "{ship}"  input {{ platform: "${{platform}}" }} }}
  }}
  checkpoint done "Done" {{ after ship }}
}}"#,
        items.join(", ")
    );
    let c = rwf::compile::compile_source("f.rwf", &text, &rwf::compile::MemLoader::default());
    assert!(
        !rwf::diagnostic::has_errors(&c.diagnostics),
        "{:?}",
        c.diagnostics
    );
    let template = c.spec.unwrap();
    let inputs = rwf::compile::Inputs {
        release: Some(base().to_rfc3339()),
        ..Default::default()
    };
    let spec = rwf::compile::bind(&template, &inputs).unwrap();
    let target = rwf::schedule::target_of(&spec).unwrap();
    let plan = rwf::schedule::resolve(&spec, &target, &Default::default()).unwrap();
    (template, spec, plan)
}

/// `fanout_template` stored as a draft; returns its id.
async fn fanout_workflow(store: &rwf::store::Store, key: &str, n: usize, ship: &str) -> uuid::Uuid {
    let (template, spec, plan) = fanout_template(key, n, ship);
    store
        .create_workflow(rwf::store::NewWorkflow {
            template: &template,
            spec: &spec,
            plan: &plan,
            actor: "ann",
        })
        .await
        .expect("create workflow")
}

/// Each copy's dispatches (attempt rows) and side effects, and the `expanded` events.
async fn fanout_counts(store: &rwf::store::Store, id: uuid::Uuid) -> (i64, i64, i64, i64, i64) {
    let (copies, max_attempts): (i64, i64) = sqlx::query_as(
        "SELECT count(DISTINCT task_key), COALESCE(max(n), 0) FROM
           (SELECT task_key, count(*) OVER (PARTITION BY task_key) AS n FROM rwf.attempts
            WHERE workflow_id = $1 AND task_key LIKE 'ship[%') a",
    )
    .bind(id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    let (effects, max_effects): (i64, i64) = sqlx::query_as(
        "SELECT count(*), COALESCE(max(n), 0) FROM
           (SELECT count(*) OVER (PARTITION BY idempotency_key) AS n FROM rwf.builtin_effects
            WHERE idempotency_key LIKE $1 || ':ship[%') e",
    )
    .bind(id.to_string())
    .fetch_one(store.pool())
    .await
    .unwrap();
    let (expanded,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM rwf.events WHERE workflow_id = $1 AND kind = 'expanded'",
    )
    .bind(id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    (copies, max_attempts, effects, max_effects, expanded)
}

#[tokio::test]
async fn a_fan_out_of_500_items_dispatches_each_once_and_fans_in() {
    let r = rig().await;
    let id = fanout_workflow(&r.store, "fan500", 500, "builtin:succeed").await;
    r.store
        .transition(id, LifecycleVerb::Start, "ann")
        .await
        .unwrap();
    r.idle().await;
    assert_eq!(r.status(id).await, "completed");
    let (copies, max_attempts, effects, max_effects, expanded) = fanout_counts(&r.store, id).await;
    assert_eq!(
        (copies, max_attempts),
        (500, 1),
        "each item dispatched once"
    );
    assert_eq!((effects, max_effects), (500, 1), "each item's effect once");
    assert_eq!(expanded, 1);
    let tasks = r.store.tasks(id).await.unwrap();
    assert_eq!(tasks.len(), 502, "build, 500 copies, done");
    assert!(
        tasks.iter().all(|t| t.key != "ship"),
        "the prototype is gone"
    );
    assert_eq!(r.task_status(id, "ship[p499]").await, "succeeded");
    assert_eq!(r.task_status(id, "done").await, "succeeded");
    // The stored spec is the expanded one (its hash follows it) and its edges are rows.
    let (spec, hash): (serde_json::Value, String) =
        sqlx::query_as("SELECT spec, spec_hash FROM rwf.workflows WHERE id = $1")
            .bind(id)
            .fetch_one(r.store.pool())
            .await
            .unwrap();
    let spec: rwf::spec::WorkflowSpec = serde_json::from_value(spec).unwrap();
    assert_eq!(hash, rwf::spec::content_hash(&spec));
    assert!(spec.flow.blocks.is_empty());
    let (edges,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM rwf.dependencies WHERE workflow_id = $1 AND task_key = 'done'",
    )
    .bind(id)
    .fetch_one(r.store.pool())
    .await
    .unwrap();
    assert_eq!(edges, 500, "the fan-in waits for every copy");
    let event = r
        .store
        .events(id, 0)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == "expanded")
        .unwrap();
    assert_eq!(event.task_key.as_deref(), Some("build"));
    assert_eq!(event.data["count"], 500);
    assert_eq!(event.data["labels"][0], "p0");
}

#[tokio::test]
async fn an_edit_after_the_expansion_keeps_the_copies() {
    let r = rig().await;
    let id = fanout_workflow(&r.store, "fanedit", 3, "builtin:hang").await;
    r.store
        .transition(id, LifecycleVerb::Start, "ann")
        .await
        .unwrap();
    r.idle().await;
    assert_eq!(r.task_status(id, "ship[p1]").await, "running");
    r.store
        .transition(id, LifecycleVerb::Pause, "ann")
        .await
        .unwrap();
    // Retitle one copy in the expanded spec: the edit diffs the copies like any task.
    let result = r
        .store
        .edit_workflow(
            id,
            rwf::store::EditOptions {
                actor: "ann",
                expect_version: None,
                dry_run: false,
                allow_active: false,
                event: "workflow_edited",
                template: None,
            },
            |snap| {
                let mut spec = (*snap.spec).clone();
                spec.tasks
                    .iter_mut()
                    .find(|t| t.key == "ship[p2]")
                    .unwrap()
                    .title = "Ship p2 (retitled)".into();
                let target = rwf::schedule::target_of(&spec).map_err(|e| format!("{e:?}"))?;
                let plan = rwf::schedule::resolve(&spec, &target, &Default::default())
                    .map_err(|e| format!("{e:?}"))?;
                Ok((spec, plan))
            },
        )
        .await
        .unwrap()
        .unwrap_or_else(|refusals| panic!("{refusals:?}"));
    assert!(result.applied);
    assert!(result.plan.added.is_empty() && result.plan.removed.is_empty());
    // Rebuilt from the template (its block unexpanded again): the copies are carried, not replaced.
    let options = || rwf::store::EditOptions {
        actor: "ann",
        expect_version: None,
        dry_run: false,
        allow_active: false,
        event: "workflow_edited",
        template: None,
    };
    let result = r
        .store
        .edit_workflow(id, options(), |_| {
            let (_, spec, plan) = fanout_template("fanedit", 3, "builtin:hang");
            Ok((spec, plan))
        })
        .await
        .unwrap()
        .unwrap_or_else(|refusals| panic!("{refusals:?}"));
    assert!(result.plan.added.is_empty(), "{:?}", result.plan.added);
    assert!(result.plan.removed.is_empty(), "{:?}", result.plan.removed);
    let retitled: Vec<&str> = result
        .plan
        .changed
        .iter()
        .map(|c| c.task.as_str())
        .collect();
    assert_eq!(
        retitled,
        ["ship[p2]"],
        "the first edit's title goes back to the template's"
    );
    r.store
        .transition(id, LifecycleVerb::Resume, "ann")
        .await
        .unwrap();
    r.idle().await;
    let tasks = r.store.tasks(id).await.unwrap();
    let keys: Vec<&str> = tasks.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys.len(), 5, "{keys:?}");
    assert_eq!(r.task(id, "ship[p2]").await.title, "Ship p2");
    assert_eq!(
        r.task_status(id, "ship[p0]").await,
        "running",
        "not re-dispatched"
    );
    let (copies, max_attempts, _, _, expanded) = fanout_counts(&r.store, id).await;
    assert_eq!(
        (copies, max_attempts, expanded),
        (3, 1, 1),
        "expanded once, dispatched once"
    );
}

/// Real `rwf worker` processes SIGKILLed again and again while a 500-item block expands and runs:
/// the expansion is made once (one `expanded` event), each item is dispatched and performed at most
/// once per key, and everything completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_killed_around_a_fan_out_expand_it_once_and_finish_it() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let mut ids = Vec::new();
    for n in 0..2 {
        let id = fanout_workflow(&store, &format!("fankill{n}"), 500, "builtin:sleep:10").await;
        store
            .transition(id, LifecycleVerb::Start, "ann")
            .await
            .unwrap();
        ids.push(id);
    }
    // The first kills land around the expansion (`build` succeeds within milliseconds).
    let kills = kill_rounds_then_finish(
        &db.url,
        &store,
        &["--poll", "0.2", "--lease", "2", "--grace", "1"],
        "fan",
        (6, 3),
        |round| 150 + 131 * round,
        180,
    )
    .await;
    assert!(kills >= 8, "interrupted repeatedly ({kills} kills)");
    let state: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT w.status, t.status, count(*) FROM rwf.tasks t JOIN rwf.workflows w ON w.id = t.workflow_id
         GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let failed: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT key, last_error FROM rwf.tasks WHERE status = 'failed' ORDER BY key LIMIT 5",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(
        all_completed(&store).await,
        "every fan-out completes despite the kills: {state:?} {failed:?}"
    );
    for id in ids {
        let (copies, _, effects, max_effects, expanded) = fanout_counts(&store, id).await;
        assert_eq!(expanded, 1, "expanded once");
        assert_eq!(copies, 500, "every item dispatched");
        assert_eq!((effects, max_effects), (500, 1), "each item's effect once");
        let (tasks, succeeded, attempts_per_key): (i64, i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE status = 'succeeded'),
                    (SELECT COALESCE(max(n), 0) FROM (SELECT count(*) AS n FROM rwf.attempts
                      WHERE workflow_id = $1 GROUP BY idempotency_key) k)
             FROM rwf.tasks WHERE workflow_id = $1",
        )
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!((tasks, succeeded), (502, 502));
        assert_eq!(attempts_per_key, 1, "one attempt row per idempotency key");
    }
}

/// An expansion persisted in a transaction that never commits (a crash before the commit) leaves
/// nothing: the stored spec, tasks and events are as before, the spec cache (which `persist` primed
/// with the expanded spec) is not trusted over the row's hash, and the next reconcile expands once.
#[tokio::test]
async fn an_expansion_rolled_back_leaves_nothing_and_the_next_reconcile_expands_once() {
    let r = rig().await;
    // `build` has succeeded (set by hand, so no worker has reconciled yet): decide and persist the
    // expansion in a transaction that is then dropped.
    let id2 = fanout_workflow(&r.store, "fanroll2", 3, "builtin:succeed").await;
    r.store
        .transition(id2, LifecycleVerb::Start, "ann")
        .await
        .unwrap();
    // Written behind the store's back, so the row version moves too (as every write through the
    // store does): a process's remembered state is only good while the version holds.
    sqlx::query(
        "WITH bumped AS (UPDATE rwf.workflows SET lock_version = lock_version + 1 WHERE id = $1)
         UPDATE rwf.tasks SET status = 'succeeded', attempts = 1,
            output = '{\"input\": {\"platforms\": [\"a\", \"b\"]}}'
         WHERE workflow_id = $1 AND key = 'build'",
    )
    .bind(id2)
    .execute(r.store.pool())
    .await
    .unwrap();
    {
        let mut tx = r.store.pool().begin().await.unwrap();
        let locked = rwf::store::snapshot::lock(&mut tx, id2, r.store.clock())
            .await
            .unwrap()
            .unwrap();
        let decision = rwf::engine::reconcile(&locked.snapshot, base(), &rwf::engine::NoHooks);
        assert!(decision
            .actions
            .iter()
            .any(|a| matches!(a, rwf::engine::Action::Expand { .. })));
        let mut after = locked.snapshot.clone();
        rwf::engine::apply::apply_all(&mut after, &decision.actions, base()).unwrap();
        let writer = rwf::store::snapshot::Writer {
            actor: "test",
            holder: "test",
            lease: Duration::seconds(60),
            via: None,
        };
        rwf::store::snapshot::persist(&mut tx, &locked, &after, &decision, true, base(), &writer)
            .await
            .unwrap();
        // Dropped without commit: rolled back.
    }
    let keys: Vec<String> = r
        .store
        .tasks(id2)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.key)
        .collect();
    assert_eq!(keys.len(), 3, "build, the prototype, done: {keys:?}");
    assert!(keys.contains(&"ship".to_string()));
    let (_, _, _, _, expanded) = fanout_counts(&r.store, id2).await;
    assert_eq!(expanded, 0);
    r.idle().await;
    assert_eq!(r.status(id2).await, "completed");
    let (copies, max_attempts, effects, max_effects, expanded) = fanout_counts(&r.store, id2).await;
    assert_eq!(
        (copies, max_attempts, effects, max_effects, expanded),
        (2, 1, 2, 1, 1)
    );
    assert_eq!(r.task_status(id2, "ship[b]").await, "succeeded");
}

/// Whether every workflow of the database has completed.
async fn all_completed(store: &rwf::store::Store) -> bool {
    let (left,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM rwf.workflows WHERE status <> 'completed'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    left == 0
}

/// Real `rwf worker` processes (`--test-executor`, plus `args`) on the database at `url`: up to
/// `rounds.0` rounds of two, SIGKILLed `pause(round)` ms after they start (no grace, no lease
/// hand-back), stopping early once everything completed after `rounds.1` rounds; then one worker is
/// left alone to finish (expired leases are taken over, same keys) for up to `finish_secs`.
/// Returns how many workers were killed.
async fn kill_rounds_then_finish(
    url: &str,
    store: &rwf::store::Store,
    args: &[&str],
    prefix: &str,
    rounds: (u64, u64),
    pause: impl Fn(u64) -> u64,
    finish_secs: u64,
) -> usize {
    let spawn = |name: String| {
        std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
            .args([
                "worker",
                "--database-url",
                url,
                "--id",
                &name,
                "--test-executor",
            ])
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn rwf worker")
    };
    let mut kills = 0;
    for round in 0..rounds.0 {
        let mut a = spawn(format!("{prefix}-a{}", round % 2));
        let mut b = spawn(format!("{prefix}-b"));
        tokio::time::sleep(std::time::Duration::from_millis(pause(round))).await;
        let _ = a.kill();
        let _ = b.kill();
        let _ = a.wait();
        let _ = b.wait();
        kills += 2;
        if round >= rounds.1 && all_completed(store).await {
            break;
        }
    }
    let mut last = spawn(format!("{prefix}-final"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(finish_secs);
    while !all_completed(store).await && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = last.kill();
    let _ = last.wait();
    kills
}
