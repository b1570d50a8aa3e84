//! `rwf approve|reject WF TASK --as USER [--reason TEXT]`: a person's vote, decided by the engine under
//! the workflow row lock. Refusals exit 1 with the reason.

use super::db::{refusal, PersonOnTask};
use super::{block_on, CmdResult, Outcome};

pub enum Verdict {
    Approve,
    Reject,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    on: PersonOnTask,
    #[arg(long)]
    reason: Option<String>,
}

pub fn run(verdict: Verdict, args: Args) -> CmdResult {
    let verdict = match verdict {
        Verdict::Approve => crate::engine::Verdict::Approve,
        Verdict::Reject => crate::engine::Verdict::Reject,
    };
    let on = &args.on;
    block_on(async move {
        let (store, id) = on.open().await?;
        match store
            .decide(id, &on.task, &on.actor, verdict, args.reason.clone())
            .await
        {
            Ok(snapshot) => {
                let status = snapshot
                    .approval(&on.task)
                    .map(|a| a.status.to_string())
                    .unwrap_or_default();
                eprintln!("{} recorded for `{}` ({status})", verdict.as_str(), on.task);
                Ok(Outcome::Ok)
            }
            Err(e) => refusal(e),
        }
    })
}
