//! `rwf retarget WF --release DATE [--tz TZ] [--yes]`: move the release date. Shows which due dates move
//! (tasks that ran and pinned tasks stay), and commits with CAS only with `--yes`.

use super::edit::EditTarget;
use super::{block_on, CmdResult};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: EditTarget,
    /// The new release instant (e.g. 2026-10-01T09:00)
    #[arg(long)]
    release: String,
    /// A new release timezone (IANA name)
    #[arg(long)]
    tz: Option<String>,
    /// Commit the move (without it, only the diff is shown)
    #[arg(long)]
    yes: bool,
}

pub fn run(args: Args) -> CmdResult {
    block_on(async move {
        let (release, tz) = (args.release.clone(), args.tz.clone());
        let result = args
            .target
            .edit("workflow_retargeted", !args.yes, true, move |snapshot| {
                crate::ops::retarget(snapshot, release, tz)
            })
            .await;
        if result.is_ok() && !args.yes {
            eprintln!("not committed: pass --yes to move the release");
        }
        result
    })
}
