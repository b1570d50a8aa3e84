//! The reconciler loop: claim due workflows (`FOR UPDATE SKIP LOCKED`), decide with the engine, apply
//! with CAS in the same transaction, commit, then run agent dispatches outside it under a fenced lease
//! (holder + epoch + expiry, heartbeats), and record each outcome only if its epoch still holds.
//! Sleeps until the earliest `next_wake_at` or lease expiry, a `NOTIFY` hint, or the safety poll.

use super::glue;
use super::snapshot::{self, Dispatch, Locked, Writer};
use super::HookProvider;
use super::{Result, Store, StoreError, Tx, WAKE_CHANNEL};
use crate::engine::{Decision, Snapshot};
use crate::exec::{AgentOutcome, AgentReport, DispatchRequest, Executor};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use uuid::Uuid;

/// The actor name the worker writes in the event log.
pub const WORKER_ACTOR: &str = "worker";

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Lease holder name; a restarted worker with the same id takes its leases back at once.
    pub id: String,
    /// Safety poll: the longest the worker sleeps without a hint.
    pub poll: Duration,
    /// On shutdown, how long in-flight dispatches may run before their leases are handed back.
    pub grace: Duration,
    /// How long a dispatch lease lasts without a heartbeat.
    pub lease: Duration,
    /// Parallel claimers per wake.
    pub concurrency: usize,
    /// Agents running at once; further dispatches wait (their leases kept alive by heartbeats).
    pub max_in_flight: usize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            id: format!("worker-{}", std::process::id()),
            poll: Duration::from_secs(30),
            grace: Duration::from_secs(10),
            lease: Duration::from_secs(30),
            concurrency: 4,
            max_in_flight: 64,
        }
    }
}

/// Counters a caller (the CLI, the bench) can read.
#[derive(Debug, Default)]
pub struct Stats {
    /// Turns of the `run` loop (each: claim, take over, look up the next wake).
    pub wakes: AtomicUsize,
    pub reconciles: AtomicUsize,
    pub dispatches: AtomicUsize,
    pub outcomes: AtomicUsize,
    pub late_results: AtomicUsize,
    pub takeovers: AtomicUsize,
}

pub struct Worker {
    store: Store,
    config: WorkerConfig,
    executor: Arc<dyn Executor>,
    hooks: Arc<dyn HookProvider>,
    in_flight: AtomicUsize,
    settled: Notify,
    stopping: AtomicBool,
    /// Bounds concurrent outcome transactions so hundreds of finishing agents queue here, not on the
    /// connection pool.
    outcome_slots: tokio::sync::Semaphore,
    dispatch_slots: tokio::sync::Semaphore,
    /// Outcomes waiting for their workflow's group to be recorded (see `record_outcome`).
    pending: std::sync::Mutex<HashMap<Uuid, Vec<PendingOutcome>>>,
    /// Wakes this worker's own loop (a workflow it made due), without a database `NOTIFY`.
    wake: Notify,
    pub stats: Stats,
}

/// A workflow's outcome group that its leader has not taken yet; dropping it discards the group.
struct OpenGroup<'a> {
    pending: &'a std::sync::Mutex<HashMap<Uuid, Vec<PendingOutcome>>>,
    wf: Uuid,
    closed: bool,
}

impl OpenGroup<'_> {
    /// Takes the group: no outcome joins it any more; the next one of the workflow leads a new group.
    fn close(mut self) -> Vec<PendingOutcome> {
        self.closed = true;
        self.take()
    }

    fn take(&self) -> Vec<PendingOutcome> {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.wf)
            .unwrap_or_default()
    }
}

impl Drop for OpenGroup<'_> {
    fn drop(&mut self) {
        if !self.closed {
            self.take();
        }
    }
}

/// An outcome waiting in its group, with where to say whether it was accepted.
type PendingOutcome = (
    Dispatch,
    AgentReport,
    tokio::sync::oneshot::Sender<std::result::Result<bool, String>>,
);

/// Whether the outcome was accepted, and the dispatches decided with it (leased to this worker).
type Settled = (bool, Vec<Dispatch>);

fn lease_of(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::seconds(30))
}

impl Worker {
    pub fn new(
        store: Store,
        config: WorkerConfig,
        executor: Arc<dyn Executor>,
        hooks: Arc<dyn HookProvider>,
    ) -> Arc<Worker> {
        Arc::new(Worker {
            store,
            outcome_slots: tokio::sync::Semaphore::new(config.concurrency.max(1) * 2),
            dispatch_slots: tokio::sync::Semaphore::new(config.max_in_flight.max(1)),
            config,
            executor,
            hooks,
            in_flight: AtomicUsize::new(0),
            settled: Notify::new(),
            stopping: AtomicBool::new(false),
            pending: Default::default(),
            wake: Notify::new(),
            stats: Stats::default(),
        })
    }

