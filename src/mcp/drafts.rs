//! Drafting a workflow from a template (a `draft`: the worker never advances it until a person starts
//! it) and proposing an edit to a draft or paused workflow: the diff and every refusal, applied only
//! when the workflow is a draft (checked again under the row lock, so a workflow started meanwhile is
//! never changed).

use super::templates::{self, Loaded, Release};
use super::{Session, ToolError};
use crate::engine::WorkflowStatus;
use crate::schedule::RELEASE_IN_PAST;
use crate::store::{EditOptions, NewWorkflow, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

/// Creates a draft workflow: the template bound to the release, its plan resolved and stored.
pub async fn draft(
    session: &Session<'_>,
    loaded: &Loaded,
    release: &Release,
    owner: Option<String>,
) -> Result<Value, ToolError> {
    let store = session.store()?;
    if loaded.from_source {
        session.may_push()?;
    }
    let owner = session.may_create(owner)?;
    let (bound, plan, name_param) = templates::instantiate(loaded, release)?;
    let mut warnings = Vec::new();
    if plan.target.instant < chrono::Utc::now() {
        warnings.push(json!({
            "code": RELEASE_IN_PAST, "severity": "warning",
            "message": "the release has already passed: every task would be due at once",
            "help": "check the year of `release`",
        }));
    }
    let id = store
        .create_owned_workflow(
            NewWorkflow {
                template: &loaded.spec,
                spec: &bound,
                plan: &plan,
                actor: &session.actor(),
            },
            owner.as_deref(),
        )
        .await
        .map_err(|e| match e {
            StoreError::TemplateChanged { .. } => ToolError::new(e.to_string())
                .help("template versions are immutable: bump `version` in the source"),
            e @ StoreError::InvalidSpec { .. } => {
                ToolError::new(e.to_string()).help("`validate` shows where")
            }
            other => other.into(),
        })?;
    Ok(json!({
        "id": id.to_string(),
        "status": "draft",
        "name": bound.name,
        "name_param": name_param,
        "owner": owner,
        "template": format!("{}@{}", loaded.spec.key, loaded.spec.version),
        "plan": templates::plan_json(&bound, &plan),
        "warnings": warnings,
        "next": format!(
            "a draft runs nothing: a person reviews it (`rwf status {id}`) and starts it \
             (`rwf start {id}`, or the console)"
        ),
    }))
}

/// What an edit proposal changes.
pub struct Proposal {
    /// A new template version for the workflow (its other params keep their values).
    pub template: Option<Loaded>,
    /// Params to rebind (with no template: only date/datetime params, which move anchors).
    pub sets: BTreeMap<String, String>,
    /// A new target date and/or zone.
    pub release: Option<String>,
    pub tz: Option<String>,
    pub expect_version: Option<i64>,
}

/// Proposes an edit: always the full diff or every refusal; applied only to a draft.
pub async fn propose_edit(
    session: &Session<'_>,
    id: Uuid,
    proposal: Proposal,
) -> Result<Value, ToolError> {
    let store = session.store()?;
    if proposal.template.is_none()
        && proposal.sets.is_empty()
        && proposal.release.is_none()
        && proposal.tz.is_none()
    {
        return Err(ToolError::new("the proposal changes nothing").help(
            "give a new `template` or `source`, params in `sets`, or a new `release` / `tz`",
        ));
    }
    session.may_view(id).await?;
    let row = store.workflow(id).await?;
    let apply = row.status == "draft";
    if apply {
        session.may_operate(id).await?;
        if proposal.template.as_ref().is_some_and(|t| t.from_source) {
            session.may_push()?;
        }
    }
    let actor = session.actor();
    // As `rwf edit` and `rwf retarget` record them.
    let event = if proposal.template.is_some() {
        "workflow_edited"
    } else {
        "workflow_retargeted"
    };
    let Proposal {
        template,
        sets,
        release,
        tz,
        expect_version,
    } = proposal;
    let stored = template.map(|t| t.spec);
    let template_spec = stored.clone();
    let options = EditOptions {
        actor: &actor,
        expect_version,
        dry_run: !apply,
        allow_active: false,
        event,
        template: stored.as_ref(),
    };
    let result = store
        .edit_workflow(id, options, move |snapshot| {
            if apply && snapshot.status != WorkflowStatus::Draft {
                return Err(
                    "the workflow is no longer a draft, so the proposal was not applied".into(),
                );
            }
            match &template_spec {
                Some(t) => {
                    let mut spec = crate::ops::rebind(t, &snapshot.spec, &sets)?;
                    // A release named by its title (no param for the name) keeps its name.
                    if templates::name_param(t).is_none() {
                        spec.name = snapshot.spec.name.clone();
                    }
                    if release.is_none() && tz.is_none() {
                        let plan = crate::ops::resolve_for(&spec, snapshot)?;
                        return Ok((spec, plan));
                    }
                    let mut moved = snapshot.clone();
                    moved.spec = Arc::new(spec);
                    crate::ops::retarget(&moved, release, &BTreeMap::new(), tz)
                }
                None => crate::ops::retarget(snapshot, release, &sets, tz),
            }
        })
        .await
        .map_err(|e| match e {
            StoreError::Refused(r) => {
                ToolError::new(format!("the proposal is refused: {r}")).help("nothing was changed")
            }
            other => other.into(),
        })?;
    match result {
        Ok(r) => Ok(json!({
            "workflow": id.to_string(),
            "status": row.status,
            "applied": r.applied,
            "lock_version": r.lock_version,
            "diff": serde_json::to_value(&r.plan).unwrap_or(Value::Null),
            "refusals": [],
            "note": if r.applied {
                "applied to the draft; it still runs nothing until a person starts it".to_string()
            } else if apply {
                "the proposal changes nothing".to_string()
            } else {
                format!(
                    "not applied: the workflow is {}; only a person of its owner scope applies an \
                     edit to it (`rwf edit {id}`, `rwf retarget {id}` or the console)",
                    row.status
                )
            },
        })),
        Err(refusals) => Err(ToolError::new(format!(
            "the proposal is refused ({} rule{} broken); nothing was changed",
            refusals.len(),
            if refusals.len() == 1 { "" } else { "s" }
        ))
        .help("a task that has run keeps its execution identity; an active workflow is paused by a person first")
        .details(json!({
            "workflow": id.to_string(),
            "status": row.status,
            "applied": false,
            "refusals": serde_json::to_value(&refusals).unwrap_or(Value::Null),
        }))),
    }
}
