//! `rwf db migrate|status`, and the database helpers every database command shares.

use super::{block_on, CliError, CmdResult, Outcome};
use crate::store::Store;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(clap::Subcommand)]
enum DbCommand {
    /// Apply the embedded migrations
    Migrate(Conn),
    /// List the applied migrations
    Status(Conn),
}

/// `--database-url`, falling back to `DATABASE_URL`.
#[derive(clap::Args, Clone)]
pub struct Conn {
    /// Postgres URL (default: $DATABASE_URL)
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

/// Output format of read commands. JSON convention: one JSON document on stdout, except the streams
/// (`log`, `notifications`), which are JSON Lines (one object per line, so `--follow` can stream);
/// times are RFC 3339.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// For people: aligned text, times in the release's zone.
    #[default]
    Text,
    /// For programs: one JSON document (JSON Lines for `log` and `notifications`), RFC 3339 times.
    Json,
}

/// Connects and migrates (so every command works on a fresh database).
pub(crate) async fn open(conn: &Conn) -> Result<Store, CliError> {
    let url = conn
        .database_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            CliError::new("no database given")
                .help("pass --database-url postgres://... or set DATABASE_URL")
        })?;
    let store = Store::connect_with(&url, 4).await.map_err(|e| {
        CliError::new(format!("cannot connect to the database: {e}"))
            .help("check the URL and that Postgres is running")
    })?;
    store.migrate().await?;
    // Whatever a person does here bypasses the server's authentication: the audit log says so.
    Ok(store.with_via("admin"))
}

/// The acting person: `--as`, else $USER.
pub(crate) fn actor(given: &Option<String>) -> String {
    given
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "cli".to_string())
}

pub(crate) fn workflow_id(text: &str) -> Result<uuid::Uuid, CliError> {
    uuid::Uuid::parse_str(text.trim()).map_err(|_| {
        CliError::new(format!("`{text}` is not a workflow id"))
            .help("workflow ids are UUIDs; `rwf ls` lists them")
    })
}

pub fn run(args: Args) -> CmdResult {
    block_on(async move {
        match args.command {
            DbCommand::Migrate(conn) => {
                let store = open(&conn).await?;
                let applied = store.migrations().await?;
                eprintln!("migrated: {} migration(s) applied", applied.len());
                Ok(Outcome::Ok)
            }
            DbCommand::Status(conn) => {
                let store = open(&conn).await?;
                for (version, description) in store.migrations().await? {
                    println!("{version}\t{description}");
                }
                Ok(Outcome::Ok)
            }
        }
    })
}

/// `rwf.toml`: `--config PATH`, else the nearest one upward from the current directory, else empty.
pub(crate) fn load_config(
    explicit: Option<&std::path::Path>,
) -> Result<crate::config::Config, CliError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let loaded = crate::config::Config::resolve(explicit, &cwd);
    // Every problem at its file:line:col; warnings go to stderr and the config is used.
    match loaded.into_result() {
        Ok((config, warnings)) => {
            for w in warnings {
                eprintln!("{w}");
            }
            Ok(config)
        }
        Err(errors) => Err(
            CliError::new(format!("invalid rwf.toml\n{}", errors.join("\n")))
                .help("fix the config; examples/rwf.toml documents every key"),
        ),
    }
}

/// A person acting on one task: `WF TASK --as USER`, checked against rwf.toml's people directory.
#[derive(clap::Args)]
pub struct PersonOnTask {
    /// Workflow id
    pub workflow: String,
    /// The task
    pub task: String,
    /// The person acting (required: approvals and manual tasks are for people only)
    #[arg(long = "as")]
    pub actor: String,
    /// rwf.toml with the people directory (default: the nearest one upward)
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub conn: Conn,
}

impl PersonOnTask {
    /// The store, knowing the people directory, and the workflow's id.
    pub(crate) async fn open(&self) -> Result<(Store, uuid::Uuid), CliError> {
        let config = load_config(self.config.as_deref())?;
        let store = open(&self.conn).await?.with_directory(config.directory);
        Ok((store, workflow_id(&self.workflow)?))
    }
}

/// A refused human action is a finding for the person (exit 1, the reason on stderr); any other error
/// is the tool's.
pub(crate) fn refusal(e: crate::store::StoreError) -> CmdResult {
    use crate::store::StoreError::{AlreadyDecided, NotHuman, Refused};
    match e {
        e @ (Refused(_) | AlreadyDecided { .. } | NotHuman(_)) => {
            eprintln!("refused: {e}");
            Ok(Outcome::Findings)
        }
        e => Err(e.into()),
    }
}
