//! `rwf serve`: the authenticated HTTP API over the same store and rules as the CLI.
//!
//! Stateless: every request reads Postgres, so any number of servers on one database behave as one.
//! `endpoint` ties each typed handler to its OpenAPI operation; `auth` says who calls (bearer
//! tokens, browser sessions, an opt-in proxy header), `authz` what they may do; one file per resource (`templates`, `workflows`, `tasks`,
//! `approvals`, `feed`), `sse` for live updates, `problem` for errors with RWF codes.

mod approvals;
pub mod auth;
pub mod authz;
mod calendar;
pub(crate) mod endpoint;
mod feed;
mod gantt;
mod health;
mod openapi;
pub mod problem;
pub mod session;
mod signals;
mod sse;
mod task_edits;
mod tasks;
mod templates;
mod unread;
mod workflows;

pub use problem::{Problem, CODES};

use crate::config::{Directory, ServerConfig};
use crate::store::Store;
use auth::Principal;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What a server is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// rwf.toml's people directory: teams, org admins.
    pub directory: Directory,
    /// rwf.toml's `[server]` roles.
    pub roles: ServerConfig,
    /// Largest request body accepted.
    pub max_body: usize,
    /// A request that has not produced its response by then gets a 504.
    pub timeout: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            directory: Directory::default(),
            roles: ServerConfig::default(),
            max_body: 1 << 20,
            timeout: Duration::from_secs(30),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    hub: sse::Hub,
    openapi: Arc<serde_json::Value>,
}

impl AppState {
    pub fn rules(&self) -> authz::Rules<'_> {
        authz::Rules {
            directory: &self.settings.directory,
            roles: &self.settings.roles,
        }
    }

    /// A refusal by the rules: logged, and a 403 naming the rule.
    pub fn refuse(&self, who: Option<&Principal>, reason: &str) -> Problem {
        log(serde_json::json!({
            "level": "warn", "msg": "refused",
            "actor": who.map(Principal::actor), "reason": reason,
        }));
        Problem::forbidden(reason)
    }

    /// A store error from a person's action: refusals of the engine are logged 403s too.
    pub fn refused_by_engine(&self, who: &Principal, e: crate::store::StoreError) -> Problem {
        let problem = Problem::from(e);
        if problem.status == 403 {
            log(serde_json::json!({
                "level": "warn", "msg": "refused",
                "actor": who.actor(), "reason": problem.detail,
            }));
        }
        problem
    }
}

/// One structured log line on stderr.
pub fn log(line: serde_json::Value) {
    let mut line = line;
    if let Some(map) = line.as_object_mut() {
        map.insert(
            "ts".into(),
            serde_json::Value::String(chrono::Utc::now().to_rfc3339()),
        );
    }
    eprintln!("{line}");
}

/// Paths that are not typed JSON endpoints, for the OpenAPI document.
const EXTRAS: &[openapi::Extra] = &[
    openapi::Extra {
        path: "/api/v1/openapi.json",
        summary: "This document",
        content_type: "application/json",
        public: true,
        query: &[],
    },
    openapi::Extra {
        path: "/api/v1/workflows/{id}/events",
        summary: "The workflow's events as Server-Sent Events, resumable with Last-Event-ID",
        content_type: "text/event-stream",
        public: false,
        query: &[("after", "replay events after this id (as Last-Event-ID)")],
    },
    openapi::Extra {
        path: "/calendar/{file}",
        summary: "An ICS subscription (the secret in the path is the credential)",
        content_type: "text/calendar",
        public: true,
        query: &[],
    },
    openapi::Extra {
        path: "/api/v1/notifications/stream",
        summary: "The notifications feed as Server-Sent Events, resumable with Last-Event-ID",
        content_type: "text/event-stream",
        public: false,
        query: &[("after", "replay after this feed cursor (as Last-Event-ID)")],
    },
];

/// The API and its document.
fn api() -> endpoint::Api {
    let api = endpoint::Api::default();
    let api = health::routes(api);
    let api = templates::routes(api);
    let api = workflows::routes(api);
    let api = tasks::routes(api);
    let api = task_edits::routes(api);
    let api = approvals::routes(api);
    let api = signals::routes(api);
    let api = calendar::routes(api);
    let api = gantt::routes(api);
    let api = session::routes(api);
    let api = unread::routes(api);
    feed::routes(api)
}

/// The OpenAPI document of this server (also what `GET /api/v1/openapi.json` serves).
pub fn openapi_document() -> serde_json::Value {
    openapi::document(&api().docs, EXTRAS)
}

/// The whole application, with its listener hub started. `shutdown` ends live streams.
pub fn app(store: Store, settings: Settings, shutdown: watch::Receiver<bool>) -> Router {
    let store = store.with_via("api");
    let built = api();
    let openapi = Arc::new(openapi::document(&built.docs, EXTRAS));
    let state = AppState {
        hub: sse::Hub::start(store.clone(), shutdown),
        store,
        settings: Arc::new(settings),
        openapi,
    };
    built
        .router
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/workflows/:id/events", get(sse::workflow_events))
        .route("/api/v1/notifications/stream", get(sse::feed_events))
        .route("/calendar/:file", get(calendar::feed))
        .route(
            "/api/v1/mcp",
            axum::routing::post(crate::mcp::http::post)
                .get(crate::mcp::http::not_allowed)
                .delete(crate::mcp::http::not_allowed),
        )
        .route("/api/v1/session", axum::routing::post(session::sign_in))
        .route(
            "/api/v1/session/logout",
            axum::routing::post(session::sign_out),
        )
        .merge(crate::web::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), requests))
        .layer(DefaultBodyLimit::max(state.settings.max_body))
        .with_state(state)
}

async fn openapi_json(State(state): State<AppState>) -> Response {
    Json(state.openapi.as_ref().clone()).into_response()
}

async fn not_found() -> Problem {
    Problem::not_found("no such route; GET /api/v1/openapi.json lists them")
}

/// Every request: bounded in time, and logged as one line (method, path, status, duration, caller;
/// never a header, a query string or a body, so no token reaches the log).
async fn requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    // A calendar URL's secret is its credential: never logged.
    let path = match request.uri().path() {
        p if p.starts_with("/calendar/") => "/calendar/(secret)".to_string(),
        p => p.to_string(),
    };
    let response = match tokio::time::timeout(state.settings.timeout, next.run(request)).await {
        Ok(r) => r,
        Err(_) => Problem::new(
            axum::http::StatusCode::GATEWAY_TIMEOUT,
            problem::TIMEOUT,
            format!(
                "the request took longer than {}s and was abandoned",
                state.settings.timeout.as_secs()
            ),
        )
        .into_response(),
    };
    let actor = response
        .extensions()
        .get::<endpoint::LoggedActor>()
        .map(|a| a.0.clone());
    log(serde_json::json!({
        "level": "info", "msg": "request", "method": method, "path": path,
        "status": response.status().as_u16(),
        "ms": (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
        "actor": actor,
    }));
    response
}

/// Serves until `shutdown` resolves, then stops accepting, ends live streams and waits for the
/// requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let app = app(store, settings, stop_rx);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        })
        .await
}
