//! Loading one workflow as an engine `Snapshot` under its row lock, and writing a decided change back:
//! the new snapshot is diffed against the old and only changed rows are written, with CAS on
//! `lock_version`, plus events, notifications and attempt rows, all in the caller's transaction.

use super::events::notify;
use super::{Clock, Result, StoreError, Tx, EVENT_CHANNEL};
use crate::engine::{
    Action, ApprovalState, ApprovalStatus, Decision, ExternalEvent, GateRow, Planned, Snapshot,
    TaskState, TaskStatus, Verdict, Vote, WorkflowId, WorkflowStatus,
};
use crate::schedule::Target;
use crate::spec::{Scope, WorkflowSpec};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// A snapshot plus the row version it was read at, and the locking transaction's now.
pub struct Locked {
    pub snapshot: Snapshot,
    pub lock_version: i64,
    pub now: DateTime<Utc>,
    /// The gate ledger as stored, when this process wrote it at this row version (`None`: unknown).
    pub gates: Option<Vec<GateRow>>,
}

/// One dispatch decided in a transaction, to run after it commits.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispatch {
    pub attempt_id: i64,
    pub epoch: i32,
    pub request: crate::exec::DispatchRequest,
}

/// Who performs the writes, for the event log and leases.
pub struct Writer<'a> {
    pub actor: &'a str,
    /// The worker that will run dispatches (their lease holder).
    pub holder: &'a str,
    pub lease: Duration,
    /// The surface a person acted through (`admin`: the CLI on the database; `api`: `rwf serve`),
    /// written into each event's data next to the actor. `None` for the engine's own writes.
    pub via: Option<&'a str>,
}

fn status_of(s: &str) -> Result<TaskStatus> {
    TaskStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("task status `{s}`")))
}

fn approval_status_of(s: &str) -> Result<ApprovalStatus> {
    Ok(match s {
        "open" => ApprovalStatus::Open,
        "granted" => ApprovalStatus::Granted,
        "rejected" => ApprovalStatus::Rejected,
        "expired" => ApprovalStatus::Expired,
        "invalidated" => ApprovalStatus::Invalidated,
        other => return Err(StoreError::Corrupt(format!("approval status `{other}`"))),
    })
}

type TaskTuple = (
    String,
    String,
    i32,
    i32,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<Value>,
    Option<String>,
    Option<String>,
    bool,
    bool,
);

/// Parsed specs by workflow, with the content hash they were parsed from. A workflow's spec changes
/// only with its `spec_hash` (creation and edits write both), so while the hash holds the row's spec
/// is neither sent by the database nor parsed again: a reconcile reads what changed, not the template.
static SPECS: std::sync::LazyLock<std::sync::Mutex<HashMap<Uuid, CachedSpec>>> =
    std::sync::LazyLock::new(Default::default);

/// A spec's content hash and the spec parsed from it.
type CachedSpec = (String, Arc<WorkflowSpec>);

/// Enough for every workflow a worker keeps in flight; past it the cache starts over.
const SPEC_CACHE_LIMIT: usize = 4096;

/// What this process committed last per workflow: the row version the commit left, and the state at
/// it. Every write of a workflow's tasks, approval rounds or events goes through `persist`, which
/// moves `lock_version` on (under the row lock), so while the version holds the state is the one
/// committed and is not read again: a step reads the workflow row, not every task of the template.
static COMMITTED: std::sync::LazyLock<std::sync::Mutex<HashMap<Uuid, Committed>>> =
    std::sync::LazyLock::new(Default::default);

struct Committed {
    lock_version: i64,
    tasks: Vec<TaskState>,
    approvals: Vec<ApprovalState>,
    events: Vec<ExternalEvent>,
    gates: Option<Vec<GateRow>>,
}

/// What one `persist` wrote: the row version it left, the state, and the gate ledger as it then
/// stands (if known). Handed to `remember_committed` once the transaction committed.
pub struct Written {
    pub lock_version: i64,
    pub snapshot: Snapshot,
    pub gates: Option<Vec<GateRow>>,
}

impl Written {
    /// What `persist(before, after, decision, replace_gates, ..)` wrote.
    pub fn of(before: Locked, after: Snapshot, decision: Decision, replace_gates: bool) -> Written {
        Written {
            lock_version: before.lock_version + 1,
            snapshot: after,
            gates: if replace_gates {
                Some(decision.gates)
            } else {
                before.gates
            },
        }
    }
}

