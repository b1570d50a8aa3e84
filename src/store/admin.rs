//! Administrative queries: scratch databases (bench), counters, and small reads for tools.

use super::{Result, Store, StoreError};
use uuid::Uuid;

/// Replaces the database name in a Postgres URL.
pub fn url_with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

fn valid_name(name: &str) -> Result<()> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Refused(format!(
            "`{name}` is not a plain database name"
        )));
    }
    Ok(())
}

impl Store {
    /// Creates database `name` on the server of `url`; returns its URL.
    pub async fn create_database(url: &str, name: &str) -> Result<String> {
        valid_name(name)?;
        let admin = Store::connect_with(url, 1).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin.pool)
            .await?;
        admin.pool.close().await;
        Ok(url_with_database(url, name))
    }

    pub async fn drop_database(url: &str, name: &str) -> Result<()> {
        valid_name(name)?;
        let admin = Store::connect_with(url, 1).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&admin.pool)
            .await?;
        admin.pool.close().await;
        Ok(())
    }

    /// One bigint from a trusted, constant query (tools and benchmarks).
    pub async fn scalar_i64(&self, sql: &str) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&self.pool).await?;
        Ok(n)
    }

    /// `VACUUM ANALYZE` of the schema's busy tables (after a bulk load, so upkeep does not run later).
    pub async fn vacuum_analyze(&self) -> Result<()> {
        sqlx::query("VACUUM ANALYZE rwf.workflows, rwf.tasks, rwf.gates, rwf.events, rwf.attempts")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Committed transactions of this database so far (`pg_stat_database`).
    pub async fn xact_commits(&self) -> Result<i64> {
        // Stats are flushed at transaction end; ask for a fresh snapshot.
        let _ = sqlx::query("SELECT pg_stat_clear_snapshot()")
            .execute(&self.pool)
            .await;
        let (n,): (i64,) = sqlx::query_as(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    pub async fn task_status(&self, id: Uuid, task: &str) -> Result<String> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT status FROM rwf.tasks WHERE workflow_id = $1 AND key = $2")
                .bind(id)
                .bind(task)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| r.0).ok_or_else(|| StoreError::TaskNotFound {
            id: id.to_string(),
            task: task.to_string(),
        })
    }

    /// Milliseconds from the first vote on `approval` to the first dispatch of `downstream` (DB clock).
    pub async fn approval_to_dispatch_ms(
        &self,
        id: Uuid,
        approval: &str,
        downstream: &str,
    ) -> Result<Option<f64>> {
        let row: Option<(Option<f64>,)> = sqlx::query_as(
            "SELECT (EXTRACT(EPOCH FROM (
                (SELECT min(started_at) FROM rwf.attempts WHERE workflow_id = $1 AND task_key = $3)
              - (SELECT min(d.at) FROM rwf.approval_decisions d JOIN rwf.approvals a ON a.id = d.approval_id
                 WHERE a.workflow_id = $1 AND a.task_key = $2))) * 1000)::float8",
        )
        .bind(id)
        .bind(approval)
        .bind(downstream)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|r| r.0))
    }

    /// Creates `n` active workflows of one spec in bulk (one stored, the rest copied in SQL), due now.
    pub async fn create_idle_workflows(
        &self,
        spec: &crate::spec::WorkflowSpec,
        plan: &crate::schedule::Plan,
        n: usize,
    ) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        let first = self
            .create_workflow(super::NewWorkflow {
                template: spec,
                spec,
                plan,
                actor: "bench",
            })
            .await?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "CREATE TEMP TABLE bulk_ids ON COMMIT DROP AS
             SELECT gen_random_uuid() AS id FROM generate_series(1, $1)",
        )
        .bind(n as i64 - 1)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO rwf.workflows (id, name, status, template_key, template_version, template_hash,
                spec, spec_hash, target_at, target_tz, created_at, updated_at)
             SELECT b.id, w.name, w.status, w.template_key, w.template_version, w.template_hash, w.spec,
                    w.spec_hash, w.target_at, w.target_tz, now(), now()
             FROM bulk_ids b, rwf.workflows w WHERE w.id = $1",
        )
        .bind(first)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO rwf.tasks (workflow_id, key, kind, title, status, planned_start, planned_due, planned_end)
             SELECT b.id, t.key, t.kind, t.title, t.status, t.planned_start, t.planned_due, t.planned_end
             FROM bulk_ids b, rwf.tasks t WHERE t.workflow_id = $1",
        )
        .bind(first)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE rwf.workflows SET status = 'active', started_at = now(), next_wake_at = now()
             WHERE id = $1 OR id IN (SELECT id FROM bulk_ids)",
        )
        .bind(first)
        .execute(&mut *tx)
        .await?;
        super::notify_wake(&mut tx, first).await?;
        tx.commit().await?;
        Ok(())
    }
}
