//! `rwf ls [--status S] [--stuck] [--format json]`.

use super::db::{open, Conn, Format};
use super::{block_on, CmdResult, Outcome};

#[derive(clap::Args)]
pub struct Args {
    /// Only workflows in this status (draft, active, paused, completed, failed, cancelled)
    #[arg(long)]
    status: Option<String>,
    /// Only active workflows with a task running or waiting for a person past its window, or not
    /// started by its due time; each such task is named
    #[arg(long)]
    stuck: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    conn: Conn,
}

pub fn run(args: Args) -> CmdResult {
    block_on(async move {
        let store = open(&args.conn).await?;
        let rows = store
            .list_workflows(args.status.as_deref(), args.stuck)
            .await?;
        let stuck = if args.stuck {
            store.stuck_tasks().await?
        } else {
            Vec::new()
        };
        print(&rows, &stuck, args.format)?;
        Ok(Outcome::Ok)
    })
}

/// Prints workflows with the stuck tasks of each (`ls --stuck`; also for `remote`, from the API's
/// answer, without stuck tasks).
pub(super) fn print(
    rows: &[crate::store::WorkflowRow],
    stuck: &[(uuid::Uuid, String, String)],
    format: Format,
) -> Result<(), super::CliError> {
    let stuck_in = |id: uuid::Uuid| -> Vec<String> {
        stuck
            .iter()
            .filter(|s| s.0 == id)
            .map(|s| format!("{} ({})", s.1, s.2))
            .collect()
    };
    {
        match format {
            Format::Json if !stuck.is_empty() => {
                let rows: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|w| {
                        let mut v = serde_json::to_value(w).unwrap_or_default();
                        v["stuck_tasks"] = stuck
                            .iter()
                            .filter(|s| s.0 == w.id)
                            .map(|s| serde_json::json!({"task": s.1, "status": s.2}))
                            .collect();
                        v
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?)
            }
            Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
            Format::Text => {
                for w in rows {
                    let tz: chrono_tz::Tz = w.target_tz.parse().unwrap_or(chrono_tz::UTC);
                    println!(
                        "{}  {:<9}  {}  {} v{}  release {}",
                        w.id,
                        w.status,
                        w.name,
                        w.template_key,
                        w.template_version,
                        w.target_at.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")
                    );
                    let stuck = stuck_in(w.id);
                    if !stuck.is_empty() {
                        println!("    stuck: {}", stuck.join(", "));
                    }
                }
            }
        }
        Ok(())
    }
}