/// Records the state a transaction committed; call only after its commit succeeded.
pub fn remember_committed(written: Written) {
    let Written {
        lock_version,
        snapshot,
        gates,
    } = written;
    let mut committed = COMMITTED.lock().unwrap_or_else(|e| e.into_inner());
    let id = snapshot.id.0;
    if snapshot.status.is_terminal() {
        committed.remove(&id);
        return;
    }
    if committed.len() >= SPEC_CACHE_LIMIT {
        committed.clear();
    }
    committed.insert(
        id,
        Committed {
            lock_version,
            tasks: snapshot.tasks,
            approvals: snapshot.approvals,
            events: snapshot.events,
            gates,
        },
    );
}

/// Takes the committed state of a workflow if it is still at `lock_version` (the caller holds the
/// row lock and writes the next version; should it not, the next lock reads from the database).
fn take_committed(id: Uuid, lock_version: i64) -> Option<Committed> {
    let mut committed = COMMITTED.lock().unwrap_or_else(|e| e.into_inner());
    let c = committed.remove(&id)?;
    (c.lock_version == lock_version).then_some(c)
}

fn cached_spec(id: Uuid) -> Option<CachedSpec> {
    SPECS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&id)
        .cloned()
}

fn remember_spec(id: Uuid, hash: String, spec: Arc<WorkflowSpec>) {
    let mut specs = SPECS.lock().unwrap_or_else(|e| e.into_inner());
    if specs.len() >= SPEC_CACHE_LIMIT {
        specs.clear();
    }
    specs.insert(id, (hash, spec));
}

/// Locks the workflow row (`FOR UPDATE`) and loads it, with now by `clock` read in the same round
/// trip. `None`: no such workflow.
pub async fn lock(tx: &mut Tx<'_>, id: Uuid, clock: &Clock) -> Result<Option<Locked>> {
    let cached = cached_spec(id);
    // The spec comes back only when it is not the one cached (NULL otherwise).
    let sql =
        "SELECT status, CASE WHEN spec_hash = $2 THEN NULL ELSE spec END, spec_hash, target_at,
                target_tz, draining, lock_version, COALESCE($3, now())
         FROM rwf.workflows WHERE id = $1 FOR UPDATE";
    type Row = (
        String,
        Option<Value>,
        String,
        DateTime<Utc>,
        String,
        bool,
        i64,
        DateTime<Utc>,
    );
    let row: Option<Row> = sqlx::query_as(sql)
        .bind(id)
        .bind(cached.as_ref().map(|(hash, _)| hash.as_str()))
        .bind(clock.peek())
        .fetch_optional(&mut **tx)
        .await?;
    let Some((status, spec, hash, target_at, tz, draining, lock_version, now)) = row else {
        return Ok(None);
    };
    let spec = match (spec, cached) {
        (None, Some((_, spec))) => spec,
        (Some(spec), _) => {
            let spec: Arc<WorkflowSpec> = Arc::new(serde_json::from_value(spec)?);
            remember_spec(id, hash, spec.clone());
            spec
        }
        (None, None) => return Err(StoreError::Corrupt(format!("workflow {id} has no spec"))),
    };
    let status = WorkflowStatus::parse(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("workflow status `{status}`")))?;
    let tz: chrono_tz::Tz = tz
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("timezone `{tz}`")))?;
    let target = Target {
        instant: target_at,
        tz,
    };
    if let Some(c) = take_committed(id, lock_version) {
        return Ok(Some(Locked {
            snapshot: Snapshot {
                id: WorkflowId(id),
                status,
                spec,
                target,
                tasks: c.tasks,
                approvals: c.approvals,
                events: c.events,
                draining,
            },
            lock_version,
            now,
            gates: c.gates,
        }));
    }
    let rows: Vec<TaskTuple> = sqlx::query_as(
        "SELECT key, status, attempts, attempts_before, next_attempt_at, planned_start, planned_due, planned_end,
                actual_start, actual_end, timer_at, output, last_error, actor, missed, forced
         FROM rwf.tasks WHERE workflow_id = $1",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let mut rows: HashMap<String, TaskTuple> = rows.into_iter().map(|r| (r.0.clone(), r)).collect();
    let mut tasks = Vec::with_capacity(spec.tasks.len());
    for t in &spec.tasks {
        let Some(r) = rows.remove(&t.key) else {
            return Err(StoreError::Corrupt(format!("task `{}` has no row", t.key)));
        };
        let planned = match (r.5, r.6, r.7) {
            (Some(start), Some(due), Some(end)) => Some(Planned { start, due, end }),
            _ => None,
        };
        tasks.push(TaskState {
            status: status_of(&r.1)?,
            attempt: r.2.max(0) as u32,
            attempts_before: r.3.max(0) as u32,
            next_attempt_at: r.4,
            planned,
            started_at: r.8,
            finished_at: r.9,
            timer_at: r.10,
            output: r.11,
            last_error: r.12,
            actor: r.13,
            missed: r.14,
            forced: r.15,
            key: r.0,
        });
    }
    // Approval rounds exist only for approval tasks: a template without any needs no query.
    let approvals = if spec
        .tasks
        .iter()
        .any(|t| matches!(t.step, crate::spec::Step::Approval { .. }))
    {
        load_approvals(tx, id).await?
    } else {
        Vec::new()
    };
    // Received events matter only to workflows with event tasks (a signal names one to be stored).
    let events = if spec
        .tasks
        .iter()
        .any(|t| matches!(t.step, crate::spec::Step::Event { .. }))
    {
        load_events(&mut **tx, id).await?
    } else {
        Vec::new()
    };
    Ok(Some(Locked {
        snapshot: Snapshot {
            id: WorkflowId(id),
            status,
            spec,
            target,
            tasks,
            approvals,
            events,
            draining,
        },
        lock_version,
        now,
        gates: None,
    }))
}

