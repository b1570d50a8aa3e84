//! Running one child process in its own process group: input on stdin, bounded output, a timeout that
//! kills the whole group, a guard that kills it when the future is dropped, and a lifeline
//! (`lifeline`) that kills it when the worker dies.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// Stdout kept in full up to this size; more is an error, not a silent truncation.
pub const STDOUT_LIMIT: usize = 16 * 1024 * 1024;
/// Only the last this-many bytes of stderr are kept.
pub const STDERR_LIMIT: usize = 64 * 1024;
/// How long to wait for the pipes to close once the child has exited and its group was killed.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

pub struct ProcessSpec<'a> {
    pub program: &'a std::path::Path,
    pub args: &'a [String],
    pub env: BTreeMap<String, String>,
    pub cwd: Option<&'a PathBuf>,
    pub stdin: Vec<u8>,
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessEnd {
    /// The child exited with this code.
    Exited(i32),
    /// The child was killed by a signal it did not get from us.
    Signalled(i32),
    /// The timeout passed; the whole process group was killed.
    TimedOut,
    /// The program could not be started.
    SpawnFailed(String),
}

#[derive(Debug, Clone)]
pub struct ProcessResult {
    pub end: ProcessEnd,
    pub stdout: Vec<u8>,
    /// True when stdout passed `STDOUT_LIMIT` (the rest was dropped).
    pub stdout_overflow: bool,
    /// The last `STDERR_LIMIT` bytes of stderr, lossily decoded.
    pub stderr_tail: String,
}

impl ProcessResult {
    /// `": <last non-empty stderr line>"`, or nothing: the reason a failure message ends with.
    pub fn stderr_last_line(&self) -> String {
        self.stderr_tail
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| format!(": {}", l.trim()))
            .unwrap_or_default()
    }
}

/// Kills a process group when dropped (a cancelled dispatch) unless disarmed.
struct GroupGuard {
    pgid: i32,
    armed: bool,
}

impl GroupGuard {
    fn kill(&self) {
        kill_group(self.pgid);
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if self.armed {
            self.kill();
        }
    }
}

/// SIGKILL to every process of the group. The group is the child's own (`process_group(0)`), so this
/// never reaches rwf itself.
pub fn kill_group(pgid: i32) {
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is touched.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// Starts the child. `ETXTBSY` ("text file busy") is transient: a program just written (an agent script
/// being deployed) can still be open for writing in a process forked meanwhile, until that one execs.
async fn spawn(command: &mut tokio::process::Command) -> std::io::Result<tokio::process::Child> {
    let mut delay = std::time::Duration::from_millis(5);
    for _ in 0..6 {
        match command.spawn() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) => {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            other => return other,
        }
    }
    command.spawn()
}

/// A program that exits without reading its input closes the pipe under our writer: that must be an
/// `EPIPE` for the writer, not a `SIGPIPE` that kills the worker or `rwf serve` with it (the CLI
/// restores the default disposition so that `rwf log | head` ends quietly; a process that runs agents
/// ignores it from its first agent on).
fn ignore_sigpipe() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: signal(2) with SIG_IGN installs no handler; it only changes the process's disposition.
    ONCE.call_once(|| unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    });
}

/// Runs the program to its end (or timeout). Every process it started in its group is killed once it
/// ends, so a stray background process can neither outlive the attempt nor hold its pipes open.
pub async fn run_process(spec: ProcessSpec<'_>) -> ProcessResult {
    ignore_sigpipe();
    let mut command = tokio::process::Command::new(spec.program);
    command
        .args(spec.args)
        .envs(&spec.env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    super::lifeline::attach(&mut command);
    if let Some(cwd) = spec.cwd {
        command.current_dir(cwd);
    }
    let mut child = match spawn(&mut command).await {
        Ok(child) => child,
        Err(e) => {
            return ProcessResult {
                end: ProcessEnd::SpawnFailed(format!(
                    "cannot start `{}`: {e}",
                    spec.program.display()
                )),
                stdout: Vec::new(),
                stdout_overflow: false,
                stderr_tail: String::new(),
            }
        }
    };
    let pgid = child.id().map(|p| p as i32).unwrap_or(0);
    let mut guard = GroupGuard { pgid, armed: true };

    let stdin = child.stdin.take();
    let input = spec.stdin;
    let writer = tokio::spawn(async move {
        if let Some(mut stdin) = stdin {
            // A program that does not read its input closes the pipe: that is not an error.
            let _ = stdin.write_all(&input).await;
            let _ = stdin.shutdown().await;
        }
    });
    let stdout = tokio::spawn(read_head(child.stdout.take(), STDOUT_LIMIT));
    let stderr = tokio::spawn(read_tail(child.stderr.take(), STDERR_LIMIT));

    let end = match tokio::time::timeout(spec.timeout, child.wait()).await {
        Ok(Ok(status)) => {
            use std::os::unix::process::ExitStatusExt;
            match (status.code(), status.signal()) {
                (Some(code), _) => ProcessEnd::Exited(code),
                (None, Some(signal)) => ProcessEnd::Signalled(signal),
                (None, None) => ProcessEnd::Signalled(0),
            }
        }
        Ok(Err(e)) => ProcessEnd::SpawnFailed(format!("cannot wait for the agent: {e}")),
        Err(_) => {
            guard.kill();
            let _ = child.wait().await;
            ProcessEnd::TimedOut
        }
    };
    guard.kill();
    guard.armed = false;
    writer.abort();
    let (stdout, stdout_overflow) = match tokio::time::timeout(DRAIN_GRACE, stdout).await {
        Ok(Ok(read)) => read,
        _ => (Vec::new(), false),
    };
    let stderr_tail = match tokio::time::timeout(DRAIN_GRACE, stderr).await {
        Ok(Ok(tail)) => String::from_utf8_lossy(&tail).into_owned(),
        _ => String::new(),
    };
    ProcessResult {
        end,
        stdout,
        stdout_overflow,
        stderr_tail,
    }
}

async fn read_head<R: AsyncRead + Unpin>(reader: Option<R>, limit: usize) -> (Vec<u8>, bool) {
    let Some(mut reader) = reader else {
        return (Vec::new(), false);
    };
    let mut kept = Vec::new();
    let mut overflow = false;
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = limit.saturating_sub(kept.len());
                if n > room {
                    overflow = true;
                }
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    (kept, overflow)
}

async fn read_tail<R: AsyncRead + Unpin>(reader: Option<R>, limit: usize) -> Vec<u8> {
    let Some(mut reader) = reader else {
        return Vec::new();
    };
    let mut kept: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * limit {
                    kept.drain(..kept.len() - limit);
                }
            }
        }
    }
    if kept.len() > limit {
        kept.drain(..kept.len() - limit);
    }
    // Start at a char boundary so the tail does not open with a broken character.
    let skip = kept
        .iter()
        .take(3)
        .take_while(|b| (**b & 0b1100_0000) == 0b1000_0000)
        .count();
    kept.drain(..skip);
    kept
}
