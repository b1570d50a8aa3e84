//! A tiny idempotent HTTP agent service, the other side of rwf's http executor.
//!
//! Run it with `cargo run --example http_agent -- --port 8787` (port 0 picks a free one; the address is
//! printed). `POST /runs` with an `Idempotency-Key` starts at most one run per key (a repeated POST
//! answers with the same run); `GET /runs/{id}` polls it; `GET /stats` says how much work was done.
//!
//! The run's input steers it, so tests can exercise every outcome:
//! `{"product": "X"}` drafts a text; `"delay_ms": N` keeps it running for N ms; `"outcome": "fail" |
//! "fail_retryable" | "needs_input"`; `"unavailable_first": N` answers 503 to the first N POSTs of a
//! key; `"reject": 422` answers that 4xx status.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
struct Run {
    id: String,
    ready_at: Instant,
    /// The terminal status the run reaches at `ready_at`.
    result: Value,
}

#[derive(Debug, Default)]
pub struct AgentState {
    runs: Mutex<HashMap<String, Run>>,
    keys: Mutex<HashMap<String, String>>,
    unavailable_answered: Mutex<HashMap<String, u64>>,
    posts: Mutex<u64>,
    work_done: Mutex<u64>,
}

impl AgentState {
    /// Runs started (the side effect the service must do once per key).
    pub fn work_done(&self) -> u64 {
        *lock(&self.work_done)
    }
    /// POSTs received, repeats included.
    pub fn posts(&self) -> u64 {
        *lock(&self.posts)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn status_of(run: &Run) -> Value {
    if Instant::now() >= run.ready_at {
        run.result.clone()
    } else {
        json!({ "id": run.id, "status": "running" })
    }
}

async fn start(
    State(state): State<Arc<AgentState>>,
    headers: HeaderMap,
    body: Json<Value>,
) -> Response {
    let input = body.0;
    *lock(&state.posts) += 1;
    let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) else {
        return (StatusCode::BAD_REQUEST, "missing Idempotency-Key").into_response();
    };
    if let Some(code) = input.get("reject").and_then(Value::as_u64) {
        let code = StatusCode::from_u16(code as u16).unwrap_or(StatusCode::BAD_REQUEST);
        return (code, "rejected as asked").into_response();
    }
    let unavailable = input
        .get("unavailable_first")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    {
        let mut answered = lock(&state.unavailable_answered);
        let count = answered.entry(key.to_string()).or_default();
        if *count < unavailable {
            *count += 1;
            return (StatusCode::SERVICE_UNAVAILABLE, "busy, try again").into_response();
        }
    }
    let existing = lock(&state.keys).get(key).cloned();
    let id = match existing {
        Some(id) => id,
        None => {
            *lock(&state.work_done) += 1;
            let id = format!("run-{}", uuid::Uuid::new_v4().simple());
            let delay =
                Duration::from_millis(input.get("delay_ms").and_then(Value::as_u64).unwrap_or(0));
            let product = input
                .get("product")
                .and_then(Value::as_str)
                .unwrap_or("the product");
            let result = match input.get("outcome").and_then(Value::as_str) {
                Some("fail") => {
                    json!({ "id": id, "status": "failed", "error": "the draft could not be written" })
                }
                Some("fail_retryable") => {
                    json!({ "id": id, "status": "failed", "error": "model overloaded", "retryable": true })
                }
                Some("needs_input") => {
                    json!({ "id": id, "status": "needs_input", "prompt": format!("which tone should the {product} post take?") })
                }
                _ => {
                    json!({ "id": id, "status": "succeeded", "output": { "draft": format!("{product} is here."), "key": key } })
                }
            };
            lock(&state.keys).insert(key.to_string(), id.clone());
            lock(&state.runs).insert(
                id.clone(),
                Run {
                    id: id.clone(),
                    ready_at: Instant::now() + delay,
                    result,
                },
            );
            id
        }
    };
    let run = lock(&state.runs).get(&id).cloned();
    match run {
        Some(run) => (StatusCode::ACCEPTED, Json(status_of(&run))).into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn poll(State(state): State<Arc<AgentState>>, Path(id): Path<String>) -> Response {
    match lock(&state.runs).get(&id) {
        Some(run) => Json(status_of(run)).into_response(),
        None => (StatusCode::NOT_FOUND, "no such run").into_response(),
    }
}

async fn stats(State(state): State<Arc<AgentState>>) -> Json<Value> {
    Json(json!({ "work_done": state.work_done(), "posts": state.posts() }))
}

/// The service's routes over a fresh state.
pub fn app() -> (Router, Arc<AgentState>) {
    let state = Arc::new(AgentState::default());
    let router = Router::new()
        .route("/runs", post(start))
        .route("/runs/:id", get(poll))
        .route("/stats", get(stats))
        .with_state(state.clone());
    (router, state)
}

/// Serves on a bound listener until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener) -> (std::net::SocketAddr, Arc<AgentState>) {
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let (router, state) = app();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (addr, state)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let port = match args
        .iter()
        .position(|a| a == "--port")
        .map(|i| args.get(i + 1))
    {
        None => 8787,
        Some(Some(p)) => match p.parse::<u16>() {
            Ok(p) => p,
            Err(_) => {
                eprintln!("error: `--port` takes a number, got `{p}`");
                return std::process::ExitCode::from(2);
            }
        },
        Some(None) => {
            eprintln!("error: `--port` takes a number");
            return std::process::ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let (addr, _state) = serve(listener).await;
    println!("listening on http://{addr}");
    let _ = tokio::signal::ctrl_c().await;
    std::process::ExitCode::SUCCESS
}