type EventTuple = (
    String,
    String,
    Value,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// Every event received by a workflow, oldest first.
pub(crate) async fn load_events<'e, E>(db: E, id: Uuid) -> Result<Vec<ExternalEvent>>
where
    E: sqlx::PgExecutor<'e>,
{
    let rows: Vec<EventTuple> = sqlx::query_as(
        "SELECT event_id, name, data, sender, received_at, consumed_by, consumed_at
         FROM rwf.external_events WHERE workflow_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ExternalEvent {
            id: r.0,
            name: r.1,
            data: r.2,
            sender: r.3,
            received_at: r.4,
            consumed_by: r.5,
            consumed_at: r.6,
        })
        .collect())
}

type ApprovalTuple = (
    i64,
    String,
    i32,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Value,
    i32,
    i32,
    Option<DateTime<Utc>>,
    bool,
    bool,
    String,
    Option<DateTime<Utc>>,
);

async fn load_approvals(tx: &mut Tx<'_>, id: Uuid) -> Result<Vec<ApprovalState>> {
    let rows: Vec<ApprovalTuple> = sqlx::query_as(
        "SELECT id, task_key, round, status, opened_at, deadline_at, approvers, quorum, reminders_sent,
                next_reminder_at, escalated, overdue_notified, packet_hash, closed_at
         FROM rwf.approvals WHERE workflow_id = $1 ORDER BY opened_at, id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    type VoteRow = (i64, String, String, Option<String>, DateTime<Utc>);
    let votes: Vec<VoteRow> = sqlx::query_as(
        "SELECT d.approval_id, d.actor, d.verdict, d.reason, d.at FROM rwf.approval_decisions d
         JOIN rwf.approvals a ON a.id = d.approval_id WHERE a.workflow_id = $1 ORDER BY d.id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let approvers: Vec<Scope> = serde_json::from_value(r.6)?;
        out.push(ApprovalState {
            task: r.1,
            round: r.2.max(1) as u32,
            status: approval_status_of(&r.3)?,
            opened_at: r.4,
            deadline_at: r.5,
            approvers,
            quorum: r.7.max(1) as u32,
            votes: votes
                .iter()
                .filter(|v| v.0 == r.0)
                .map(|v| Vote {
                    actor: v.1.clone(),
                    verdict: if v.2 == "approve" {
                        Verdict::Approve
                    } else {
                        Verdict::Reject
                    },
                    reason: v.3.clone(),
                    at: v.4,
                })
                .collect(),
            reminders_sent: r.8.max(0) as u32,
            next_reminder_at: r.9,
            escalated: r.10,
            overdue_notified: r.11,
            packet_hash: r.12,
            closed_at: r.13,
        });
    }
    Ok(out)
}

/// Event kind and data for one action (the log records every decided change).
fn event_of(action: &Action) -> (&'static str, Value) {
    let data = serde_json::to_value(action).unwrap_or(Value::Null);
    let kind = match action {
        Action::SetTaskStatus { .. } => "task_status",
        Action::Dispatch { .. } => "dispatched",
        Action::StartTimer { .. } => "timer_started",
        Action::CompleteTimer { .. } => "timer_fired",
        Action::RecordOutput { .. } => "output_recorded",
        Action::OpenApproval { .. } => "approval_opened",
        Action::RecordVote { .. } => "approval_vote",
        Action::GrantApproval { .. } => "approval_granted",
        Action::RejectApproval { .. } => "approval_rejected",
        Action::SendReminder { .. } => "approval_reminder",
        Action::Escalate { .. } => "approval_escalated",
        Action::MarkOverdue { .. } => "approval_overdue",
        Action::ExpireApproval { .. } => "approval_expired",
        Action::InvalidateApproval { .. } => "approval_invalidated",
        Action::Notify { .. } => "notified",
        Action::ScheduleRetry { .. } => "retry_scheduled",
        Action::RecordError { .. } => "error_recorded",
        Action::MarkMissed { .. } => "window_missed",
        Action::RequireDecision { .. } => "decision_required",
        Action::ForceRun { .. } => "force_run",
        Action::SetWorkflowStatus { .. } => "workflow_status",
        Action::StartDrain => "drain_started",
        Action::ReceiveEvent { .. } => "event_received",
        Action::RepeatEvent { .. } => "event_repeated",
        Action::ConsumeEvent { .. } => "event_consumed",
        Action::EventTimedOut { .. } => "event_timed_out",
        Action::Expand { .. } => "expanded",
    };
    (kind, data)
}

/// Writes a changed spec: tasks gone (with their approval rounds), new task rows (pending: `persist`
/// writes their state), every dependency edge, the spec and its hash (which the spec cache follows).
async fn write_spec(
    tx: &mut Tx<'_>,
    old: &Snapshot,
    after: &Snapshot,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = after.id.0;
    let spec = &after.spec;
    let removed: Vec<&str> = old
        .spec
        .tasks
        .iter()
        .filter(|t| spec.task(&t.key).is_none())
        .map(|t| t.key.as_str())
        .collect();
    sqlx::query("DELETE FROM rwf.dependencies WHERE workflow_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if !removed.is_empty() {
        sqlx::query("DELETE FROM rwf.approvals WHERE workflow_id = $1 AND task_key = ANY($2)")
            .bind(id)
            .bind(&removed)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM rwf.tasks WHERE workflow_id = $1 AND key = ANY($2)")
            .bind(id)
            .bind(&removed)
            .execute(&mut **tx)
            .await?;
    }
    let keys: Vec<&str> = spec.tasks.iter().map(|t| t.key.as_str()).collect();
    let kinds: Vec<&str> = spec.tasks.iter().map(|t| t.step.kind().as_str()).collect();
    let titles: Vec<&str> = spec.tasks.iter().map(|t| t.title.as_str()).collect();
    // Upsert kind and title; new rows start pending.
    sqlx::query(
        "INSERT INTO rwf.tasks (workflow_id, key, kind, title, status, updated_at)
         SELECT $1, k, kd, t, 'pending', $5 FROM UNNEST($2::text[], $3::text[], $4::text[]) AS u(k, kd, t)
         ON CONFLICT (workflow_id, key) DO UPDATE SET kind = EXCLUDED.kind, title = EXCLUDED.title,
            updated_at = CASE WHEN rwf.tasks.kind IS DISTINCT FROM EXCLUDED.kind
                               OR rwf.tasks.title IS DISTINCT FROM EXCLUDED.title
                              THEN EXCLUDED.updated_at ELSE rwf.tasks.updated_at END",
    )
    .bind(id)
    .bind(&keys)
    .bind(&kinds)
    .bind(&titles)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    super::workflows::insert_dependencies(tx, &[id], spec).await?;
    let hash = crate::spec::content_hash(spec);
    sqlx::query("UPDATE rwf.workflows SET spec = $2, spec_hash = $3 WHERE id = $1")
        .bind(id)
        .bind(serde_json::to_value(&**spec)?)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    // Safe before commit: a reader sends the spec whenever the row's hash is not the cached one.
    remember_spec(id, hash, spec.clone());
    Ok(())
}

/// Writes `after` (the result of applying `decision` to `before`) and the decision's side records.
/// Returns the dispatches to run once the transaction commits.
pub async fn persist(
    tx: &mut Tx<'_>,
    before: &Locked,
    after: &Snapshot,
    decision: &Decision,
    replace_gates: bool,
    now: DateTime<Utc>,
    writer: &Writer<'_>,
) -> Result<Vec<Dispatch>> {
    let id = before.snapshot.id.0;
    let old = &before.snapshot;

    // The workflow row first: the CAS that proves nobody wrote in between.
    let next_wake = if after.status == WorkflowStatus::Active {
        decision.next_wake
    } else {
        None
    };
    let finished = after.status.is_terminal() && !old.status.is_terminal();
    let updated = sqlx::query(
        "UPDATE rwf.workflows SET status = $3, draining = $4, next_wake_at = $5, updated_at = $6,
            lock_version = lock_version + 1,
            started_at = CASE WHEN $3 = 'active' AND started_at IS NULL THEN $6 ELSE started_at END,
            finished_at = CASE WHEN $7 THEN $6 ELSE finished_at END
         WHERE id = $1 AND lock_version = $2",
    )
    .bind(id)
    .bind(before.lock_version)
    .bind(after.status.as_str())
    .bind(after.draining)
    .bind(next_wake)
    .bind(now)
    .bind(finished)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            expected: before.lock_version,
        });
    }

    // A new spec (an edit, or an expansion decided by the engine): its structure first, so the
    // task rows below exist.
    if !Arc::ptr_eq(&old.spec, &after.spec) && old.spec != after.spec {
        write_spec(tx, old, after, now).await?;
    }

    // Changed tasks, in one statement. `after` is `old` with actions applied: the same tasks in the
    // same order, so each is compared with its counterpart by position (by key if that fails).
    let pairs: Vec<(Option<&TaskState>, &TaskState)> = after
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let prev = old.tasks.get(i).filter(|o| o.key == t.key);
            (prev.or_else(|| old.task(&t.key)), t)
        })
        .filter(|(prev, t)| *prev != Some(*t))
        .collect();
    let changed: Vec<&TaskState> = pairs.iter().map(|(_, t)| *t).collect();
    // In-flight attempts of tasks that stopped running are abandoned: their late results are dropped
    // and no worker takes them over. (Only a running task has a dispatched attempt.) Written by the
    // same statement as the tasks.
    let stopped: Vec<String> = pairs
        .iter()
        .filter(|(prev, t)| {
            t.status != TaskStatus::Running && prev.is_some_and(|o| o.status == TaskStatus::Running)
        })
        .map(|(_, t)| t.key.clone())
        .collect();
    if !changed.is_empty() {
        let col = |f: &dyn Fn(&TaskState) -> Option<DateTime<Utc>>| -> Vec<Option<DateTime<Utc>>> {
            changed.iter().map(|t| f(t)).collect()
        };
        let keys: Vec<String> = changed.iter().map(|t| t.key.clone()).collect();
        let statuses: Vec<String> = changed
            .iter()
            .map(|t| t.status.as_str().to_string())
            .collect();
        let attempts: Vec<i32> = changed.iter().map(|t| t.attempt as i32).collect();
        let outputs: Vec<Option<Value>> = changed.iter().map(|t| t.output.clone()).collect();
        let errors: Vec<Option<String>> = changed.iter().map(|t| t.last_error.clone()).collect();
        let actors: Vec<Option<String>> = changed.iter().map(|t| t.actor.clone()).collect();
        let missed: Vec<bool> = changed.iter().map(|t| t.missed).collect();
        let forced: Vec<bool> = changed.iter().map(|t| t.forced).collect();
        let before: Vec<i32> = changed.iter().map(|t| t.attempts_before as i32).collect();
        sqlx::query(
            "WITH abandoned AS (
                UPDATE rwf.attempts SET status = 'abandoned', finished_at = $2, lease_expires_at = NULL
                WHERE workflow_id = $1 AND status = 'dispatched' AND task_key = ANY($19))
             UPDATE rwf.tasks t SET status = u.status, attempts = u.attempts,
                next_attempt_at = u.next_attempt_at, planned_start = u.ps, planned_due = u.pd,
                planned_end = u.pe, actual_start = u.started, actual_end = u.finished,
                timer_at = u.timer_at, output = u.output, last_error = u.last_error, actor = u.actor,
                missed = u.missed, forced = u.forced, attempts_before = u.attempts_before,
                lock_version = t.lock_version + 1, updated_at = $2
             FROM UNNEST($3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[],
                         $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[],
                         $12::timestamptz[], $13::jsonb[], $14::text[], $15::text[], $16::bool[],
                         $17::bool[], $18::int[])
                  AS u(key, status, attempts, next_attempt_at, ps, pd, pe, started, finished, timer_at,
                       output, last_error, actor, missed, forced, attempts_before)
             WHERE t.workflow_id = $1 AND t.key = u.key",
        )
        .bind(id)
        .bind(now)
        .bind(&keys)
        .bind(&statuses)
        .bind(&attempts)
        .bind(col(&|t| t.next_attempt_at))
        .bind(col(&|t| t.planned.map(|p| p.start)))
        .bind(col(&|t| t.planned.map(|p| p.due)))
        .bind(col(&|t| t.planned.map(|p| p.end)))
        .bind(col(&|t| t.started_at))
        .bind(col(&|t| t.finished_at))
        .bind(col(&|t| t.timer_at))
        .bind(&outputs)
        .bind(&errors)
        .bind(&actors)
        .bind(&missed)
        .bind(&forced)
        .bind(&before)
        .bind(&stopped)
        .execute(&mut **tx)
        .await?;
    }

    // Approval rounds that are new or changed.
    for a in &after.approvals {
        let prev = old
            .approvals
            .iter()
            .find(|p| p.task == a.task && p.round == a.round);
        if prev == Some(a) {
            continue;
        }
        let approval_id: (i64,) = sqlx::query_as(
            "INSERT INTO rwf.approvals (workflow_id, task_key, round, status, approvers, quorum,
                opened_at, deadline_at, next_reminder_at, reminders_sent, escalated, overdue_notified,
                packet_hash, invalidated_at, closed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                     CASE WHEN $4 = 'invalidated' THEN $14 END, $15)
             ON CONFLICT (workflow_id, task_key, round) DO UPDATE SET status = EXCLUDED.status,
                approvers = EXCLUDED.approvers, quorum = EXCLUDED.quorum,
                deadline_at = EXCLUDED.deadline_at, next_reminder_at = EXCLUDED.next_reminder_at,
                reminders_sent = EXCLUDED.reminders_sent, escalated = EXCLUDED.escalated,
                overdue_notified = EXCLUDED.overdue_notified, packet_hash = EXCLUDED.packet_hash,
                invalidated_at = COALESCE(rwf.approvals.invalidated_at, EXCLUDED.invalidated_at),
                closed_at = EXCLUDED.closed_at
             RETURNING id",
        )
        .bind(id)
        .bind(&a.task)
        .bind(a.round as i32)
        .bind(a.status.as_str())
        .bind(serde_json::to_value(&a.approvers)?)
        .bind(a.quorum as i32)
        .bind(a.opened_at)
        .bind(a.deadline_at)
        .bind(a.next_reminder_at)
        .bind(a.reminders_sent as i32)
        .bind(a.escalated)
        .bind(a.overdue_notified)
        .bind(&a.packet_hash)
        .bind(now)
        .bind(a.closed_at)
        .fetch_one(&mut **tx)
        .await?;
        let known = prev.map(|p| p.votes.len()).unwrap_or(0);
        for v in a.votes.iter().skip(known) {
            sqlx::query(
                "INSERT INTO rwf.approval_decisions (approval_id, actor, verdict, reason, at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(approval_id.0)
            .bind(&v.actor)
            .bind(v.verdict.as_str())
            .bind(&v.reason)
            .bind(v.at)
            .execute(&mut **tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::AlreadyDecided { .. } => StoreError::AlreadyDecided {
                    actor: v.actor.clone(),
                },
                StoreError::NotHuman(_) => StoreError::NotHuman(v.actor.clone()),
                other => other,
            })?;
        }
    }

    // Events received or consumed: stored before the receipt is acknowledged (this transaction).
    for e in &after.events {
        let prev = old.events.iter().find(|p| p.id == e.id);
        if prev == Some(e) {
            continue;
        }
        sqlx::query(
            "INSERT INTO rwf.external_events (workflow_id, event_id, name, data, sender, received_at,
                consumed_by, consumed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (workflow_id, event_id) DO UPDATE SET consumed_by = EXCLUDED.consumed_by,
                consumed_at = EXCLUDED.consumed_at",
        )
        .bind(id)
        .bind(&e.id)
        .bind(&e.name)
        .bind(&e.data)
        .bind(&e.sender)
        .bind(e.received_at)
        .bind(&e.consumed_by)
        .bind(e.consumed_at)
        .execute(&mut **tx)
        .await?;
    }

    // The gate ledger follows reconcile's latest view, writing only what changed: rows no longer in
    // the view are deleted, new or different ones upserted, equal ones left alone (one statement).
    // With the ledger as stored known (`before.gates`), only the difference is sent; else the whole
    // view, and the database finds the difference.
    if replace_gates {
        let view = &decision.gates;
        fn key(g: &GateRow) -> (&str, &str) {
            (g.task.as_str(), g.gate.as_str())
        }
        let (upserts, gone): (Vec<&GateRow>, Vec<&GateRow>) = match &before.gates {
            Some(stored) => {
                let was: HashMap<_, &GateRow> = stored.iter().map(|g| (key(g), g)).collect();
                let now_in: std::collections::HashSet<_> = view.iter().map(key).collect();
                (
                    view.iter()
                        .filter(|g| was.get(&key(g)) != Some(g))
                        .collect(),
                    stored
                        .iter()
                        .filter(|g| !now_in.contains(&key(g)))
                        .collect(),
                )
            }
            None => (view.iter().collect(), Vec::new()),
        };
        if before.gates.is_none() || !upserts.is_empty() || !gone.is_empty() {
            write_gates(tx, id, now, &upserts, &gone, before.gates.is_none()).await?;
        }
    }

    // Events (one per action), notifications, dispatches.
    let mut dispatches = Vec::new();
    if !decision.actions.is_empty() {
        let mut kinds = Vec::new();
        let mut tasks = Vec::new();
        let mut datas = Vec::new();
        for action in &decision.actions {
            let (kind, mut data) = event_of(action);
            if let (Some(via), Some(map)) = (writer.via, data.as_object_mut()) {
                map.insert("via".into(), Value::String(via.to_string()));
            }
            kinds.push(kind.to_string());
            tasks.push(action.task().map(str::to_string));
            datas.push(data);
        }
        // The events, and the hint followers listen for (while any follow), in one round trip.
        sqlx::query(
            "WITH logged AS (
                INSERT INTO rwf.events (workflow_id, at, actor, kind, task_key, data)
                SELECT $1, $2, $3, k, t, d FROM UNNEST($4::text[], $5::text[], $6::jsonb[])
                       WITH ORDINALITY AS x(k, t, d, n) ORDER BY n)
             SELECT pg_notify($7, $8) WHERE rwf.followed()",
        )
        .bind(id)
        .bind(now)
        .bind(writer.actor)
        .bind(&kinds)
        .bind(&tasks)
        .bind(&datas)
        .bind(EVENT_CHANNEL)
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    }
    for action in &decision.actions {
        if let Action::Notify {
            kind,
            task,
            recipients,
            title,
            message,
        } = action
        {
            notify(
                tx,
                &crate::exec::Notification {
                    id: Uuid::new_v4(),
                    workflow_id: id,
                    kind: kind.as_str().to_string(),
                    task_key: task.clone(),
                    recipients: recipients.clone(),
                    title: title.clone(),
                    message: message.clone(),
                    created_at: now,
                },
            )
            .await?;
        }
    }
    let requests: Vec<crate::exec::DispatchRequest> = decision
        .actions
        .iter()
        .filter_map(|action| match action {
            Action::Dispatch {
                task,
                attempt,
                idempotency_key,
                agent,
                input,
                timeout_seconds,
            } => Some(crate::exec::DispatchRequest {
                workflow_id: id,
                task_key: task.clone(),
                attempt: *attempt,
                idempotency_key: idempotency_key.clone(),
                agent: agent.clone(),
                input: input.clone(),
                timeout: timeout_seconds.map(std::time::Duration::from_secs),
            }),
            _ => None,
        })
        .collect();
    if !requests.is_empty() {
        // Every attempt row of the decision in one statement, leased to the writer.
        let keys: Vec<&str> = requests.iter().map(|r| r.task_key.as_str()).collect();
        let attempts: Vec<i32> = requests.iter().map(|r| r.attempt as i32).collect();
        let idem: Vec<&str> = requests
            .iter()
            .map(|r| r.idempotency_key.as_str())
            .collect();
        let bodies: Vec<Value> = requests
            .iter()
            .map(|r| {
                json!({ "agent": r.agent, "input": r.input,
                        "timeout_seconds": r.timeout.map(|t| t.as_secs()) })
            })
            .collect();
        let ids: Vec<(String, i64)> = sqlx::query_as(
            "INSERT INTO rwf.attempts (workflow_id, task_key, attempt, idempotency_key, status,
                lease_holder, lease_epoch, lease_expires_at, heartbeat_at, request, started_at)
             SELECT $1, k, a, i, 'dispatched', $2, 1, $3, $4, r, $4
             FROM UNNEST($5::text[], $6::int[], $7::text[], $8::jsonb[]) AS x(k, a, i, r)
             RETURNING task_key, id",
        )
        .bind(id)
        .bind(writer.holder)
        .bind(now + writer.lease)
        .bind(now)
        .bind(&keys)
        .bind(&attempts)
        .bind(&idem)
        .bind(&bodies)
        .fetch_all(&mut **tx)
        .await?;
        for request in requests {
            let Some((_, attempt_id)) = ids.iter().find(|(k, _)| *k == request.task_key) else {
                return Err(StoreError::Corrupt(format!(
                    "no attempt row for `{}`",
                    request.task_key
                )));
            };
            dispatches.push(Dispatch {
                attempt_id: *attempt_id,
                epoch: 1,
                request,
            });
        }
    }
    // No wake hint here: the worker's own paths claim what they made due, and the human paths send
    // their one hint themselves (at most one `NOTIFY` per transaction).
    Ok(dispatches)
}

