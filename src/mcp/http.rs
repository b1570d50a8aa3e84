//! The streamable HTTP transport under `rwf serve`: `POST /api/v1/mcp` with one JSON-RPC message (or
//! a batch) answers with JSON (202 for notifications). The caller is whoever the bearer token (or
//! console session) authenticates, under the server's rules; nothing in a message can name them.
//! There is no server-initiated stream: GET and DELETE are 405.

use super::{protocol, Session, Who};
use crate::server::{auth, AppState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

pub async fn post(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let principal = match auth::required(&state, &method, &headers).await {
        Ok(p) => p,
        Err(problem) => return problem.into_response(),
    };
    let message = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, Json(protocol::parse_error(&e))).into_response()
        }
    };
    let session = Session {
        store: Some(state.store.clone().with_via("mcp")),
        who: Who::Api {
            principal,
            rules: state.rules(),
        },
    };
    match protocol::handle(&session, message).await {
        Some(response) => Json(response).into_response(),
        None => StatusCode::ACCEPTED.into_response(),
    }
}

/// GET (a server stream) and DELETE (ending a session): this server has neither.
pub async fn not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::ALLOW, "POST")],
        "rwf's MCP endpoint answers POST only (no server-initiated stream, no sessions)",
    )
        .into_response()
}
