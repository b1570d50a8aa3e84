//! The contract of each hook point: which tasks it applies to, its signature, and the result shapes
//! it may return. `validate` turns a hook's raw result into the one canonical JSON shape the engine reads.
//!
//! Canonical results (what `Runtime::call` returns):
//! - retry: `null` (the task's own retry policy decides), `{"stop": true}`, `{"delay_minutes": N}`
//! - missed: `"fire_asap" | "skip" | "require_manual_decision" | "fail"`
//! - gate: `{"pass": true}` or `{"wait": "reason", "until_unix": N?}` (`false` is a wait with a stock reason)
//! - approvers: `{"approvers": ["team:legal", ...], "quorum": N}` — never a decision
//! - input: an object, merged over the declared input
//! - notification: `{"message": "...", "to": ["channel:#x", ...]}` (either key may be absent, not both)

use crate::spec::{HookPoint, StepKind};
use serde_json::{json, Map, Value};

/// Every hook function takes exactly this many arguments: `ctx`.
pub const ARITY: usize = 1;

/// Longest delay a retry hook may ask for (one year), so a typo cannot park a task for ever.
pub const MAX_DELAY_MINUTES: i64 = 366 * 24 * 60;

/// Highest quorum an approvers hook may ask for.
pub const MAX_QUORUM: i64 = 100;

/// Keys an approvers hook may never return: approvals are decided by humans only.
pub const DECISION_KEYS: &[&str] = &[
    "granted", "grant", "approved", "approve", "decision", "decide", "decided", "verdict",
    "rejected", "reject", "status", "outcome", "result",
];

/// The missed-window actions a `missed` hook may return.
pub const MISSED_ACTIONS: &[&str] = &["fire_asap", "skip", "require_manual_decision", "fail"];

/// Task kinds a point runs for. `None`: every kind.
pub fn applies_to(point: HookPoint) -> Option<StepKind> {
    match point {
        HookPoint::Retry | HookPoint::Missed | HookPoint::Gate => None,
        HookPoint::Approvers => Some(StepKind::Approval),
        HookPoint::Input => Some(StepKind::Agent),
        HookPoint::Notification => Some(StepKind::Notification),
    }
}

/// The signature as documentation shows it.
pub fn signature(point: HookPoint) -> &'static str {
    match point {
        HookPoint::Retry => "fn NAME(ctx) -> () | #{stop: true} | #{delay_minutes: INT}",
        HookPoint::Missed => {
            "fn NAME(ctx) -> \"fire_asap\" | \"skip\" | \"require_manual_decision\" | \"fail\""
        }
        HookPoint::Gate => {
            "fn NAME(ctx) -> true | #{pass: true} | false | #{wait: STRING, until_unix: INT?}"
        }
        HookPoint::Approvers => "fn NAME(ctx) -> #{approvers: [SCOPE, ...], quorum: INT}",
        HookPoint::Input => "fn NAME(ctx) -> #{...}  (merged over the declared input)",
        HookPoint::Notification => "fn NAME(ctx) -> #{message: STRING?, to: [SCOPE, ...]?}",
    }
}

/// Checks a raw result against the point's shapes and returns its canonical form.
/// The error says what was wrong; the caller prefixes the function and point.
pub fn validate(point: HookPoint, result: Value) -> Result<Value, String> {
    match point {
        HookPoint::Retry => retry(result),
        HookPoint::Missed => missed(result),
        HookPoint::Gate => gate(result),
        HookPoint::Approvers => approvers(result),
        HookPoint::Input => input(result),
        HookPoint::Notification => notification(result),
    }
}

fn shape(value: &Value) -> &'static str {
    match value {
        Value::Null => "()",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a map",
    }
}

fn object(value: Value, expected: &str) -> Result<Map<String, Value>, String> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(format!("returned {}, expected {expected}", shape(&other))),
    }
}

fn only_keys(map: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(format!(
            "returned an unknown key `{key}` (allowed: {})",
            allowed.join(", ")
        )),
        None => Ok(()),
    }
}

fn whole(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        _ => None,
    }
}

fn retry(result: Value) -> Result<Value, String> {
    const EXPECTED: &str = "() for the default policy, #{stop: true} or #{delay_minutes: N}";
    if result.is_null() {
        return Ok(Value::Null);
    }
    let map = object(result, EXPECTED)?;
    only_keys(&map, &["stop", "delay_minutes"])?;
    match (map.get("stop"), map.get("delay_minutes")) {
        (Some(Value::Bool(true)), None) => Ok(json!({"stop": true})),
        (Some(_), None) => Err(
            "returned `stop` that is not `true`; return () to keep retrying by the policy".into(),
        ),
        (None, Some(delay)) => match whole(delay) {
            Some(n) if (0..=MAX_DELAY_MINUTES).contains(&n) => Ok(json!({"delay_minutes": n})),
            Some(n) => Err(format!(
                "returned delay_minutes {n}, expected 0..={MAX_DELAY_MINUTES}"
            )),
            None => Err(format!(
                "returned delay_minutes that is {}, expected a whole number",
                shape(delay)
            )),
        },
        (Some(_), Some(_)) => Err("returned both `stop` and `delay_minutes`; return one".into()),
        (None, None) => Err(format!("returned an empty map, expected {EXPECTED}")),
    }
}

