//! `rwf plan WORKFLOW_ID`: a running release's plan (the table and Gantt of its stored planned times)
//! and then planned against actual: when each task started and ended, and by how much it slipped.

use super::db::{open, Conn};
use super::plan::Format;
use super::{block_on, CliError, CmdResult, Outcome};
use crate::schedule::{self, render, Times};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::BTreeMap;

fn slip(planned: Option<DateTime<Utc>>, actual: Option<DateTime<Utc>>) -> Option<i64> {
    Some((actual? - planned?).num_minutes())
}

fn human(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "+" };
    let m = minutes.abs();
    match m {
        0..=119 => format!("{sign}{m} min"),
        120..=2879 => format!("{sign}{} h", m / 60),
        _ => format!("{sign}{} d", m / 1440),
    }
}

pub fn run(id: uuid::Uuid, format: Format, conn: &Conn) -> CmdResult {
    block_on(async move {
        let store = open(conn).await?;
        let wf = store.workflow(id).await?;
        let spec = store.workflow_spec(id).await?;
        let tasks = store.tasks(id).await?;
        let tz: chrono_tz::Tz = wf.target_tz.parse().unwrap_or(chrono_tz::UTC);
        // The stored planned times are the truth (edits and retargets included): resolve with all of
        // them fixed, so the Gantt shows exactly what the engine uses.
        let fixed: BTreeMap<String, Times> = tasks
            .iter()
            .filter_map(|t| {
                Some((
                    t.key.clone(),
                    Times {
                        start: t.planned_start?,
                        due: t.planned_due?,
                        end: t.planned_end?,
                    },
                ))
            })
            .collect();
        let target = schedule::Target {
            instant: wf.target_at,
            tz,
        };
        let plan = schedule::resolve(&spec, &target, &fixed).map_err(|d| {
            CliError::new(format!(
                "the stored plan does not resolve: {}",
                super::render::brief(&d)
            ))
        })?;
        let local = |t: Option<DateTime<Utc>>| {
            t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "-".into())
        };
        match format {
            Format::Json => {
                let rows: Vec<serde_json::Value> = tasks
                    .iter()
                    .map(|t| {
                        json!({
                            "key": t.key, "status": t.status,
                            "planned_start": t.planned_start.map(|x| x.with_timezone(&tz).to_rfc3339()),
                            "planned_due": t.planned_due.map(|x| x.with_timezone(&tz).to_rfc3339()),
                            "actual_start": t.actual_start.map(|x| x.with_timezone(&tz).to_rfc3339()),
                            "actual_end": t.actual_end.map(|x| x.with_timezone(&tz).to_rfc3339()),
                            "start_slip_minutes": slip(t.planned_start, t.actual_start),
                            "end_slip_minutes": slip(t.planned_due, t.actual_end),
                        })
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "workflow": wf.id, "status": wf.status, "release": wf.target_at.with_timezone(&tz).to_rfc3339(),
                        "tasks": rows,
                    }))?
                );
            }
            Format::Table => {
                let today = Utc::now().with_timezone(&tz).date_naive();
                let view = render::View::new(&spec, &plan, today);
                println!(
                    "{}  {}  {}  release {}",
                    wf.id,
                    wf.status,
                    wf.name,
                    local(Some(wf.target_at))
                );
                print!("{}\n{}", render::table(&view), render::gantt(&view));
                println!("\nplanned against actual ({})", tz.name());
                println!(
                    "  {:<20} {:<17} {:<16} {:<16} {:<9} {:<16} {:<9}",
                    "task", "status", "planned start", "started", "slip", "ended", "vs due"
                );
                for t in &tasks {
                    println!(
                        "  {:<20} {:<17} {:<16} {:<16} {:<9} {:<16} {:<9}",
                        t.key,
                        t.status,
                        local(t.planned_start),
                        local(t.actual_start),
                        slip(t.planned_start, t.actual_start)
                            .map(human)
                            .unwrap_or_else(|| "-".into()),
                        local(t.actual_end),
                        slip(t.planned_due, t.actual_end)
                            .map(human)
                            .unwrap_or_else(|| "-".into()),
                    );
                }
            }
            other => {
                return Err(CliError::new(format!(
                    "`--format {}` is for templates; a workflow's plan prints as table or json",
                    match other {
                        Format::Csv => "csv",
                        Format::Mermaid => "mermaid",
                        Format::Ics => "ics",
                        _ => "svg",
                    }
                )))
            }
        }
        Ok(Outcome::Ok)
    })
}
