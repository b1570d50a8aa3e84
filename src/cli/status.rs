//! `rwf status WF`: progress, lock version, and each task's planned and actual dates in the release
//! timezone, status, assignee, whether it is overdue and why it waits. JSON times are RFC 3339.

use super::db::{open, workflow_id, Conn, Format};
use super::{block_on, CmdResult, Outcome};
use crate::store::{TaskRow, WorkflowRow};
use chrono::{DateTime, Utc};
use serde_json::json;

#[derive(clap::Args)]
pub struct Args {
    /// Workflow id
    workflow: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    conn: Conn,
}

pub fn run(args: Args) -> CmdResult {
    block_on(async move {
        let store = open(&args.conn).await?;
        let id = workflow_id(&args.workflow)?;
        let wf = store.workflow(id).await?;
        let tasks = store.tasks(id).await?;
        let spec = store.workflow_spec(id).await?;
        let gates = store.gates(id).await?;
        let no_worker = if wf.status == "active" {
            store.no_worker_warning().await?
        } else {
            None
        };
        let extras = Extras {
            assignees: crate::ops::assignees(&spec),
            conditions: crate::ops::conditions(&spec),
            excluded: spec.flow.excluded.clone(),
            no_worker,
            now: Utc::now(),
            events: store.external_events(id).await?,
        };
        print(&wf, &tasks, &gates, &extras, args.format)?;
        Ok(Outcome::Ok)
    })
}

/// A gate of the ledger: (task, kind, state, reason, blockers).
pub(super) type GateRow = (String, String, String, String, serde_json::Value);

/// What `status` shows beyond the rows: each manual task's assignee (by task key), why no worker
/// seems to run, and the instant overdue is judged at.
pub(super) struct Extras {
    pub assignees: std::collections::HashMap<String, String>,
    /// Each task's condition on upstream outputs (by task key), shown while it is still to run.
    pub conditions: std::collections::HashMap<String, String>,
    /// Tasks a `when` left out of the workflow, with the reason.
    pub excluded: Vec<crate::spec::Excluded>,
    pub no_worker: Option<String>,
    pub now: DateTime<Utc>,
    /// External events received, oldest first.
    pub events: Vec<crate::engine::ExternalEvent>,
}

/// Prints a workflow's status (also for `remote`, from the API's answer).
pub(super) fn print(
    wf: &WorkflowRow,
    tasks: &[TaskRow],
    gates: &[GateRow],
    extras: &Extras,
    format: Format,
) -> Result<(), super::CliError> {
    {
        let assignee = |key: &str| extras.assignees.get(key).cloned();
        let no_worker = &extras.no_worker;
        let terminal = crate::ops::is_terminal;
        let runs_only_if = |t: &TaskRow| {
            extras
                .conditions
                .get(&t.key)
                .filter(|_| !terminal(&t.status))
        };
        // Overdue: not ended, and its due time has passed.
        let overdue = |t: &TaskRow| {
            wf.status == "active"
                && !terminal(&t.status)
                && t.planned_due.is_some_and(|d| d < extras.now)
        };
        let done = tasks
            .iter()
            .filter(|t| matches!(t.status.as_str(), "succeeded" | "skipped"))
            .count();
        let late = tasks.iter().filter(|t| overdue(t)).count();
        let tz: chrono_tz::Tz = wf.target_tz.parse().unwrap_or(chrono_tz::UTC);
        let rfc3339 = |t: Option<DateTime<Utc>>| t.map(|t| t.with_timezone(&tz).to_rfc3339());
        let local = |t: Option<DateTime<Utc>>| {
            t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string())
        };
        let waiting = |key: &str| -> Vec<serde_json::Value> {
            gates
                .iter()
                .filter(|g| g.0 == key && g.2 != "pass")
                .map(|g| json!({ "gate": g.1, "state": g.2, "reason": g.3, "blockers": g.4 }))
                .collect()
        };
        match format {
            Format::Json => {
                let tasks: Vec<_> = tasks
                    .iter()
                    .map(|t| {
                        json!({
                            "key": t.key, "kind": t.kind, "title": t.title, "status": t.status,
                            "planned_start": rfc3339(t.planned_start), "planned_due": rfc3339(t.planned_due),
                            "planned_end": rfc3339(t.planned_end), "actual_start": rfc3339(t.actual_start),
                            "actual_end": rfc3339(t.actual_end), "attempts": t.attempts,
                            "next_attempt_at": rfc3339(t.next_attempt_at), "output": t.output,
                            "last_error": t.last_error, "actor": t.actor, "waiting_on": waiting(&t.key),
                            "assignee": assignee(&t.key), "overdue": overdue(t),
                            "runs_only_if": runs_only_if(t),
                        })
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "workflow": wf,
                        "progress": { "done": done, "total": tasks.len(), "overdue": late },
                        "no_worker": no_worker,
                        "tasks": tasks,
                        "excluded": extras.excluded,
                        "events": extras.events.iter().map(super::signal::event_json).collect::<Vec<_>>(),
                    }))?
                );
            }
            Format::Text => {
                println!(
                    "{}  {}  {}  release {}",
                    wf.id,
                    wf.status,
                    wf.name,
                    local(Some(wf.target_at)).unwrap_or_default()
                );
                println!(
                    "  template {}@{}  lock version {}  progress {done}/{} done{}",
                    wf.template_key,
                    wf.template_version,
                    wf.lock_version,
                    tasks.len(),
                    if late > 0 {
                        format!(", {late} overdue")
                    } else {
                        String::new()
                    }
                );
                if let Some(why) = &no_worker {
                    eprintln!(
                        "warning: {why}: nothing runs until one does (`rwf worker --config rwf.toml`)"
                    );
                }
                let dash = |t: Option<String>| t.unwrap_or_else(|| "-".into());
                for t in tasks {
                    let mut extra = String::new();
                    if t.actual_start.is_some() || t.actual_end.is_some() {
                        extra.push_str(&format!(
                            "  started {} ended {}",
                            dash(local(t.actual_start)),
                            dash(local(t.actual_end))
                        ));
                    }
                    if let Some(who) = assignee(&t.key) {
                        extra.push_str(&format!("  assignee {who}"));
                    }
                    if overdue(t) {
                        extra.push_str("  OVERDUE");
                    }
                    println!(
                        "  {:<20} {:<12} {:<17} start {:<22} due {:<22} attempts {}{extra}",
                        t.key,
                        t.kind,
                        t.status,
                        dash(local(t.planned_start)),
                        dash(local(t.planned_due)),
                        t.attempts
                    );
                    if let Some(e) = &t.last_error {
                        println!("      error: {e}");
                    }
                    if let Some(c) = runs_only_if(t) {
                        println!(
                            "      runs only if {c} (decided when its dependencies are met; skipped otherwise)"
                        );
                    }
                    if !terminal(&t.status) {
                        for g in waiting(&t.key) {
                            println!(
                                "      {} gate {}: {}",
                                g["gate"].as_str().unwrap_or(""),
                                g["state"].as_str().unwrap_or(""),
                                g["reason"].as_str().unwrap_or("")
                            );
                        }
                    }
                }
                for e in &extras.excluded {
                    println!("  left out: {} — {}", e.key, e.reason);
                }
                for e in &extras.events {
                    println!(
                        "  event {} (id {}) from {} at {}: {}",
                        e.name,
                        e.id,
                        e.sender,
                        dash(local(Some(e.received_at))),
                        match &e.consumed_by {
                            Some(t) => format!("taken by {t}"),
                            None => "not taken".into(),
                        }
                    );
                }
            }
        }
        Ok(())
    }
}
