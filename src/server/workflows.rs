//! Workflows over the API: list, new, status with gate reasons, audit log, lifecycle, edit (dry run,
//! expected version) and retarget (cascade preview). Each calls the store operation the CLI calls.

use super::authz::WorkflowAccess;
use super::endpoint::{Api, Cx, Json, NoBody, Op};
use super::problem::Problem;
use super::templates::instantiate_problem;
use crate::compile::Inputs;
use crate::ops;
use crate::store::{EditOptions, LifecycleVerb, NewWorkflow, Store, WorkflowRow};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Serialize, JsonSchema)]
pub struct Workflow {
    #[schemars(with = "String")]
    pub id: Uuid,
    pub name: String,
    /// draft, active, paused, completed, failed, cancelled
    pub status: String,
    pub template_key: String,
    pub template_version: i32,
    pub spec_hash: String,
    pub target_at: DateTime<Utc>,
    pub target_tz: String,
    /// Send it back as `expect_version` to edit what you saw.
    pub lock_version: i64,
    pub next_wake_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WorkflowRow> for Workflow {
    fn from(w: WorkflowRow) -> Workflow {
        Workflow {
            id: w.id,
            name: w.name,
            status: w.status,
            template_key: w.template_key,
            template_version: w.template_version,
            spec_hash: w.spec_hash,
            target_at: w.target_at,
            target_tz: w.target_tz,
            lock_version: w.lock_version,
            next_wake_at: w.next_wake_at,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// Why a task waits: one gate of the ledger that does not pass.
#[derive(Serialize, JsonSchema)]
pub struct Gate {
    /// timing, dependency, approval, hook
    pub gate: String,
    /// wait or blocked
    pub state: String,
    pub reason: String,
    pub blockers: Value,
}

#[derive(Serialize, JsonSchema)]
pub struct Task {
    pub key: String,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_due: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub output: Option<Value>,
    pub last_error: Option<String>,
    pub actor: Option<String>,
    /// A manual task's assignee scope.
    pub assignee: Option<String>,
    /// While the task is still to run: its condition on upstream outputs (`build.output.ok`),
    /// decided when its dependencies are met (false skips it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_only_if: Option<String>,
    pub waiting_on: Vec<Gate>,
}

#[derive(Serialize, JsonSchema)]
pub struct Status {
    pub workflow: Workflow,
    /// The scope that operates it (`team:release`); none: organization admins.
    pub owner: Option<String>,
    /// Set while the workflow is active and no worker has been seen lately: nothing runs until one does.
    pub no_worker: Option<String>,
    pub tasks: Vec<Task>,
    /// Tasks a `when` condition left out of the workflow, with the reason.
    pub excluded: Vec<crate::spec::Excluded>,
    /// External events received (`POST .../signals`), oldest first, with the task that took each.
    pub events: Vec<super::signals::Event>,
}

#[derive(Serialize, JsonSchema)]
pub struct Event {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub task_key: Option<String>,
    /// The event's details; `via` says whether a person acted through the API or the admin CLI.
    pub data: Value,
}

impl From<crate::store::EventRow> for Event {
    fn from(e: crate::store::EventRow) -> Event {
        Event {
            id: e.id,
            at: e.at,
            actor: e.actor,
            kind: e.kind,
            task_key: e.task_key,
            data: e.data,
        }
    }
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// A stored template: `KEY` (the newest version) or `KEY@VERSION`.
    pub template: String,
    /// Param values, as `--set name=value`.
    #[serde(default)]
    pub sets: BTreeMap<String, String>,
    /// The release instant (binds the template's target param).
    #[serde(default)]
    pub release: Option<String>,
    /// The release time zone (IANA name).
    #[serde(default)]
    pub tz: Option<String>,
    /// The scope that will operate it (`team:release`); default: the caller (`user:NAME`).
    #[serde(default)]
    pub owner: Option<String>,
    /// Days the release is closed besides its calendars' days off, as `rwf new --closed`:
    /// `2027-03-04:Office move` (the reason is optional). Recorded in the workflow's spec.
    #[serde(default)]
    pub closed: Vec<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct Created {
    #[schemars(with = "String")]
    pub id: Uuid,
    pub owner: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    /// The new spec: a stored template `KEY@VERSION` (or `KEY` for its newest version).
    pub template: String,
    /// Params to rebind; the others keep their values.
    #[serde(default)]
    pub sets: BTreeMap<String, String>,
    /// Show the diff without applying it.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse unless the workflow is still at this `lock_version`.
    #[serde(default)]
    pub expect_version: Option<i64>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetargetRequest {
    /// The new release instant, e.g. `2026-10-01T09:00`.
    #[serde(default)]
    pub release: Option<String>,
    /// Other anchor params (`date` or `datetime`) to move, as `--set name=value`.
    #[serde(default)]
    pub sets: BTreeMap<String, String>,
    /// A new release time zone (IANA name).
    #[serde(default)]
    pub tz: Option<String>,
    /// Preview the cascade (which due dates move) without moving anything.
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub expect_version: Option<i64>,
}

#[derive(Serialize, JsonSchema)]
pub struct Edited {
    pub applied: bool,
    /// The `lock_version` after the edit (unchanged for a dry run).
    pub lock_version: i64,
    /// The spec the workflow runs after the edit: `key@version`.
    pub runs: String,
    /// The release instant after the edit.
    pub target_at: DateTime<Utc>,
    /// The release zone, in which the diff's dates read.
    pub target_tz: String,
    /// added, removed, changed, workflow, moved (the cascade: old and new due dates), reopened.
    pub diff: Value,
}

/// The access facts of a workflow (404 when there is none).
pub async fn access(store: &Store, id: Uuid) -> Result<WorkflowAccess, Problem> {
    let spec = store.workflow_spec(id).await?;
    let owner = store.workflow_owner(id).await?;
    Ok(WorkflowAccess::of(owner, &spec))
}

/// The workflow the path names, once the caller may view it.
pub async fn viewable(cx: &Cx) -> Result<(Uuid, WorkflowAccess), Problem> {
    let id = cx.workflow_id()?;
    let wf = access(&cx.state.store, id).await?;
    cx.state
        .rules()
        .view(cx.who()?, &wf)
        .map_err(|r| cx.state.refuse(cx.who().ok(), &r))?;
    Ok((id, wf))
}

/// The workflow the path names, once the caller may operate it.
pub async fn operable(cx: &Cx) -> Result<Uuid, Problem> {
    let (id, wf) = viewable(cx).await?;
    cx.state
        .rules()
        .operate(cx.who()?, &wf)
        .map_err(|r| cx.state.refuse(cx.who().ok(), &r))?;
    Ok(id)
}

async fn list(cx: Cx, _: NoBody) -> Result<Vec<Workflow>, Problem> {
    let who = cx.who()?;
    let store = &cx.state.store;
    let rows = store.list_workflows(cx.query("status"), false).await?;
    let rules = cx.state.rules();
    let mut out = Vec::new();
    for w in rows {
        if rules.view(who, &access(store, w.id).await?).is_ok() {
            out.push(w.into());
        }
    }
    Ok(out)
}

async fn create(cx: Cx, Json(req): Json<NewRequest>) -> Result<Created, Problem> {
    let who = cx.who()?;
    let owner = req
        .owner
        .clone()
        .unwrap_or_else(|| format!("user:{}", who.name));
    cx.state
        .rules()
        .create(who, &owner)
        .map_err(|r| cx.state.refuse(Some(who), &r))?;
    let (key, version) = ops::parse_template_ref(&req.template).map_err(Problem::bad_request)?;
    let template = ops::stored_template(&cx.state.store, &key, version)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no stored template `{}`", req.template)))?;
    let inputs = Inputs {
        sets: req.sets,
        release: req.release,
        tz: req.tz,
    };
    let closures = ops::closures::parse_all(&req.closed).map_err(Problem::bad_request)?;
    let (bound, plan) =
        ops::instantiate_closed(&template, &inputs, &closures).map_err(instantiate_problem)?;
    let id = cx
        .state
        .store
        .create_owned_workflow(
            NewWorkflow {
                template: &template,
                spec: &bound,
                plan: &plan,
                actor: &who.actor(),
            },
            Some(&owner),
        )
        .await?;
    Ok(Created { id, owner })
}

async fn status(cx: Cx, _: NoBody) -> Result<Status, Problem> {
    let (id, wf) = viewable(&cx).await?;
    let store = &cx.state.store;
    let workflow = store.workflow(id).await?;
    let tasks = store.tasks(id).await?;
    let gates = store.gates(id).await?;
    let spec = store.workflow_spec(id).await?;
    let events = store.external_events(id).await?;
    let assignees = crate::ops::assignees(&spec);
    let conditions = crate::ops::conditions(&spec);
    let no_worker = if workflow.status == "active" {
        store.no_worker_warning().await?
    } else {
        None
    };
    let tasks = tasks
        .into_iter()
        .map(|t| {
            let waiting_on = gates
                .iter()
                .filter(|g| g.0 == t.key && g.2 != "pass")
                .map(|g| Gate {
                    gate: g.1.clone(),
                    state: g.2.clone(),
                    reason: g.3.clone(),
                    blockers: g.4.clone(),
                })
                .collect();
            Task {
                assignee: assignees.get(&t.key).cloned(),
                runs_only_if: conditions
                    .get(&t.key)
                    .filter(|_| !crate::ops::is_terminal(&t.status))
                    .cloned(),
                key: t.key,
                kind: t.kind,
                title: t.title,
                status: t.status,
                planned_start: t.planned_start,
                planned_due: t.planned_due,
                planned_end: t.planned_end,
                actual_start: t.actual_start,
                actual_end: t.actual_end,
                attempts: t.attempts,
                next_attempt_at: t.next_attempt_at,
                output: t.output,
                last_error: t.last_error,
                actor: t.actor,
                waiting_on,
            }
        })
        .collect();
    Ok(Status {
        workflow: workflow.into(),
        owner: wf.owner,
        no_worker,
        tasks,
        excluded: spec.flow.excluded.clone(),
        events: events.into_iter().map(Into::into).collect(),
    })
}

async fn log(cx: Cx, _: NoBody) -> Result<Vec<Event>, Problem> {
    let (id, _) = viewable(&cx).await?;
    let after = match cx.query("after") {
        Some(a) => a
            .parse::<i64>()
            .map_err(|_| Problem::bad_request(format!("`after={a}` is not an event id")))?,
        None => 0,
    };
    Ok(cx
        .state
        .store
        .events(id, after)
        .await?
        .into_iter()
        .map(Event::from)
        .collect())
}

async fn transition(cx: Cx, verb: LifecycleVerb) -> Result<Workflow, Problem> {
    let id = operable(&cx).await?;
    let who = cx.who()?;
    let row = cx.state.store.transition(id, verb, &who.actor()).await?;
    Ok(row.into())
}

async fn start(cx: Cx, _: NoBody) -> Result<Workflow, Problem> {
    transition(cx, LifecycleVerb::Start).await
}
async fn pause(cx: Cx, _: NoBody) -> Result<Workflow, Problem> {
    transition(cx, LifecycleVerb::Pause).await
}
async fn resume(cx: Cx, _: NoBody) -> Result<Workflow, Problem> {
    transition(cx, LifecycleVerb::Resume).await
}
async fn cancel(cx: Cx, _: NoBody) -> Result<Workflow, Problem> {
    transition(cx, LifecycleVerb::Cancel).await
}

/// The store's edit result as a response: refusals are a 422 listing each rule broken.
pub fn edited(
    result: std::result::Result<
        crate::store::EditResult,
        Vec<crate::engine::edit_plan::EditRefusal>,
    >,
) -> Result<Edited, Problem> {
    match result {
        Ok(r) => Ok(Edited {
            applied: r.applied,
            lock_version: r.lock_version,
            runs: format!("{}@{}", r.plan.after.spec.key, r.plan.after.spec.version),
            target_at: r.plan.after.target.instant,
            target_tz: r.plan.after.target.tz.name().to_string(),
            diff: serde_json::to_value(&r.plan).unwrap_or(Value::Null),
        }),
        Err(refusals) => Err(Problem::invalid(
            "the edit is refused; nothing was changed (a task that has run keeps its execution identity)",
        )
        .with_errors(serde_json::to_value(&refusals).unwrap_or(Value::Null))),
    }
}

async fn edit(cx: Cx, Json(req): Json<EditRequest>) -> Result<Edited, Problem> {
    let id = operable(&cx).await?;
    let who = cx.who()?.actor();
    let (key, version) = ops::parse_template_ref(&req.template).map_err(Problem::bad_request)?;
    let template = ops::stored_template(&cx.state.store, &key, version)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no stored template `{}`", req.template)))?;
    let options = EditOptions {
        actor: &who,
        expect_version: req.expect_version,
        dry_run: req.dry_run,
        allow_active: false,
        event: "workflow_edited",
        template: Some(&template),
    };
    let sets = req.sets;
    let t = template.clone();
    let result = cx
        .state
        .store
        .edit_workflow(id, options, move |snapshot| {
            let spec = ops::rebind(&t, &snapshot.spec, &sets)?;
            let plan = ops::resolve_for(&spec, snapshot)?;
            Ok((spec, plan))
        })
        .await?;
    edited(result)
}

async fn retarget(cx: Cx, Json(req): Json<RetargetRequest>) -> Result<Edited, Problem> {
    let id = operable(&cx).await?;
    let who = cx.who()?.actor();
    let options = EditOptions {
        actor: &who,
        expect_version: req.expect_version,
        dry_run: req.dry_run,
        allow_active: true,
        event: "workflow_retargeted",
        template: None,
    };
    if req.release.is_none() && req.sets.is_empty() {
        return Err(Problem::bad_request(
            "nothing to move: give `release` or anchor params in `sets`",
        ));
    }
    let (release, sets, tz) = (req.release, req.sets, req.tz);
    let result = cx
        .state
        .store
        .edit_workflow(id, options, move |snapshot| {
            ops::retarget(snapshot, release, &sets, tz)
        })
        .await?;
    edited(result)
}

pub fn routes(api: Api) -> Api {
    const OPERATE: &str = "people of the workflow's owner scope, and organization admins";
    const VIEW: &str =
        "its owner scope, the people it waits on, [server] viewers and organization admins";
    api.op(
        Op::get(
            "/api/v1/workflows",
            "List the workflows the caller may view",
        )
        .query(&[("status", "only this status")]),
        list,
    )
    .op(
        Op::post(
            "/api/v1/workflows",
            "Instantiate a stored template as a draft workflow",
        )
        .role("a person in the owner scope they name")
        .created(),
        create,
    )
    .op(
        Op::get(
            "/api/v1/workflows/{id}",
            "Status: tasks, dates and why each waits",
        )
        .role(VIEW),
        status,
    )
    .op(
        Op::get("/api/v1/workflows/{id}/log", "The audit log")
            .role(VIEW)
            .query(&[("after", "only events after this id")]),
        log,
    )
    .op(
        Op::post("/api/v1/workflows/{id}/start", "Start a draft").role(OPERATE),
        start,
    )
    .op(
        Op::post("/api/v1/workflows/{id}/pause", "Pause").role(OPERATE),
        pause,
    )
    .op(
        Op::post("/api/v1/workflows/{id}/resume", "Resume").role(OPERATE),
        resume,
    )
    .op(
        Op::post("/api/v1/workflows/{id}/cancel", "Cancel").role(OPERATE),
        cancel,
    )
    .op(
        Op::post(
            "/api/v1/workflows/{id}/edit",
            "Apply a new spec to a draft or paused workflow",
        )
        .role(OPERATE),
        edit,
    )
    .op(
        Op::post(
            "/api/v1/workflows/{id}/retarget",
            "Move the release date or other anchor params (dry_run previews the cascade)",
        )
        .role(OPERATE),
        retarget,
    )
}
