//! `rwf templates ls | show KEY[@V] | push FILE | save WF --as KEY`: immutable template versions stored
//! in the database.

use super::db::{open, Conn};
use super::{block_on, CliError, CmdResult, Outcome};
use crate::store::StoreError;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(clap::Subcommand)]
pub(super) enum Command {
    /// List stored versions (key, version, hash, stored at)
    Ls {
        #[command(flatten)]
        conn: Conn,
    },
    /// Print a stored version's spec JSON (the newest without @V)
    Show {
        /// KEY or KEY@VERSION
        template: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Save a workflow's current spec (what the release became) as the next version of template KEY;
    /// `rwf new KEY@VERSION --release ...` starts the next release from it
    Save {
        /// Workflow id
        workflow: String,
        /// The template key to save it under
        #[arg(long = "as", value_name = "KEY")]
        key: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Compile a template file and store it as its key@version (refused if that version differs)
    Push {
        file: PathBuf,
        #[command(flatten)]
        conn: Conn,
    },
}

pub fn run(args: Args) -> CmdResult {
    match args.command {
        Command::Ls { conn } => block_on(async move {
            let store = open(&conn).await?;
            for t in store.template_versions().await? {
                println!(
                    "{}@{}\t{}\t{}",
                    t.key,
                    t.version,
                    t.spec_hash,
                    t.created_at.format("%Y-%m-%d %H:%M:%S UTC")
                );
            }
            Ok(Outcome::Ok)
        }),
        Command::Show { template, conn } => block_on(async move {
            let store = open(&conn).await?;
            let (key, version) = match template.split_once('@') {
                Some((k, v)) => (
                    k.to_string(),
                    Some(v.parse::<u32>().map_err(|_| {
                        CliError::new(format!("`{v}` is not a template version number"))
                    })?),
                ),
                None => (template.clone(), None),
            };
            let version = match version {
                Some(v) => v,
                None => store.latest_template_version(&key).await?.ok_or_else(|| {
                    CliError::new(format!("no stored template `{key}`"))
                        .help("`rwf templates ls` lists them")
                })?,
            };
            let spec = store.template(&key, version).await?.ok_or_else(|| {
                CliError::new(format!("no stored template {key}@{version}"))
                    .help("`rwf templates ls` lists them")
            })?;
            println!("{}", crate::spec::canonical_json(&spec));
            Ok(Outcome::Ok)
        }),
        Command::Save {
            workflow,
            key,
            conn,
        } => block_on(async move {
            let store = open(&conn).await?;
            let id = super::db::workflow_id(&workflow)?;
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(CliError::new(format!("`{key}` is not a template key"))
                    .help("use letters, digits, `_` and `-`, e.g. `product_launch`"));
            }
            let version = store.save_as_template(id, &key).await?;
            println!("{key}@{version}");
            eprintln!("start the next release from it: rwf new {key}@{version} --release DATE");
            Ok(Outcome::Ok)
        }),
        Command::Push { file, conn } => {
            let (spec, text) = super::compile::checked_file_text(&file)?;
            block_on(async move {
                let store = open(&conn).await?;
                let hash = store
                    .put_template_source(&spec, Some(&text))
                    .await
                    .map_err(|e| match e {
                        StoreError::TemplateChanged { .. } => CliError::new(e.to_string()).help(
                            "template versions are immutable: bump `version` in the template",
                        ),
                        other => other.into(),
                    })?;
                println!("{}@{}\t{hash}", spec.key, spec.version);
                Ok(Outcome::Ok)
            })
        }
    }
}
