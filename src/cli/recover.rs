//! `rwf reopen WF --as P` and `rwf retry WF TASK --as P`: a failed workflow back to paused, a failed
//! task pending again for a fresh attempt. Refusals (not failed, not a person) exit 1 with the reason.

use super::db::{open, workflow_id, Conn};
use super::{block_on, CmdResult, Outcome};
use crate::store::StoreError;

#[derive(clap::Args)]
pub struct ReopenArgs {
    /// Workflow id
    workflow: String,
    /// The person reopening it (required: audited as theirs)
    #[arg(long = "as")]
    actor: String,
    #[command(flatten)]
    conn: Conn,
}

#[derive(clap::Args)]
pub struct RetryArgs {
    /// Workflow id
    workflow: String,
    /// The failed task
    task: String,
    /// The person retrying it (required: audited as theirs)
    #[arg(long = "as")]
    actor: String,
    #[command(flatten)]
    conn: Conn,
}

fn refused(e: StoreError) -> CmdResult {
    match e {
        StoreError::Refused(_) | StoreError::IllegalTransition { .. } => {
            eprintln!("refused: {e}");
            Ok(Outcome::Findings)
        }
        other => Err(other.into()),
    }
}

pub fn reopen(args: ReopenArgs) -> CmdResult {
    block_on(async move {
        let store = open(&args.conn).await?;
        let id = workflow_id(&args.workflow)?;
        match store.reopen(id, &args.actor).await {
            Ok(s) => {
                eprintln!(
                    "{id}: {} (fix what failed, `rwf retry {id} TASK`, then `rwf resume {id}`)",
                    s.status
                );
                Ok(Outcome::Ok)
            }
            Err(e) => refused(e),
        }
    })
}

pub fn retry(args: RetryArgs) -> CmdResult {
    block_on(async move {
        let store = open(&args.conn).await?;
        let id = workflow_id(&args.workflow)?;
        match store.retry_task(id, &args.task, &args.actor).await {
            Ok(s) => {
                let state = s.task(&args.task).map(|t| t.status.to_string());
                eprintln!(
                    "`{}` is now {}; its next attempt is a fresh run{}",
                    args.task,
                    state.unwrap_or_default(),
                    if s.status == crate::engine::WorkflowStatus::Paused {
                        format!(" once you `rwf resume {id}`")
                    } else {
                        String::new()
                    }
                );
                Ok(Outcome::Ok)
            }
            Err(e) => refused(e),
        }
    })
}