fn missed(result: Value) -> Result<Value, String> {
    match &result {
        Value::String(s) if MISSED_ACTIONS.contains(&s.as_str()) => Ok(result),
        Value::String(s) => Err(format!(
            "returned \"{s}\", expected one of {}",
            MISSED_ACTIONS
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        other => Err(format!(
            "returned {}, expected a missed-window action string",
            shape(other)
        )),
    }
}

fn gate(result: Value) -> Result<Value, String> {
    const EXPECTED: &str = "true, #{pass: true} or #{wait: \"reason\", until_unix: N}";
    match result {
        Value::Bool(true) => return Ok(json!({"pass": true})),
        Value::Bool(false) => return Ok(json!({"wait": "the gate hook returned false"})),
        _ => {}
    }
    let map = object(result, EXPECTED)?;
    only_keys(&map, &["pass", "wait", "until_unix"])?;
    match (map.get("pass"), map.get("wait")) {
        (Some(Value::Bool(true)), None) if !map.contains_key("until_unix") => {
            Ok(json!({"pass": true}))
        }
        (Some(Value::Bool(true)), None) => {
            Err("returned `until_unix` with `pass`; it goes with `wait`".into())
        }
        (Some(_), None) => Err(format!(
            "returned `pass` that is not `true`; return {EXPECTED}"
        )),
        (None, Some(Value::String(reason))) if !reason.trim().is_empty() => {
            let mut out = json!({"wait": reason});
            if let Some(until) = map.get("until_unix") {
                match whole(until) {
                    Some(n) if n >= 0 => out["until_unix"] = json!(n),
                    _ => return Err(format!("returned until_unix that is {}, expected seconds since 1970 (an integer ≥ 0)", shape(until))),
                }
            }
            Ok(out)
        }
        (None, Some(_)) => Err(
            "returned `wait` that is not a non-empty string; give the reason shown in `rwf status`"
                .into(),
        ),
        (Some(_), Some(_)) => Err("returned both `pass` and `wait`; return one".into()),
        (None, None) => Err(format!(
            "returned a map with neither `pass` nor `wait`, expected {EXPECTED}"
        )),
    }
}

/// `kind:name` with a known kind; channels only where `channels` is true.
fn scope(value: &Value, channels: bool) -> Result<String, String> {
    let Value::String(s) = value else {
        return Err(format!(
            "a scope is {}, expected a string like \"team:legal\"",
            shape(value)
        ));
    };
    let kinds: &[&str] = if channels {
        &["user", "team", "organization", "channel"]
    } else {
        &["user", "team", "organization"]
    };
    match s.split_once(':') {
        Some((kind, name)) if kinds.contains(&kind) && !name.trim().is_empty() => Ok(s.clone()),
        _ => Err(format!(
            "scope \"{s}\" is not `KIND:NAME` with KIND one of {}",
            kinds.join(", ")
        )),
    }
}

fn scopes(value: Option<&Value>, key: &str, channels: bool) -> Result<Vec<String>, String> {
    match value {
        Some(Value::Array(items)) if !items.is_empty() => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let s = scope(item, channels).map_err(|e| format!("returned `{key}` where {e}"))?;
                if !out.contains(&s) {
                    out.push(s);
                }
            }
            Ok(out)
        }
        Some(Value::Array(_)) => Err(format!("returned an empty `{key}` list")),
        Some(other) => Err(format!(
            "returned `{key}` that is {}, expected an array of scopes",
            shape(other)
        )),
        None => Err(format!("returned no `{key}`")),
    }
}

fn approvers(result: Value) -> Result<Value, String> {
    const EXPECTED: &str = "#{approvers: [\"team:legal\", ...], quorum: N}";
    let map = object(result, EXPECTED)?;
    if let Some(key) = map
        .keys()
        .find(|k| DECISION_KEYS.contains(&k.to_ascii_lowercase().as_str()))
    {
        return Err(format!(
            "returned `{key}`: approvals are decided by humans only, a hook may only say who approves"
        ));
    }
    only_keys(&map, &["approvers", "quorum"])?;
    let list = scopes(map.get("approvers"), "approvers", false)?;
    let quorum = match map.get("quorum") {
        Some(q) => match whole(q) {
            Some(n) if (1..=MAX_QUORUM).contains(&n) => n,
            _ => {
                return Err(format!(
                    "returned quorum {q}, expected a whole number 1..={MAX_QUORUM}"
                ))
            }
        },
        None => return Err(format!("returned no `quorum`, expected {EXPECTED}")),
    };
    Ok(json!({"approvers": list, "quorum": quorum}))
}

