//! The inbox: open approvals (oldest first), then manual tasks, agents waiting for input and missed-window
//! decisions, across active workflows.

use super::{Result, Store};
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InboxItem {
    pub workflow_id: Uuid,
    pub workflow: String,
    pub task_key: String,
    pub title: String,
    /// `approval`, `manual`, `input` (an agent asked) or `decision` (a missed window).
    pub kind: String,
    pub since: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
    /// Approvals: scopes as `user:ann` / `team:legal`; manual tasks: the assignee, if any.
    pub who: Vec<String>,
    /// Approvals: people who already voted.
    pub voted: Vec<String>,
    pub quorum: Option<i32>,
}

impl Store {
    pub async fn inbox(&self) -> Result<Vec<InboxItem>> {
        type ARow = (
            Uuid,
            String,
            String,
            String,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
            Value,
            i32,
            Option<Vec<String>>,
        );
        let approvals: Vec<ARow> = sqlx::query_as(
            "SELECT w.id, w.name, a.task_key, t.title, a.opened_at, a.deadline_at, a.approvers, a.quorum,
                    (SELECT array_agg(d.actor ORDER BY d.id) FROM rwf.approval_decisions d WHERE d.approval_id = a.id)
             FROM rwf.approvals a
             JOIN rwf.workflows w ON w.id = a.workflow_id
             JOIN rwf.tasks t ON t.workflow_id = a.workflow_id AND t.key = a.task_key
             WHERE a.status = 'open' AND w.status = 'active'
             ORDER BY a.opened_at, a.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut items: Vec<InboxItem> = approvals
            .into_iter()
            .map(|r| InboxItem {
                workflow_id: r.0,
                workflow: r.1,
                task_key: r.2,
                title: r.3,
                kind: "approval".into(),
                since: r.4,
                deadline_at: r.5,
                who: scopes(&r.6),
                voted: r.8.unwrap_or_default(),
                quorum: Some(r.7),
            })
            .collect();
        type TRow = (Uuid, String, String, String, String, String, DateTime<Utc>, Value);
        let tasks: Vec<TRow> = sqlx::query_as(
            "SELECT w.id, w.name, t.key, t.title, t.kind, t.status, t.updated_at, w.spec
             FROM rwf.tasks t JOIN rwf.workflows w ON w.id = t.workflow_id
             WHERE w.status = 'active' AND (t.status = 'awaiting_decision'
                OR (t.status = 'waiting_input' AND t.kind IN ('manual', 'agent')))
             ORDER BY t.updated_at, t.key",
        )
        .fetch_all(&self.pool)
        .await?;
        for (wid, wname, key, title, kind, status, since, spec) in tasks {
            let kind_label = match (status.as_str(), kind.as_str()) {
                ("awaiting_decision", _) => "decision",
                (_, "manual") => "manual",
                _ => "input",
            };
            let assignee = spec["tasks"]
                .as_array()
                .and_then(|ts| ts.iter().find(|t| t["key"] == key.as_str()))
                .and_then(|t| t["step"].get("assignee").cloned())
                .map(|a| scopes(&Value::Array(vec![a])))
                .unwrap_or_default();
            items.push(InboxItem {
                workflow_id: wid,
                workflow: wname,
                task_key: key,
                title,
                kind: kind_label.into(),
                since,
                deadline_at: None,
                who: assignee,
                voted: Vec::new(),
                quorum: None,
            });
        }
        Ok(items)
    }
}

/// `[{"kind":"user","name":"ann"}]` → `["user:ann"]`.
fn scopes(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    let kind = s["kind"].as_str()?;
                    let name = s["name"].as_str()?;
                    let kind = if kind == "organization" { "org" } else { kind };
                    Some(format!("{kind}:{name}"))
                })
                .collect()
        })
        .unwrap_or_default()
}
