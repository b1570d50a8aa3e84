//! `rwf start|pause|resume|cancel WF`: legal transitions only; a refusal exits 1 with the reason.

use super::db::{actor, open, workflow_id, Conn};
use super::{block_on, CmdResult, Outcome};
use crate::store::{LifecycleVerb, StoreError};

pub enum Verb {
    Start,
    Pause,
    Resume,
    Cancel,
}

#[derive(clap::Args)]
pub struct Args {
    /// Workflow id
    workflow: String,
    /// Who does it (default: $USER)
    #[arg(long = "as")]
    actor: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

pub fn run(verb: Verb, args: Args) -> CmdResult {
    let verb = match verb {
        Verb::Start => LifecycleVerb::Start,
        Verb::Pause => LifecycleVerb::Pause,
        Verb::Resume => LifecycleVerb::Resume,
        Verb::Cancel => LifecycleVerb::Cancel,
    };
    block_on(async move {
        let store = open(&args.conn).await?;
        let id = workflow_id(&args.workflow)?;
        match store.transition(id, verb, &actor(&args.actor)).await {
            Ok(wf) => {
                eprintln!("{}: {}", wf.id, wf.status);
                if wf.status == "active" {
                    if let Some(why) = store.no_worker_warning().await? {
                        eprintln!(
                            "warning: {why}: nothing runs until one does (`rwf worker --config rwf.toml`)"
                        );
                    }
                }
                Ok(Outcome::Ok)
            }
            Err(
                e @ (StoreError::IllegalTransition { .. }
                | StoreError::Refused(_)
                | StoreError::InvalidSpec { .. }),
            ) => {
                eprintln!("refused: {e}");
                Ok(Outcome::Findings)
            }
            Err(e) => Err(e.into()),
        }
    })
}
