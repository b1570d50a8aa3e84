//! External events over the API: `POST /api/v1/workflows/{id}/signals`. The sender is the
//! authenticated principal (never a field of the body); the event is stored before the answer, and
//! the same id sent again answers the first event with `repeat: true` (200, not an error).

use super::endpoint::{Api, Cx, Json, Op};
use super::problem::Problem;
use super::workflows::viewable;
use crate::engine::signal::Incoming;
use crate::store::StoreError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignalRequest {
    /// The event name an `event` task waits for (`on "ci.finished"`).
    pub name: String,
    /// The event's id, unique per workflow: sending it again changes nothing. Default: a fresh one.
    #[serde(default)]
    pub id: Option<String>,
    /// The payload: `where` fields match it; downstream reads `${task.output.data...}`.
    #[serde(default)]
    pub data: Value,
}

/// A received event.
#[derive(Serialize, JsonSchema)]
pub struct Event {
    pub id: String,
    pub name: String,
    pub data: Value,
    /// Who sent it: the authenticated person, or `service:NAME`.
    pub sender: String,
    pub received_at: chrono::DateTime<chrono::Utc>,
    /// The event task that took it, once one has.
    pub consumed_by: Option<String>,
    pub consumed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<crate::engine::ExternalEvent> for Event {
    fn from(e: crate::engine::ExternalEvent) -> Event {
        Event {
            id: e.id,
            name: e.name,
            data: e.data,
            sender: e.sender,
            received_at: e.received_at,
            consumed_by: e.consumed_by,
            consumed_at: e.consumed_at,
        }
    }
}

#[derive(Serialize, JsonSchema)]
pub struct Signalled {
    pub event: Event,
    /// The id had been received before: this is the first event, and nothing changed.
    pub repeat: bool,
}

async fn signal(cx: Cx, Json(req): Json<SignalRequest>) -> Result<Signalled, Problem> {
    let (id, wf) = viewable(&cx).await?;
    let who = cx.who()?;
    cx.state
        .rules()
        .signal(who, &wf)
        .map_err(|r| cx.state.refuse(Some(who), &r))?;
    let receipt = cx
        .state
        .store
        .signal(
            id,
            Incoming {
                name: req.name,
                id: req.id,
                data: req.data,
                sender: who.actor(),
            },
        )
        .await
        .map_err(|e| match e {
            // The workflow's state refuses it (finished, no such event wait, an id reused).
            StoreError::Refused(m) => Problem::conflict(m),
            e => cx.state.refused_by_engine(who, e),
        })?;
    Ok(Signalled {
        event: receipt.event.into(),
        repeat: receipt.repeat,
    })
}

pub fn routes(api: Api) -> Api {
    api.op(
        Op::post(
            "/api/v1/workflows/{id}/signals",
            "Deliver an external event to the workflow's event waits (idempotent by event id)",
        )
        .role(
            "people of the workflow's owner scope, organization admins, and [server] signalers \
             (e.g. `service:ci`) who may view it; never a viewer alone",
        ),
        signal,
    )
}
