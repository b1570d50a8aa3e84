//! The CLI as a client of `rwf serve`: with `RWF_SERVER` and `RWF_TOKEN` set, the workflow, task and
//! approval commands go through the API as the token's person, with the same output and exit codes
//! (a refusal exits 1 with `refused: REASON`, any other problem exits 2). `--as` is refused: over the
//! API, identity comes from the token. The spec-changing commands are in `remote_edit`.

use super::db::Format;
use super::remote_edit;
use super::{CliError, CmdResult, Outcome};
use crate::store::{EventRow, InboxItem, TaskRow, WorkflowRow};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// The commands that go through the API, parsed with the same names and flags as the direct ones.
#[derive(clap::Parser)]
#[command(name = "rwf")]
struct Remote {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Lifecycle {
    workflow: String,
    #[arg(long = "as")]
    actor: Option<String>,
    #[arg(long = "database-url", hide = true)]
    _database_url: Option<String>,
}

#[derive(clap::Args)]
struct OnTask {
    workflow: String,
    task: String,
    #[arg(long = "as")]
    actor: Option<String>,
    #[arg(long, hide = true)]
    _config: Option<std::path::PathBuf>,
    #[arg(long = "database-url", hide = true)]
    _database_url: Option<String>,
}

#[derive(clap::Subcommand)]
enum Command {
    New(super::new::Args),
    Edit(super::edit::Args),
    Retarget(super::retarget::Args),
    Task(super::task::Args),
    Dep(super::dep::Args),
    /// Only `templates push FILE` goes through the API (see [`intercept`]).
    Templates(super::templates::Args),
    Start(Lifecycle),
    Pause(Lifecycle),
    Resume(Lifecycle),
    Cancel(Lifecycle),
    Status {
        workflow: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long = "database-url", hide = true)]
        _database_url: Option<String>,
    },
    Log {
        workflow: String,
        #[arg(long, short)]
        follow: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long = "database-url", hide = true)]
        _database_url: Option<String>,
    },
    Ls {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        stuck: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long = "database-url", hide = true)]
        _database_url: Option<String>,
    },
    Inbox {
        #[arg(long = "as")]
        actor: Option<String>,
        #[arg(long, hide = true)]
        _config: Option<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long = "database-url", hide = true)]
        _database_url: Option<String>,
    },
    Approve {
        #[command(flatten)]
        on: OnTask,
        #[arg(long)]
        reason: Option<String>,
    },
    Reject {
        #[command(flatten)]
        on: OnTask,
        #[arg(long)]
        reason: Option<String>,
    },
    Done {
        #[command(flatten)]
        on: OnTask,
        #[arg(long)]
        output: Option<String>,
        #[arg(long)]
        skip: bool,
    },
    Signal(super::signal::Args),
}

/// The commands that go through the API when `RWF_SERVER` is set.
const REMOTE: &[&str] = &[
    "new", "start", "pause", "resume", "cancel", "edit", "retarget", "task", "dep", "status",
    "log", "ls", "inbox", "approve", "reject", "done", "signal",
];

/// The client's connection: the server's base URL and the token.
pub(super) struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// `s` as one URL path segment: everything but RFC 3986's unreserved characters percent-encoded,
/// so task keys like `translate[de]` (a `for each` copy) travel intact.
pub(super) fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What the API answered: the body on success, or the problem's status and detail.
pub(super) enum Answer {
    Ok(Value),
    /// The status, the problem's detail and its `errors` (null when it has none).
    Problem(u16, String, Value),
}

impl Client {
    pub(super) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, CliError> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| {
            CliError::new(format!("cannot reach {}: {e}", self.base))
                .help("check RWF_SERVER, or unset it to use the database directly")
        })?;
        let status = resp.status().as_u16();
        let value: Value = resp.json().await.unwrap_or(Value::Null);
        if status < 300 {
            Ok(Answer::Ok(value))
        } else {
            let detail = value["detail"]
                .as_str()
                .unwrap_or("the server refused the request");
            Ok(Answer::Problem(
                status,
                detail.to_string(),
                value["errors"].clone(),
            ))
        }
    }

    /// The body of a read, or the error (exit 2).
    pub(super) async fn read(&self, path: &str) -> Result<Value, CliError> {
        match self.call(reqwest::Method::GET, path, None).await? {
            Answer::Ok(v) => Ok(v),
            Answer::Problem(status, detail, _) => Err(problem(status, detail)),
        }
    }
}

pub(super) fn problem(status: u16, detail: String) -> CliError {
    let e = CliError::new(detail);
    match status {
        401 => e.help("RWF_TOKEN is not a valid token: `rwf admin token create` makes one"),
        _ => e,
    }
}

