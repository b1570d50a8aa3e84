//! `rwf admin token create|revoke|ls`: API tokens of people and service accounts for `rwf serve`.
//! A token is printed once, on stdout; only its sha256 is stored.

use super::db::{open, Conn};
use super::{block_on, CliError, CmdResult, Outcome};
use crate::store::PrincipalKind;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(clap::Subcommand)]
enum AdminCommand {
    /// API tokens
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(clap::Subcommand)]
enum TokenCommand {
    /// Create a token and print it (once)
    Create {
        /// Whose token: a person of the directory (or, with --service, a service account's name)
        #[arg(long)]
        person: String,
        /// A service account (CI, an agent): may view and, if a [server] pusher, push templates;
        /// never decides an approval or operates a workflow
        #[arg(long)]
        service: bool,
        /// Lifetime, e.g. `30d`, `12h` (default: no expiry)
        #[arg(long)]
        expires: Option<String>,
        /// A note to recognise it by in `rwf admin token ls`
        #[arg(long, default_value = "")]
        label: String,
        /// rwf.toml with the people directory (default: the nearest one upward)
        #[arg(long)]
        config: Option<std::path::PathBuf>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Revoke a token by id: it authenticates nobody from now on
    Revoke {
        id: i64,
        #[command(flatten)]
        conn: Conn,
    },
    /// List tokens (never the tokens themselves)
    Ls {
        #[command(flatten)]
        conn: Conn,
    },
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c))
}

pub fn run(args: Args) -> CmdResult {
    let AdminCommand::Token { command } = args.command;
    match command {
        TokenCommand::Create {
            person,
            service,
            expires,
            label,
            config,
            conn,
        } => {
            let name = person.trim().trim_start_matches("user:").to_string();
            if !valid_name(&name) {
                return Err(CliError::new(format!("`{person}` is not a principal name"))
                    .help("names are letters, digits and . _ @ -, e.g. `--person ann`"));
            }
            let valid_for = match &expires {
                Some(text) => Some(
                    crate::config::parse_duration(text)
                        .and_then(|d| chrono::Duration::from_std(d).ok())
                        .ok_or_else(|| {
                            CliError::new(format!("`--expires {text}` is not a duration"))
                                .help("write amounts with units m, h, d, e.g. `30d`")
                        })?,
                ),
                None => None,
            };
            let kind = if service {
                PrincipalKind::Service
            } else {
                let directory = super::db::load_config(config.as_deref())?.directory;
                let known = directory.users.contains_key(&name)
                    || directory.org_admins.contains(&name)
                    || directory.teams.values().any(|t| t.members.contains(&name));
                if !known {
                    eprintln!(
                        "warning: `{name}` is not in the people directory; they will belong to no \
                         team until rwf.toml lists them"
                    );
                }
                PrincipalKind::Person
            };
            block_on(async move {
                let store = open(&conn).await?;
                let (id, token) = store.create_token(&name, kind, &label, valid_for).await?;
                eprintln!(
                    "token {id} for {} `{name}`{}: shown once, store it now",
                    kind.as_str(),
                    expires
                        .map(|e| format!(", expires in {e}"))
                        .unwrap_or_default()
                );
                println!("{token}");
                Ok(Outcome::Ok)
            })
        }
        TokenCommand::Revoke { id, conn } => block_on(async move {
            let store = open(&conn).await?;
            if store.revoke_token(id).await? {
                eprintln!("token {id} revoked");
                Ok(Outcome::Ok)
            } else {
                Err(CliError::new(format!("no unrevoked token {id}"))
                    .help("`rwf admin token ls` lists them"))
            }
        }),
        TokenCommand::Ls { conn } => block_on(async move {
            let store = open(&conn).await?;
            for t in store.tokens().await? {
                let fmt = |d: Option<chrono::DateTime<chrono::Utc>>| {
                    d.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_else(|| "-".into())
                };
                println!(
                    "{}\t{}\t{}\tcreated {}\texpires {}\trevoked {}\t{}",
                    t.id,
                    t.kind,
                    t.principal,
                    t.created_at.format("%Y-%m-%d %H:%M UTC"),
                    fmt(t.expires_at),
                    fmt(t.revoked_at),
                    t.label
                );
            }
            Ok(Outcome::Ok)
        }),
    }
}
