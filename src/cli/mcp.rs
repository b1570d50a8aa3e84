//! `rwf mcp`: the proposal-only MCP assistant interface over stdio (see `crate::mcp`). With a database
//! (DATABASE_URL or --database-url) every tool works; without one, those on templates and source do.

use super::db::{actor, open, Conn};
use super::{block_on, CliError, CmdResult, Outcome};
use crate::mcp::{stdio, Session, Who};

#[derive(clap::Args)]
pub struct Args {
    /// Who drafts and proposes, in the audit log (default: $USER)
    #[arg(long = "as")]
    actor: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

pub fn run(args: Args) -> CmdResult {
    let who = actor(&args.actor);
    block_on(async move {
        let has_db = args
            .conn
            .database_url
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty());
        let store = match has_db {
            true => Some(open(&args.conn).await?.with_via("mcp")),
            false => None,
        };
        let session = Session {
            store,
            who: Who::Local { actor: who },
        };
        stdio::serve(&session)
            .await
            .map_err(|e| CliError::new(format!("stdio: {e}")))?;
        Ok(Outcome::Ok)
    })
}
