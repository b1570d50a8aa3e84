//! `rwf lsp`: the language server over stdio (see `crate::lsp`).

use super::{CliError, CmdResult, Outcome};

#[derive(clap::Args)]
pub struct Args {
    /// Accepted for editor clients that pass it; stdio is the only transport.
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: Args) -> CmdResult {
    let _ = args.stdio;
    crate::lsp::serve_stdio().map_err(|e| {
        CliError::new(format!("the language server stopped: {e}"))
            .help("run `rwf lsp` from an editor client that speaks LSP over stdio")
    })?;
    Ok(Outcome::Ok)
}
