//! `rwf dep add|rm WF TASK UPSTREAM [--on OUTCOME]`: add or remove one dependency edge, built from the
//! workflow's current spec and applied through the same diff-apply path and rules as `rwf edit`.

use super::edit::EditTarget;
use super::{block_on, CmdResult};
use crate::ops::task_edit::change_dependency;
use crate::spec::EdgeOutcome;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// TASK waits for UPSTREAM (to end as --on, default success)
    Add(EdgeArgs),
    /// TASK no longer waits for UPSTREAM
    Rm(EdgeArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum On {
    Success,
    Failed,
    Skipped,
    Any,
}

impl From<On> for EdgeOutcome {
    fn from(on: On) -> EdgeOutcome {
        match on {
            On::Success => EdgeOutcome::Success,
            On::Failed => EdgeOutcome::Failed,
            On::Skipped => EdgeOutcome::Skipped,
            On::Any => EdgeOutcome::Any,
        }
    }
}

#[derive(clap::Args)]
pub(crate) struct EdgeArgs {
    #[command(flatten)]
    pub(crate) target: EditTarget,
    /// The downstream task
    pub(crate) task: String,
    /// The upstream task
    pub(crate) upstream: String,
    /// The upstream outcome the edge waits for (add only)
    #[arg(long, value_enum, default_value_t = On::Success)]
    pub(crate) on: On,
    /// Print the diff without applying it
    #[arg(long)]
    pub(crate) dry_run: bool,
}

pub fn run(args: Args) -> CmdResult {
    let (add, args) = match args.command {
        Command::Add(a) => (true, a),
        Command::Rm(a) => (false, a),
    };
    let (event, on) = if add {
        ("dependency_added", Some(args.on.into()))
    } else {
        ("dependency_removed", None)
    };
    block_on(async move {
        let (task, upstream) = (args.task, args.upstream);
        args.target
            .edit(event, args.dry_run, false, move |snapshot| {
                change_dependency(snapshot, &task, &upstream, on)
            })
            .await
    })
}
