//! The notifications feed over the API: what the caller may view, oldest first.

use super::endpoint::{Api, Cx, NoBody, Op};
use super::problem::Problem;
use super::workflows::access;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Serialize, JsonSchema)]
pub struct Notification {
    /// Stable: receivers dedupe on it.
    #[schemars(with = "String")]
    pub id: Uuid,
    #[schemars(with = "String")]
    pub workflow_id: Uuid,
    /// notification, approval_needed, approval_reminder, ... (see `rwf notifications`)
    pub kind: String,
    pub task_key: Option<String>,
    pub recipients: Vec<String>,
    pub title: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

impl From<crate::store::NotificationRow> for Notification {
    fn from(n: crate::store::NotificationRow) -> Notification {
        Notification {
            id: n.id,
            workflow_id: n.workflow_id,
            kind: n.kind,
            task_key: n.task_key,
            recipients: n.recipients,
            title: n.title,
            message: n.message,
            created_at: n.created_at,
        }
    }
}

/// Remembers, per workflow, whether a principal may view it (one lookup per workflow per request).
pub struct Visibility<'a> {
    cx: &'a super::AppState,
    who: &'a super::auth::Principal,
    seen: HashMap<Uuid, bool>,
}

impl<'a> Visibility<'a> {
    pub fn new(cx: &'a super::AppState, who: &'a super::auth::Principal) -> Visibility<'a> {
        Visibility {
            cx,
            who,
            seen: HashMap::new(),
        }
    }
    pub async fn may_view(&mut self, id: Uuid) -> Result<bool, Problem> {
        if let Some(v) = self.seen.get(&id) {
            return Ok(*v);
        }
        let v = match access(&self.cx.store, id).await {
            Ok(wf) => self.cx.rules().view(self.who, &wf).is_ok(),
            Err(p) if p.status == 404 => false,
            Err(p) => return Err(p),
        };
        self.seen.insert(id, v);
        Ok(v)
    }
}

async fn list(cx: Cx, _: NoBody) -> Result<Vec<Notification>, Problem> {
    let who = cx.who()?;
    let workflow =
        match cx.query("workflow") {
            Some(w) => Some(Uuid::parse_str(w).map_err(|_| {
                Problem::bad_request(format!("`{w}` is not a workflow id (a UUID)"))
            })?),
            None => None,
        };
    let rows = cx.state.store.notifications(workflow).await?;
    let mut visible = Visibility::new(&cx.state, who);
    let mut out = Vec::new();
    for n in rows {
        if visible.may_view(n.workflow_id).await? {
            out.push(n.into());
        }
    }
    Ok(out)
}

pub fn routes(api: Api) -> Api {
    api.op(
        Op::get(
            "/api/v1/notifications",
            "The notifications feed of the workflows the caller may view",
        )
        .query(&[("workflow", "only this workflow's")]),
        list,
    )
}
