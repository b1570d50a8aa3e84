//! `rwf edit WF --from TEMPLATE_OR_FILE [--set K=V] [--dry-run] [--expect-version N]`: apply a new version
//! of a draft or paused workflow's spec, diffed and applied in place (see `engine::edit_plan`). Also the
//! shared diff-apply path of `rwf retarget`, `rwf task set` and `rwf dep`.

use super::db::{actor, open, workflow_id, Conn};
use super::{block_on, CliError, CmdResult, Outcome};
use crate::engine::edit_plan::{EditDiff, EditRefusal};
use crate::engine::Snapshot;
use crate::ops::rebind;
use crate::schedule::Plan;
use crate::spec::WorkflowSpec;
use crate::store::{Built, EditOptions, Store, StoreError};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::path::Path;
use uuid::Uuid;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub(crate) target: EditTarget,
    /// The new spec: a template file (.rwf) or a stored template `key@version`
    #[arg(long)]
    pub(crate) from: String,
    /// Bind (or rebind) a param: `--set product=Widget` (repeatable); others keep their values
    #[arg(long = "set", value_name = "K=V")]
    pub(crate) sets: Vec<String>,
    /// Print the diff without applying it
    #[arg(long)]
    pub(crate) dry_run: bool,
}

/// What every editing command names: the workflow, the version the caller saw, who edits, where.
#[derive(clap::Args)]
pub(crate) struct EditTarget {
    /// Workflow id
    pub(crate) workflow: String,
    /// Refuse the edit unless the workflow is still at this lock version (`rwf status` prints it;
    /// every change bumps it). Not the template version.
    #[arg(long)]
    pub(crate) expect_version: Option<i64>,
    /// Who edits (default: $USER)
    #[arg(long = "as")]
    pub(crate) actor: Option<String>,
    #[command(flatten)]
    pub(crate) conn: Conn,
}

impl EditTarget {
    /// Applies the spec `build` makes from the locked workflow (see `apply`), recorded as `event`.
    pub(crate) async fn edit<F>(
        &self,
        event: &str,
        dry_run: bool,
        allow_active: bool,
        build: F,
    ) -> CmdResult
    where
        F: FnOnce(&Snapshot) -> Result<Built, String>,
    {
        let store = open(&self.conn).await?;
        let id = workflow_id(&self.workflow)?;
        let who = actor(&self.actor);
        let options = EditOptions {
            actor: &who,
            expect_version: self.expect_version,
            dry_run,
            allow_active,
            event,
            template: None,
        };
        apply(&store, id, options, build).await
    }
}

/// The new spec's plan: resolved at its own target, tasks that ran keeping their times.
pub(crate) fn resolve_for(spec: &WorkflowSpec, snapshot: &Snapshot) -> Result<Plan, String> {
    crate::ops::resolve_for(spec, snapshot)
}

/// Compiles a template file, or loads a stored `key@version`.
async fn load_template(store: &Store, from: &str) -> Result<(WorkflowSpec, bool), CliError> {
    let path = Path::new(from);
    if path.exists() || from.ends_with(".rwf") {
        return Ok((super::compile::checked_file(path)?, true));
    }
    let (key, version) = from.split_once('@').ok_or_else(|| {
        CliError::new(format!(
            "`{from}` is neither a file nor a stored template `key@version`"
        ))
        .help("give a .rwf path, or a version listed by `rwf templates ls`")
    })?;
    let version: u32 = version
        .parse()
        .map_err(|_| CliError::new(format!("`{version}` is not a template version number")))?;
    match store.template(key, version).await? {
        Some(spec) => Ok((spec, false)),
        None => Err(CliError::new(format!("no stored template {key}@{version}"))
            .help("`rwf templates ls` lists them; `rwf templates push FILE` stores one")),
    }
}

fn when(t: Option<DateTime<Utc>>, tz: chrono_tz::Tz) -> String {
    t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string())
        .unwrap_or_else(|| "(floating)".into())
}

fn short(v: &Value) -> String {
    let s = if v.is_null() {
        "(none)".to_string()
    } else {
        v.to_string()
    };
    if s.len() > 120 {
        format!("{}…", &s[..s.floor_char_boundary(117)])
    } else {
        s
    }
}

