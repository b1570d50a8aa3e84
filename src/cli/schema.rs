//! `rwf schema`: the JSON Schema of the canonical spec.

use super::{CmdResult, Outcome};

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> CmdResult {
    let schema = schemars::schema_for!(crate::spec::WorkflowSpec);
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(Outcome::Ok)
}
