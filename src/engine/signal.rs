//! External events: receiving one (`rwf signal WF NAME`), and which received event an open event
//! wait takes. Pure: the store and the simulator apply the returned actions.
//!
//! Rules (grammar/README.md, Events, says the same for authors):
//! - An event is stored before it is acknowledged and kept for ever; its id is unique per workflow. An
//!   event sent again with an id already received changes nothing (`RepeatEvent` is logged) and the
//!   first one is returned; the same id with another name or payload is refused.
//! - An event is latched: one that arrives before its wait opens waits for it, and is consumed when the
//!   wait opens if it matches. Each event is consumed by at most one wait, the oldest matching event
//!   first; one that arrives after its wait ended (matched, timed out, skipped) stays unconsumed.
//! - A wait matches an event of its name whose payload has, at every `where` path, a value equal
//!   to the rendered one (numbers compare by value: `2` equals `2.0`).
//! - Events are refused by finished workflows, and for names no event task of the workflow waits for.

use super::action::Action;
use super::model::{ExternalEvent, Snapshot};
use super::render::render_input;
use crate::spec::{Step, TaskSpec};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// Longest event id and payload accepted (bytes of its JSON).
pub const MAX_ID: usize = 200;
pub const MAX_DATA: usize = 64 * 1024;

/// An event as sent, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub name: String,
    /// `None`: the receiver gives it one.
    pub id: Option<String>,
    pub data: Value,
    pub sender: String,
}

/// What receiving decided: the actions, and whether it repeated an event already received.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub event_id: String,
    pub repeat: bool,
    pub actions: Vec<Action>,
}

/// Decides on one incoming event. `fresh_id` names it when the sender gave no id.
pub fn receive(snapshot: &Snapshot, event: &Incoming, fresh_id: &str) -> Result<Receipt, String> {
    if snapshot.status.is_terminal() {
        return Err(format!(
            "the workflow is {}; it takes no more events",
            snapshot.status
        ));
    }
    let names = waited_names(snapshot);
    if !names.contains(&event.name.as_str()) {
        let waits = if names.is_empty() {
            "it has no event tasks".to_string()
        } else {
            format!("it waits for {}", quoted(&names))
        };
        return Err(format!(
            "no event task of this workflow waits for `{}`: {waits}",
            event.name
        ));
    }
    let id = event.id.clone().unwrap_or_else(|| fresh_id.to_string());
    if id.trim().is_empty() || id.len() > MAX_ID || id.chars().any(char::is_control) {
        return Err(format!(
            "event id `{id}` must be 1 to {MAX_ID} characters without control characters"
        ));
    }
    let size = event.data.to_string().len();
    if size > MAX_DATA {
        return Err(format!(
            "the payload is {size} bytes; at most {MAX_DATA} are kept"
        ));
    }
    if let Some(old) = snapshot.events.iter().find(|e| e.id == id) {
        if old.name != event.name || old.data != event.data {
            return Err(format!(
                "event id `{id}` was already used for another event (`{}`, received {}); \
                 send a new id for a new event",
                old.name,
                old.received_at.to_rfc3339()
            ));
        }
        return Ok(Receipt {
            event_id: id.clone(),
            repeat: true,
            actions: vec![Action::RepeatEvent {
                event_id: id,
                name: event.name.clone(),
                sender: event.sender.clone(),
            }],
        });
    }
    Ok(Receipt {
        event_id: id.clone(),
        repeat: false,
        actions: vec![Action::ReceiveEvent {
            event_id: id,
            name: event.name.clone(),
            data: event.data.clone(),
            sender: event.sender.clone(),
        }],
    })
}

/// Every event name some task of the workflow waits for, sorted, once each.
pub fn waited_names(snapshot: &Snapshot) -> Vec<&str> {
    let mut names: Vec<&str> = snapshot
        .spec
        .tasks
        .iter()
        .filter_map(|t| match &t.step {
            Step::Event { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `where` of an event task, rendered against the snapshot (params bound, outputs read).
pub fn rendered_matches(snapshot: &Snapshot, spec: &TaskSpec) -> Vec<(String, Value)> {
    let Step::Event { matches, .. } = &spec.step else {
        return Vec::new();
    };
    match render_input(snapshot, matches) {
        Value::Object(m) => m.into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The oldest unconsumed matching event received by `deadline` (any time when `None`).
pub fn matching<'a>(
    snapshot: &'a Snapshot,
    spec: &TaskSpec,
    deadline: Option<DateTime<Utc>>,
) -> Option<&'a ExternalEvent> {
    let Step::Event { name, .. } = &spec.step else {
        return None;
    };
    let want = rendered_matches(snapshot, spec);
    snapshot
        .events
        .iter()
        .filter(|e| e.consumed_by.is_none() && e.name == *name)
        .filter(|e| deadline.is_none_or(|d| e.received_at <= d))
        .find(|e| {
            want.iter()
                .all(|(path, v)| at_path(&e.data, path).is_some_and(|got| same(got, v)))
        })
}

/// The value at a dotted path of a payload.
pub fn at_path<'a>(data: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(data, |v, key| v.get(key))
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if a.is_number() && b.is_number() => x == y,
        _ => a == b,
    }
}

/// The task's output when it takes `event`: downstream reads `${task.output.data.url}`.
pub fn output_of(event: &ExternalEvent) -> Value {
    json!({
        "id": event.id,
        "name": event.name,
        "data": event.data,
        "sender": event.sender,
        "received_at": event.received_at.to_rfc3339(),
        "timed_out": false,
    })
}

/// What the wait is for, in words: `ci.finished where branch = "release-1.2"`.
pub fn describe(snapshot: &Snapshot, spec: &TaskSpec) -> String {
    let Step::Event { name, .. } = &spec.step else {
        return String::new();
    };
    let want = rendered_matches(snapshot, spec);
    if want.is_empty() {
        return format!("`{name}`");
    }
    let parts: Vec<String> = want.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    format!("`{name}` where {}", parts.join(", "))
}
