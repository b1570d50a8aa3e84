//! `rwf retarget WF --release DATE [--tz TZ] [--yes]`: move the release date. Shows which due dates move
//! (tasks that ran and pinned tasks stay), and commits with CAS only with `--yes`.

use super::edit::{resolve_for, EditTarget};
use super::{block_on, CmdResult};
use crate::spec::TzRef;

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
                let mut spec = (*snapshot.spec).clone();
                spec.bindings.insert(
                    spec.target.param.clone(),
                    serde_json::Value::String(release),
                );
                if let Some(tz) = tz {
                    match &spec.target.timezone {
                        TzRef::Param(p) => {
                            spec.bindings
                                .insert(p.clone(), serde_json::Value::String(tz));
                        }
                        TzRef::Literal(_) => spec.target.timezone = TzRef::Literal(tz),
                    }
                }
                let plan = resolve_for(&spec, snapshot)?;
                Ok((spec, plan))
            })
            .await;
        if result.is_ok() && !args.yes {
            eprintln!("not committed: pass --yes to move the release");
        }
        result
    })
}
