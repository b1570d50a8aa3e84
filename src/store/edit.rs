//! Applying an edit (new spec, retarget, narrow task/dependency edits) to a workflow in one transaction:
//! the row is locked `FOR UPDATE`, the caller's expected `lock_version` is checked, the pure
//! `engine::edit_plan::plan_edit` decides, and the diff is written with CAS, one audit event and a wake.
//! A dry run or a refusal writes nothing. Also the template-version listing behind `rwf templates`.

use super::snapshot::{self, Locked, Writer};
use super::templates::put_template_tx;
use super::{notify_wake, Result, Store, StoreError, Tx};
use crate::engine::edit_plan::{plan_edit, EditPlan, EditRefusal, Evidence};
use crate::engine::{Decision, Snapshot, WorkflowStatus};
use crate::schedule::Plan;
use crate::spec::{content_hash, WorkflowSpec};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// How an edit is applied.
pub struct EditOptions<'a> {
    pub actor: &'a str,
    /// The `lock_version` the caller loaded; a different current one refuses the edit.
    pub expect_version: Option<i64>,
    pub dry_run: bool,
    /// Retarget may move an active workflow; spec edits may not.
    pub allow_active: bool,
    /// The event kind in the audit log (`workflow_edited`, `workflow_retargeted`, ...).
    pub event: &'a str,
    /// A new template version the workflow now follows (stored immutably if new).
    pub template: Option<&'a WorkflowSpec>,
}

/// The new spec and its resolved plan, built from the locked snapshot.
pub type Built = (WorkflowSpec, Plan);

/// What an edit did (or, for a dry run, would do).
pub struct EditResult {
    pub plan: EditPlan,
    /// The workflow's `lock_version` after the edit (unchanged for a dry run).
    pub lock_version: i64,
    pub applied: bool,
}

/// A template version as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TemplateVersion {
    pub key: String,
    pub version: i32,
    pub spec_hash: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Edits workflow `id`: `build` makes the new spec and plan from the locked snapshot (an `Err` is a
    /// refusal message); `Ok(Err(..))` lists every rule the edit breaks, and nothing is written.
    pub async fn edit_workflow<F>(
        &self,
        id: Uuid,
        options: EditOptions<'_>,
        build: F,
    ) -> Result<std::result::Result<EditResult, Vec<EditRefusal>>>
    where
        F: FnOnce(&Snapshot) -> std::result::Result<Built, String>,
    {
        let mut tx = self.begin().await?;
        let Some(locked) = snapshot::lock(&mut tx, id, &self.clock).await? else {
            return Err(StoreError::WorkflowNotFound(id.to_string()));
        };
        let now = locked.now;
        if let Some(expected) = options.expect_version {
            if expected != locked.lock_version {
                return Err(StoreError::Refused(format!(
                    "the workflow changed since you loaded it (version {expected}, now {}); \
                     reload it and edit again",
                    locked.lock_version
                )));
            }
        }
        let artifacts: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT task_key FROM rwf.artifacts WHERE workflow_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        let evidence = Evidence {
            artifacts: artifacts.into_iter().map(|(k,)| k).collect(),
        };
        let (mut spec, mut plan) = build(&locked.snapshot).map_err(StoreError::Refused)?;
        crate::engine::edit_expansions::carry_expansions(&locked.snapshot, &mut spec, &mut plan);
        let spec = Arc::new(spec);
        let edit = match plan_edit(
            &locked.snapshot,
            &evidence,
            spec.clone(),
            &plan,
            options.allow_active,
            now,
        ) {
            Ok(edit) => edit,
            Err(refusals) => return Ok(Err(refusals)),
        };
        // A dry run writes nothing; neither does an edit that changes nothing (no version bump, so a
        // concurrent editor gets no false conflict).
        if options.dry_run || edit.is_empty() {
            tx.rollback().await?;
            return Ok(Ok(EditResult {
                plan: edit,
                lock_version: locked.lock_version,
                applied: false,
            }));
        }
        write(&mut tx, &locked, &edit, &spec, &plan, &options, now).await?;
        tx.commit().await?;
        Ok(Ok(EditResult {
            plan: edit,
            lock_version: locked.lock_version + 1,
            applied: true,
        }))
    }

    /// Every stored template version, by key then version.
    pub async fn template_versions(&self) -> Result<Vec<TemplateVersion>> {
        let rows: Vec<(String, i32, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT key, version, spec_hash, created_at FROM rwf.template_versions ORDER BY key, version",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(key, version, spec_hash, created_at)| TemplateVersion {
                key,
                version,
                spec_hash,
                created_at,
            })
            .collect())
    }

    /// The newest stored version of a template key.
    pub async fn latest_template_version(&self, key: &str) -> Result<Option<u32>> {
        let row: Option<(Option<i32>,)> =
            sqlx::query_as("SELECT max(version) FROM rwf.template_versions WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|r| r.0).map(|v| v.max(0) as u32))
    }
}

async fn write(
    tx: &mut Tx<'_>,
    locked: &Locked,
    edit: &EditPlan,
    spec: &WorkflowSpec,
    plan: &Plan,
    options: &EditOptions<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = locked.snapshot.id.0;
    // The spec itself (tasks, edges, `spec_hash`) is written by `persist`, which sees it change.
    if let Some(template) = options.template {
        let hash = put_template_tx(tx, template, None).await?;
        sqlx::query(
            "UPDATE rwf.workflows SET template_key = $2, template_version = $3, template_hash = $4
             WHERE id = $1",
        )
        .bind(id)
        .bind(&template.key)
        .bind(template.version as i32)
        .bind(hash)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE rwf.workflows SET name = $2, target_at = $3, target_tz = $4 WHERE id = $1")
        .bind(id)
        .bind(&spec.name)
        .bind(plan.target.instant)
        .bind(plan.target.tz.name())
        .execute(&mut **tx)
        .await?;

    // Task states, approval rounds, engine events and notices, with CAS on `lock_version`.
    let mut decision = Decision {
        actions: edit.actions.clone(),
        next_wake: None,
        gates: Vec::new(),
    };
    if edit.after.status == WorkflowStatus::Active {
        super::worker::wake_now(&mut decision, now);
    }
    let writer = Writer {
        actor: options.actor,
        holder: "",
        lease: chrono::Duration::zero(),
        via: None,
    };
    snapshot::persist(tx, locked, &edit.after, &decision, false, now, &writer).await?;
    super::events::append(
        tx,
        id,
        now,
        options.actor,
        options.event,
        None,
        json!({
            "from_version": locked.lock_version,
            "spec_hash": content_hash(spec),
            "template": options.template.map(|t| json!({"key": t.key, "version": t.version})),
            "diff": edit,
        }),
    )
    .await?;
    notify_wake(tx, id).await?;
    Ok(())
}
