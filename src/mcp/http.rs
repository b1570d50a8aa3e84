//! The streamable HTTP transport under `rwf serve`: `POST /api/v1/mcp` with one JSON-RPC message (or
//! a batch) answers with JSON (202 for notifications). The caller is whoever the bearer token (or
//! console session) authenticates, under the server's rules; nothing in a message can name them.
//! A browser request from another origin is refused. There is no server-initiated stream: GET and
//! DELETE are 405.

use super::{protocol, Session, Who};
use crate::server::endpoint::LoggedActor;
use crate::server::{auth, AppState, Problem};
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
    if let Some(refusal) = cross_origin(&headers) {
        return refusal.into_response();
    }
    let actor = principal.actor();
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
    let mut response = match protocol::handle(&session, message).await {
        Some(response) => Json(response).into_response(),
        None => StatusCode::ACCEPTED.into_response(),
    };
    response.extensions_mut().insert(LoggedActor(actor));
    response
}

/// A browser page of another origin (DNS rebinding, a hostile site) is refused: its `Origin` must
/// name the host the request was sent to.
fn cross_origin(headers: &HeaderMap) -> Option<Problem> {
    let origin = headers.get(header::ORIGIN)?.to_str().unwrap_or("");
    let named = |name: &str| headers.get(name).and_then(|h| h.to_str().ok());
    // Behind a reverse proxy the browser's host is the forwarded one.
    let host = named("x-forwarded-host").or(named("host")).unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
    (origin_host.is_empty() || origin_host != host).then(|| {
        Problem::forbidden(format!(
            "a request from origin `{origin}` to the MCP endpoint of `{host}` is refused"
        ))
    })
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
