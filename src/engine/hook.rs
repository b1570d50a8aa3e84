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
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

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

/// The JSON context every hook receives, built by `hooks::context` (one definition of the shape):
/// `{task:{key,title,kind,risk,labels,...}, attempt, params, outputs:{task: output}, now, now_unix,
///   local:{date,weekday,hour,minute}, failure:{reason}?}`; `local` is in the release timezone.
pub fn context(
    snapshot: &Snapshot,
    task: &TaskSpec,
    attempt: u32,
    now: DateTime<Utc>,
    failure: Option<&str>,
) -> Value {
    let outputs: BTreeMap<String, Value> = snapshot
        .tasks
        .iter()
        .filter_map(|t| t.output.clone().map(|o| (t.key.clone(), o)))
        .collect();
    let planned = snapshot.task(&task.key).and_then(|t| t.planned);
    crate::hooks::build_context(&crate::hooks::ContextInput {
        task,
        attempt,
        params: &snapshot.spec.bindings,
        outputs: &outputs,
        now,
        tz: snapshot.target.tz,
        start: planned.map(|p| p.start),
        due: planned.map(|p| p.due),
        failure,
    })
}

/// A hook's failure as one sentence naming it once: hosts that name the hook themselves (the rhai
/// runtime says "input hook `f` in h.rhai failed at 3:5: ...") are not wrapped again.
fn failure_text(function: &str, e: String) -> String {
    if e.contains(&format!("hook `{function}`")) {
        e
    } else {
        format!("hook {function} failed: {e}")
    }
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
        .map_err(|e| failure_text(function, e))
}
