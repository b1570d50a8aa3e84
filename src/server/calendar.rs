//! Calendar subscriptions: a secret ICS URL per workflow and per person ("my tasks and approvals").
//! Calendar apps cannot send a token, so the secret in the URL is the credential; every fetch renders
//! the current plan (following edits and retargets) and re-checks that whoever created the link may
//! still see it. The request log never shows the secret.

use super::auth::Principal;
use super::endpoint::{Api, Cx, NoBody, Op};
use super::problem::Problem;
use super::workflows::{access, viewable};
use super::AppState;
use crate::schedule::render::{calendar, View};
use crate::schedule::{Plan, ResolvedTask, Target, Times};
use crate::spec::{Step, WorkflowSpec};
use crate::store::{PrincipalKind, TaskRow, WorkflowRow};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize, JsonSchema)]
pub struct CalendarLink {
    /// The link's id, to revoke it.
    pub id: i64,
    /// The subscription URL's path (`/calendar/cal_....ics`): a secret, shown once.
    pub path: String,
}

/// A live link the caller created (its secret is never shown again).
#[derive(Serialize, JsonSchema)]
pub struct LinkInfo {
    pub id: i64,
    /// The workflow whose plan it shows; none for the caller's own tasks and approvals.
    #[schemars(with = "Option<String>")]
    pub workflow: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, JsonSchema)]
pub struct Revoked {
    pub id: i64,
    pub revoked: bool,
}

async fn workflow_link(cx: Cx, _: NoBody) -> Result<CalendarLink, Problem> {
    let (id, _) = viewable(&cx).await?;
    let who = cx.who()?;
    let (id, secret) = cx
        .state
        .store
        .create_calendar_feed(&who.name, who.kind, Some(id))
        .await?;
    Ok(CalendarLink {
        id,
        path: format!("/calendar/{secret}.ics"),
    })
}

async fn person_link(cx: Cx, _: NoBody) -> Result<CalendarLink, Problem> {
    let who = cx.who()?;
    if !who.is_person() {
        return Err(cx.state.refuse(
            Some(who),
            &format!(
                "`{}` is a service account; personal calendars are a person's",
                who.actor()
            ),
        ));
    }
    let (id, secret) = cx
        .state
        .store
        .create_calendar_feed(&who.name, who.kind, None)
        .await?;
    Ok(CalendarLink {
        id,
        path: format!("/calendar/{secret}.ics"),
    })
}

async fn links(cx: Cx, _: NoBody) -> Result<Vec<LinkInfo>, Problem> {
    let who = cx.who()?;
    Ok(cx
        .state
        .store
        .calendar_links(&who.name)
        .await?
        .into_iter()
        .map(|l| LinkInfo {
            id: l.id,
            workflow: l.workflow,
            created_at: l.created_at,
        })
        .collect())
}

/// Only its creator revokes a link; anyone else's id is "no such link", which reveals nothing.
async fn revoke(cx: Cx, _: NoBody) -> Result<Revoked, Problem> {
    let who = cx.who()?;
    let text = cx.path("link")?;
    let id: i64 = text
        .parse()
        .map_err(|_| Problem::bad_request(format!("`{text}` is not a calendar link id")))?;
    if !cx.state.store.revoke_calendar_link(id, &who.name).await? {
        return Err(Problem::not_found(format!(
            "you have no live calendar link {id}"
        )));
    }
    Ok(Revoked { id, revoked: true })
}

/// A workflow's current plan, from its task ledger (which edits and retargets keep up to date), in
/// spec order.
fn plan_of(wf: &WorkflowRow, spec: &WorkflowSpec, tasks: &[TaskRow]) -> Plan {
    let tz: chrono_tz::Tz = wf.target_tz.parse().unwrap_or(chrono_tz::UTC);
    let resolved = spec
        .tasks
        .iter()
        .map(|t| {
            let row = tasks.iter().find(|r| r.key == t.key);
            let times = row.and_then(|r| match (r.planned_start, r.planned_due, r.planned_end) {
                (Some(start), Some(due), Some(end)) => Some(Times { start, due, end }),
                _ => None,
            });
            ResolvedTask {
                key: t.key.clone(),
                times,
                tz,
                pinned: false,
            }
        })
        .collect();
    Plan {
        target: Target {
            instant: wf.target_at,
            tz,
        },
        tasks: resolved,
        warnings: Vec::new(),
        warning_tasks: Vec::new(),
    }
}