/// An action's answer: a refusal (403, or 409 for an illegal state) is a finding, exit 1.
pub(super) fn acted(answer: Answer, done: impl FnOnce(&Value)) -> CmdResult {
    match answer {
        Answer::Ok(v) => {
            done(&v);
            Ok(Outcome::Ok)
        }
        Answer::Problem(403 | 409, detail, _) => {
            eprintln!("refused: {detail}");
            Ok(Outcome::Findings)
        }
        Answer::Problem(status, detail, _) => Err(problem(status, detail)),
    }
}

#[derive(Deserialize)]
struct WireWorkflow {
    id: Uuid,
    name: String,
    status: String,
    template_key: String,
    template_version: i32,
    spec_hash: String,
    target_at: DateTime<Utc>,
    target_tz: String,
    lock_version: i64,
    next_wake_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<WireWorkflow> for WorkflowRow {
    fn from(w: WireWorkflow) -> WorkflowRow {
        WorkflowRow {
            id: w.id,
            name: w.name,
            status: w.status,
            template_key: w.template_key,
            template_version: w.template_version,
            spec_hash: w.spec_hash,
            target_at: w.target_at,
            target_tz: w.target_tz,
            lock_version: w.lock_version,
            next_wake_at: w.next_wake_at,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

#[derive(Deserialize)]
struct WireGate {
    gate: String,
    state: String,
    reason: String,
    blockers: Value,
}

#[derive(Deserialize)]
struct WireTask {
    key: String,
    kind: String,
    title: String,
    status: String,
    planned_start: Option<DateTime<Utc>>,
    planned_due: Option<DateTime<Utc>>,
    planned_end: Option<DateTime<Utc>>,
    actual_start: Option<DateTime<Utc>>,
    actual_end: Option<DateTime<Utc>>,
    attempts: i32,
    next_attempt_at: Option<DateTime<Utc>>,
    output: Option<Value>,
    last_error: Option<String>,
    actor: Option<String>,
    assignee: Option<String>,
    #[serde(default)]
    runs_only_if: Option<String>,
    waiting_on: Vec<WireGate>,
}

#[derive(Deserialize)]
struct WireStatus {
    workflow: WireWorkflow,
    no_worker: Option<String>,
    tasks: Vec<WireTask>,
    #[serde(default)]
    excluded: Vec<crate::spec::Excluded>,
    #[serde(default)]
    events: Vec<crate::engine::ExternalEvent>,
}

#[derive(Deserialize)]
struct WireInbox {
    workflow_id: Uuid,
    workflow: String,
    task_key: String,
    title: String,
    kind: String,
    since: DateTime<Utc>,
    deadline_at: Option<DateTime<Utc>>,
    who: Vec<String>,
    voted: Vec<String>,
    quorum: Option<i32>,
}

#[derive(Deserialize)]
struct WireEvent {
    id: i64,
    at: DateTime<Utc>,
    actor: String,
    kind: String,
    task_key: Option<String>,
    data: Value,
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, CliError> {
    serde_json::from_value(v).map_err(|e| {
        CliError::new(format!(
            "the server's answer is not what this rwf expects: {e}"
        ))
    })
}

pub(super) fn refuse_as(actor: &Option<String>) -> Result<(), CliError> {
    match actor {
        Some(a) => Err(CliError::new(format!(
            "--as {a} is refused over RWF_SERVER: the server acts as the person RWF_TOKEN names"
        ))
        .help("drop --as, or unset RWF_SERVER to use the administrator path on the database")),
        None => Ok(()),
    }
}

fn event_row(workflow: Uuid, e: WireEvent) -> EventRow {
    EventRow {
        id: e.id,
        workflow_id: workflow,
        at: e.at,
        actor: e.actor,
        kind: e.kind,
        task_key: e.task_key,
        data: e.data,
    }
}

/// Follows the workflow's event stream after `last`, printing each event, until Ctrl-C or the end.
async fn follow(
    client: &Client,
    id: Uuid,
    mut last: i64,
    format: Format,
    tz: chrono_tz::Tz,
) -> CmdResult {
    let mut resp = client
        .http
        .get(format!("{}/api/v1/workflows/{id}/events", client.base))
        .bearer_auth(&client.token)
        .header("Last-Event-ID", last.to_string())
        .send()
        .await
        .map_err(|e| CliError::new(format!("cannot reach {}: {e}", client.base)))?;
    if !resp.status().is_success() {
        return Err(CliError::new(format!(
            "the event stream answered {}",
            resp.status()
        )));
    }
    let mut buffer = String::new();
    loop {
        let chunk = tokio::select! {
            c = resp.chunk() => c.map_err(|e| CliError::new(format!("the event stream broke: {e}")))?,
            _ = tokio::signal::ctrl_c() => None,
        };
        let Some(chunk) = chunk else { break };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let data: String = block
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            if data.is_empty() {
                continue;
            }
            let e: WireEvent = decode(serde_json::from_str(&data)?)?;
            if e.id > last {
                last = e.id;
                super::log::print(&event_row(id, e), format, tz)?;
            }
        }
    }
    Ok(Outcome::Ok)
}

async fn run_remote(client: Client, command: Command) -> CmdResult {
    use reqwest::Method;
    let id = |text: &str| super::db::workflow_id(text);
    match command {
        Command::New(a) => remote_edit::new(&client, a).await,
        Command::Edit(a) => remote_edit::edit(&client, a).await,
        Command::Retarget(a) => remote_edit::retarget(&client, a).await,
        Command::Task(a) => remote_edit::task(&client, a).await,
        Command::Dep(a) => remote_edit::dep(&client, a).await,
        Command::Templates(a) => match a.command {
            super::templates::Command::Push { file, .. } => remote_edit::push(&client, &file).await,
            _ => unreachable!("only `templates push` is intercepted"),
        },
        Command::Start(a) | Command::Pause(a) | Command::Resume(a) | Command::Cancel(a)
            if a.actor.is_some() =>
        {
            refuse_as(&a.actor).map(|_| Outcome::Ok)
        }
        Command::Start(a) => lifecycle(&client, "start", &a.workflow).await,
        Command::Pause(a) => lifecycle(&client, "pause", &a.workflow).await,
        Command::Resume(a) => lifecycle(&client, "resume", &a.workflow).await,
        Command::Cancel(a) => lifecycle(&client, "cancel", &a.workflow).await,
        Command::Status {
            workflow, format, ..
        } => {
            let wf = id(&workflow)?;
            let s: WireStatus = decode(client.read(&format!("/api/v1/workflows/{wf}")).await?)?;
            let mut gates = Vec::new();
            let mut assignees = std::collections::HashMap::new();
            let mut conditions = std::collections::HashMap::new();
            let tasks: Vec<TaskRow> = s
                .tasks
                .into_iter()
                .map(|t| {
                    if let Some(who) = t.assignee {
                        assignees.insert(t.key.clone(), who);
                    }
                    if let Some(c) = t.runs_only_if {
                        conditions.insert(t.key.clone(), c);
                    }
                    for g in t.waiting_on {
                        gates.push((t.key.clone(), g.gate, g.state, g.reason, g.blockers));
                    }
                    TaskRow {
                        key: t.key,
                        kind: t.kind,
                        title: t.title,
                        status: t.status,
                        planned_start: t.planned_start,
                        planned_due: t.planned_due,
                        planned_end: t.planned_end,
                        actual_start: t.actual_start,
                        actual_end: t.actual_end,
                        attempts: t.attempts,
                        next_attempt_at: t.next_attempt_at,
                        output: t.output,
                        last_error: t.last_error,
                        actor: t.actor,
                    }
                })
                .collect();
            let extras = super::status::Extras {
                assignees,
                conditions,
                excluded: s.excluded,
                no_worker: s.no_worker,
                now: Utc::now(),
                events: s.events,
            };
            super::status::print(&s.workflow.into(), &tasks, &gates, &extras, format)?;
            Ok(Outcome::Ok)
        }
        Command::Log {
            workflow,
            follow: f,
            format,
            ..
        } => {
            let wf = id(&workflow)?;
            // Lines are printed in the release's zone, as the direct path prints them.
            let s: WireStatus = decode(client.read(&format!("/api/v1/workflows/{wf}")).await?)?;
            let tz = s.workflow.target_tz.parse().unwrap_or(chrono_tz::UTC);
            let events: Vec<WireEvent> =
                decode(client.read(&format!("/api/v1/workflows/{wf}/log")).await?)?;
            let mut last = 0;
            for e in events {
                last = e.id;
                super::log::print(&event_row(wf, e), format, tz)?;
            }
            if f {
                return follow(&client, wf, last, format, tz).await;
            }
            Ok(Outcome::Ok)
        }
        Command::Ls {
            status,
            stuck,
            format,
            ..
        } => {
            if stuck {
                return Err(CliError::new("--stuck is not available over RWF_SERVER")
                    .help("unset RWF_SERVER to query the database directly"));
            }
            let path = match &status {
                Some(s) => format!("/api/v1/workflows?status={s}"),
                None => "/api/v1/workflows".to_string(),
            };
            let rows: Vec<WireWorkflow> = decode(client.read(&path).await?)?;
            let rows: Vec<WorkflowRow> = rows.into_iter().map(Into::into).collect();
            super::ls::print(&rows, &[], format)?;
            Ok(Outcome::Ok)
        }
        Command::Inbox { actor, format, .. } => {
            refuse_as(&actor)?;
            let items: Vec<WireInbox> = decode(client.read("/api/v1/inbox").await?)?;
            let items: Vec<InboxItem> = items
                .into_iter()
                .map(|i| InboxItem {
                    workflow_id: i.workflow_id,
                    workflow: i.workflow,
                    task_key: i.task_key,
                    title: i.title,
                    kind: i.kind,
                    since: i.since,
                    deadline_at: i.deadline_at,
                    who: i.who,
                    voted: i.voted,
                    quorum: i.quorum,
                })
                .collect();
            super::inbox::print(&items, format)?;
            Ok(Outcome::Ok)
        }
        Command::Signal(a) => {
            refuse_as(&a.actor)?;
            let data = super::signal::payload(&a.data)?;
            let wf = id(&a.workflow)?;
            let answer = client
                .call(
                    Method::POST,
                    &format!("/api/v1/workflows/{wf}/signals"),
                    Some(json!({ "name": a.name, "id": a.id, "data": data })),
                )
                .await?;
            acted(answer, |v| {
                super::signal::report(&v["event"], v["repeat"] == true, a.format)
            })
        }
        Command::Approve { on, reason } => decide(&client, "approve", on, reason).await,
        Command::Reject { on, reason } => decide(&client, "reject", on, reason).await,
        Command::Done { on, output, skip } => {
            refuse_as(&on.actor)?;
            let output: Option<Value> = match &output {
                Some(text) => Some(serde_json::from_str(text).map_err(|e| {
                    CliError::new(format!("--output is not JSON: {e}"))
                        .help("quote it for the shell: --output '{\"url\": \"https://...\"}'")
                })?),
                None => None,
            };
            let wf = id(&on.workflow)?;
            let answer = client
                .call(
                    Method::POST,
                    &format!("/api/v1/workflows/{wf}/tasks/{}/done", segment(&on.task)),
                    Some(json!({ "output": output, "skip": skip })),
                )
                .await?;
            acted(answer, |v| {
                eprintln!(
                    "`{}` is now {}",
                    on.task,
                    v["status"].as_str().unwrap_or("")
                )
            })
        }
    }
}

async fn lifecycle(client: &Client, verb: &str, workflow: &str) -> CmdResult {
    let wf = super::db::workflow_id(workflow)?;
    let answer = client
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/workflows/{wf}/{verb}"),
            None,
        )
        .await?;
    acted(answer, |v| {
        eprintln!(
            "{}: {}",
            v["id"].as_str().unwrap_or(""),
            v["status"].as_str().unwrap_or("")
        )
    })
}

async fn decide(client: &Client, verdict: &str, on: OnTask, reason: Option<String>) -> CmdResult {
    refuse_as(&on.actor)?;
    let wf = super::db::workflow_id(&on.workflow)?;
    let body = match (verdict, reason) {
        ("reject", None) => json!({ "reason": "" }),
        (_, reason) => json!({ "reason": reason }),
    };
    let answer = client
        .call(
            reqwest::Method::POST,
            &format!(
                "/api/v1/workflows/{wf}/approvals/{}/{verdict}",
                segment(&on.task)
            ),
            Some(body),
        )
        .await?;
    acted(answer, |v| {
        eprintln!(
            "{verdict} recorded for `{}` ({})",
            on.task,
            v["status"].as_str().unwrap_or("")
        )
    })
}

/// With `RWF_SERVER` set, runs a workflow, task or approval command through the API and returns its
/// result; `None` for every other command (and whenever `RWF_SERVER` is unset).
pub fn intercept() -> Option<CmdResult> {
    let base = std::env::var("RWF_SERVER")
        .ok()
        .filter(|s| !s.trim().is_empty())?;
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1)?.as_str();
    let push = name == "templates" && args.get(2).map(String::as_str) == Some("push");
    if !REMOTE.contains(&name) && !push {
        return None;
    }
    // Bad arguments end the process the way the direct commands' parser does (usage, exit 2).
    let remote = <Remote as clap::Parser>::try_parse_from(&args).unwrap_or_else(|e| e.exit());
    let Some(token) = std::env::var("RWF_TOKEN")
        .ok()
        .filter(|s| !s.trim().is_empty())
    else {
        return Some(Err(CliError::new("RWF_SERVER is set but RWF_TOKEN is not")
            .help(
                "`rwf admin token create --person NAME` makes a token; export RWF_TOKEN=...",
            )));
    };
    let client = Client {
        base: base.trim_end_matches('/').to_string(),
        token,
        http: reqwest::Client::new(),
    };
    Some(super::block_on(run_remote(client, remote.command)))
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn a_segment_keeps_unreserved_characters_and_encodes_the_rest() {
        assert_eq!(segment("review[de]"), "review%5Bde%5D");
        assert_eq!(segment("bugfix[2]"), "bugfix%5B2%5D");
        assert_eq!(segment("a.b-c_d~e"), "a.b-c_d~e");
        assert_eq!(segment("x/y z?é"), "x%2Fy%20z%3F%C3%A9");
    }
}
