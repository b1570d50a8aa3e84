//! `rwf log WF [--follow] [--format json]`: the append-only audit log; `--follow` LISTENs for more.

use super::db::{open, workflow_id, Conn, Format};
use super::{block_on, CmdResult, Outcome};
use crate::store::EventRow;
use std::io::Write;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Workflow id
    workflow: String,
    /// Keep printing new events as they are written (until the workflow ends or Ctrl-C)
    #[arg(long, short)]
    follow: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    conn: Conn,
}

pub(super) fn print(e: &EventRow, format: Format) -> Result<(), super::CliError> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string(e)?)?,
        Format::Text => writeln!(
            out,
            "{}  {:<8} {:<22} {:<18} {}",
            e.at.format("%Y-%m-%d %H:%M:%S%.3f"),
            e.actor,
            e.kind,
            e.task_key.as_deref().unwrap_or("-"),
            e.data
        )?,
    }
    out.flush()?;
    Ok(())
}

pub fn run(args: Args) -> CmdResult {
    block_on(async move {
        let store = open(&args.conn).await?;
        let id = workflow_id(&args.workflow)?;
        store.workflow(id).await?;
        let mut follower = if args.follow {
            Some(store.follow().await?)
        } else {
            None
        };
        let mut last = 0;
        loop {
            for e in store.events(id, last).await? {
                last = e.id;
                print(&e, args.format)?;
            }
            let Some(f) = follower.as_mut() else { break };
            let wf = store.workflow(id).await?;
            if matches!(wf.status.as_str(), "completed" | "failed" | "cancelled") {
                // Drain anything written with the final status, then stop.
                for e in store.events(id, last).await? {
                    print(&e, args.format)?;
                }
                break;
            }
            f.wait(Duration::from_secs(5)).await?;
        }
        Ok(Outcome::Ok)
    })
}
