//! `rwf inbox [--as USER] [--format json]`: open approvals oldest first, then manual tasks, agents
//! waiting for input and missed-window decisions.

use super::db::{open, Conn, Format};
use super::{block_on, CmdResult, Outcome};

#[derive(clap::Args)]
pub struct Args {
    /// Only what this person can act on (named directly, or via a team / organization scope)
    #[arg(long = "as")]
    actor: Option<String>,
    /// rwf.toml with the people directory that says who is in which team (default: the nearest one
    /// upward)
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    conn: Conn,
}

pub fn run(args: Args) -> CmdResult {
    block_on(async move {
        let directory = super::db::load_config(args.config.as_deref())?.directory;
        let store = open(&args.conn).await?;
        let mut items = store.inbox().await?;
        if let Some(person) = &args.actor {
            items = crate::ops::inbox_for(items, person, &directory);
        }
        // An approval nobody in the directory can decide is not work anyone can pick up: it is
        // reported apart (stderr), with what to fix, instead of listed as waiting for someone.
        let (stuck, items): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| {
            i.kind == "approval" && crate::ops::nobody_can_decide(&i.who, &directory)
        });
        for i in &stuck {
            eprintln!(
                "warning: nobody in the people directory can decide `{}` of {} ({}): {} resolve{} \
                 to nobody; add members in rwf.toml (`rwf check rwf.toml TEMPLATE` finds these)",
                i.task_key,
                i.workflow_id,
                i.workflow,
                i.who.join(", "),
                if i.who.len() == 1 { "s" } else { "" }
            );
        }
        print(&items, args.format)?;
        Ok(Outcome::Ok)
    })
}

/// Prints inbox items (also for `remote`, from the API's answer).
pub(super) fn print(
    items: &[crate::store::InboxItem],
    format: Format,
) -> Result<(), super::CliError> {
    {
        match format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&items)?),
            Format::Text => {
                if items.is_empty() {
                    eprintln!("nothing waiting");
                }
                for i in items {
                    let extra = match i.kind.as_str() {
                        "approval" => format!(
                            "approvers {} quorum {} voted [{}]{}",
                            i.who.join(","),
                            i.quorum.unwrap_or(1),
                            i.voted.join(","),
                            i.deadline_at
                                .map(|d| format!(" deadline {}", d.format("%Y-%m-%d %H:%M UTC")))
                                .unwrap_or_default()
                        ),
                        _ => i.who.join(","),
                    };
                    println!(
                        "{}  {:<8} {}  {:<20} {}  since {}  {}",
                        i.workflow_id,
                        i.kind,
                        i.workflow,
                        i.task_key,
                        i.title,
                        i.since.format("%Y-%m-%d %H:%M UTC"),
                        extra
                    );
                }
            }
        }
        Ok(())
    }
}
