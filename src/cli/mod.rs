//! The command line: one file per subcommand. The only module that prints.

mod admin;
mod bench;
mod check;
mod compile;
mod db;
mod decide;
mod dep;
mod dev;
mod done;
mod edit;
mod explain;
mod fmt;
mod inbox;
mod lifecycle;
mod log;
mod ls;
mod lsp;
mod mcp;
mod new;
mod notifications;
mod past_release;
mod plan;
mod plan_actual;
mod recover;
mod remote;
mod remote_edit;
mod render;
mod retarget;
mod schema;
mod serve;
mod signal;
mod simulate;
mod status;
mod task;
mod templates;
mod worker;

#[allow(unused_imports)] // used by the commands that report diagnostics
pub(crate) use render::{eprint_all, json_record, Sources};

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "rwf",
    version,
    about = "Release workflows: templates in .rwf, run by a durable Postgres reconciler"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint templates (files or directories, recursive)
    Check(check::Args),
    /// Compile a template to its canonical spec JSON
    Compile(compile::Args),
    /// Format templates in the one canonical style
    Fmt(fmt::Args),
    /// Print the JSON Schema of the canonical spec
    Schema(schema::Args),
    /// Preview a template's resolved schedule (or a workflow's, planned against actual)
    Plan(plan::Args),
    /// Show how a task's date was produced
    Explain(explain::Args),
    /// Run a whole release on a virtual clock, in memory
    Simulate(simulate::Args),
    /// Instantiate a release (a draft workflow) from a template
    New(new::Args),
    /// Start a draft workflow
    Start(lifecycle::Args),
    /// Pause an active workflow
    Pause(lifecycle::Args),
    /// Resume a paused workflow
    Resume(lifecycle::Args),
    /// Cancel a workflow
    Cancel(lifecycle::Args),
    /// Reopen a failed workflow into paused (then retry, edit, resume)
    Reopen(recover::ReopenArgs),
    /// Retry a failed task with a fresh attempt (after fixing what made it fail)
    Retry(recover::RetryArgs),
    /// List workflows
    Ls(ls::Args),
    /// Show a workflow's tasks, dates and why each waits
    Status(status::Args),
    /// Show a workflow's audit log
    Log(log::Args),
    /// Open approvals and other work waiting for people
    Inbox(inbox::Args),
    /// Approve an open approval
    Approve(decide::Args),
    /// Reject an open approval
    Reject(decide::Args),
    /// Mark a manual task done (or answer an agent waiting for input)
    Done(done::Args),
    /// Deliver an external event to a workflow's event waits
    Signal(signal::Args),
    /// Database administration
    Db(db::Args),
    /// Run the reconciler
    Worker(worker::Args),
    /// Read the notifications feed
    Notifications(notifications::Args),
    /// Manage stored template versions
    Templates(templates::Args),
    /// Apply a new spec to a draft or paused workflow
    Edit(edit::Args),
    /// Move a workflow's release date
    Retarget(retarget::Args),
    /// Narrow edits to one task
    Task(task::Args),
    /// Add or remove a dependency edge
    Dep(dep::Args),
    /// Language server over stdio
    Lsp(lsp::Args),
    /// MCP assistant interface over stdio: read, validate, preview, draft, propose (never run)
    Mcp(mcp::Args),
    /// Benchmarks
    Bench(bench::Args),
    /// The authenticated HTTP API
    Serve(serve::Args),
    /// Administration: API tokens
    Admin(admin::Args),
}

/// What a command reports back: success, or findings (exit 1). Tool errors are `Err` (exit 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Findings,
}

/// A tool error: printed to stderr as `error: ...` with an optional help line, exit 2.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub help: Option<String>,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            help: None,
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> CliError {
        self.help = Some(help.into());
        self
    }
}

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> CliError {
        CliError::new(e.to_string())
    }
}

pub type CmdResult = Result<Outcome, CliError>;

/// `--set NAME=VALUE` flags as a map (later ones win).
pub(crate) fn parse_sets(
    sets: &[String],
) -> Result<std::collections::BTreeMap<String, String>, CliError> {
    let mut out = std::collections::BTreeMap::new();
    for s in sets {
        let Some((k, v)) = s.split_once('=') else {
            return Err(CliError::new(format!("`--set {s}` is not NAME=VALUE"))
                .help("write `--set name=value`, e.g. `--set product=Widget`"));
        };
        out.insert(k.trim().to_string(), v.to_string());
    }
    Ok(out)
}

/// Runs an async command body on a fresh multi-threaded runtime.
pub(crate) fn block_on<F: std::future::Future<Output = CmdResult>>(future: F) -> CmdResult {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the async runtime: {e}")))?
        .block_on(future)
}

pub fn run() -> ExitCode {
    // Default SIGPIPE so `rwf log | head` ends quietly instead of panicking on a closed stdout.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // With RWF_SERVER set, workflow, task and approval commands go through the API.
    if let Some(result) = remote::intercept() {
        return finish(result);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Compile(a) => compile::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Schema(a) => schema::run(a),
        Command::Plan(a) => plan::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::New(a) => new::run(a),
        Command::Start(a) => lifecycle::run(lifecycle::Verb::Start, a),
        Command::Pause(a) => lifecycle::run(lifecycle::Verb::Pause, a),
        Command::Resume(a) => lifecycle::run(lifecycle::Verb::Resume, a),
        Command::Cancel(a) => lifecycle::run(lifecycle::Verb::Cancel, a),
        Command::Reopen(a) => recover::reopen(a),
        Command::Retry(a) => recover::retry(a),
        Command::Ls(a) => ls::run(a),
        Command::Status(a) => status::run(a),
        Command::Log(a) => log::run(a),
        Command::Inbox(a) => inbox::run(a),
        Command::Approve(a) => decide::run(decide::Verdict::Approve, a),
        Command::Reject(a) => decide::run(decide::Verdict::Reject, a),
        Command::Done(a) => done::run(a),
        Command::Signal(a) => signal::run(a),
        Command::Db(a) => db::run(a),
        Command::Worker(a) => worker::run(a),
        Command::Notifications(a) => notifications::run(a),
        Command::Templates(a) => templates::run(a),
        Command::Edit(a) => edit::run(a),
        Command::Retarget(a) => retarget::run(a),
        Command::Task(a) => task::run(a),
        Command::Dep(a) => dep::run(a),
        Command::Lsp(a) => lsp::run(a),
        Command::Mcp(a) => mcp::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Admin(a) => admin::run(a),
    };
    finish(result)
}

/// The exit code of a command's result, with a tool error on stderr.
fn finish(result: CmdResult) -> ExitCode {
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {}", e.message);
            if let Some(help) = e.help {
                eprintln!("  help: {help}");
            }
            ExitCode::from(2)
        }
    }
}
