//! The hook host: how the engine calls custom policy (rhai, implemented in `hooks`) at fixed points.
//!
//! The engine calls `HookHost::call` only where a task's `spec.hooks` binds a point, with a JSON
//! context (see `context`), and reads the JSON result under the contract of each point:
//!
//! | point          | result                                                                     |
//! |----------------|----------------------------------------------------------------------------|
//! | `retry`        | `null` = default policy; `{"stop": true}`; `{"delay_minutes": N}`          |
//! | `missed`       | `"fire_asap"` / `"skip"` / `"require_manual_decision"` / `"fail"`          |
//! | `gate`         | `true` / `{"pass": true}`; `false` / `{"wait": "reason", "until_unix": N}` |
//! | `approvers`    | `{"approvers": ["team:legal", "user:ann"], "quorum": 2}` (no decision keys) |
//! | `input`        | an object merged over the declared input                                   |
//! | `notification` | `{"message": "...", "to": ["channel:#x"]}` (either key optional)           |
//!
//! A hook error, or a result outside its contract, fails the task with `hook FN failed: ...` and the
//! task's failure policy applies. No hook result can decide an approval.

use super::model::Snapshot;
use crate::spec::{HookPoint, TaskSpec};
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde_json::{json, Map, Value};

/// Runs hook functions. Implementations must be deterministic in `context` (no clock, no IO).
pub trait HookHost {
    fn call(&self, point: HookPoint, function: &str, context: &Value) -> Result<Value, String>;
}

/// A host with no hooks: any call is an error (a spec that binds hooks needs a real host).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl HookHost for NoHooks {
    fn call(&self, _point: HookPoint, function: &str, _context: &Value) -> Result<Value, String> {
        Err(format!("no hook host loaded to run `{function}`"))
    }
}

/// The JSON context every hook receives.
///
/// `{task:{key,title,kind,risk,labels}, attempt, params, outputs:{task: output}, now, now_unix,
///   local:{date,weekday,hour,minute}, failure:{reason}?}`; `local` is in the release timezone.
pub fn context(
    snapshot: &Snapshot,
    task: &TaskSpec,
    attempt: u32,
    now: DateTime<Utc>,
    failure: Option<&str>,
) -> Value {
    let local = now.with_timezone(&snapshot.target.tz);
    let weekday = match local.weekday() {
        chrono::Weekday::Mon => "mon",
        chrono::Weekday::Tue => "tue",
        chrono::Weekday::Wed => "wed",
        chrono::Weekday::Thu => "thu",
        chrono::Weekday::Fri => "fri",
        chrono::Weekday::Sat => "sat",
        chrono::Weekday::Sun => "sun",
    };
    let mut outputs = Map::new();
    for t in &snapshot.tasks {
        if let Some(o) = &t.output {
            outputs.insert(t.key.clone(), o.clone());
        }
    }
    let params: Map<String, Value> = snapshot
        .spec
        .bindings
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut ctx = json!({
        "task": {
            "key": task.key,
            "title": task.title,
            "kind": task.step.kind().as_str(),
            "risk": task.risk.map(|r| serde_json::to_value(r).unwrap_or(Value::Null)),
            "labels": task.labels,
        },
        "attempt": attempt,
        "params": params,
        "outputs": outputs,
        "now": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "now_unix": now.timestamp(),
        "local": {
            "date": local.format("%Y-%m-%d").to_string(),
            "weekday": weekday,
            "hour": local.hour(),
            "minute": local.minute(),
        },
    });
    if let (Some(reason), Some(obj)) = (failure, ctx.as_object_mut()) {
        obj.insert("failure".into(), json!({ "reason": reason }));
    }
    ctx
}

/// Calls the hook bound at `point` for `task`, if any. `Ok(None)`: no hook bound.
pub fn call_bound(
    hooks: &dyn HookHost,
    snapshot: &Snapshot,
    task: &TaskSpec,
    point: HookPoint,
    attempt: u32,
    now: DateTime<Utc>,
    failure: Option<&str>,
) -> Result<Option<Value>, String> {
    let Some(function) = task.hooks.get(&point) else {
        return Ok(None);
    };
    let ctx = context(snapshot, task, attempt, now, failure);
    hooks
        .call(point, function, &ctx)
        .map(Some)
        .map_err(|e| format!("hook {function} failed: {e}"))
}