/// Upserts `upserts` (each only if new or different) and deletes `gone`; with `complete`, `upserts` is
/// the whole view and every other row of the workflow is deleted too.
async fn write_gates(
    tx: &mut Tx<'_>,
    id: Uuid,
    now: DateTime<Utc>,
    upserts: &[&GateRow],
    gone: &[&GateRow],
    complete: bool,
) -> Result<()> {
    let tasks: Vec<&str> = upserts.iter().map(|r| r.task.as_str()).collect();
    let kinds: Vec<&str> = upserts.iter().map(|r| r.gate.as_str()).collect();
    let states: Vec<&str> = upserts.iter().map(|r| r.state.as_str()).collect();
    let reasons: Vec<&str> = upserts.iter().map(|r| r.reason.as_str()).collect();
    let blockers: Vec<Value> = upserts.iter().map(|r| json!(r.blockers)).collect();
    let until: Vec<Option<DateTime<Utc>>> = upserts.iter().map(|r| r.until).collect();
    let gone_tasks: Vec<&str> = gone.iter().map(|r| r.task.as_str()).collect();
    let gone_kinds: Vec<&str> = gone.iter().map(|r| r.gate.as_str()).collect();
    sqlx::query(
        "WITH view AS (
            SELECT * FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[],
                                 $8::timestamptz[]) AS x(t, k, s, r, b, u)),
         gone AS (
            DELETE FROM rwf.gates g WHERE g.workflow_id = $1
              AND (($11 AND NOT EXISTS (SELECT 1 FROM view v WHERE v.t = g.task_key AND v.k = g.kind))
                   OR (g.task_key, g.kind) IN (SELECT * FROM UNNEST($9::text[], $10::text[]))))
         INSERT INTO rwf.gates (workflow_id, task_key, kind, state, reason, blockers, until, updated_at)
         SELECT $1, v.t, v.k, v.s, v.r, v.b, v.u, $2 FROM view v
         LEFT JOIN rwf.gates g ON g.workflow_id = $1 AND g.task_key = v.t AND g.kind = v.k
         WHERE g.task_key IS NULL
            OR (g.state, g.reason, g.blockers, g.until) IS DISTINCT FROM (v.s, v.r, v.b, v.u)
         ON CONFLICT (workflow_id, task_key, kind) DO UPDATE SET state = EXCLUDED.state,
            reason = EXCLUDED.reason, blockers = EXCLUDED.blockers, until = EXCLUDED.until,
            updated_at = EXCLUDED.updated_at",
    )
    .bind(id)
    .bind(now)
    .bind(&tasks)
    .bind(&kinds)
    .bind(&states)
    .bind(&reasons)
    .bind(&blockers)
    .bind(&until)
    .bind(&gone_tasks)
    .bind(&gone_kinds)
    .bind(complete)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
