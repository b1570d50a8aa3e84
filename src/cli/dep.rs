//! `rwf dep add|rm WF TASK UPSTREAM [--on OUTCOME]`: add or remove one dependency edge, built from the
//! workflow's current spec and applied through the same diff-apply path and rules as `rwf edit`.

use super::db::{actor, open, workflow_id, Conn};
use super::edit::{apply, resolve_for};
use super::task::with_task;
use super::{block_on, CmdResult};
use crate::spec::{Dependency, EdgeOutcome};
use crate::store::EditOptions;

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
    /// Workflow id
    workflow: String,
    /// The downstream task
    task: String,
    /// The upstream task
    upstream: String,
    /// The upstream outcome the edge waits for (add only)
    #[arg(long, value_enum, default_value_t = On::Success)]
    on: On,
    #[arg(long)]
    dry_run: bool,
    #[arg(long)]
    expect_version: Option<i64>,
    #[arg(long = "as")]
    actor: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

pub fn run(args: Args) -> CmdResult {
    let (add, args) = match args.command {
        Command::Add(a) => (true, a),
        Command::Rm(a) => (false, a),
    };
    let who = actor(&args.actor);
    block_on(async move {
        let store = open(&args.conn).await?;
        let id = workflow_id(&args.workflow)?;
        let options = EditOptions {
            actor: &who,
            expect_version: args.expect_version,
            dry_run: args.dry_run,
            allow_active: false,
            event: if add {
                "dependency_added"
            } else {
                "dependency_removed"
            },
            template: None,
        };
        let outcome = match args.on {
            On::Success => EdgeOutcome::Success,
            On::Failed => EdgeOutcome::Failed,
            On::Skipped => EdgeOutcome::Skipped,
            On::Any => EdgeOutcome::Any,
        };
        let (task, upstream) = (args.task, args.upstream);
        apply(&store, id, options, move |snapshot| {
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
