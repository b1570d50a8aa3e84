//! `rwf new TEMPLATE --set k=v... --release DATE --tz TZ`: compile, bind, resolve, store the template
//! version and insert the workflow as a draft. Prints only the new workflow id on stdout.

use super::db::{actor, open, Conn};
use super::render::brief;
use super::{block_on, CliError, CmdResult, Outcome};
use crate::compile::{self, Inputs};
use crate::store::{NewWorkflow, StoreError};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The template file (.rwf)
    template: PathBuf,
    /// Bind a param: `--set product=Widget` (repeatable)
    #[arg(long = "set", value_name = "K=V")]
    sets: Vec<String>,
    /// The release instant (binds the template's target param)
    #[arg(long)]
    release: Option<String>,
    /// The release timezone (IANA name)
    #[arg(long)]
    tz: Option<String>,
    /// Confirm a release instant that has already passed (silences warning RWF088)
    #[arg(long)]
    allow_past: bool,
    /// Who creates it (default: $USER)
    #[arg(long = "as")]
    actor: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

pub fn run(args: Args) -> CmdResult {
    let sets = super::parse_sets(&args.sets)?;
    let file = args.template.display().to_string();
    let template = super::compile::compile_file(&args.template)?;
    let inputs = Inputs {
        sets,
        release: args.release.clone(),
        tz: args.tz.clone(),
    };
    let bound = compile::bind(&template, &inputs).map_err(|d| {
        CliError::new(format!("cannot bind {file}:\n  {}", brief(&d)))
            .help("give every required param with --set, and --release/--tz")
    })?;
    let target = crate::schedule::target_of(&bound)
        .map_err(|d| CliError::new(format!("no release target:\n  {}", brief(&d))))?;
    let plan = crate::schedule::resolve(&bound, &target, &BTreeMap::new())
        .map_err(|d| CliError::new(format!("the schedule does not resolve:\n  {}", brief(&d))))?;
    if let Some(w) = super::past_release::warning(target, chrono::Utc::now(), args.allow_past) {
        eprintln!("{w}");
    }
    let who = actor(&args.actor);
    block_on(async move {
        let store = open(&args.conn).await?;
        let id = store
            .create_workflow(NewWorkflow {
                template: &template,
                spec: &bound,
                plan: &plan,
                actor: &who,
            })
            .await
            .map_err(|e| match e {
                StoreError::TemplateChanged { .. } => CliError::new(e.to_string())
                    .help("template versions are immutable: bump `version` in the template"),
                other => other.into(),
            })?;
        println!("{id}");
        Ok(Outcome::Ok)
    })
}
