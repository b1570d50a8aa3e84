//! `rwf notifications [--follow] [--workflow WF] [--format json]`: the durable notifications feed;
//! `--follow` LISTENs for new ones (no polling).

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
                &n.workflow_id.to_string()[..8],
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
