//! `rwf ls [--status S] [--stuck] [--format json]`.

use super::db::{open, Conn, Format};
use super::{block_on, CmdResult, Outcome};

#[derive(clap::Args)]
pub struct Args {
    /// Only workflows in this status (draft, active, paused, completed, failed, cancelled)
    #[arg(long)]
    status: Option<String>,
    /// Only active workflows with a task running past its window or not started by its due time
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
        print(&rows, args.format)?;
        Ok(Outcome::Ok)
    })
}

/// Prints workflows (also for `remote`, from the API's answer).
pub(super) fn print(
    rows: &[crate::store::WorkflowRow],
    format: Format,
) -> Result<(), super::CliError> {
    {
        match format {
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
                }
            }
        }
        Ok(())
    }
}
