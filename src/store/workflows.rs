//! Workflows: creating a draft from a bound spec and its resolved plan, lifecycle transitions, and reads.

use super::templates::put_template_tx;
use super::{Result, Store, StoreError};
use crate::schedule::Plan;
use crate::spec::{content_hash, WorkflowSpec};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

/// What `rwf new` hands the store: the template as compiled, the bound instance spec, and its plan.
pub struct NewWorkflow<'a> {
    pub template: &'a WorkflowSpec,
    pub spec: &'a WorkflowSpec,
    pub plan: &'a Plan,
    pub actor: &'a str,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WorkflowRow {
    pub id: Uuid,
    pub name: String,
    pub status: String,
    pub template_key: String,
    pub template_version: i32,
    pub spec_hash: String,
    pub target_at: DateTime<Utc>,
    pub target_tz: String,
    pub lock_version: i64,
    pub next_wake_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TaskRow {
    pub key: String,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_due: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub output: Option<Value>,
    pub last_error: Option<String>,
    pub actor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleVerb {
    Start,
    Pause,
    Resume,
    Cancel,
}

impl LifecycleVerb {
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleVerb::Start => "start",
            LifecycleVerb::Pause => "pause",
            LifecycleVerb::Resume => "resume",
            LifecycleVerb::Cancel => "cancel",
        }
    }
    /// The status it moves to, from the statuses it is legal in.
    fn rule(self) -> (&'static [&'static str], &'static str) {
        match self {
            LifecycleVerb::Start => (&["draft"], "active"),
            LifecycleVerb::Pause => (&["active"], "paused"),
            LifecycleVerb::Resume => (&["paused"], "active"),
            LifecycleVerb::Cancel => (&["draft", "active", "paused"], "cancelled"),
        }
    }
}

/// A task (`t`) is stuck at `$3` (now) when it runs or waits for a person or a decision past its
/// window, or has not started by its due time.
const STUCK: &str = "((t.status IN ('running', 'waiting_input', 'awaiting_decision')
        AND t.planned_end IS NOT NULL AND t.planned_end < $3)
    OR (t.status = 'pending' AND t.planned_due IS NOT NULL AND t.planned_due < $3))";

pub(crate) const WORKFLOW_COLUMNS: &str =
    "id, name, status, template_key, template_version, spec_hash, \
     target_at, target_tz, lock_version, next_wake_at, created_at, updated_at";

type WorkflowTuple = (
    Uuid,
    String,
    String,
    String,
    i32,
    String,
    DateTime<Utc>,
    String,
    i64,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    DateTime<Utc>,
);

pub(crate) fn workflow_of(t: WorkflowTuple) -> WorkflowRow {
    WorkflowRow {
        id: t.0,
        name: t.1,
        status: t.2,
        template_key: t.3,
        template_version: t.4,
        spec_hash: t.5,
        target_at: t.6,
        target_tz: t.7,
        lock_version: t.8,
        next_wake_at: t.9,
        created_at: t.10,
        updated_at: t.11,
    }
}

pub(crate) const TASK_COLUMNS: &str =
    "key, kind, title, status, planned_start, planned_due, planned_end, \
     actual_start, actual_end, attempts, next_attempt_at, output, last_error, actor";

type TaskTuple = (
    String,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    i32,
    Option<DateTime<Utc>>,
    Option<Value>,
    Option<String>,
    Option<String>,
);

pub(crate) fn task_of(t: TaskTuple) -> TaskRow {
    TaskRow {
        key: t.0,
        kind: t.1,
        title: t.2,
        status: t.3,
        planned_start: t.4,
        planned_due: t.5,
        planned_end: t.6,
        actual_start: t.7,
        actual_end: t.8,
        attempts: t.9,
        next_attempt_at: t.10,
        output: t.11,
        last_error: t.12,
        actor: t.13,
    }
}

impl Store {
    /// Stores the template version (refusing a changed spec) and inserts the workflow as a draft with
    /// its tasks and dependency edges, all in one transaction.
    pub async fn create_workflow(&self, new: NewWorkflow<'_>) -> Result<Uuid> {
        self.create_owned_workflow(new, None).await
    }

    /// `create_workflow`, recording in the same transaction the scope that operates it over the API.
    pub async fn create_owned_workflow(
        &self,
        new: NewWorkflow<'_>,
        owner: Option<&str>,
    ) -> Result<Uuid> {
        let ids = self.create_workflows(new, owner, 1).await?;
        ids.into_iter()
            .next()
            .ok_or_else(|| StoreError::Corrupt("no workflow created".into()))
    }

