//! `rwf retarget WF --release DATE [--tz TZ] [--yes]`: move the release date. Shows which due dates move
//! (tasks that ran and pinned tasks stay), and commits with CAS only with `--yes`.

use super::db::{actor, open, workflow_id, Conn};
use super::edit::{apply, resolve_for};
use super::{block_on, CmdResult};
use crate::spec::TzRef;
use crate::store::EditOptions;

#[derive(clap::Args)]
pub struct Args {
    /// Workflow id
    workflow: String,
    /// The new release instant (e.g. 2026-10-01T09:00)
    #[arg(long)]
    release: String,
    /// A new release timezone (IANA name)
    #[arg(long)]
    tz: Option<String>,
    /// Commit the move (without it, only the diff is shown)
    #[arg(long)]
    yes: bool,
    /// Refuse unless the workflow is still at this version (`lock_version`)
    #[arg(long)]
    expect_version: Option<i64>,
    /// Who retargets (default: $USER)
    #[arg(long = "as")]
    actor: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

pub fn run(args: Args) -> CmdResult {
    let who = actor(&args.actor);
    block_on(async move {
        let store = open(&args.conn).await?;
        let id = workflow_id(&args.workflow)?;
        let options = EditOptions {
            actor: &who,
            expect_version: args.expect_version,
            dry_run: !args.yes,
            allow_active: true,
            event: "workflow_retargeted",
            template: None,
        };
        let (release, tz) = (args.release.clone(), args.tz.clone());
        let result = apply(&store, id, options, move |snapshot| {
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