fn input(result: Value) -> Result<Value, String> {
    object(result, "a map merged over the declared input").map(Value::Object)
}

fn notification(result: Value) -> Result<Value, String> {
    const EXPECTED: &str = "#{message: \"...\", to: [\"channel:#x\", ...]}";
    let map = object(result, EXPECTED)?;
    only_keys(&map, &["message", "to"])?;
    if map.is_empty() {
        return Err(format!("returned an empty map, expected {EXPECTED}"));
    }
    let mut out = Map::new();
    match map.get("message") {
        Some(Value::String(m)) if !m.trim().is_empty() => {
            out.insert("message".into(), json!(m));
        }
        Some(other) => {
            return Err(format!(
                "returned `message` that is {}, expected a non-empty string",
                shape(other)
            ))
        }
        None => {}
    }
    if map.contains_key("to") {
        out.insert("to".into(), json!(scopes(map.get("to"), "to", true)?));
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(point: HookPoint, v: Value) -> Value {
        validate(point, v).unwrap()
    }
    fn err(point: HookPoint, v: Value) -> String {
        validate(point, v).unwrap_err()
    }

    #[test]
    fn retry_shapes() {
        assert_eq!(ok(HookPoint::Retry, Value::Null), Value::Null);
        assert_eq!(
            ok(HookPoint::Retry, json!({"stop": true})),
            json!({"stop": true})
        );
        assert_eq!(
            ok(HookPoint::Retry, json!({"delay_minutes": 5})),
            json!({"delay_minutes": 5})
        );
        assert_eq!(
            ok(HookPoint::Retry, json!({"delay_minutes": 5.0})),
            json!({"delay_minutes": 5})
        );
        assert!(err(HookPoint::Retry, json!({"delay_minutes": -1})).contains("0..="));
        assert!(err(HookPoint::Retry, json!({"delay_minutes": 1.5})).contains("whole number"));
        assert!(err(HookPoint::Retry, json!({"delay": 1})).contains("unknown key `delay`"));
        assert!(err(HookPoint::Retry, json!(3)).contains("returned a number"));
    }

    #[test]
    fn missed_and_gate_shapes() {
        assert_eq!(ok(HookPoint::Missed, json!("skip")), json!("skip"));
        assert!(err(HookPoint::Missed, json!("later")).contains("\"fire_asap\""));
        assert_eq!(ok(HookPoint::Gate, json!(true)), json!({"pass": true}));
        assert_eq!(
            ok(HookPoint::Gate, json!({"pass": true})),
            json!({"pass": true})
        );
        assert_eq!(
            ok(HookPoint::Gate, json!({"wait": "closed", "until_unix": 10})),
            json!({"wait": "closed", "until_unix": 10})
        );
        assert_eq!(
            ok(HookPoint::Gate, json!(false)),
            json!({"wait": "the gate hook returned false"})
        );
        assert!(err(HookPoint::Gate, json!({"wait": ""})).contains("non-empty"));
    }

    #[test]
    fn approvers_never_decide() {
        assert_eq!(
            ok(
                HookPoint::Approvers,
                json!({"approvers": ["team:legal", "user:ann", "team:legal"], "quorum": 2})
            ),
            json!({"approvers": ["team:legal", "user:ann"], "quorum": 2})
        );
        for key in ["granted", "approved", "decision", "verdict", "Approved"] {
            let e = err(
                HookPoint::Approvers,
                json!({"approvers": ["team:a"], "quorum": 1, key: true}),
            );
            assert!(e.contains("decided by humans only"), "{key}: {e}");
        }
        assert!(err(
            HookPoint::Approvers,
            json!({"approvers": ["channel:#x"], "quorum": 1})
        )
        .contains("KIND:NAME"));
        assert!(err(
            HookPoint::Approvers,
            json!({"approvers": ["team:a"], "quorum": 0})
        )
        .contains("quorum"));
        assert!(err(HookPoint::Approvers, json!({"approvers": [], "quorum": 1})).contains("empty"));
    }

    #[test]
    fn input_and_notification_shapes() {
        assert_eq!(ok(HookPoint::Input, json!({"a": 1})), json!({"a": 1}));
        assert!(err(HookPoint::Input, json!([1])).contains("an array"));
        assert_eq!(
            ok(
                HookPoint::Notification,
                json!({"message": "hi", "to": ["channel:#x"]})
            ),
            json!({"message": "hi", "to": ["channel:#x"]})
        );
        assert!(err(HookPoint::Notification, json!({})).contains("empty"));
        assert!(err(HookPoint::Notification, json!({"to": ["room:x"]})).contains("KIND:NAME"));
    }
}