    pub fn id(&self) -> &str {
        &self.config.id
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn writer(&self) -> Writer<'_> {
        Writer {
            actor: WORKER_ACTOR,
            holder: &self.config.id,
            lease: lease_of(self.config.lease),
            via: None,
        }
    }

    /// Claims up to a batch of due workflows (`FOR UPDATE SKIP LOCKED`) and reconciles them in one
    /// transaction. `Ok(None)`: nothing due (or every due one is locked by another worker). If any of
    /// the batch fails, each is retried alone so one bad workflow cannot hold up the others.
    pub async fn reconcile_next(&self) -> Result<Option<Vec<Dispatch>>> {
        let mut tx = self.store.begin().await?;
        let virtual_now = self.store.clock.peek();
        let rows: Vec<(Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, COALESCE($1, now()) FROM rwf.workflows
             WHERE next_wake_at <= COALESCE($1, now())
             ORDER BY next_wake_at LIMIT 8 FOR UPDATE SKIP LOCKED",
        )
        .bind(virtual_now)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            tx.rollback().await?;
            return Ok(None);
        }
        let mut out = Vec::new();
        let mut written = Vec::new();
        let mut failed = false;
        for (id, now) in &rows {
            match self.reconcile_locked(&mut tx, *id, Some(*now)).await {
                Ok((d, w)) => {
                    out.extend(d);
                    written.extend(w);
                }
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        if !failed {
            tx.commit().await?;
            written.into_iter().for_each(snapshot::remember_committed);
            self.stats
                .reconciles
                .fetch_add(rows.len(), Ordering::Relaxed);
            return Ok(Some(out));
        }
        tx.rollback().await?;
        let mut out = Vec::new();
        for (id, _) in rows {
            match self.reconcile_workflow(id).await {
                Ok(d) => out.extend(d),
                Err(e) => self.set_aside(id, &e).await?,
            }
        }
        Ok(Some(out))
    }

    /// A workflow whose reconcile fails is looked at again in a minute, with the error in its log.
    async fn set_aside(&self, id: Uuid, error: &StoreError) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let now = self.store.clock.now(&mut tx).await?;
        sqlx::query("UPDATE rwf.workflows SET next_wake_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now + chrono::Duration::seconds(60))
            .execute(&mut *tx)
            .await?;
        super::events::append(
            &mut tx,
            id,
            now,
            WORKER_ACTOR,
            "reconcile_failed",
            None,
            json!({ "error": error.to_string(), "worker": self.config.id }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reconciles one workflow (waiting for its lock), whether due or not.
    pub async fn reconcile_workflow(&self, id: Uuid) -> Result<Vec<Dispatch>> {
        let mut tx = self.store.begin().await?;
        let (dispatches, written) = self.reconcile_locked(&mut tx, id, None).await?;
        tx.commit().await?;
        written.into_iter().for_each(snapshot::remember_committed);
        self.stats.reconciles.fetch_add(1, Ordering::Relaxed);
        Ok(dispatches)
    }

    /// Reconciles a workflow at `now` (the claim's instant), else at the lock's. Returns the
    /// dispatches and what was written, to remember once the transaction commits.
    async fn reconcile_locked(
        &self,
        tx: &mut Tx<'_>,
        id: Uuid,
        now: Option<DateTime<Utc>>,
    ) -> Result<(Vec<Dispatch>, Option<snapshot::Written>)> {
        let Some(locked) = snapshot::lock(tx, id, &self.store.clock).await? else {
            return Err(StoreError::WorkflowNotFound(id.to_string()));
        };
        let now = now.unwrap_or(locked.now);
        if locked.snapshot.status != crate::engine::WorkflowStatus::Active {
            // Not ours to move: clear the wake so it is not claimed again.
            sqlx::query("UPDATE rwf.workflows SET next_wake_at = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            return Ok((Vec::new(), None));
        }
        let hooks = self.hooks.host_for(&locked.snapshot.spec);
        let mut decision = glue::reconcile(&locked.snapshot, now, hooks.as_ref());
        // A decision that changes nothing yet asks to wake now would spin: wake a little later.
        if decision.actions.is_empty() && decision.next_wake.is_some_and(|w| w <= now) {
            decision.next_wake = Some(now + chrono::Duration::seconds(1));
        }
        let after = glue::applied(&locked.snapshot, &decision, now).map_err(StoreError::Corrupt)?;
        let dispatches =
            snapshot::persist(tx, &locked, &after, &decision, true, now, &self.writer()).await?;
        Ok((
            dispatches,
            Some(snapshot::Written::of(locked, after, decision, true)),
        ))
    }

    /// Reconciles every due workflow with `concurrency` parallel claimers. Returns the dispatches.
    pub async fn reconcile_due(self: &Arc<Self>) -> Result<Vec<Dispatch>> {
        let found = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = found.clone();
        let result = self
            .reconcile_due_into(move |ds| sink.lock().unwrap_or_else(|e| e.into_inner()).extend(ds))
            .await;
        let found = std::mem::take(&mut *found.lock().unwrap_or_else(|e| e.into_inner()));
        match result {
            // Dispatches already committed must still run; report the error after handing them over.
            Err(e) if found.is_empty() => Err(e),
            _ => Ok(found),
        }
    }

    /// Reconciles every due workflow with `concurrency` parallel claimers, handing each batch's
    /// dispatches to `sink` as soon as its transaction commits (so agents start while claiming goes on).
    async fn reconcile_due_into<F>(self: &Arc<Self>, sink: F) -> Result<()>
    where
        F: Fn(Vec<Dispatch>) + Clone + Send + 'static,
    {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..self.config.concurrency.max(1) {
            let me = self.clone();
            let sink = sink.clone();
            set.spawn(async move {
                while !me.stopping.load(Ordering::Relaxed) {
                    match me.reconcile_next().await? {
                        Some(d) => sink(d),
                        None => break,
                    }
                }
                Ok::<_, StoreError>(())
            });
        }
        let mut first_err = None;
        while let Some(r) = set.join_next().await {
            match r {
                Ok(Ok(())) => {}
                Ok(Err(e)) => first_err = first_err.or(Some(e)),
                Err(e) => first_err = first_err.or(Some(StoreError::Corrupt(e.to_string()))),
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    /// Takes over dispatched attempts whose lease expired (any holder), or, with `own`, every lease this
    /// worker id holds (a restart). Same attempt, same idempotency key, epoch + 1.
    pub async fn take_over(&self, own: bool) -> Result<Vec<Dispatch>> {
        let mut tx = self.store.begin().await?;
        let now = self.store.clock.now(&mut tx).await?;
        type Row = (i64, Uuid, String, i32, String, i32, Value, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "WITH expired AS (
                SELECT id, lease_holder AS old_holder FROM rwf.attempts
                WHERE status = 'dispatched'
                  AND (lease_expires_at IS NULL OR lease_expires_at < $1 OR ($4 AND lease_holder = $2))
                ORDER BY lease_expires_at NULLS FIRST LIMIT 64 FOR UPDATE SKIP LOCKED)
             UPDATE rwf.attempts a SET lease_holder = $2, lease_epoch = a.lease_epoch + 1,
                lease_expires_at = $1 + $3::interval, heartbeat_at = $1
             FROM expired e WHERE a.id = e.id
             RETURNING a.id, a.workflow_id, a.task_key, a.attempt, a.idempotency_key, a.lease_epoch,
                       a.request, e.old_holder",
        )
        .bind(now)
        .bind(&self.config.id)
        .bind(format!("{} milliseconds", self.config.lease.as_millis()))
        .bind(own)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (attempt_id, wf, task, attempt, key, epoch, request, old) in rows {
            super::events::append(
                &mut tx,
                wf,
                now,
                WORKER_ACTOR,
                "lease_taken_over",
                Some(&task),
                json!({ "idempotency_key": key, "epoch": epoch, "from": old, "to": self.config.id }),
            )
            .await?;
            out.push(Dispatch {
                attempt_id,
                epoch,
                request: DispatchRequest {
                    workflow_id: wf,
                    task_key: task,
                    attempt: attempt.max(1) as u32,
                    idempotency_key: key,
                    agent: request["agent"].as_str().unwrap_or_default().to_string(),
                    input: request["input"].clone(),
                    timeout: request["timeout_seconds"].as_u64().map(Duration::from_secs),
                },
            });
        }
        tx.commit().await?;
        self.stats.takeovers.fetch_add(out.len(), Ordering::Relaxed);
        Ok(out)
    }

    /// Runs one dispatch to its outcome under its lease and records the outcome (fenced by epoch),
    /// then runs what that outcome unblocked (decided in the same transaction, leased to this worker),
    /// and so on until nothing more is unblocked. Returns whether the first outcome was accepted.
    pub async fn run_dispatch(self: &Arc<Self>, d: Dispatch) -> Result<bool> {
        let (accepted, more) = self.step(&d).await?;
        let mut set = tokio::task::JoinSet::new();
        let mut first_err = None;
        let mut queue = more;
        loop {
            for d in queue.drain(..) {
                let me = self.clone();
                set.spawn(async move { me.step(&d).await });
            }
            match set.join_next().await {
                None => break,
                Some(Ok(Ok((_, more)))) => queue = more,
                Some(Ok(Err(e))) => first_err = first_err.or(Some(e)),
                Some(Err(e)) => first_err = first_err.or(Some(StoreError::Corrupt(e.to_string()))),
            }
        }
        first_err.map_or(Ok(accepted), Err)
    }

    /// One dispatch run and its outcome recorded; the dispatches its transaction decided.
    async fn step(&self, d: &Dispatch) -> Result<Settled> {
        match self.execute(d).await? {
            Some(report) => self.settle(d, report, true).await,
            None => Ok((false, Vec::new())),
        }
    }

    /// Runs the agent, heartbeating the lease. `None`: the lease moved on (taken over or abandoned);
    /// the agent was stopped and its new holder owns the attempt.
    pub async fn execute(&self, d: &Dispatch) -> Result<Option<AgentReport>> {
        self.stats.dispatches.fetch_add(1, Ordering::Relaxed);
        // A free slot runs the agent at once under the lease just committed; after waiting for one,
        // make sure the lease is still ours before starting the agent.
        let _slot = match self.dispatch_slots.try_acquire() {
            Ok(slot) => slot,
            Err(_) => {
                let slot = self
                    .dispatch_slots
                    .acquire()
                    .await
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                if !self.heartbeat(d).await? {
                    return Ok(None);
                }
                slot
            }
        };
        let work = async {
            match d.request.timeout {
                Some(limit) => {
                    match tokio::time::timeout(limit, self.executor.dispatch(&d.request)).await {
                        Ok(r) => r,
                        Err(_) => AgentReport {
                            transactional: false,
                            outcome: AgentOutcome::Failed {
                                reason: format!("timed out after {}s", limit.as_secs()),
                                retryable: true,
                            },
                            log: None,
                        },
                    }
                }
                None => self.executor.dispatch(&d.request).await,
            }
        };
        tokio::pin!(work);
        let beat = (self.config.lease / 3).max(Duration::from_millis(20));
        loop {
            tokio::select! {
                report = &mut work => return Ok(Some(report)),
                _ = tokio::time::sleep(beat) => {
                    if !self.heartbeat(d).await? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    async fn heartbeat(&self, d: &Dispatch) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE rwf.attempts SET heartbeat_at = COALESCE($4, now()),
                lease_expires_at = COALESCE($4, now()) + $5::interval
             WHERE id = $1 AND lease_epoch = $2 AND lease_holder = $3 AND status = 'dispatched'",
        )
        .bind(d.attempt_id)
        .bind(d.epoch)
        .bind(&self.config.id)
        .bind(self.store.clock.peek())
        .bind(format!("{} milliseconds", self.config.lease.as_millis()))
        .execute(&self.store.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Records an agent outcome if `d.epoch` still holds the attempt; otherwise drops it with an event.
    /// Returns whether it was accepted.
    ///
    /// Group commit: outcomes of one workflow that finish while another of its outcomes waits for an
    /// outcome slot join that one and are recorded in its transaction (one row lock, one commit).
    pub async fn record_outcome(&self, d: &Dispatch, report: AgentReport) -> Result<bool> {
        Ok(self.settle(d, report, false).await?.0)
    }

    /// `record_outcome`; with `decide`, the group's leader also reconciles the workflow in the same
    /// transaction and returns the dispatches that decided, for its caller to run.
    async fn settle(&self, d: &Dispatch, report: AgentReport, decide: bool) -> Result<Settled> {
        let wf = d.request.workflow_id;
        let (done, accepted) = tokio::sync::oneshot::channel();
        let leads = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            let group = pending.entry(wf).or_default();
            group.push((d.clone(), report, done));
            group.len() == 1
        };
        if leads {
            // Should the leader be cancelled before it takes the group, the group goes with it (its
            // waiters see an error) instead of stranding every later outcome of this workflow.
            let open = OpenGroup {
                pending: &self.pending,
                wf,
                closed: false,
            };
            let slot = self.outcome_slots.acquire().await;
            // Let outcomes that are ready to land join before the group closes.
            tokio::task::yield_now().await;
            let group = open.close();
            let (items, waiters): (Vec<_>, Vec<_>) =
                group.into_iter().map(|(d, r, w)| ((d, r), w)).unzip();
            let decide = decide && !self.stopping.load(Ordering::Relaxed);
            let result = match slot {
                Ok(_slot) => self.record_workflow_outcomes(wf, items, decide).await,
                Err(e) => Err(StoreError::Corrupt(e.to_string())),
            };
            match result {
                Ok((flags, more)) => {
                    for (waiter, ok) in waiters.into_iter().zip(flags) {
                        let _ = waiter.send(Ok(ok));
                    }
                    return match accepted.await {
                        Ok(Ok(ok)) => Ok((ok, more)),
                        Ok(Err(why)) => Err(StoreError::Batch(why)),
                        Err(_) => Err(StoreError::Batch("the outcome's group was dropped".into())),
                    };
                }
                Err(e) => {
                    let why = e.to_string();
                    for waiter in waiters {
                        let _ = waiter.send(Err(why.clone()));
                    }
                }
            }
        }
        match accepted.await {
            Ok(Ok(ok)) => Ok((ok, Vec::new())),
            Ok(Err(why)) => Err(StoreError::Batch(why)),
            Err(_) => Err(StoreError::Batch("the outcome's group was dropped".into())),
        }
    }

    /// Records one workflow's outcomes in one transaction. Each is fenced by its epoch and settled on
    /// the snapshot as the previous ones left it. With `decide`, the workflow is then reconciled in
    /// the same transaction (this worker holds its lock already): what the outcomes unblock is
    /// dispatched in the commit that records them, with no wake and no second claim. Returns, per
    /// item, whether it was accepted, and the dispatches decided (leased to this worker).
    async fn record_workflow_outcomes(
        &self,
        wf: Uuid,
        items: Vec<(Dispatch, AgentReport)>,
        decide: bool,
    ) -> Result<(Vec<bool>, Vec<Dispatch>)> {
        let mut tx = self.store.begin().await?;
        let Some(locked) = snapshot::lock(&mut tx, wf, &self.store.clock).await? else {
            return Err(StoreError::WorkflowNotFound(wf.to_string()));
        };
        let now = locked.now;
        // One statement fences every attempt (only those whose epoch still holds are settled, their
        // rows locked first), commits the transactional effects of those (the output that stands is
        // the first one for the key), and keeps each success's output as an artifact.
        let rows: Vec<(&str, Value, Option<Value>)> = items
            .iter()
            .map(|(_, report)| match &report.outcome {
                AgentOutcome::Succeeded { output } => (
                    "succeeded",
                    json!({ "output": output }),
                    Some(output.clone()),
                ),
                AgentOutcome::Failed { reason, retryable } => (
                    "failed",
                    json!({ "reason": reason, "retryable": retryable }),
                    None,
                ),
                AgentOutcome::NeedsInput { prompt, schema } => (
                    "needs_input",
                    json!({ "prompt": prompt, "schema": schema }),
                    None,
                ),
            })
            .collect();
        let effect_agents: Vec<Option<&str>> = items
            .iter()
            .zip(&rows)
            .map(|((d, report), row)| {
                (report.transactional && row.2.is_some()).then_some(d.request.agent.as_str())
            })
            .collect();
        let fenced: Vec<(i64, Option<Value>)> = sqlx::query_as(
            "WITH u AS (
                SELECT * FROM UNNEST($1::bigint[], $2::int[], $3::text[], $4::jsonb[], $5::text[],
                                     $6::jsonb[], $7::text[])
                       AS u(id, epoch, status, result, log, output, effect_agent)),
             held AS (
                SELECT a.id, a.task_key, a.idempotency_key FROM rwf.attempts a JOIN u ON u.id = a.id
                WHERE a.lease_epoch = u.epoch AND a.status = 'dispatched' FOR UPDATE OF a),
             effect AS (
                INSERT INTO rwf.builtin_effects (idempotency_key, agent, output)
                SELECT h.idempotency_key, u.effect_agent, u.output FROM held h JOIN u ON u.id = h.id
                WHERE u.effect_agent IS NOT NULL
                ON CONFLICT (idempotency_key) DO UPDATE SET output = rwf.builtin_effects.output
                RETURNING idempotency_key, output),
             settled AS (
                UPDATE rwf.attempts a SET status = u.status,
                   result = CASE WHEN e.output IS NULL THEN u.result
                            ELSE jsonb_build_object('output', e.output) END,
                   log = u.log, finished_at = $8, lease_holder = NULL, lease_expires_at = NULL
                FROM held h JOIN u ON u.id = h.id
                     LEFT JOIN effect e ON e.idempotency_key = h.idempotency_key
                WHERE a.id = h.id AND a.lease_epoch = u.epoch AND a.status = 'dispatched'
                RETURNING a.id, a.task_key, COALESCE(e.output, u.output) AS output),
             kept AS (
                INSERT INTO rwf.artifacts (workflow_id, task_key, attempt_id, content, created_at)
                SELECT $9, s.task_key, s.id, s.output, $8 FROM settled s WHERE s.output IS NOT NULL)
             SELECT id, output FROM settled",
        )
        .bind(items.iter().map(|(d, _)| d.attempt_id).collect::<Vec<_>>())
        .bind(items.iter().map(|(d, _)| d.epoch).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.0).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>())
        .bind(
            items
                .iter()
                .map(|(_, r)| r.log.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>())
        .bind(&effect_agents)
        .bind(now)
        .bind(wf)
        .fetch_all(&mut *tx)
        .await?;
        let holds = |d: &Dispatch| fenced.iter().find(|(id, _)| *id == d.attempt_id);
        let hooks = self.hooks.host_for(&locked.snapshot.spec);
        let mut current = locked.snapshot.clone();
        let mut decision = glue::actions_only(Vec::new());
        let mut accepted = Vec::with_capacity(items.len());
        for ((d, report), (status, _, _)) in items.iter().zip(&rows) {
            let Some((_, standing)) = holds(d) else {
                super::events::append(
                    &mut tx,
                    wf,
                    now,
                    WORKER_ACTOR,
                    "late_result_dropped",
                    Some(&d.request.task_key),
                    json!({ "idempotency_key": d.request.idempotency_key, "epoch": d.epoch, "outcome": status, "worker": self.config.id }),
                )
                .await?;
                self.stats.late_results.fetch_add(1, Ordering::Relaxed);
                accepted.push(false);
                continue;
            };
            // A success settles with the output that stands (a repeated effect's first one).
            let outcome = match (&report.outcome, standing) {
                (AgentOutcome::Succeeded { output: ours }, Some(output)) if ours != output => {
                    std::borrow::Cow::Owned(AgentOutcome::Succeeded {
                        output: output.clone(),
                    })
                }
                (outcome, _) => std::borrow::Cow::Borrowed(outcome),
            };
            let settled = glue::outcome(
                &current,
                &d.request.task_key,
                d.request.attempt,
                &outcome,
                now,
                hooks.as_ref(),
            );
            // Applied in place; an outcome that does not apply leaves `current` part-way, so it is
            // rebuilt from the locked snapshot and the actions accepted so far.
            let step = settled.and_then(|step| match glue::apply(&mut current, &step, now) {
                Ok(()) => Ok(step),
                Err(why) => {
                    current = glue::applied(&locked.snapshot, &decision, now)?;
                    Err(why)
                }
            });
            match step {
                Ok(step) => {
                    decision.actions.extend(step.actions);
                    accepted.push(true);
                }
                Err(why) => {
                    // The task moved on (cancelled, edited): the attempt is recorded, the task untouched.
                    super::events::append(
                        &mut tx,
                        wf,
                        now,
                        WORKER_ACTOR,
                        "stale_outcome_ignored",
                        Some(&d.request.task_key),
                        json!({ "idempotency_key": d.request.idempotency_key, "why": why }),
                    )
                    .await?;
                    accepted.push(false);
                }
            }
        }
        let reconciled = if decide && accepted.iter().any(|a| *a) {
            match self.decide_after(&mut current, now) {
                Ok(step) => step,
                Err(_) => {
                    // The decision did not apply and may have left `current` part-way.
                    current = glue::applied(&locked.snapshot, &decision, now)
                        .map_err(StoreError::Corrupt)?;
                    None
                }
            }
        } else {
            None
        };
        let gates = match reconciled {
            Some(step) => {
                decision.actions.extend(step.actions);
                decision.next_wake = step.next_wake;
                decision.gates = step.gates;
                true
            }
            None => {
                // Left to the claim loop: reconcile at once.
                wake_now(&mut decision, now);
                false
            }
        };
        let more = snapshot::persist(
            &mut tx,
            &locked,
            &current,
            &decision,
            gates,
            now,
            &self.writer(),
        )
        .await?;
        tx.commit().await?;
        let n = accepted.iter().filter(|a| **a).count();
        self.stats.outcomes.fetch_add(n, Ordering::Relaxed);
        if gates {
            self.stats.reconciles.fetch_add(1, Ordering::Relaxed);
        }
        let due_again = current.status == crate::engine::WorkflowStatus::Active
            && decision.next_wake.is_some_and(|w| w <= now);
        snapshot::remember_committed(snapshot::Written::of(locked, current, decision, gates));
        if due_again {
            // Due again at once (another pass to decide): this worker's loop claims it.
            self.wake.notify_one();
        }
        if decide {
            return Ok((accepted, more));
        }
        // Not run here: hand the leases back so any worker (or us) takes them over.
        for extra in more {
            self.spawn_dispatch_detached(extra);
        }
        Ok((accepted, Vec::new()))
    }

    /// The reconcile decision on a snapshot just settled, applied to it in place, if the workflow is
    /// active (`Ok(None)`: it is not). `Err`: the decision did not apply, and the snapshot may be
    /// part-way, for the caller to rebuild; the claim loop reconciles it, and reports failures.
    fn decide_after(
        &self,
        current: &mut Snapshot,
        now: DateTime<Utc>,
    ) -> std::result::Result<Option<Decision>, String> {
        if current.status != crate::engine::WorkflowStatus::Active {
            return Ok(None);
        }
        let hooks = self.hooks.host_for(&current.spec);
        let mut step = glue::reconcile(current, now, hooks.as_ref());
        if step.actions.is_empty() && step.next_wake.is_some_and(|w| w <= now) {
            step.next_wake = Some(now + chrono::Duration::seconds(1));
        }
        glue::apply(current, &step, now)?;
        Ok(Some(step))
    }

    fn spawn_dispatch_detached(&self, d: Dispatch) {
        // Leased to us but not run here: hand the lease back so any worker (or us) takes it over.
        let pool = self.store.pool.clone();
        tokio::spawn(async move {
            let _ = sqlx::query("UPDATE rwf.attempts SET lease_expires_at = NULL WHERE id = $1 AND lease_epoch = $2")
                .bind(d.attempt_id)
                .bind(d.epoch)
                .execute(&pool)
                .await;
        });
    }

    /// Starts a dispatch in the background, counted as in flight.
    pub fn spawn(self: &Arc<Self>, d: Dispatch) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let me = self.clone();
        tokio::spawn(async move {
            if let Err(e) = me.run_dispatch(d).await {
                eprintln!("worker {}: dispatch failed to record: {e}", me.config.id);
            }
            me.in_flight.fetch_sub(1, Ordering::SeqCst);
            me.settled.notify_waiters();
        });
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Test driver: reconcile, take over expired leases, and run dispatches inline until nothing is due
    /// at the current clock. Hanging agents are left in flight (spawned).
    pub async fn run_until_idle(self: &Arc<Self>) -> Result<()> {
        for _ in 0..10_000 {
            let mut work = self.reconcile_due().await?;
            work.extend(self.take_over(false).await?);
            if work.is_empty() {
                return Ok(());
            }
            let mut set = tokio::task::JoinSet::new();
            for d in work {
                let me = self.clone();
                set.spawn(async move { me.run_dispatch(d).await });
            }
            // Give quick agents a moment; a hang keeps running in the background.
            let deadline = tokio::time::sleep(Duration::from_secs(5));
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    r = set.join_next() => match r {
                        Some(Ok(Err(e))) => return Err(e),
                        Some(_) => continue,
                        None => break,
                    },
                    _ = &mut deadline => { set.detach_all(); break; }
                }
            }
        }
        Ok(())
    }

    /// Seconds until the earliest wake or lease expiry (`None`: nothing scheduled).
    async fn next_due_in(&self) -> Result<Option<Duration>> {
        let row: (Option<f64>,) = sqlx::query_as(
            "SELECT EXTRACT(EPOCH FROM (LEAST(
                (SELECT min(next_wake_at) FROM rwf.workflows WHERE next_wake_at IS NOT NULL),
                (SELECT min(lease_expires_at) FROM rwf.attempts WHERE status = 'dispatched')
             ) - COALESCE($1, now())))::float8",
        )
        .bind(self.store.clock.peek())
        .fetch_one(&self.store.pool)
        .await?;
        // `infinity` timestamps give an infinite epoch: no wake to sleep until.
        Ok(row
            .0
            .and_then(|s| Duration::try_from_secs_f64(s.max(0.0)).ok()))
    }

    /// The long-running loop. Returns after `shutdown` resolves and in-flight work settled (or `grace`
    /// passed, then the remaining leases are handed back).
    pub async fn run(
        self: &Arc<Self>,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<()> {
        self.store.migrate().await?;
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.store.pool).await?;
        listener.listen(WAKE_CHANNEL).await?;
        for d in self.take_over(true).await? {
            self.spawn(d);
        }
        tokio::pin!(shutdown);
        loop {
            self.stats.wakes.fetch_add(1, Ordering::Relaxed);
            if !self.stopping.load(Ordering::Relaxed) {
                let me = self.clone();
                let spawn = move |ds: Vec<Dispatch>| ds.into_iter().for_each(|d| me.spawn(d));
                if let Err(e) = self.reconcile_due_into(spawn).await {
                    eprintln!("worker {}: reconcile: {e}", self.config.id);
                }
                match self.take_over(false).await {
                    Ok(ds) => ds.into_iter().for_each(|d| self.spawn(d)),
                    Err(e) => eprintln!("worker {}: takeover: {e}", self.config.id),
                }
            }
            let sleep_for = match self.next_due_in().await {
                Ok(Some(d)) => d.min(self.config.poll),
                Ok(None) => self.config.poll,
                Err(e) => {
                    eprintln!("worker {}: {e}", self.config.id);
                    Duration::from_secs(1).min(self.config.poll)
                }
            };
            if sleep_for.is_zero() {
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(sleep_for) => {}
                _ = self.wake.notified() => {}
                n = listener.recv() => {
                    if let Err(e) = n {
                        eprintln!("worker {}: listen: {e}", self.config.id);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        }
        self.stopping.store(true, Ordering::Relaxed);
        let grace = tokio::time::sleep(self.config.grace);
        tokio::pin!(grace);
        while self.in_flight() > 0 {
            tokio::select! {
                _ = self.settled.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                _ = &mut grace => break,
            }
        }
        self.hand_back().await
    }

    /// Expires every lease this worker holds so any worker takes it over at once.
    pub async fn hand_back(&self) -> Result<()> {
        sqlx::query(
            "UPDATE rwf.attempts SET lease_expires_at = NULL
             WHERE lease_holder = $1 AND status = 'dispatched'",
        )
        .bind(&self.config.id)
        .execute(&self.store.pool)
        .await?;
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(WAKE_CHANNEL)
            .execute(&self.store.pool)
            .await?;
        Ok(())
    }
}

/// After an outside event, reconcile at once.
pub(crate) fn wake_now(decision: &mut Decision, now: DateTime<Utc>) {
    decision.next_wake = Some(decision.next_wake.map_or(now, |w| w.min(now)));
}

/// Runs a pure human/engine decision on one workflow under its row lock and persists it.
pub(crate) async fn mutate<F>(
    store: &Store,
    id: Uuid,
    actor: &str,
    event: Option<&str>,
    f: F,
) -> Result<Snapshot>
where
    F: FnOnce(&Snapshot, DateTime<Utc>) -> Result<Decision>,
{
    let mut tx = store.begin().await?;
    let Some(locked): Option<Locked> = snapshot::lock(&mut tx, id, &store.clock).await? else {
        return Err(StoreError::WorkflowNotFound(id.to_string()));
    };
    let now = locked.now;
    let mut decision = f(&locked.snapshot, now)?;
    // Whatever a person did, the worker reconciles at once (persist keeps no wake unless active).
    wake_now(&mut decision, now);
    let after = glue::applied(&locked.snapshot, &decision, now).map_err(StoreError::Refused)?;
    let writer = Writer {
        actor,
        holder: "",
        lease: chrono::Duration::zero(),
        via: store.via,
    };
    let dispatches =
        snapshot::persist(&mut tx, &locked, &after, &decision, false, now, &writer).await?;
    // Human paths never run agents; a dispatch decided here is left for a worker to take over.
    for d in &dispatches {
        sqlx::query(
            "UPDATE rwf.attempts SET lease_holder = NULL, lease_expires_at = NULL WHERE id = $1",
        )
        .bind(d.attempt_id)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(kind) = event {
        let data = match store.via {
            Some(via) => serde_json::json!({ "via": via }),
            None => serde_json::json!({}),
        };
        super::events::append(&mut tx, id, now, actor, kind, None, data).await?;
    }
    super::notify_wake(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}
