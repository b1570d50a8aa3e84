//! `rwf task set WF TASK [--due DATE] [--pin DATE] [--title TEXT]`: a narrow edit of one task, built from
//! the workflow's current spec and applied through the same diff-apply path and rules as `rwf edit`.

use super::edit::{resolve_for, EditTarget};
use super::{block_on, CliError, CmdResult};
use crate::schedule::parse_instant;
use crate::spec::{Schedule, WorkflowSpec};
use chrono::Duration;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Change one task's dates or title
    Set(SetArgs),
}

#[derive(clap::Args)]
struct SetArgs {
    #[command(flatten)]
    target: EditTarget,
    /// Task key
    task: String,
    /// Pin the task so it is due at DATE (its window kept; exact for hour/minute windows)
    #[arg(long, conflicts_with = "pin")]
    due: Option<String>,
    /// Pin the task's start at DATE (its window kept)
    #[arg(long)]
    pin: Option<String>,
    /// A new title
    #[arg(long)]
    title: Option<String>,
    /// Print the diff without applying it
    #[arg(long)]
    dry_run: bool,
}

/// The workflow's spec with `task` changed by `f`; an unknown task is a refusal.
pub(crate) fn with_task(
    spec: &WorkflowSpec,
    task: &str,
    f: impl FnOnce(&mut crate::spec::TaskSpec) -> Result<(), String>,
) -> Result<WorkflowSpec, String> {
    let mut spec = spec.clone();
    let keys: Vec<String> = spec.tasks.iter().map(|t| t.key.clone()).collect();
    let Some(t) = spec.tasks.iter_mut().find(|t| t.key == task) else {
        let hint = crate::syntax::did_you_mean(task, keys.iter().map(String::as_str))
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(format!("the workflow has no task `{task}`{hint}"));
    };
    f(t)?;
    Ok(spec)
}

pub fn run(args: Args) -> CmdResult {
    let Command::Set(args) = args.command;
    if args.due.is_none() && args.pin.is_none() && args.title.is_none() {
        return Err(CliError::new("nothing to set").help("give --due, --pin or --title"));
    }
    block_on(async move {
        let (task, due, pin, title) = (args.task, args.due, args.pin, args.title);
        let target = args.target;
        target
            .edit("task_edited", args.dry_run, false, move |snapshot| {
                let tz = snapshot.target.tz;
                let spec = with_task(&snapshot.spec, &task, |t| {
                    if let Some(title) = title {
                        t.title = title;
                    }
                    let start = match (&pin, &due) {
                        (Some(p), _) => Some(
                            parse_instant(p, tz)
                                .map_err(|e| format!("`--pin {p}` cannot be read: {e}"))?
                                .0,
                        ),
                        (None, Some(d)) => {
                            let due = parse_instant(d, tz)
                                .map_err(|e| format!("`--due {d}` cannot be read: {e}"))?
                                .0;
                            let window = t.window.map(|w| w.nominal_seconds()).unwrap_or(0);
                            Some(due - Duration::seconds(window))
                        }
                        (None, None) => None,
                    };
                    if let Some(start) = start {
                        t.schedule = Some(Schedule::Pinned {
                            at: start.with_timezone(&tz).naive_local(),
                            timezone: Some(tz.name().to_string()),
                        });
                    }
                    Ok(())
                })?;
                let plan = resolve_for(&spec, snapshot)?;
                Ok((spec, plan))
            })
            .await
    })
}
