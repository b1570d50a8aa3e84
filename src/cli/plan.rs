//! `rwf plan`.

use super::{not_yet, CmdResult};

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> CmdResult {
    Err(not_yet("plan"))
}
