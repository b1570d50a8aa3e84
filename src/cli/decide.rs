//! `rwf approve|reject WF TASK --as USER [--reason TEXT]`.

use super::{not_yet, CmdResult};

pub enum Verdict {
    Approve,
    Reject,
}

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_verdict: Verdict, _args: Args) -> CmdResult {
    Err(not_yet("approve"))
}
