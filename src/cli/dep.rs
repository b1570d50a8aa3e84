//! `rwf dep add|rm WF TASK UPSTREAM [--on OUTCOME]`: add or remove one dependency edge, built from the
//! workflow's current spec and applied through the same diff-apply path and rules as `rwf edit`.

use super::edit::{resolve_for, EditTarget};
use super::task::with_task;
use super::{block_on, CmdResult};
use crate::spec::{Dependency, EdgeOutcome};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// TASK waits for UPSTREAM (to end as --on, default success)
    Add(EdgeArgs),
    /// TASK no longer waits for UPSTREAM
    Rm(EdgeArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum On {
    Success,
    Failed,
    Skipped,
    Any,
}

#[derive(clap::Args)]
struct EdgeArgs {
    #[command(flatten)]
    target: EditTarget,
    /// The downstream task
    task: String,
    /// The upstream task
    upstream: String,
    /// The upstream outcome the edge waits for (add only)
    #[arg(long, value_enum, default_value_t = On::Success)]
    on: On,
    /// Print the diff without applying it
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: Args) -> CmdResult {
    let (add, args) = match args.command {
        Command::Add(a) => (true, a),
        Command::Rm(a) => (false, a),
    };
    let event = if add {
        "dependency_added"
    } else {
        "dependency_removed"
    };
    block_on(async move {
        let outcome = match args.on {
            On::Success => EdgeOutcome::Success,
            On::Failed => EdgeOutcome::Failed,
            On::Skipped => EdgeOutcome::Skipped,
            On::Any => EdgeOutcome::Any,
        };
        let (task, upstream) = (args.task, args.upstream);
        let target = args.target;
        target
            .edit(event, args.dry_run, false, move |snapshot| {
                if snapshot.spec.task(&upstream).is_none() {
                    return Err(format!("the workflow has no task `{upstream}`"));
                }
                if task == upstream {
                    return Err(format!("`{task}` cannot depend on itself"));
                }
                let spec = with_task(&snapshot.spec, &task, |t| {
                    let at = t.depends_on.iter().position(|d| d.task == upstream);
                    match (add, at) {
                        (true, Some(i)) => t.depends_on[i].outcome = outcome,
                        (true, None) => t.depends_on.push(Dependency {
                            task: upstream.clone(),
                            outcome,
                        }),
                        (false, Some(i)) => {
                            t.depends_on.remove(i);
                        }
                        (false, None) => {
                            return Err(format!("`{task}` does not depend on `{upstream}`"))
                        }
                    }
                    Ok(())
                })?;
                if add && creates_cycle(&spec, &task) {
                    return Err(format!(
                        "`{task}` after `{upstream}` would make a dependency cycle"
                    ));
                }
                let plan = resolve_for(&spec, snapshot)?;
                Ok((spec, plan))
            })
            .await
    })
}

/// Whether `start` reaches itself along `depends_on` edges.
fn creates_cycle(spec: &crate::spec::WorkflowSpec, start: &str) -> bool {
    let mut stack: Vec<&str> = vec![start];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(k) = stack.pop() {
        for d in spec.task(k).map(|t| t.depends_on.as_slice()).unwrap_or(&[]) {
            if d.task == start {
                return true;
            }
            if seen.insert(d.task.as_str()) {
                stack.push(&d.task);
            }
        }
    }
    false
}
