//! The read-only questions: which workflows there are, a workflow's status, how a task's date in it
//! is produced, what is blocked and why, what is due next, who is waiting on whom, and the audit log. Each reads the store and changes
//! nothing; over the API only the workflows the caller may view are answered for.

use super::{Session, ToolError};
use crate::store::{Store, TaskRow, WorkflowRow};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

/// Task statuses that are over.
const DONE: &[&str] = &["succeeded", "failed", "skipped", "cancelled"];

fn workflow_json(w: &WorkflowRow) -> Value {
    json!({
        "id": w.id.to_string(),
        "name": w.name,
        "status": w.status,
        "template": format!("{}@{}", w.template_key, w.template_version),
        "target_at": w.target_at.to_rfc3339(),
        "target_tz": w.target_tz,
        "lock_version": w.lock_version,
        "next_wake_at": w.next_wake_at.map(|t| t.to_rfc3339()),
    })
}

fn ts(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| Value::String(t.to_rfc3339()))
        .unwrap_or(Value::Null)
}

/// The workflows a question covers: the one named (once the caller may view it), else every one the
/// caller may view that is not over.
async fn scope(
    session: &Session<'_>,
    workflow: Option<&str>,
) -> Result<Vec<WorkflowRow>, ToolError> {
    let store = session.store()?;
    match workflow {
        Some(w) => {
            let id = super::workflow_id(w)?;
            session.may_view(id).await?;
            Ok(vec![store.workflow(id).await?])
        }
        None => Ok(session
            .visible_workflows(None)
            .await?
            .into_iter()
            .filter(|w| matches!(w.status.as_str(), "draft" | "active" | "paused"))
            .collect()),
    }
}

/// Each gate that does not pass, per task.
async fn open_gates(
    store: &Store,
    id: Uuid,
) -> Result<Vec<(String, String, String, String, Value)>, ToolError> {
    Ok(store
        .gates(id)
        .await?
        .into_iter()
        .filter(|g| g.2 != "pass")
        .collect())
}

pub async fn list_workflows(
    session: &Session<'_>,
    status: Option<&str>,
) -> Result<Value, ToolError> {
    let rows = session.visible_workflows(status).await?;
    Ok(json!({"workflows": rows.iter().map(workflow_json).collect::<Vec<_>>()}))
}

fn task_json(t: &TaskRow, assignee: Option<&String>, waiting_on: Vec<Value>) -> Value {
    json!({
        "key": t.key, "kind": t.kind, "title": t.title, "status": t.status,
        "planned_start": ts(t.planned_start), "planned_due": ts(t.planned_due),
        "planned_end": ts(t.planned_end), "actual_start": ts(t.actual_start),
        "actual_end": ts(t.actual_end), "attempts": t.attempts,
        "next_attempt_at": ts(t.next_attempt_at), "last_error": t.last_error,
        "actor": t.actor, "assignee": assignee, "waiting_on": waiting_on,
    })
}

fn gate_json(g: &(String, String, String, String, Value)) -> Value {
    json!({"gate": g.1, "state": g.2, "reason": g.3, "blockers": g.4})
}

pub async fn status(session: &Session<'_>, workflow: &str) -> Result<Value, ToolError> {
    let id = super::workflow_id(workflow)?;
    session.may_view(id).await?;
    let store = session.store()?;
    let row = store.workflow(id).await?;
    let gates = open_gates(store, id).await?;
    let assignees = crate::ops::assignees(&store.workflow_spec(id).await?);
    let no_worker = if row.status == "active" {
        store.no_worker_warning().await?
    } else {
        None
    };
    let tasks: Vec<Value> = store
        .tasks(id)
        .await?
        .iter()
        .map(|t| {
            let waits = gates
                .iter()
                .filter(|g| g.0 == t.key)
                .map(gate_json)
                .collect();
            task_json(t, assignees.get(&t.key), waits)
        })
        .collect();
    Ok(json!({
        "workflow": workflow_json(&row),
        "owner": store.workflow_owner(id).await?,
        "no_worker": no_worker,
        "tasks": tasks,
    }))
}

/// Tasks held by a blocked gate, tasks that failed, and tasks waiting for a person's decision.
pub async fn blocked(session: &Session<'_>, workflow: Option<&str>) -> Result<Value, ToolError> {
    let store = session.store()?;
    let mut out = Vec::new();
    for w in scope(session, workflow).await? {
        let gates = open_gates(store, w.id).await?;
        for t in store.tasks(w.id).await? {
            let held: Vec<Value> = gates
                .iter()
                .filter(|g| g.0 == t.key && g.2 == "blocked")
                .map(gate_json)
                .collect();
            let why = match t.status.as_str() {
                "failed" => Some(format!(
                    "failed: {}",
                    t.last_error
                        .clone()
                        .unwrap_or_else(|| "no error recorded".into())
                )),
                "awaiting_decision" => {
                    Some("missed its window: a person must run or skip it".to_string())
                }
                _ if !held.is_empty() && !DONE.contains(&t.status.as_str()) => {
                    Some("a gate is blocked".to_string())
                }
                _ => None,
            };
            if let Some(why) = why {
                out.push(json!({
                    "workflow": w.id.to_string(), "workflow_name": w.name,
                    "workflow_status": w.status, "task": t.key, "title": t.title,
                    "status": t.status, "why": why, "gates": held,
                }));
            }
        }
    }
    Ok(json!({"blocked": out}))
}

