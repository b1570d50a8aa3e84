//! `/healthz` (the process answers) and `/readyz` (and its database does).

use super::endpoint::{Api, Cx, NoBody, Op};
use super::problem::{Problem, UNAVAILABLE};
use axum::http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Serialize, JsonSchema)]
pub struct Health {
    /// `ok`
    pub status: String,
}

async fn healthz(_: Cx, _: NoBody) -> Result<Health, Problem> {
    Ok(Health {
        status: "ok".into(),
    })
}

async fn readyz(cx: Cx, _: NoBody) -> Result<Health, Problem> {
    match cx.state.store.ping().await {
        Ok(()) => Ok(Health {
            status: "ok".into(),
        }),
        Err(_) => Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            UNAVAILABLE,
            "the database does not answer",
        )),
    }
}

pub fn routes(api: Api) -> Api {
    api.op(
        Op::get("/healthz", "Liveness").role("anyone").public(),
        healthz,
    )
    .op(
        Op::get("/readyz", "Readiness: the database answers")
            .role("anyone")
            .public(),
        readyz,
    )
}
