//! Manual tasks and input requests over the API: done (with an output, or skipping a missed window)
//! and answer (an agent's question). Only an authenticated person; the engine checks the assignee.

use super::endpoint::{Api, Cx, Json, Op};
use super::problem::Problem;
use super::workflows::viewable;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DoneRequest {
    /// The task's output (read downstream as `${task.output...}`).
    #[serde(default)]
    pub output: Option<Value>,
    /// For a task awaiting a missed-window decision: skip it instead of running it.
    #[serde(default)]
    pub skip: bool,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// The answer to the agent's question, as JSON.
    pub answer: Value,
}

#[derive(Serialize, JsonSchema)]
pub struct TaskResult {
    pub task: String,
    /// The task's status after the action.
    pub status: String,
}

async fn act(cx: Cx, output: Option<Value>, skip: bool) -> Result<TaskResult, Problem> {
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
        .answer(id, task, &who.name, output, skip)
        .await
        .map_err(|e| cx.state.refused_by_engine(who, e))?;
    Ok(TaskResult {
        task: task.to_string(),
        status: snapshot
            .task(task)
            .map(|t| t.status.to_string())
            .unwrap_or_default(),
    })
}

async fn done(cx: Cx, Json(req): Json<DoneRequest>) -> Result<TaskResult, Problem> {
    act(cx, req.output, req.skip).await
}

async fn answer(cx: Cx, Json(req): Json<AnswerRequest>) -> Result<TaskResult, Problem> {
    act(cx, Some(req.answer), false).await
}

pub fn routes(api: Api) -> Api {
    const PERSON: &str = "an authenticated person who may view the workflow (the engine checks \
                          the assignee); never a service account";
    api.op(
        Op::post(
            "/api/v1/workflows/{id}/tasks/{task}/done",
            "Mark a manual task done, or decide a missed window",
        )
        .role(PERSON),
        done,
    )
    .op(
        Op::post(
            "/api/v1/workflows/{id}/tasks/{task}/answer",
            "Answer an agent waiting for input",
        )
        .role(PERSON),
        answer,
    )
}
