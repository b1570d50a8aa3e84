//! `rwf new TEMPLATE --set k=v... --release DATE --tz TZ`: compile, bind, resolve, store the template
//! version and insert the workflow as a draft (with its `--closed` days in its spec). Prints only the new workflow id on stdout.

use super::db::{actor, open, Conn};
use super::render::brief;
use super::{block_on, CliError, CmdResult, Outcome};
use crate::compile::Inputs;
use crate::ops::InstantiateError;
use crate::store::{NewWorkflow, StoreError};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The template file (.rwf), or a stored template `key@version` (`rwf templates ls`)
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
    /// Close the workflow on a day besides its calendars' days off: `--closed 2027-03-04:Office move`
    /// (repeatable; recorded in the workflow, skipped by business days, shown by `explain`)
    #[arg(long = "closed", value_name = "DATE[:REASON]")]
    closed: Vec<String>,
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
    let closures = crate::ops::closures::parse_all(&args.closed).map_err(CliError::new)?;
    let file = args.template.display().to_string();
    let template = if !args.template.exists() && file.contains('@') && !file.ends_with(".rwf") {
        stored(&file, &args.conn)?
    } else {
        super::compile::checked_file(&args.template)?
    };
    crate::spec::task_limit(&template).map_err(|e| {
        CliError::new(e)
            .help("split the release into several templates; `rwf check` reports it as RWF025")
    })?;
    let inputs = Inputs {
        sets,
        release: args.release.clone(),
        tz: args.tz.clone(),
    };
    let (bound, plan) =
        crate::ops::instantiate_closed(&template, &inputs, &closures).map_err(|e| match e {
            InstantiateError::Bind(d) => {
                CliError::new(format!("cannot bind {file}:\n  {}", brief(&d)))
                    .help("give every required param with --set, and --release/--tz")
            }
            other => CliError::new(other.to_string()),
        })?;
    if let Some(w) = super::past_release::warning(plan.target, chrono::Utc::now(), args.allow_past)
    {
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
                e @ StoreError::InvalidSpec { .. } => {
                    CliError::new(e.to_string()).help(format!("`rwf check {file}` shows where"))
                }
                other => other.into(),
            })?;
        println!("{id}");
        Ok(Outcome::Ok)
    })
}

/// A stored template version, `key@version`.
fn stored(given: &str, conn: &Conn) -> Result<crate::spec::WorkflowSpec, CliError> {
    let (key, version) = given.split_once('@').unwrap_or((given, ""));
    let version: u32 = version
        .parse()
        .map_err(|_| CliError::new(format!("`{version}` is not a template version number")))?;
    let (key, conn) = (key.to_string(), conn.clone());
    let mut found = None;
    block_on(async {
        let store = open(&conn).await?;
        found = store.template(&key, version).await?;
        Ok(Outcome::Ok)
    })?;
    found.ok_or_else(|| {
        CliError::new(format!(
            "no stored template {key}@{version} and no file `{given}`"
        ))
        .help("`rwf templates ls` lists the stored versions")
    })
}
