//! The command sink: runs a program per delivery with the notification as JSON on stdin and
//! `RWF_DELIVERY_ID` (stable across redeliveries) and `RWF_NOTIFICATION_KIND` in its env. Exit 0 means
//! delivered; anything else, or the timeout (which kills its process group), is retried later.

use crate::exec::process::{run_process, ProcessEnd, ProcessSpec};
use crate::exec::{BoxFuture, Notification, Sink};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct CommandSink {
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub timeout: Duration,
}

impl CommandSink {
    pub fn new(name: impl Into<String>, program: impl Into<PathBuf>) -> CommandSink {
        CommandSink {
            name: name.into(),
            program: program.into(),
            args: Vec::new(),
            env: BTreeMap::new(),
            timeout: super::DEFAULT_SINK_TIMEOUT,
        }
    }
}

impl Sink for CommandSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver<'a>(&'a self, notification: &'a Notification) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut env = self.env.clone();
            env.insert("RWF_DELIVERY_ID".into(), notification.id.to_string());
            env.insert("RWF_NOTIFICATION_KIND".into(), notification.kind.clone());
            let result = run_process(ProcessSpec {
                program: &self.program,
                args: &self.args,
                env,
                cwd: None,
                stdin: serde_json::to_vec(notification).map_err(|e| e.to_string())?,
                timeout: self.timeout,
            })
            .await;
            let tail = result.stderr_last_line();
            match result.end {
                ProcessEnd::Exited(0) => Ok(()),
                ProcessEnd::Exited(code) => {
                    Err(format!("sink command exited with status {code}{tail}"))
                }
                ProcessEnd::Signalled(s) => {
                    Err(format!("sink command was killed by signal {s}{tail}"))
                }
                ProcessEnd::TimedOut => Err(format!(
                    "sink command timed out after {}",
                    crate::exec::command::human_duration(self.timeout)
                )),
                ProcessEnd::SpawnFailed(reason) => Err(reason),
            }
        })
    }
}
