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
    let who = cx.who()?.actor();
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
    let options = EditOptions {
        actor: &who,
        expect_version: req.expect_version,
        dry_run: req.dry_run,
        allow_active: false,
        event: "task_edited",
        template: None,
    };
    let result = cx
        .state
        .store
        .edit_workflow(id, options, move |snapshot| {
            set_task(snapshot, &task, &change)
        })
        .await?;
    edited(result)
}

async fn dependency(cx: Cx, Json(req): Json<DependencyRequest>) -> Result<Edited, Problem> {
    let id = operable(&cx).await?;
    let who = cx.who()?.actor();
    let task = cx.path("task")?.to_string();
    let (event, on) = if req.remove {
        ("dependency_removed", None)
    } else {
        (
            "dependency_added",
            Some(req.on.unwrap_or(EdgeOutcome::Success)),
        )
    };
    let options = EditOptions {
        actor: &who,
        expect_version: req.expect_version,
        dry_run: req.dry_run,
        allow_active: false,
        event,
        template: None,
    };
    let upstream = req.upstream;
    let result = cx
        .state
        .store
        .edit_workflow(id, options, move |snapshot| {
            change_dependency(snapshot, &task, &upstream, on)
        })
        .await?;
    edited(result)
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
