//! `rwf task set WF TASK [--due DATE] [--pin DATE] [--title TEXT]`: a narrow edit of one task, built from
//! the workflow's current spec and applied through the same diff-apply path and rules as `rwf edit`.

use super::edit::EditTarget;
use super::{block_on, CliError, CmdResult};
use crate::ops::task_edit::{set_task, TaskSet};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// Change one task's dates or title
    Set(SetArgs),
}

#[derive(clap::Args)]
pub(crate) struct SetArgs {
    #[command(flatten)]
    pub(crate) target: EditTarget,
    /// Task key
    pub(crate) task: String,
    /// Pin the task so it is due at DATE (its window kept; exact for hour/minute windows)
    #[arg(long, conflicts_with = "pin")]
    pub(crate) due: Option<String>,
    /// Pin the task's start at DATE (its window kept)
    #[arg(long)]
    pub(crate) pin: Option<String>,
    /// A new title
    #[arg(long)]
    pub(crate) title: Option<String>,
    /// Print the diff without applying it
    #[arg(long)]
    pub(crate) dry_run: bool,
}

pub fn run(args: Args) -> CmdResult {
    let Command::Set(args) = args.command;
    let set = TaskSet {
        due: args.due,
        pin: args.pin,
        title: args.title,
    };
    if set.is_empty() {
        return Err(CliError::new("nothing to set").help("give --due, --pin or --title"));
    }
    block_on(async move {
        let task = args.task;
        args.target
            .edit("task_edited", args.dry_run, false, move |snapshot| {
                set_task(snapshot, &task, &set)
            })
            .await
    })
}