/// Prints the diff of an edit on stdout.
fn print_diff(plan: &EditDiff, tz: chrono_tz::Tz) {
    if *plan == EditDiff::default() {
        println!("no changes");
        return;
    }
    for f in &plan.workflow {
        println!(
            "~ workflow {}: {} → {}",
            f.field,
            short(&f.old),
            short(&f.new)
        );
    }
    for k in &plan.added {
        println!("+ {k}");
    }
    for k in &plan.removed {
        println!("- {k}");
    }
    for c in &plan.changed {
        println!("~ {}", c.task);
        for f in &c.fields {
            println!("    {}: {} → {}", f.field, short(&f.old), short(&f.new));
        }
    }
    for m in &plan.moved {
        println!(
            "> {} due {} → {}",
            m.task,
            when(m.old_due, tz),
            when(m.new_due, tz)
        );
    }
    for r in &plan.reopened {
        println!("! {r} reopens for a new decision (its review packet changed)");
    }
}

/// The one diff-apply path: builds the new spec from the locked workflow, applies (or dry-runs) it
/// and prints the diff. Refusals are a tool error naming each task and why.
pub(crate) async fn apply<F>(
    store: &Store,
    id: Uuid,
    options: EditOptions<'_>,
    build: F,
) -> CmdResult
where
    F: FnOnce(&Snapshot) -> Result<Built, String>,
{
    let dry_run = options.dry_run;
    let result = store
        .edit_workflow(id, options, build)
        .await
        .map_err(|e| match e {
            StoreError::Refused(m) if m.contains("changed since you loaded it") => CliError::new(m)
                .help("run `rwf status` to see the current version, then edit again"),
            StoreError::TemplateChanged { .. } => CliError::new(e.to_string())
                .help("template versions are immutable: bump `version` in the template"),
            other => other.into(),
        })?;
    match result {
        Err(refusals) => Err(refused(&refusals)),
        Ok(r) => {
            let runs = format!("{}@{}", r.plan.after.spec.key, r.plan.after.spec.version);
            let diff = r.plan.diff();
            print_edit(
                &diff,
                r.plan.after.target.tz,
                dry_run,
                r.applied,
                r.lock_version,
                &runs,
            );
            Ok(Outcome::Ok)
        }
    }
}

/// An edit's refusals as the error both paths print.
pub(crate) fn refused(refusals: &[EditRefusal]) -> CliError {
    CliError::new(format!(
        "the edit is refused:\n  {}",
        refusals
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join("\n  ")
    ))
    .help("nothing was changed; a task that has run keeps its execution identity")
}

/// An edit's diff and what became of it, as both paths print it; `runs` is the spec's `key@version`.
pub(crate) fn print_edit(
    diff: &EditDiff,
    tz: chrono_tz::Tz,
    dry_run: bool,
    applied: bool,
    lock_version: i64,
    runs: &str,
) {
    print_diff(diff, tz);
    if dry_run {
        println!("dry run: nothing applied (the workflow stays at lock version {lock_version})");
    } else if !applied {
        println!("nothing to apply: the workflow stays at lock version {lock_version}");
    } else {
        println!("applied: lock version {lock_version} (the workflow now runs {runs})");
    }
}

pub fn run(args: Args) -> CmdResult {
    let sets = super::parse_sets(&args.sets)?;
    let target = &args.target;
    let who = actor(&target.actor);
    block_on(async move {
        let store = open(&target.conn).await?;
        let id = workflow_id(&target.workflow)?;
        let (template, from_file) = load_template(&store, &args.from).await?;
        if from_file {
            // Refuses a changed spec under an existing version before anything else happens, in a
            // dry run too: the dry run and the real edit agree.
            if let Some(stored) = store.template(&template.key, template.version).await? {
                if crate::spec::content_hash(&stored) != crate::spec::content_hash(&template) {
                    return Err(CliError::new(
                        StoreError::TemplateChanged {
                            key: template.key.clone(),
                            version: template.version,
                        }
                        .to_string(),
                    )
                    .help("template versions are immutable: bump `version` in the template"));
                }
            }
        }
        let options = EditOptions {
            actor: &who,
            expect_version: target.expect_version,
            dry_run: args.dry_run,
            allow_active: false,
            event: "workflow_edited",
            template: Some(&template),
        };
        let t = template.clone();
        apply(&store, id, options, move |snapshot| {
            let spec = rebind(&t, &snapshot.spec, &sets)?;
            let plan = resolve_for(&spec, snapshot)?;
            Ok((spec, plan))
        })
        .await
    })
}
