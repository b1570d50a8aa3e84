//! `rwf notifications [--follow] [--workflow WF] [--format json]`: the durable notifications feed;
//! `--follow` LISTENs for new ones (no polling). `--deliveries`: each notification's delivery state
//! per sink, and a line per sink that is failing (retrying or given up), with its last error.

use super::db::{open, workflow_id, Conn, Format};
use super::{block_on, CmdResult, Outcome};
use crate::store::NotificationRow;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    /// Keep printing new notifications as they are written (until Ctrl-C)
    #[arg(long, short)]
    follow: bool,
    /// Only this workflow's notifications
    #[arg(long)]
    workflow: Option<String>,
    /// Show the delivery of each notification to each sink (delivered, retrying, gave up), and
    /// report the sinks that keep failing; exits 1 when one has given up or is retrying
    #[arg(long, conflicts_with = "follow")]
    deliveries: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    conn: Conn,
}

/// A writer's transaction may commit after a later one: re-read this far back and skip what was seen.
const COMMIT_SLACK: chrono::Duration = chrono::Duration::minutes(10);

fn print(n: &NotificationRow, format: Format) -> Result<(), super::CliError> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string(n)?)?,
        Format::Text => {
            let to = if n.recipients.is_empty() {
                String::new()
            } else {
                format!("  → {}", n.recipients.join(", "))
            };
            writeln!(
                out,
                "{}  {:<20} {}  {:<18} {}: {}{}",
                n.created_at.format("%Y-%m-%d %H:%M:%S"),
                n.kind,
                n.workflow_id,
                n.task_key.as_deref().unwrap_or("-"),
                n.title,
                n.message,
                to
            )?
        }
    }
    out.flush()?;
    Ok(())
}

pub fn run(args: Args) -> CmdResult {
    block_on(async move {
        let store = open(&args.conn).await?;
        let workflow = args.workflow.as_deref().map(workflow_id).transpose()?;
        if let Some(id) = workflow {
            store.workflow(id).await?;
        }
        if args.deliveries {
            return deliveries(&store, workflow, args.format).await;
        }
        // Listen before the first read so nothing written in between is missed.
        let mut listener = if args.follow {
            Some(store.listen_notifications().await?)
        } else {
            None
        };
        let mut seen = HashSet::new();
        let mut newest: Option<DateTime<Utc>> = None;
        loop {
            let since = newest.map(|t| t - COMMIT_SLACK);
            for n in store.notifications_since(workflow, since).await? {
                if seen.insert(n.id) {
                    newest = Some(newest.map_or(n.created_at, |t| t.max(n.created_at)));
                    print(&n, args.format)?;
                }
            }
            let Some(l) = listener.as_mut() else { break };
            tokio::select! {
                r = l.recv() => r?,
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        Ok(Outcome::Ok)
    })
}

/// `--deliveries`: the rows, then one line per sink with failures (stderr), exit 1 if any.
async fn deliveries(
    store: &crate::store::Store,
    workflow: Option<uuid::Uuid>,
    format: Format,
) -> CmdResult {
    let rows = store.deliveries(workflow).await?;
    let mut failing: std::collections::BTreeMap<&str, (usize, usize, Option<&str>)> =
        std::collections::BTreeMap::new();
    for r in &rows {
        if r.status == "retrying" || r.status == "gave_up" {
            let e = failing.entry(r.sink.as_str()).or_default();
            if r.status == "retrying" {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
            if e.2.is_none() {
                e.2 = r.last_error.as_deref();
            }
        }
    }
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Text => {
            if rows.is_empty() {
                eprintln!(
                    "no deliveries yet (sinks are configured in rwf.toml; the worker delivers)"
                );
            }
            for r in &rows {
                let next = r
                    .retry_at
                    .filter(|_| r.status == "retrying")
                    .map(|t| format!(" next try {}", t.to_rfc3339()))
                    .unwrap_or_default();
                let error = r
                    .last_error
                    .as_deref()
                    .filter(|_| r.status != "delivered")
                    .map(|e| format!(" last error: {e}"))
                    .unwrap_or_default();
                println!(
                    "{}  {:<20} {:<16} {:<9} attempts {}{next}{error}  {}",
                    r.notification_id, r.kind, r.sink, r.status, r.attempts, r.title
                );
            }
        }
    }
    for (sink, (retrying, gave_up, error)) in &failing {
        eprintln!(
            "sink `{sink}` is failing: {retrying} retrying, {gave_up} given up{}",
            error
                .map(|e| format!("; last error: {e}"))
                .unwrap_or_default()
        );
    }
    Ok(if failing.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Findings
    })
}