struct Loaded {
    spec: WorkflowSpec,
    plan: Plan,
}

async fn load(state: &AppState, id: Uuid) -> Result<Loaded, Problem> {
    let store = &state.store;
    let wf = store.workflow(id).await?;
    let spec = store.workflow_spec(id).await?;
    let tasks = store.tasks(id).await?;
    let plan = plan_of(&wf, &spec, &tasks);
    Ok(Loaded { spec, plan })
}

/// Whether `person` acts on a task: an approver of it, or its assignee.
fn acts_on(state: &AppState, person: &str, step: &Step) -> bool {
    let d = &state.settings.directory;
    match step {
        Step::Approval { approvers, .. } => approvers.iter().any(|s| d.is_in_scope(person, s)),
        Step::Manual {
            assignee: Some(a), ..
        } => d.is_in_scope(person, a),
        _ => false,
    }
}

/// `GET /calendar/{secret}.ics`.
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    match feed_inner(state, file).await {
        Ok(r) => r,
        Err(p) => p.into_response(),
    }
}

async fn feed_inner(state: AppState, file: String) -> Result<Response, Problem> {
    let unknown = || Problem::not_found("no such calendar (the link may have been revoked)");
    let secret = file.strip_suffix(".ics").ok_or_else(unknown)?;
    let feed = state
        .store
        .calendar_feed(secret)
        .await?
        .ok_or_else(unknown)?;
    let who = Principal {
        name: feed.principal.clone(),
        kind: feed.kind,
        token_id: 0,
    };
    let today = chrono::Utc::now().date_naive();
    let text = match feed.workflow {
        Some(id) => {
            let wf = access(&state.store, id).await?;
            state
                .rules()
                .view(&who, &wf)
                .map_err(|r| state.refuse(Some(&who), &r))?;
            let l = load(&state, id).await?;
            calendar(
                &l.spec.name,
                &[View::new(&l.spec, &l.plan, today)],
                today,
                &|_, _| true,
            )
        }
        None => {
            if feed.kind != PrincipalKind::Person {
                return Err(unknown());
            }
            let rows = state.store.list_workflows(None, false).await?;
            let mut loaded = Vec::new();
            for w in rows {
                let wf = access(&state.store, w.id).await?;
                if state.rules().view(&who, &wf).is_ok() {
                    loaded.push(load(&state, w.id).await?);
                }
            }
            let views: Vec<View<'_>> = loaded
                .iter()
                .map(|l| View::new(&l.spec, &l.plan, today))
                .collect();
            calendar(
                &format!("rwf: {}'s tasks and approvals", who.name),
                &views,
                today,
                &|_, t| acts_on(&state, &who.name, &t.step),
            )
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        text,
    )
        .into_response())
}

pub fn routes(api: Api) -> Api {
    api.op(
        Op::post(
            "/api/v1/workflows/{id}/calendar",
            "A secret ICS subscription URL of the workflow's plan",
        )
        .role("whoever may view the workflow")
        .created(),
        workflow_link,
    )
    .op(
        Op::post(
            "/api/v1/calendar",
            "A secret ICS subscription URL of the caller's tasks and approvals",
        )
        .role("an authenticated person")
        .created(),
        person_link,
    )
    .op(
        Op::get(
            "/api/v1/calendar/links",
            "The caller's live calendar links (never their secrets)",
        )
        .role("anyone authenticated: their own links"),
        links,
    )
    .op(
        Op::post(
            "/api/v1/calendar/links/{link}/revoke",
            "Revoke a calendar link: its URL stops working at once",
        )
        .role("the link's creator"),
        revoke,
    )
}