    /// `count` workflows of the same bound spec and plan, as drafts, in one transaction: the template
    /// stored once, then every workflow, task, dependency and event row in one statement each.
    pub async fn create_workflows(
        &self,
        new: NewWorkflow<'_>,
        owner: Option<&str>,
        count: usize,
    ) -> Result<Vec<Uuid>> {
        let mut tx = self.begin().await?;
        let now = self.clock.now(&mut tx).await?;
        let template_hash = put_template_tx(&mut tx, new.template, None).await?;
        let spec = new.spec;
        super::templates::valid(spec)?;
        let ids: Vec<Uuid> = (0..count).map(|_| Uuid::new_v4()).collect();
        let spec_hash = content_hash(spec);
        sqlx::query(
            "INSERT INTO rwf.workflows (id, name, status, template_key, template_version, template_hash,
                spec, spec_hash, target_at, target_tz, created_at, updated_at)
             SELECT i, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $10 FROM UNNEST($1::uuid[]) AS x(i)",
        )
        .bind(&ids)
        .bind(&spec.name)
        .bind(&new.template.key)
        .bind(new.template.version as i32)
        .bind(&template_hash)
        .bind(serde_json::to_value(spec)?)
        .bind(&spec_hash)
        .bind(new.plan.target.instant)
        .bind(new.plan.target.tz.name())
        .bind(now)
        .execute(&mut *tx)
        .await?;

