//! `rwf approve|reject WF TASK --as USER [--reason TEXT]`: a person's vote, decided by the engine under
//! the workflow row lock. Refusals exit 1 with the reason.

use super::db::{open, workflow_id, Conn};
use super::{block_on, CmdResult, Outcome};
use crate::store::StoreError;

pub enum Verdict {
    Approve,
    Reject,
}

#[derive(clap::Args)]
pub struct Args {
    /// Workflow id
    workflow: String,
    /// The approval task
    task: String,
    /// The person deciding (required: only people decide approvals)
    #[arg(long = "as")]
    actor: String,
    #[arg(long)]
    reason: Option<String>,
    /// rwf.toml with the people directory (default: the nearest one upward)
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    #[command(flatten)]
    conn: Conn,
}

pub fn run(verdict: Verdict, args: Args) -> CmdResult {
    let verdict = match verdict {
        Verdict::Approve => crate::engine::Verdict::Approve,
        Verdict::Reject => crate::engine::Verdict::Reject,
    };
    block_on(async move {
        let config = super::db::load_config(args.config.as_deref())?;
        let store = open(&args.conn)
            .await?
            .with_directory(super::db::directory_of(&config));
        let id = workflow_id(&args.workflow)?;
        match store
            .decide(id, &args.task, &args.actor, verdict, args.reason.clone())
            .await
        {
            Ok(snapshot) => {
                let status = snapshot
                    .approval(&args.task)
                    .map(|a| a.status.to_string())
                    .unwrap_or_default();
                eprintln!(
                    "{} recorded for `{}` ({status})",
                    verdict.as_str(),
                    args.task
                );
                Ok(Outcome::Ok)
            }
            Err(
                e @ (StoreError::Refused(_)
                | StoreError::AlreadyDecided { .. }
                | StoreError::NotHuman(_)),
            ) => {
                eprintln!("refused: {e}");
                Ok(Outcome::Findings)
            }
            Err(e) => Err(e.into()),
        }
    })
}
