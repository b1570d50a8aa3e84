//! `rwf log WF [--follow] [--format json]`: the append-only audit log, one readable line per event in
//! the release's zone (`--format json`: JSON Lines, each event with its raw payload, RFC 3339 UTC);
//! `--follow` LISTENs for more.

use super::db::{open, workflow_id, Conn, Format};
use super::{block_on, CmdResult, Outcome};
use crate::store::EventRow;
use serde_json::Value;
use std::io::Write;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Workflow id
    workflow: String,
    /// Keep printing new events as they are written (until the workflow ends or Ctrl-C)
    #[arg(long, short)]
    follow: bool,
    /// `json`: JSON Lines, one event per line with its raw payload (times RFC 3339, UTC)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    conn: Conn,
}

pub(super) fn print(
    e: &EventRow,
    format: Format,
    tz: chrono_tz::Tz,
) -> Result<(), super::CliError> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string(e)?)?,
        Format::Text => writeln!(
            out,
            "{}  {:<8} {}",
            e.at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %Z"),
            e.actor,
            summary(e)
        )?,
    }
    out.flush()?;
    Ok(())
}

/// A JSON value as short text: strings bare, others as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One readable line for an event: what changed, of which task, why. Unknown kinds list their
/// scalar fields (the raw payload is under `--format json`).
pub(crate) fn summary(e: &EventRow) -> String {
    let d = &e.data;
    let f = |k: &str| text(&d[k]);
    let task = e
        .task_key
        .clone()
        .or_else(|| d["task"].as_str().map(str::to_string))
        .unwrap_or_default();
    let why = |k: &str| {
        let r = f(k);
        if r.is_empty() {
            r
        } else {
            format!(" ({r})")
        }
    };
    let line = match e.kind.as_str() {
        "task_status" => format!("{task}: {} → {}{}", f("from"), f("to"), why("reason")),
        "workflow_status" => format!("workflow {} → {}{}", f("from"), f("to"), why("reason")),
        "approval_vote" => format!(
            "{task}: {} by {} (round {}){}",
            f("verdict"),
            f("actor"),
            f("round"),
            why("reason")
        ),
        "approval_granted" => format!("{task}: round {} granted", f("round")),
        "event_received" => format!(
            "event `{}` received from {} (id {}): {}",
            f("name"),
            f("sender"),
            f("event_id"),
            d["data"]
        ),
        "event_repeated" => format!(
            "event `{}` sent again by {} (id {}): already received, nothing changed",
            f("name"),
            f("sender"),
            f("event_id")
        ),
        "event_consumed" => format!("{task}: took event {}", f("event_id")),
        "event_timed_out" => format!("{task}: timed out waiting (then {})", f("policy")),
        "approval_rejected" => format!("{task}: round {} rejected{}", f("round"), why("reason")),
        "notified" => {
            let to: Vec<String> = d["recipients"]
                .as_array()
                .map(|a| a.iter().map(text).collect())
                .unwrap_or_default();
            format!(
                "notified {} ({}): {}",
                if to.is_empty() {
                    "the feed".to_string()
                } else {
                    to.join(", ")
                },
                f("kind"),
                f("title")
            )
        }
        "workflow_created" => format!(
            "created from {}@{}, release {}",
            f("template"),
            f("version"),
            f("target")
        ),
        "workflow_edited"
        | "workflow_retargeted"
        | "task_edited"
        | "dependency_added"
        | "dependency_removed" => {
            let diff = &d["diff"];
            let keys = |k: &str| -> Vec<String> {
                diff[k]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| v.get("task").map(text).unwrap_or_else(|| text(v)))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let mut parts = vec![format!(
                "{} (from lock version {})",
                e.kind,
                f("from_version")
            )];
            for (sign, k) in [
                ("+", "added"),
                ("-", "removed"),
                ("~", "changed"),
                (">", "moved"),
            ] {
                let ks = keys(k);
                if !ks.is_empty() {
                    parts.push(format!("{sign}{}", ks.join(&format!(" {sign}"))));
                }
            }
            parts.join(" ")
        }
        kind => {
            let fields: Vec<String> = d
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(k, v)| *k != "action" && !v.is_object() && !v.is_array())
                        .map(|(k, v)| format!("{k}={}", text(v)))
                        .collect()
                })
                .unwrap_or_default();
            let prefix = if task.is_empty() {
                kind.to_string()
            } else {
                format!("{kind} {task}")
            };
            if fields.is_empty() {
                prefix
            } else {
                format!("{prefix}: {}", fields.join(" "))
            }
        }
    };
    let line = line.replace('\n', " ");
    if line.chars().count() > 200 {
        format!("{}…", line.chars().take(199).collect::<String>())
    } else {
        line
    }
}

pub fn run(args: Args) -> CmdResult {
    block_on(async move {
        let store = open(&args.conn).await?;
        let id = workflow_id(&args.workflow)?;
        let tz: chrono_tz::Tz = store
            .workflow(id)
            .await?
            .target_tz
            .parse()
            .unwrap_or(chrono_tz::UTC);
        let mut follower = if args.follow {
            Some(store.follow().await?)
        } else {
            None
        };
        let mut last = 0;
        loop {
            for e in store.events(id, last).await? {
                last = e.id;
                print(&e, args.format, tz)?;
            }
            let Some(f) = follower.as_mut() else { break };
            let wf = store.workflow(id).await?;
            if matches!(wf.status.as_str(), "completed" | "failed" | "cancelled") {
                // Drain anything written with the final status, then stop.
                for e in store.events(id, last).await? {
                    print(&e, args.format, tz)?;
                }
                break;
            }
            f.wait(Duration::from_secs(5)).await?;
        }
        Ok(Outcome::Ok)
    })
}
