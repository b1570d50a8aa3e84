//! `rwf templates ls | show KEY[@V] | push FILE`: immutable template versions stored in the database.

use super::db::{open, Conn};
use super::{block_on, CliError, CmdResult, Outcome};
use crate::compile;
use crate::diagnostic::Severity;
use crate::store::StoreError;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
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
        Command::Push { file, conn } => {
            let name = file.display().to_string();
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::new(format!("cannot read {name}: {e}")))?;
            let spec = crate::ops::compile_template(&name, &text, &compile::FsLoader).map_err(
                |diagnostics| {
                    let errors = diagnostics
                        .iter()
                        .filter(|d| d.severity == Severity::Error)
                        .count();
                    CliError::new(format!("{name} does not compile ({errors} errors)"))
                        .help(format!("run `rwf check {name}` for the diagnostics"))
                },
            )?;
            block_on(async move {
                let store = open(&conn).await?;
                let hash = store.put_template(&spec).await.map_err(|e| match e {
                    StoreError::TemplateChanged { .. } => CliError::new(e.to_string())
                        .help("template versions are immutable: bump `version` in the template"),
                    other => other.into(),
                })?;
                println!("{}@{}\t{hash}", spec.key, spec.version);
                Ok(Outcome::Ok)
            })
        }
    }
}