        let times: std::collections::HashMap<&str, _> = new
            .plan
            .tasks
            .iter()
            .map(|r| (r.key.as_str(), r.times))
            .collect();
        let mut keys = Vec::new();
        let mut kinds = Vec::new();
        let mut titles = Vec::new();
        let (mut starts, mut dues, mut ends) = (Vec::new(), Vec::new(), Vec::new());
        for task in &spec.tasks {
            let times = times.get(task.key.as_str()).copied().flatten();
            keys.push(task.key.clone());
            kinds.push(task.step.kind().as_str().to_string());
            titles.push(task.title.clone());
            starts.push(times.map(|t| t.start));
            dues.push(times.map(|t| t.due));
            ends.push(times.map(|t| t.end));
        }
        sqlx::query(
            "INSERT INTO rwf.tasks (workflow_id, key, kind, title, status, planned_start, planned_due,
                planned_end, updated_at)
             SELECT w, k, kd, t, 'pending', s, d, e, $8
             FROM UNNEST($1::uuid[]) AS y(w),
                  UNNEST($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[],
                         $7::timestamptz[]) AS u(k, kd, t, s, d, e)",
        )
        .bind(&ids)
        .bind(&keys)
        .bind(&kinds)
        .bind(&titles)
        .bind(&starts)
        .bind(&dues)
        .bind(&ends)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_dependencies(&mut tx, &ids, spec).await?;
        if let Some(owner) = owner {
            sqlx::query(
                "INSERT INTO rwf.workflow_owners (workflow_id, owner)
                 SELECT w, $2 FROM UNNEST($1::uuid[]) AS x(w)",
            )
            .bind(&ids)
            .bind(owner)
            .execute(&mut *tx)
            .await?;
        }
        super::events::append_each(
            &mut tx,
            &ids,
            now,
            new.actor,
            "workflow_created",
            json!({
                "template": new.template.key,
                "version": new.template.version,
                "spec_hash": spec_hash,
                "target": new.plan.target.instant,
                "tz": new.plan.target.tz.name(),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    pub async fn workflow(&self, id: Uuid) -> Result<WorkflowRow> {
        let sql = format!("SELECT {WORKFLOW_COLUMNS} FROM rwf.workflows WHERE id = $1");
        let row: Option<WorkflowTuple> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(workflow_of)
            .ok_or_else(|| StoreError::WorkflowNotFound(id.to_string()))
    }

    /// The bound spec a workflow runs.
    pub async fn workflow_spec(&self, id: Uuid) -> Result<WorkflowSpec> {
        let row: Option<(Value,)> = sqlx::query_as("SELECT spec FROM rwf.workflows WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let (spec,) = row.ok_or_else(|| StoreError::WorkflowNotFound(id.to_string()))?;
        Ok(serde_json::from_value(spec)?)
    }

    /// Workflows, newest first; `status` filters; `stuck` keeps those running past a task's window.
    pub async fn list_workflows(
        &self,
        status: Option<&str>,
        stuck: bool,
    ) -> Result<Vec<WorkflowRow>> {
        let mut conn = self.pool.acquire().await?;
        let now = self.clock.now(&mut conn).await?;
        let sql = format!(
            "SELECT {WORKFLOW_COLUMNS} FROM rwf.workflows w
             WHERE ($1::text IS NULL OR w.status = $1)
               AND (NOT $2 OR (w.status = 'active' AND EXISTS (
                    SELECT 1 FROM rwf.tasks t WHERE t.workflow_id = w.id AND {STUCK})))
             ORDER BY w.created_at DESC, w.id"
        );
        let rows: Vec<WorkflowTuple> = sqlx::query_as(&sql)
            .bind(status)
            .bind(stuck)
            .bind(now)
            .fetch_all(&mut *conn)
            .await?;
        Ok(rows.into_iter().map(workflow_of).collect())
    }

    /// The stuck tasks of active workflows (see `STUCK`): `(workflow, task, status)`, by workflow
    /// then planned due time.
    pub async fn stuck_tasks(&self) -> Result<Vec<(Uuid, String, String)>> {
        let mut conn = self.pool.acquire().await?;
        let now = self.clock.now(&mut conn).await?;
        let sql = format!(
            "SELECT t.workflow_id, t.key, t.status FROM rwf.tasks t
             JOIN rwf.workflows w ON w.id = t.workflow_id
             WHERE w.status = 'active' AND {STUCK}
             ORDER BY t.workflow_id, t.planned_due NULLS LAST, t.key"
        );
        Ok(sqlx::query_as(&sql)
            .bind(Option::<String>::None)
            .bind(true)
            .bind(now)
            .fetch_all(&mut *conn)
            .await?)
    }

    /// Tasks in spec order.
    pub async fn tasks(&self, id: Uuid) -> Result<Vec<TaskRow>> {
        let spec = self.workflow_spec(id).await?;
        let sql = format!("SELECT {TASK_COLUMNS} FROM rwf.tasks WHERE workflow_id = $1");
        let rows: Vec<TaskTuple> = sqlx::query_as(&sql).bind(id).fetch_all(&self.pool).await?;
        let mut tasks: Vec<TaskRow> = rows.into_iter().map(task_of).collect();
        let order = |k: &str| {
            spec.tasks
                .iter()
                .position(|t| t.key == k)
                .unwrap_or(usize::MAX)
        };
        tasks.sort_by_key(|t| order(&t.key));
        Ok(tasks)
    }

    /// The gate ledger of one workflow: (task, kind, state, reason, blockers).
    pub async fn gates(&self, id: Uuid) -> Result<Vec<(String, String, String, String, Value)>> {
        let rows = sqlx::query_as(
            "SELECT task_key, kind, state, reason, blockers FROM rwf.gates
             WHERE workflow_id = $1 ORDER BY task_key, kind",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// A lifecycle transition, decided by the engine under the workflow row lock. Illegal ones are
    /// refused with the reason; each legal one is logged and hints the workers.
    pub async fn transition(
        &self,
        id: Uuid,
        verb: LifecycleVerb,
        actor: &str,
    ) -> Result<WorkflowRow> {
        let (from, _) = verb.rule();
        let engine_verb = match verb {
            LifecycleVerb::Start => crate::engine::Lifecycle::Start,
            LifecycleVerb::Pause => crate::engine::Lifecycle::Pause,
            LifecycleVerb::Resume => crate::engine::Lifecycle::Resume,
            LifecycleVerb::Cancel => crate::engine::Lifecycle::Cancel,
        };
        let kind = match verb {
            LifecycleVerb::Start => "workflow_started",
            LifecycleVerb::Pause => "workflow_paused",
            LifecycleVerb::Resume => "workflow_resumed",
            LifecycleVerb::Cancel => "workflow_cancelled",
        };
        super::worker::mutate(self, id, actor, Some(kind), |snapshot, now| {
            let status = snapshot.status.as_str();
            if !from.contains(&status) {
                return Err(StoreError::IllegalTransition {
                    verb: verb.as_str().to_string(),
                    status: status.to_string(),
                });
            }
            if verb == LifecycleVerb::Start {
                // A draft stored before this check existed may still hold a spec that would stall.
                super::templates::valid(&snapshot.spec)?;
            }
            super::glue::lifecycle(snapshot, engine_verb, actor, now).map_err(StoreError::Refused)
        })
        .await?;
        self.workflow(id).await
    }
}

/// The dependency edges of `spec` as rows of `rwf.dependencies` (the engine reads the spec; the rows
/// are for queries and the per-edge outcome).
pub(crate) async fn insert_dependencies(
    tx: &mut super::Tx<'_>,
    ids: &[Uuid],
    spec: &crate::spec::WorkflowSpec,
) -> Result<()> {
    let (mut tasks, mut upstreams, mut outcomes) = (Vec::new(), Vec::new(), Vec::new());
    for task in &spec.tasks {
        for dep in &task.depends_on {
            tasks.push(task.key.clone());
            upstreams.push(dep.task.clone());
            outcomes.push(
                serde_json::to_value(dep.outcome)?
                    .as_str()
                    .unwrap_or("success")
                    .to_string(),
            );
        }
    }
    if !tasks.is_empty() {
        sqlx::query(
            "INSERT INTO rwf.dependencies (workflow_id, task_key, upstream, outcome)
             SELECT w, t, u, o FROM UNNEST($1::uuid[]) AS y(w),
                    UNNEST($2::text[], $3::text[], $4::text[]) AS x(t, u, o)",
        )
        .bind(ids)
        .bind(&tasks)
        .bind(&upstreams)
        .bind(&outcomes)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
