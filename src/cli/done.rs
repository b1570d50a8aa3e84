//! `rwf done WF TASK --as USER [--output JSON] [--skip]`: a manual task done, an agent's question
//! answered, or a missed-window decision (run it; `--skip` skips it). Refusals exit 1 with the reason.

use super::db::{refusal, PersonOnTask};
use super::{block_on, CliError, CmdResult, Outcome};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    on: PersonOnTask,
    /// The task's output as JSON (read downstream as `${task.output...}`)
    #[arg(long)]
    output: Option<String>,
    /// For a task awaiting a missed-window decision: skip it instead of running it
    #[arg(long)]
    skip: bool,
}

pub fn run(args: Args) -> CmdResult {
    let output = match &args.output {
        Some(text) => Some(serde_json::from_str(text).map_err(|e| {
            CliError::new(format!("--output is not JSON: {e}"))
                .help("quote it for the shell: --output '{\"url\": \"https://...\"}'")
        })?),
        None => None,
    };
    let on = &args.on;
    block_on(async move {
        let (store, id) = on.open().await?;
        match store
            .answer(id, &on.task, &on.actor, output, args.skip)
            .await
        {
            Ok(snapshot) => {
                let status = snapshot
                    .task(&on.task)
                    .map(|t| t.status.to_string())
                    .unwrap_or_default();
                eprintln!("`{}` is now {status}", on.task);
                Ok(Outcome::Ok)
            }
            Err(e) => refusal(e),
        }
    })
}
