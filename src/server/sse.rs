//! Live updates as Server-Sent Events: a workflow's audit log and the notifications feed, replayed
//! from `Last-Event-ID` and then followed. One `LISTEN` per server process fans out to every stream
//! (`Hub`); each stream re-reads the database on a hint or on its own timer, so a hint lost while the
//! listener reconnects delays an event but never drops it. Ids come from the database: a workflow's
//! events are written under its row lock (id order is commit order); the feed's cursor is
//! (transaction, sequence) over settled rows (`store::FeedCursor`). So a client that reconnects with
//! the last id it saw gets every later event once.

use super::auth;
use super::feed::{Notification, Visibility};
use super::problem::Problem;
use super::workflows::{access, Event};
use super::AppState;
use crate::store::{Change, FeedCursor};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;

/// How often a stream re-reads without a hint.
const REREAD: Duration = Duration::from_secs(1);
/// Rows read per round.
const PAGE: i64 = 500;

/// The server's one listener, fanned out.
#[derive(Clone)]
pub struct Hub {
    changes: broadcast::Sender<Change>,
    shutdown: watch::Receiver<bool>,
}

impl Hub {
    /// Starts listening; the task ends when `shutdown` turns true.
    pub fn start(store: crate::store::Store, shutdown: watch::Receiver<bool>) -> Hub {
        let (changes, _) = broadcast::channel(1024);
        let tx = changes.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            loop {
                let mut listener = tokio::select! {
                    l = store.listen_changes() => match l {
                        Ok(l) => l,
                        Err(_) => {
                            tokio::select! {
                                _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                                _ = stop.changed() => return,
                            }
                        }
                    },
                    _ = stop.changed() => return,
                };
                loop {
                    tokio::select! {
                        c = listener.recv() => match c {
                            Ok(c) => { let _ = tx.send(c); }
                            Err(_) => break,
                        },
                        _ = stop.changed() => return,
                    }
                }
            }
        });
        Hub { changes, shutdown }
    }
}

type Tx = mpsc::Sender<Result<SseEvent, Infallible>>;

/// Waits for a hint `wanted` accepts, the re-read timer, or the end (client gone, shutdown): `false`.
async fn wait(
    rx: &mut broadcast::Receiver<Change>,
    out: &Tx,
    stop: &mut watch::Receiver<bool>,
    wanted: impl Fn(&Change) -> bool,
) -> bool {
    let timer = tokio::time::sleep(REREAD);
    tokio::pin!(timer);
    loop {
        tokio::select! {
            r = rx.recv() => match r {
                Ok(c) if wanted(&c) => return true,
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => return true,
                Err(broadcast::error::RecvError::Closed) => return false,
            },
            _ = &mut timer => return true,
            _ = out.closed() => return false,
            _ = stop.changed() => return false,
        }
    }
}

fn last_event_id<'a>(
    headers: &'a HeaderMap,
    query: &'a HashMap<String, String>,
) -> Option<&'a str> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or_else(|| query.get("after").map(String::as_str))
}

fn query_of(uri: &Uri) -> HashMap<String, String> {
    axum::extract::Query::<HashMap<String, String>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default()
}

fn stream(rx: mpsc::Receiver<Result<SseEvent, Infallible>>) -> Response {
    Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// `GET /api/v1/workflows/{id}/events`: the audit log, then every new event.
pub async fn workflow_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    match workflow_events_inner(state, headers, uri, id).await {
        Ok(r) => r,
        Err(p) => p.into_response(),
    }
}

async fn workflow_events_inner(
    state: AppState,
    headers: HeaderMap,
    uri: Uri,
    id: String,
) -> Result<Response, Problem> {
    let who = auth::required(&state, &axum::http::Method::GET, &headers).await?;
    let id = uuid::Uuid::parse_str(&id)
        .map_err(|_| Problem::bad_request(format!("`{id}` is not a workflow id (a UUID)")))?;
    let wf = access(&state.store, id).await?;
    state
        .rules()
        .view(&who, &wf)
        .map_err(|r| state.refuse(Some(&who), &r))?;
    let query = query_of(&uri);
    let mut last = match last_event_id(&headers, &query) {
        Some(t) => t
            .trim()
            .parse::<i64>()
            .map_err(|_| Problem::bad_request(format!("`{t}` is not an event id")))?,
        None => 0,
    };
    // Subscribe before the first read: a hint for anything written after it is not missed.
    let mut rx = state.hub.changes.subscribe();
    let mut stop = state.hub.shutdown.clone();
    let (out, events) = mpsc::channel(64);
    let store = state.store.clone();
    tokio::spawn(async move {
        loop {
            let Ok(batch) = store.events(id, last).await else {
                return;
            };
            for e in batch {
                last = e.id;
                let sse = SseEvent::default()
                    .id(e.id.to_string())
                    .json_data(Event::from(e));
                let Ok(sse) = sse else { return };
                if out.send(Ok(sse)).await.is_err() {
                    return;
                }
            }
            if !wait(&mut rx, &out, &mut stop, |c| c == &Change::Events(id)).await {
                return;
            }
        }
    });
    Ok(stream(events))
}

/// `GET /api/v1/notifications/stream`: the feed of the workflows the caller may view, then every new
/// notification. Event ids are feed cursors (`XID-SEQ`).
pub async fn feed_events(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    match feed_events_inner(state, headers, uri).await {
        Ok(r) => r,
        Err(p) => p.into_response(),
    }
}

async fn feed_events_inner(
    state: AppState,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Problem> {
    let who = auth::required(&state, &axum::http::Method::GET, &headers).await?;
    let query = query_of(&uri);
    let mut cursor = match last_event_id(&headers, &query) {
        Some(t) => Some(FeedCursor::decode(t).ok_or_else(|| {
            Problem::bad_request(format!("`{t}` is not a feed event id (XID-SEQ)"))
        })?),
        None => None,
    };
    let mut rx = state.hub.changes.subscribe();
    let mut stop = state.hub.shutdown.clone();
    let (out, events) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut visible = Visibility::new(&state, &who);
        loop {
            let Ok(batch) = state.store.feed_after(cursor, PAGE).await else {
                return;
            };
            let full = batch.len() as i64 == PAGE;
            for (at, n) in batch {
                cursor = Some(at);
                match visible.may_view(n.workflow_id).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(_) => return,
                }
                let Ok(sse) = SseEvent::default()
                    .id(at.encode())
                    .json_data(Notification::from(n))
                else {
                    return;
                };
                if out.send(Ok(sse)).await.is_err() {
                    return;
                }
            }
            if !full && !wait(&mut rx, &out, &mut stop, |c| c == &Change::Feed).await {
                return;
            }
        }
    });
    Ok(stream(events))
}
