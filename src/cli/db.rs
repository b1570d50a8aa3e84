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

/// Output format of read commands.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// Connects and migrates (so every command works on a fresh database).
pub(crate) async fn open(conn: &Conn) -> Result<Store, CliError> {
    let url = conn.database_url.clone().filter(|u| !u.trim().is_empty()).ok_or_else(|| {
        CliError::new("no database given")
            .help("pass --database-url postgres://... or set DATABASE_URL")
    })?;
    let store = Store::connect_with(&url, 4).await.map_err(|e| {
        CliError::new(format!("cannot connect to the database: {e}"))
            .help("check the URL and that Postgres is running")
    })?;
    store.migrate().await?;
    Ok(store)
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
pub(crate) fn load_config(explicit: Option<&std::path::Path>) -> Result<crate::config::Config, CliError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let loaded = crate::config::Config::resolve(explicit, &cwd);
    loaded.config.ok_or_else(|| {
        let first = loaded
            .diagnostics
            .iter()
            .find(|d| d.severity == crate::diagnostic::Severity::Error)
            .map(|d| format!("{} {}", d.code, d.message))
            .unwrap_or_else(|| "invalid".into());
        CliError::new(format!("rwf.toml: {first}")).help("run `rwf check` on the config to see every problem")
    })
}

/// The people directory of `rwf.toml`, as the engine's membership table (teams; org admins under `*`).
pub(crate) fn directory_of(config: &crate::config::Config) -> crate::engine::StaticDirectory {
    let dir = &config.directory;
    let mut names: std::collections::BTreeSet<String> = dir.teams.keys().cloned().collect();
    for user in dir.users.values() {
        names.extend(user.teams.iter().cloned());
    }
    let mut out = crate::engine::StaticDirectory::default();
    for team in names {
        out.teams.insert(team.clone(), dir.team_members(&team));
    }
    out
}
