//! `rwf new TEMPLATE --set k=v... --release DATE --tz TZ [--closed DATE] [--count N]`: compile,
//! bind, resolve, store the template version and insert the workflow as a draft (with its `--closed`
//! days in its spec; with `--count`, N identical drafts in one transaction, the template compiled and
//! resolved once). Prints only the new ids on stdout, one a line.

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
    pub(crate) template: PathBuf,
    /// Bind a param: `--set product=Widget` (repeatable)
    #[arg(long = "set", value_name = "K=V")]
    pub(crate) sets: Vec<String>,
    /// The release instant (binds the template's target param)
    #[arg(long)]
    pub(crate) release: Option<String>,
    /// The release timezone (IANA name)
    #[arg(long)]
    pub(crate) tz: Option<String>,
    /// Close the workflow on a day besides its calendars' days off: `--closed 2027-03-04:Office move`
    /// (repeatable; recorded in the workflow, skipped by business days, shown by `explain`)
    #[arg(long = "closed", value_name = "DATE[:REASON]")]
    pub(crate) closed: Vec<String>,
    /// Confirm a release instant that has already passed (silences warning RWF088)
    #[arg(long)]
    pub(crate) allow_past: bool,
    /// The scope that operates it over the API: `team:NAME` or `user:NAME` (default: none, only
    /// administrators and organization admins)
    #[arg(long, value_name = "SCOPE")]
    pub(crate) owner: Option<String>,
    /// Who creates it (default: $USER)
    #[arg(long = "as")]
    pub(crate) actor: Option<String>,
    /// Create this many identical drafts at once (one transaction; ids printed one a line)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub(crate) count: u32,
    #[command(flatten)]
    pub(crate) conn: Conn,
}

pub fn run(args: Args) -> CmdResult {
    let sets = super::parse_sets(&args.sets)?;
    if let Some(owner) = &args.owner {
        owner_scope(owner)?;
    }
    let closures = crate::ops::closures::parse_all(&args.closed).map_err(CliError::new)?;
    let file = args.template.display().to_string();
    let (template, text) =
        if !args.template.exists() && file.contains('@') && !file.ends_with(".rwf") {
            (stored(&file, &args.conn)?, None)
        } else {
            let (spec, text) = super::compile::checked_file_text(&args.template)?;
            (spec, Some(text))
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
        let refused = |e: StoreError| match e {
            StoreError::TemplateChanged { .. } => CliError::new(e.to_string())
                .help("template versions are immutable: bump `version` in the template"),
            e @ StoreError::InvalidSpec { .. } => {
                CliError::new(e.to_string()).help(format!("`rwf check {file}` shows where"))
            }
            other => other.into(),
        };
        // A file's text is stored with its template version (the console shows it), first: a
        // stored version never changes, so the drafts' own insert of it is then a no-op.
        if let Some(text) = &text {
            store
                .put_template_source(&template, Some(text))
                .await
                .map_err(refused)?;
        }
        let new = NewWorkflow {
            template: &template,
            spec: &bound,
            plan: &plan,
            actor: &who,
        };
        let ids = store
            .create_workflows(new, args.owner.as_deref(), args.count as usize)
            .await
            .map_err(refused)?;
        let mut out = String::with_capacity(ids.len() * 37);
        for id in ids {
            out.push_str(&format!("{id}\n"));
        }
        print!("{out}");
        Ok(Outcome::Ok)
    })
}

/// `--owner`: a team or a person (the scopes an owner can be).
pub(crate) fn owner_scope(owner: &str) -> Result<(), CliError> {
    use crate::spec::Scope;
    match crate::engine::action::parse_scope(owner) {
        Some(Scope::User(_) | Scope::Team(_) | Scope::Organization(_)) => Ok(()),
        _ => Err(
            CliError::new(format!("`--owner {owner}` is not an owner scope"))
                .help("write `team:NAME` or `user:NAME`"),
        ),
    }
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
