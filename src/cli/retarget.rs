//! `rwf retarget WF [--release DATE] [--set ANCHOR=DATE]... [--tz TZ] [--yes]`: move the release date,
//! any other anchor param (a `date` or `datetime` param, e.g. `cycle_start`) or a lead time (a
//! `duration` param used as an offset or window, e.g. `lead=3w`). Shows which due dates
//! move (tasks that ran and pinned tasks stay), and commits with CAS only with `--yes`.

use super::edit::EditTarget;
use super::{block_on, CliError, CmdResult};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub(crate) target: EditTarget,
    /// The new release instant (e.g. 2026-10-01T09:00)
    #[arg(long, required_unless_present = "sets")]
    pub(crate) release: Option<String>,
    /// Move another anchor param or a lead time: `--set cycle_start=2026-09-07`, `--set lead=3w` (a
    /// date, datetime or duration param; repeatable)
    #[arg(long = "set", value_name = "K=V")]
    pub(crate) sets: Vec<String>,
    /// A new release timezone (IANA name)
    #[arg(long)]
    pub(crate) tz: Option<String>,
    /// Commit the move (without it, only the diff is shown)
    #[arg(long)]
    pub(crate) yes: bool,
    /// Confirm a release instant that has already passed (silences warning RWF088)
    #[arg(long)]
    pub(crate) allow_past: bool,
}

pub fn run(args: Args) -> CmdResult {
    let sets = super::parse_sets(&args.sets)?;
    if args.release.is_none() && sets.is_empty() {
        return Err(
            CliError::new("nothing to move").help("give --release DATE or --set ANCHOR=DATE")
        );
    }
    block_on(async move {
        let (release, tz, allow_past) = (args.release.clone(), args.tz.clone(), args.allow_past);
        let result = args
            .target
            .edit("workflow_retargeted", !args.yes, true, move |snapshot| {
                let (spec, plan) = crate::ops::retarget(snapshot, release, &sets, tz)?;
                if let Some(w) =
                    super::past_release::warning(plan.target, chrono::Utc::now(), allow_past)
                {
                    eprintln!("{w}");
                }
                Ok((spec, plan))
            })
            .await;
        if result.is_ok() && !args.yes {
            eprintln!("not committed: pass --yes to move the release");
        }
        result
    })
}
