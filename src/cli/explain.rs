//! `rwf explain FILE TASK`: how a task's date was produced, step by step, with source lines.

use super::plan::{load, plan_of, print_diagnostics, Source};
use super::{CliError, CmdResult, Outcome};
use crate::schedule;
use std::collections::BTreeMap;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub source: Source,
    /// The task key.
    pub task: String,
}

pub fn run(args: Args) -> CmdResult {
    let loaded = load(&args.source)?;
    if let Some(e) = loaded
        .spec
        .flow
        .excluded
        .iter()
        .find(|e| e.key == args.task)
    {
        println!(
            "{} \"{}\" is not in this workflow: {}; it has no date.",
            e.key, e.title, e.reason
        );
        return Ok(Outcome::Ok);
    }
    let (target, failed) = match plan_of(&loaded) {
        Ok((t, _)) => (t, None),
        // Errors elsewhere in the plan still leave this task explainable; the exit is still 2, as
        // for `plan` and `simulate`.
        Err(e) => (
            schedule::target_of(&loaded.spec).map_err(|d| {
                print_diagnostics(&d, &loaded.file, &loaded.text);
                CliError::new("the release cannot be resolved")
            })?,
            Some(e),
        ),
    };
    let ex =
        schedule::explain(&loaded.spec, &target, &BTreeMap::new(), &args.task).map_err(|d| {
            CliError {
                message: d.message,
                help: d.help,
            }
        })?;
    print!("{}", ex.render(&loaded.spec, &loaded.source, &loaded.text));
    if let Some(origin) = loaded
        .spec
        .tasks
        .iter()
        .position(|t| t.key == args.task)
        .and_then(|i| loaded.source.tasks.get(i))
        .and_then(|s| s.include.as_ref())
    {
        println!("  from `{origin}`: a task of the included template");
    }
    if let Some(wait) = loaded
        .spec
        .task(&args.task)
        .and_then(|t| t.step.event_summary())
    {
        // Its date is when the wait opens; when it ends depends on the event.
        println!("  then waits for event {wait}");
    }
    if let Some(note) = loaded.spec.task(&args.task).and_then(|t| t.runs_only_if()) {
        println!("  {note}");
    }
    if let Some(note) = loaded.spec.flow.expands_at_run_time(&args.task) {
        println!("  {note}");
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(Outcome::Ok),
    }
}
