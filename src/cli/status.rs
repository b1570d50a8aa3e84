//! `rwf status WF`: tasks with their dates in the release timezone, status, and why each waits.

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
        let gates = store.gates(id).await?;
        print(&wf, &tasks, &gates, args.format)?;
        Ok(Outcome::Ok)
    })
}

/// A gate of the ledger: (task, kind, state, reason, blockers).
pub(super) type GateRow = (String, String, String, String, serde_json::Value);

/// Prints a workflow's status (also for `remote`, from the API's answer).
pub(super) fn print(
    wf: &WorkflowRow,
    tasks: &[TaskRow],
    gates: &[GateRow],
    format: Format,
) -> Result<(), super::CliError> {
    {
        let tz: chrono_tz::Tz = wf.target_tz.parse().unwrap_or(chrono_tz::UTC);
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
                            "planned_start": local(t.planned_start), "planned_due": local(t.planned_due),
                            "planned_end": local(t.planned_end), "actual_start": local(t.actual_start),
                            "actual_end": local(t.actual_end), "attempts": t.attempts,
                            "next_attempt_at": local(t.next_attempt_at), "output": t.output,
                            "last_error": t.last_error, "actor": t.actor, "waiting_on": waiting(&t.key),
                        })
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({ "workflow": wf, "tasks": tasks }))?
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
                for t in tasks {
                    println!(
                        "  {:<20} {:<12} {:<17} start {:<22} due {:<22} attempts {}",
                        t.key,
                        t.kind,
                        t.status,
                        local(t.planned_start).unwrap_or_else(|| "-".into()),
                        local(t.planned_due).unwrap_or_else(|| "-".into()),
                        t.attempts
                    );
                    if let Some(e) = &t.last_error {
                        println!("      error: {e}");
                    }
                    if !matches!(
                        t.status.as_str(),
                        "succeeded" | "failed" | "skipped" | "cancelled"
                    ) {
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
            }
        }
        Ok(())
    }
}
