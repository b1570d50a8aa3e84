//! `rwf inbox [--as USER] [--format json]`: open approvals oldest first, then manual tasks, agents
//! waiting for input and missed-window decisions.

use super::db::{open, Conn, Format};
use super::{block_on, CmdResult, Outcome};
use crate::config::Directory;
use crate::engine::action::parse_scope;

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

/// Whether `person` may act on an item addressed to `who` (`user:ann`, `team:legal`, ...). Without a
/// people directory a team or organization is shown rather than hidden; with one, only to its members.
fn may_act(person: &str, who: &str, directory: &Directory) -> bool {
    match parse_scope(who) {
        Some(scope) => directory
            .membership(person, &scope)
            .unwrap_or(is_empty(directory)),
        None => true,
    }
}

fn is_empty(directory: &Directory) -> bool {
    directory.users.is_empty() && directory.teams.is_empty() && directory.org_admins.is_empty()
}

/// For an approval: the scopes of `who` when none of them resolves to a person the directory lists
/// (nobody could decide it); empty when someone can, or when there is no directory to ask.
fn nobody_can_decide(who: &[String], directory: &Directory) -> Vec<String> {
    if is_empty(directory) {
        return Vec::new();
    }
    let someone = who.iter().any(|w| match parse_scope(w) {
        Some(crate::spec::Scope::User(_)) | None => true,
        Some(crate::spec::Scope::Team(t)) => !directory.team_members(&t).is_empty(),
        Some(crate::spec::Scope::Organization(_)) => !directory.org_admins.is_empty(),
        Some(crate::spec::Scope::Channel(_)) => false,
    });
    if someone {
        Vec::new()
    } else {
        who.to_vec()
    }
}

pub fn run(args: Args) -> CmdResult {
    block_on(async move {
        let directory = super::db::load_config(args.config.as_deref())?.directory;
        let store = open(&args.conn).await?;
        let mut items = store.inbox().await?;
        if let Some(person) = &args.actor {
            let me = person.trim_start_matches("user:");
            items.retain(|i| {
                let addressed =
                    i.who.is_empty() || i.who.iter().any(|w| may_act(me, w, &directory));
                addressed && !i.voted.iter().any(|v| v == me)
            });
        }
        // An approval nobody in the directory can decide is not work anyone can pick up: it is
        // reported apart (stderr), with what to fix, instead of listed as waiting for someone.
        let (stuck, items): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| {
            i.kind == "approval" && !nobody_can_decide(&i.who, &directory).is_empty()
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
        match args.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&items)?),
            Format::Text => {
                if items.is_empty() {
                    eprintln!("nothing waiting");
                }
                for i in &items {
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
        Ok(Outcome::Ok)
    })
}