/// Open tasks with a planned due date, soonest first (overdue ones flagged).
pub async fn due_next(
    session: &Session<'_>,
    workflow: Option<&str>,
    limit: usize,
) -> Result<Value, ToolError> {
    let store = session.store()?;
    let now = Utc::now();
    let mut due: Vec<(DateTime<Utc>, Value)> = Vec::new();
    for w in scope(session, workflow).await? {
        let tz: chrono_tz::Tz = w.target_tz.parse().unwrap_or(chrono_tz::UTC);
        for t in store.tasks(w.id).await? {
            let Some(at) = t.planned_due else { continue };
            if DONE.contains(&t.status.as_str()) {
                continue;
            }
            due.push((
                at,
                json!({
                    "workflow": w.id.to_string(), "workflow_name": w.name,
                    "workflow_status": w.status, "task": t.key, "title": t.title,
                    "status": t.status, "due": at.to_rfc3339(),
                    "due_local": at.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string(),
                    "overdue": at < now,
                }),
            ));
        }
    }
    due.sort_by_key(|d| d.0);
    let total = due.len();
    Ok(json!({
        "now": now.to_rfc3339(),
        "total": total,
        "due": due.into_iter().take(limit).map(|d| d.1).collect::<Vec<_>>(),
    }))
}

/// Who waits on whom: releases waiting on people (open approvals, manual tasks, questions, missed
/// windows, from the inbox) and tasks waiting on other tasks (dependency gates).
pub async fn waiting_on(session: &Session<'_>, workflow: Option<&str>) -> Result<Value, ToolError> {
    let store = session.store()?;
    let workflows = scope(session, workflow).await?;
    let ids: Vec<Uuid> = workflows.iter().map(|w| w.id).collect();
    let people: Vec<Value> = store
        .inbox()
        .await?
        .into_iter()
        .filter(|i| ids.contains(&i.workflow_id))
        .map(|i| {
            json!({
                "workflow": i.workflow_id.to_string(), "workflow_name": i.workflow,
                "task": i.task_key, "title": i.title, "kind": i.kind,
                "waiting_on": i.who, "voted": i.voted, "quorum": i.quorum,
                "since": i.since.to_rfc3339(), "deadline": ts(i.deadline_at),
            })
        })
        .collect();
    let mut tasks = Vec::new();
    for w in &workflows {
        for g in open_gates(store, w.id).await? {
            if g.1 == "dependency" {
                tasks.push(json!({
                    "workflow": w.id.to_string(), "workflow_name": w.name,
                    "task": g.0, "state": g.2, "reason": g.3, "waiting_on": g.4,
                }));
            }
        }
    }
    Ok(json!({"people": people, "tasks": tasks}))
}

pub async fn audit_log(
    session: &Session<'_>,
    workflow: &str,
    after: i64,
    limit: usize,
) -> Result<Value, ToolError> {
    let id = super::workflow_id(workflow)?;
    session.may_view(id).await?;
    let events = session.store()?.events(id, after).await?;
    let more = events.len() > limit;
    Ok(json!({
        "workflow": id.to_string(),
        "events": events.into_iter().take(limit).map(|e| json!({
            "id": e.id, "at": e.at.to_rfc3339(), "actor": e.actor, "kind": e.kind,
            "task": e.task_key, "data": e.data,
        })).collect::<Vec<_>>(),
        "more": more,
    }))
}

/// How a task's planned date in workflow `id` is produced: its stored spec resolved at its target,
/// the tasks that have run kept at their planned times (as an edit resolves it).
pub async fn explain(
    session: &Session<'_>,
    workflow: &str,
    task: &str,
) -> Result<Value, ToolError> {
    let id = super::workflow_id(workflow)?;
    session.may_view(id).await?;
    let store = session.store()?;
    let row = store.workflow(id).await?;
    let spec = store.workflow_spec(id).await?;
    let tasks = store.tasks(id).await?;
    let tz: chrono_tz::Tz = row.target_tz.parse().unwrap_or(chrono_tz::UTC);
    let fixed: std::collections::BTreeMap<String, crate::schedule::Times> = tasks
        .iter()
        .filter(|t| t.status != "pending" || t.attempts > 0 || t.actual_start.is_some())
        .filter_map(|t| {
            Some((
                t.key.clone(),
                crate::schedule::Times {
                    start: t.planned_start?,
                    due: t.planned_due?,
                    end: t.planned_end?,
                },
            ))
        })
        .collect();
    let target = crate::schedule::Target {
        instant: row.target_at,
        tz,
    };
    let ex = crate::schedule::explain(&spec, &target, &fixed, task)
        .map_err(|d| ToolError::new(d.message).help("`status` lists the workflow's task keys"))?;
    let stored = tasks.iter().find(|t| t.key == task);
    let chain: Vec<Value> = ex
        .chain
        .iter()
        .map(|l| {
            json!({
                "task": l.task.key,
                "title": spec.tasks[l.index].title,
                "due": l.task.times.map(|t| t.due.to_rfc3339()),
                "kept": fixed.contains_key(&l.task.key),
            })
        })
        .collect();
    Ok(json!({
        "workflow": id.to_string(),
        "task": task,
        "planned_due": ts(stored.and_then(|t| t.planned_due)),
        "explanation": ex.render(&spec, &crate::compile::SourceMap::default(), ""),
        "chain": chain,
        "findings": super::templates::diagnostics(&ex.findings, None),
    }))
}
