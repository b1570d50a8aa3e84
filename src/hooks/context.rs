//! The read-only context a hook function receives as `ctx`, built in Rust from what the engine knows.
//!
//! `now` is an argument (never a clock read); local date and time are computed here in the release's
//! zone because rhai has no time zones. Shape (see examples/hooks/README.md):
//! `{task:{key,title,kind,risk,labels,start_unix,due_unix,...}, attempt, params, outputs, now,
//!   now_unix, local:{date,weekday,hour,minute}, failure:{reason}?}`

use crate::spec::{Scope, Step, TaskSpec};
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// What the engine knows when it calls a hook.
#[derive(Debug, Clone, Copy)]
pub struct ContextInput<'a> {
    pub task: &'a TaskSpec,
    /// 1-based attempt the decision is about (for retry: the attempt that just failed).
    pub attempt: u32,
    /// Bound params of the workflow.
    pub params: &'a BTreeMap<String, Value>,
    /// Outputs of finished upstream tasks, by task key.
    pub outputs: &'a BTreeMap<String, Value>,
    pub now: DateTime<Utc>,
    /// The release's zone, for `local`.
    pub tz: Tz,
    /// The task's planned start and due, when it has a schedule.
    pub start: Option<DateTime<Utc>>,
    pub due: Option<DateTime<Utc>>,
    /// For the retry point: why the attempt failed.
    pub failure: Option<&'a str>,
}

/// `user:ann`, `team:legal`, `organization:acme`, `channel:#launch`.
pub fn scope_string(scope: &Scope) -> String {
    match scope {
        Scope::User(n) => format!("user:{n}"),
        Scope::Team(n) => format!("team:{n}"),
        Scope::Organization(n) => format!("organization:{n}"),
        Scope::Channel(n) => format!("channel:{n}"),
    }
}

fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

/// The `local` map: the instant read in `tz`.
pub fn local(now: DateTime<Utc>, tz: Tz) -> Value {
    let l = now.with_timezone(&tz);
    json!({
        "date": l.format("%Y-%m-%d").to_string(),
        "weekday": weekday(l.weekday()),
        "hour": l.hour(),
        "minute": l.minute(),
    })
}

/// The `ctx.task` map: identity, planned times and what the step declares (approvers and quorum,
/// recipients and message, agent reference). The engine's own context builder can call this too.
pub fn task_details(
    t: &TaskSpec,
    start: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
) -> Map<String, Value> {
    let mut task = Map::new();
    task.insert("key".into(), json!(t.key));
    task.insert("title".into(), json!(t.title));
    task.insert("kind".into(), json!(t.step.kind().as_str()));
    task.insert(
        "risk".into(),
        t.risk
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .unwrap_or(Value::Null),
    );
    task.insert("labels".into(), json!(t.labels));
    task.insert("required".into(), json!(t.required));
    task.insert("start_unix".into(), json!(start.map(|s| s.timestamp())));
    task.insert("due_unix".into(), json!(due.map(|d| d.timestamp())));
    match &t.step {
        Step::Approval {
            approvers, quorum, ..
        } => {
            task.insert(
                "approvers".into(),
                json!(approvers.iter().map(scope_string).collect::<Vec<_>>()),
            );
            task.insert("quorum".into(), json!(quorum));
        }
        Step::Notification { to, message } => {
            task.insert(
                "to".into(),
                json!(to.iter().map(scope_string).collect::<Vec<_>>()),
            );
            task.insert("message".into(), json!(message));
        }
        Step::Agent { uses, .. } => {
            task.insert("uses".into(), json!(uses));
        }
        _ => {}
    }
    task
}

/// The `ctx` JSON for one hook call.
pub fn build(input: &ContextInput<'_>) -> Value {
    let task = task_details(input.task, input.start, input.due);
    let mut ctx = json!({
        "task": Value::Object(task),
        "attempt": input.attempt,
        "params": input.params,
        "outputs": input.outputs,
        "now": input.now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "now_unix": input.now.timestamp(),
        "local": local(input.now, input.tz),
    });
    if let Some(reason) = input.failure {
        ctx["failure"] = json!({ "reason": reason });
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Risk;
    use chrono::TimeZone;

    #[test]
    fn builds_local_time_in_the_release_zone() {
        let task = TaskSpec {
            title: "Legal".into(),
            labels: vec!["legal".into()],
            risk: Some(Risk::High),
            ..TaskSpec::new(
                "legal",
                Step::Approval {
                    approvers: vec![Scope::Team("legal".into())],
                    quorum: 1,
                    deadline: None,
                    remind_every: None,
                    on_reject: crate::spec::RejectPolicy::Skip,
                    on_expire: crate::spec::ExpirePolicy::Remind,
                    not_author_of: None,
                },
            )
        };
        let now = Utc.with_ymd_and_hms(2026, 3, 9, 2, 30, 0).unwrap(); // Sun 22:30 in New York (EDT)
        let params = BTreeMap::from([("product".to_string(), json!("Acme"))]);
        let outputs = BTreeMap::new();
        let ctx = build(&ContextInput {
            task: &task,
            attempt: 1,
            params: &params,
            outputs: &outputs,
            now,
            tz: chrono_tz::America::New_York,
            start: None,
            due: Some(now),
            failure: Some("exit 1"),
        });
        assert_eq!(
            ctx["local"],
            json!({"date": "2026-03-08", "weekday": "sun", "hour": 22, "minute": 30})
        );
        assert_eq!(ctx["now"], json!("2026-03-09T02:30:00Z"));
        assert_eq!(ctx["task"]["risk"], json!("high"));
        assert_eq!(ctx["task"]["approvers"], json!(["team:legal"]));
        assert_eq!(ctx["failure"]["reason"], json!("exit 1"));
        assert_eq!(ctx["task"]["due_unix"], json!(now.timestamp()));
    }
}
