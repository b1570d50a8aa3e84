//! `rwf start|pause|resume|cancel WF`.

use super::{not_yet, CmdResult};

pub enum Verb {
    Start,
    Pause,
    Resume,
    Cancel,
}

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_verb: Verb, _args: Args) -> CmdResult {
    Err(not_yet("start"))
}
