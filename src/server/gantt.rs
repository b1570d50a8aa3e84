//! What the web console's Gantt draws and edits: `GET /api/v1/workflows/{id}/gantt` (every task's
//! planned and actual times, phase, dependencies, pin, critical path and gate reasons, and whether
//! the caller may operate it) and `POST /api/v1/workflows/{id}/adjust` (move a bar, resize its
//! window, add or remove a dependency; `dry_run` previews the cascade, `expect_version` refuses a
//! stale edit), both under the same rules as every other endpoint.

use super::endpoint::{Api, Cx, Json, NoBody, Op};
use super::problem::Problem;
use super::workflows::{edited, operable, viewable, Edited, Gate, Workflow};
use crate::ops::adjust::{adjust, Adjustment};
use crate::schedule::{critical_path, Plan, ResolvedTask, Target, Times};
use crate::spec::{Schedule, Span};
use crate::store::EditOptions;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, JsonSchema)]
pub struct Phase {
    pub key: String,
    pub title: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Bar {
    pub key: String,
    pub title: String,
    pub kind: String,
    pub status: String,
    pub phase: Option<String>,
    /// Upstream task keys (execution order).
    pub depends_on: Vec<String>,
    /// A pinned task never moves with the release.
    pub pinned: bool,
    /// Whether the task has a schedule (a bar that can be moved).
    pub scheduled: bool,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_due: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    pub waiting_on: Vec<Gate>,
}

#[derive(Serialize, JsonSchema)]
pub struct Gantt {
    pub workflow: Workflow,
    pub owner: Option<String>,
    /// Whether the caller may start, pause, edit... it (the API checks again on every call).
    pub may_operate: bool,
    /// Task keys on the critical path, upstream first.
    pub critical: Vec<String>,
    pub phases: Vec<Phase>,
    pub tasks: Vec<Bar>,
    /// Days closed for this workflow alone (`rwf new --closed DATE[:reason]`), sorted by date.
    pub closures: Vec<crate::spec::Holiday>,
    /// The server's clock, for the today line.
    pub now: DateTime<Utc>,
}

async fn gantt(cx: Cx, _: NoBody) -> Result<Gantt, Problem> {
    let (id, wf) = viewable(&cx).await?;
    let may_operate = cx.state.rules().operate(cx.who()?, &wf).is_ok();
    let store = &cx.state.store;
    let workflow = store.workflow(id).await?;
    let spec = store.workflow_spec(id).await?;
    let rows = store.tasks(id).await?;
    let gates = store.gates(id).await?;
    let tz = workflow.target_tz.parse().unwrap_or(chrono_tz::UTC);
    let rows: std::collections::HashMap<&str, &crate::store::TaskRow> =
        rows.iter().map(|r| (r.key.as_str(), r)).collect();
    let mut waiting: std::collections::HashMap<&str, Vec<Gate>> = Default::default();
    for g in gates.iter().filter(|g| g.2 != "pass") {
        waiting.entry(g.0.as_str()).or_default().push(Gate {
            gate: g.1.clone(),
            state: g.2.clone(),
            reason: g.3.clone(),
            blockers: g.4.clone(),
        });
    }
    // The stored plan in spec order, for the critical path.
    let plan = Plan {
        target: Target {
            instant: workflow.target_at,
            tz,
        },
        tasks: spec
            .tasks
            .iter()
            .map(|t| {
                let row = rows.get(t.key.as_str());
                let times = row.and_then(|r| {
                    Some(Times {
                        start: r.planned_start?,
                        due: r.planned_due?,
                        end: r.planned_end.or(r.planned_due)?,
                    })
                });
                ResolvedTask {
                    key: t.key.clone(),
                    times,
                    tz,
                    pinned: matches!(t.schedule, Some(Schedule::Pinned { .. })),
                }
            })
            .collect(),
        warnings: Vec::new(),
        warning_tasks: Vec::new(),
    };
    let critical = critical_path(&spec, &plan);
    let tasks = spec
        .tasks
        .iter()
        .filter_map(|t| {
            let row = rows.get(t.key.as_str())?;
            Some(Bar {
                key: t.key.clone(),
                title: row.title.clone(),
                kind: row.kind.clone(),
                status: row.status.clone(),
                phase: t.phase.clone(),
                depends_on: t.depends_on.iter().map(|d| d.task.clone()).collect(),
                pinned: matches!(t.schedule, Some(Schedule::Pinned { .. })),
                scheduled: t.schedule.is_some(),
                planned_start: row.planned_start,
                planned_due: row.planned_due,
                planned_end: row.planned_end,
                actual_start: row.actual_start,
                actual_end: row.actual_end,
                waiting_on: waiting.remove(t.key.as_str()).unwrap_or_default(),
            })
        })
        .collect();
    Ok(Gantt {
        workflow: workflow.into(),
        owner: wf.owner,
        may_operate,
        critical,
        phases: spec
            .phases
            .iter()
            .map(|p| Phase {
                key: p.key.clone(),
                title: p.title.clone(),
            })
            .collect(),
        tasks,
        closures: spec.closures.clone(),
        now: Utc::now(),
    })
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustRequest {
    /// The task to change.
    pub task: String,
    /// Move its bar by this span (`2d`, `-4h`): its schedule's offset grows by it.
    #[serde(default)]
    pub shift: Option<String>,
    /// Its new window (bar length), e.g. `3d`.
    #[serde(default)]
    pub window: Option<String>,
    /// Make it run after this task.
    #[serde(default)]
    pub add_dependency: Option<String>,
    /// Stop it running after this task.
    #[serde(default)]
    pub remove_dependency: Option<String>,
    /// Preview the cascade (which due dates move, by how much) without changing anything.
    #[serde(default)]
    pub dry_run: bool,
    /// Refuse unless the workflow is still at this `lock_version`.
    #[serde(default)]
    pub expect_version: Option<i64>,
}

fn span(field: &str, text: &str) -> Result<Span, Problem> {
    text.trim()
        .parse::<Span>()
        .map_err(|e| Problem::bad_request(format!("`{field}`: {e}")))
}

impl AdjustRequest {
    fn change(&self) -> Result<Adjustment, Problem> {
        let mut changes = Vec::new();
        if let Some(s) = &self.shift {
            changes.push(Adjustment::Shift(span("shift", s)?));
        }
        if let Some(w) = &self.window {
            changes.push(Adjustment::Window(span("window", w)?));
        }
        if let Some(d) = &self.add_dependency {
            changes.push(Adjustment::AddDependency(d.clone()));
        }
        if let Some(d) = &self.remove_dependency {
            changes.push(Adjustment::RemoveDependency(d.clone()));
        }
        match changes.len() {
            1 => Ok(changes.remove(0)),
            _ => Err(Problem::bad_request(
                "give exactly one of `shift`, `window`, `add_dependency`, `remove_dependency`",
            )),
        }
    }
}

async fn adjust_task(cx: Cx, Json(req): Json<AdjustRequest>) -> Result<Edited, Problem> {
    let change = req.change()?;
    let id = operable(&cx).await?;
    let who = cx.who()?.actor();
    // An adjustment that cannot apply is a 422 naming why, before the workflow is locked (the edit
    // checks it again on the locked snapshot).
    let current = cx.state.store.workflow_spec(id).await?;
    adjust(&current, &req.task, &change).map_err(Problem::invalid)?;
    let options = EditOptions {
        actor: &who,
        expect_version: req.expect_version,
        dry_run: req.dry_run,
        allow_active: false,
        event: "workflow_adjusted",
        template: None,
    };
    let task = req.task;
    let result = cx
        .state
        .store
        .edit_workflow(id, options, move |snapshot| {
            let spec = adjust(&snapshot.spec, &task, &change)?;
            let plan = crate::ops::resolve_for(&spec, snapshot)?;
            Ok((spec, plan))
        })
        .await?;
    edited(result)
}

pub fn routes(api: Api) -> Api {
    api.op(
        Op::get(
            "/api/v1/workflows/{id}/gantt",
            "The Gantt: planned and actual bars, phases, dependencies, critical path, gate reasons",
        )
        .role("who may view the workflow"),
        gantt,
    )
    .op(
        Op::post(
            "/api/v1/workflows/{id}/adjust",
            "Move a task's bar, resize its window, add or remove a dependency (draft or paused; \
             dry_run previews the cascade)",
        )
        .role("people of the workflow's owner scope, and organization admins"),
        adjust_task,
    )
}
