//! Narrow edits of one task over the API — `rwf task set` and `rwf dep add|rm` — through the same
//! diff-apply path, rules and refusals as `edit` (owner scope, dry run, expected version).

use super::endpoint::{Api, Cx, Json, Op};
use super::problem::Problem;
use super::workflows::{edited, operable, Edited};
use crate::ops::task_edit::{change_dependency, set_task, TaskSet};
use crate::spec::EdgeOutcome;
use crate::store::EditOptions;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskSetRequest {
    /// Pin the task so it is due at this instant (its window kept), in the release zone.
    #[serde(default)]
    pub due: Option<String>,
    /// Pin the task's start at this instant (its window kept), in the release zone.
    #[serde(default)]
    pub pin: Option<String>,
    /// A new title.
    #[serde(default)]
    pub title: Option<String>,
    /// Show the diff without applying it.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse unless the workflow is still at this `lock_version`.
    #[serde(default)]
    pub expect_version: Option<i64>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DependencyRequest {
    /// The upstream task.
    pub upstream: String,
    /// What the upstream must end as (default `success`); ignored when removing.
    #[serde(default)]
    pub on: Option<EdgeOutcome>,
    /// Remove the edge instead of adding it.
    #[serde(default)]
    pub remove: bool,
    /// Show the diff without applying it.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse unless the workflow is still at this `lock_version`.
    #[serde(default)]
    pub expect_version: Option<i64>,
}

async fn set(cx: Cx, Json(req): Json<TaskSetRequest>) -> Result<Edited, Problem> {
    let id = operable(&cx).await?;
    let task = cx.path("task")?.to_string();
    let change = TaskSet {
        due: req.due,
        pin: req.pin,
        title: req.title,
    };
    if change.is_empty() {
        return Err(Problem::bad_request(
            "nothing to set: give `due`, `pin` or `title`",
        ));
    }
    edit(
        &cx,
        id,
        req.dry_run,
        req.expect_version,
        "task_edited",
        move |snapshot| set_task(snapshot, &task, &change),
    )
    .await
}

/// Applies (or previews) a narrow edit of a draft or paused workflow as the caller, recorded as `event`.
async fn edit(
    cx: &Cx,
    id: uuid::Uuid,
    dry_run: bool,
    expect_version: Option<i64>,
    event: &str,
    build: impl FnOnce(&crate::engine::Snapshot) -> Result<crate::store::Built, String>,
) -> Result<Edited, Problem> {
    let who = cx.who()?.actor();
    let options = EditOptions {
        actor: &who,
        expect_version,
        dry_run,
        allow_active: false,
        event,
        template: None,
    };
    edited(cx.state.store.edit_workflow(id, options, build).await?)
}

async fn dependency(cx: Cx, Json(req): Json<DependencyRequest>) -> Result<Edited, Problem> {
    let id = operable(&cx).await?;
    let task = cx.path("task")?.to_string();
    let (event, on) = if req.remove {
        ("dependency_removed", None)
    } else {
        (
            "dependency_added",
            Some(req.on.unwrap_or(EdgeOutcome::Success)),
        )
    };
    let upstream = req.upstream;
    edit(
        &cx,
        id,
        req.dry_run,
        req.expect_version,
        event,
        move |snapshot| change_dependency(snapshot, &task, &upstream, on),
    )
    .await
}

pub fn routes(api: Api) -> Api {
    const OPERATE: &str = "people of the workflow's owner scope, and organization admins";
    api.op(
        Op::post(
            "/api/v1/workflows/{id}/tasks/{task}/set",
            "Change one task's dates or title (a draft or paused workflow)",
        )
        .role(OPERATE),
        set,
    )
    .op(
        Op::post(
            "/api/v1/workflows/{id}/tasks/{task}/dependencies",
            "Add or remove one dependency of a task (a draft or paused workflow)",
        )
        .role(OPERATE),
        dependency,
    )
}
