//! `rwf done WF TASK --as USER [--output JSON] [--skip]`: a manual task done, an agent's question
//! answered, or a missed-window decision (run it; `--skip` skips it). Refusals exit 1 with the reason.

use super::db::{open, workflow_id, Conn};
use super::{block_on, CliError, CmdResult, Outcome};
use crate::store::StoreError;

#[derive(clap::Args)]
pub struct Args {
    /// Workflow id
    workflow: String,
    /// The task
    task: String,
    /// The person acting
    #[arg(long = "as")]
    actor: String,
    /// The task's output as JSON (read downstream as `${task.output...}`)
    #[arg(long)]
    output: Option<String>,
    /// For a task awaiting a missed-window decision: skip it instead of running it
    #[arg(long)]
    skip: bool,
    /// rwf.toml with the people directory (default: the nearest one upward)
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    #[command(flatten)]
    conn: Conn,
}

pub fn run(args: Args) -> CmdResult {
    let output = match &args.output {
        Some(text) => Some(serde_json::from_str(text).map_err(|e| {
            CliError::new(format!("--output is not JSON: {e}"))
                .help("quote it for the shell: --output '{\"url\": \"https://...\"}'")
        })?),
        None => None,
    };
    block_on(async move {
        let config = super::db::load_config(args.config.as_deref())?;
        let store = open(&args.conn)
            .await?
            .with_directory(super::db::directory_of(&config));
        let id = workflow_id(&args.workflow)?;
        match store
            .answer(id, &args.task, &args.actor, output, args.skip)
            .await
        {
            Ok(snapshot) => {
                let status = snapshot
                    .task(&args.task)
                    .map(|t| t.status.to_string())
                    .unwrap_or_default();
                eprintln!("`{}` is now {status}", args.task);
                Ok(Outcome::Ok)
            }
            Err(e @ StoreError::Refused(_)) => {
                eprintln!("refused: {e}");
                Ok(Outcome::Findings)
            }
            Err(e) => Err(e.into()),
        }
    })
}
