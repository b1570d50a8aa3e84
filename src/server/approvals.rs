//! Approvals over the API: the caller's inbox, approve, and reject with a reason. Only an
//! authenticated person decides; the engine checks the approver scopes, quorum and separation of
//! duties exactly as for the CLI.

use super::endpoint::{Api, Cx, Json, NoBody, Op};
use super::problem::Problem;
use super::workflows::{access, viewable};
use crate::engine::Verdict;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Serialize, JsonSchema)]
pub struct InboxItem {
    #[schemars(with = "String")]
    pub workflow_id: Uuid,
    pub workflow: String,
    pub task_key: String,
    pub title: String,
    /// approval, manual, input (an agent asked) or decision (a missed window)
    pub kind: String,
    pub since: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub who: Vec<String>,
    pub voted: Vec<String>,
    pub quorum: Option<i32>,
    /// kind input: what the agent asked (its prompt, and the JSON Schema of the answer if it gave one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<InputRequest>,
}

/// An agent's question: answer it with `POST .../tasks/{task}/answer`.
#[derive(Serialize, JsonSchema)]
pub struct InputRequest {
    pub prompt: String,
    /// A JSON Schema of the answer the agent wants; none when it asked in plain text.
    pub schema: Option<serde_json::Value>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// Why: required, it goes to the audit log and the people who revise.
    pub reason: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Decided {
    pub task: String,
    /// approve or reject
    pub verdict: String,
    /// The approval's status after the vote (open, approved, rejected...).
    pub status: String,
}

async fn inbox(cx: Cx, _: NoBody) -> Result<Vec<InboxItem>, Problem> {
    let who = cx.who()?;
    if !who.is_person() {
        return Err(cx.state.refuse(
            Some(who),
            &format!(
                "`{}` is a service account; the inbox is a person's",
                who.actor()
            ),
        ));
    }
    let store = &cx.state.store;
    let items = crate::ops::inbox_for(
        store.inbox().await?,
        &who.name,
        &cx.state.settings.directory,
    );
    let rules = cx.state.rules();
    let mut out = Vec::new();
    for i in items {
        if rules
            .view(who, &access(store, i.workflow_id).await?)
            .is_ok()
        {
            let request = match i.kind.as_str() {
                "input" => store
                    .input_request(i.workflow_id, &i.task_key)
                    .await?
                    .map(|r| InputRequest {
                        prompt: r.prompt,
                        schema: r.schema,
                    }),
                _ => None,
            };
            out.push(InboxItem {
                request,
                workflow_id: i.workflow_id,
                workflow: i.workflow,
                task_key: i.task_key,
                title: i.title,
                kind: i.kind,
                since: i.since,
                deadline_at: i.deadline_at,
                who: i.who,
                voted: i.voted,
                quorum: i.quorum,
            });
        }
    }
    Ok(out)
}

async fn decide(cx: Cx, verdict: Verdict, reason: Option<String>) -> Result<Decided, Problem> {
    let (id, wf) = viewable(&cx).await?;
    let who = cx.who()?;
    cx.state
        .rules()
        .act_as_person(who, &wf)
        .map_err(|r| cx.state.refuse(Some(who), &r))?;
    let task = cx.path("task")?;
    let snapshot = cx
        .state
        .store
        .decide(id, task, &who.name, verdict, reason)
        .await
        .map_err(|e| cx.state.refused_by_engine(who, e))?;
    Ok(Decided {
        task: task.to_string(),
        verdict: verdict.as_str().to_string(),
        status: snapshot
            .approval(task)
            .map(|a| a.status.to_string())
            .unwrap_or_default(),
    })
}

async fn approve(cx: Cx, Json(req): Json<ApproveRequest>) -> Result<Decided, Problem> {
    decide(cx, Verdict::Approve, req.reason).await
}

async fn reject(cx: Cx, Json(req): Json<RejectRequest>) -> Result<Decided, Problem> {
    if req.reason.trim().is_empty() {
        return Err(Problem::invalid(
            "a rejection needs a reason: say what must change",
        ));
    }
    decide(cx, Verdict::Reject, Some(req.reason)).await
}

pub fn routes(api: Api) -> Api {
    const APPROVER: &str = "an authenticated person in the approval's approver scopes (never a \
                            service account; separation of duties applies)";
    api.op(
        Op::get("/api/v1/inbox", "What the caller may act on, oldest first")
            .role("an authenticated person"),
        inbox,
    )
    .op(
        Op::post("/api/v1/workflows/{id}/approvals/{task}/approve", "Approve").role(APPROVER),
        approve,
    )
    .op(
        Op::post(
            "/api/v1/workflows/{id}/approvals/{task}/reject",
            "Reject, with a reason",
        )
        .role(APPROVER),
        reject,
    )
}
