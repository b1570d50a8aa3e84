//! The CLI's commands that create or change a workflow's spec, as a client of `rwf serve`: `new`,
//! `edit`, `retarget`, `task set` and `dep add|rm`, with the direct commands' flags and output. A
//! template given as a file is pushed first (a `[server] pusher` may do that; anyone else instantiates
//! a stored `key` or `key@version`); the diff and the refusals print as on the direct path. The
//! arguments are the direct commands' own (`--as` refused, `--database-url` unused).

use super::edit::{print_edit, refused, EditTarget};
use super::remote::{acted, decode, problem, refuse_as, segment, Answer, Client};
use super::{CliError, CmdResult, Outcome};
use crate::engine::edit_plan::{EditDiff, EditRefusal};
use crate::schedule::Target;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::Path;

/// The API's answer to an edit.
#[derive(Deserialize)]
struct Edited {
    applied: bool,
    lock_version: i64,
    runs: String,
    target_at: DateTime<Utc>,
    target_tz: String,
    diff: EditDiff,
}

impl Edited {
    fn target(&self) -> Target {
        Target {
            instant: self.target_at,
            tz: self.target_tz.parse().unwrap_or(chrono_tz::UTC),
        }
    }
}

/// A template reference for the API: a file is pushed first and named by the `key@version` it got.
async fn template_ref(client: &Client, given: &str) -> Result<String, CliError> {
    let path = Path::new(given);
    if !path.is_file() {
        if given.ends_with(".rwf") {
            return Err(CliError::new(format!("no template file `{given}`")));
        }
        return Ok(given.to_string());
    }
    let v = push_file(client, path).await?;
    Ok(format!(
        "{}@{}",
        v["key"].as_str().unwrap_or_default(),
        v["version"]
    ))
}

/// `rwf templates push FILE` through the API: prints `key@version<TAB>hash` as the direct path does.
pub(super) async fn push(client: &Client, file: &Path) -> CmdResult {
    let v = push_file(client, file).await?;
    println!(
        "{}@{}\t{}",
        v["key"].as_str().unwrap_or_default(),
        v["version"],
        v["spec_hash"].as_str().unwrap_or_default()
    );
    Ok(Outcome::Ok)
}

/// Pushes a template file with the files it imports; the API's answer (`key`, `version`,
/// `spec_hash`).
async fn push_file(client: &Client, path: &Path) -> Result<Value, CliError> {
    let given = path.display().to_string();
    let source = std::fs::read_to_string(path)
        .map_err(|e| CliError::new(format!("cannot read {given}: {e}")))?;
    let body = json!({ "source": source, "file": given, "files": imported(path, &given, &source) });
    match client
        .call(reqwest::Method::POST, "/api/v1/templates", Some(body))
        .await?
    {
        Answer::Ok(v) => Ok(v),
        Answer::Problem(403, detail, _) => Err(CliError::new(format!(
            "pushing {given} to the server is refused: {detail}"
        ))
        .help("a [server] pusher (CI) pushes templates; instantiate a stored one by `key` or `key@version` (`rwf templates ls`)")),
        Answer::Problem(status, detail, errors) => Err(with_diagnostics(
            status,
            detail,
            &errors,
            format!("`rwf check {given}` shows where"),
        )),
    }
}

/// The files a template imports (`use ./...`, `hooks "..."`, and theirs in turn), read from disk
/// relative to it as `rwf check` reads them, by path relative to the template.
fn imported(path: &Path, name: &str, source: &str) -> std::collections::BTreeMap<String, String> {
    let read = crate::compile::FilesRead::new(path);
    crate::compile::compile_source(name, source, &read);
    read.files.into_inner()
}

/// A problem whose `errors` are diagnostics (a template that does not compile or bind), one line
/// each as `FILE:LINE:COL CODE message`.
fn with_diagnostics(status: u16, detail: String, errors: &Value, help: String) -> CliError {
    let lines: Vec<String> = errors
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            let at = d["start"]["line"]
                .as_u64()
                .map(|l| format!(":{l}:{}", d["start"]["col"].as_u64().unwrap_or(1)))
                .unwrap_or_default();
            format!(
                "{}{at} {} {}",
                d["file"].as_str().unwrap_or(""),
                d["code"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    if lines.is_empty() {
        return problem(status, detail);
    }
    CliError::new(format!("{detail}:\n  {}", lines.join("\n  "))).help(help)
}

/// Prints an edit's answer as the direct path does (`warn` first sees where the release is); a 422
/// lists the refusals.
fn edit_answer(answer: Answer, dry_run: bool, warn: impl FnOnce(Target)) -> CmdResult {
    match answer {
        Answer::Ok(v) => {
            let e: Edited = decode(v)?;
            warn(e.target());
            print_edit(
                &e.diff,
                e.target().tz,
                dry_run,
                e.applied,
                e.lock_version,
                &e.runs,
            );
            Ok(Outcome::Ok)
        }
        Answer::Problem(422, detail, errors) => {
            match serde_json::from_value::<Vec<EditRefusal>>(errors) {
                Ok(refusals) if !refusals.is_empty() => Err(refused(&refusals)),
                _ => Err(CliError::new(detail)),
            }
        }
        other => acted(other, |_| {}),
    }
}

async fn post(client: &Client, path: &str, body: Value) -> Result<Answer, CliError> {
    client.call(reqwest::Method::POST, path, Some(body)).await
}

pub(super) async fn new(client: &Client, a: super::new::Args) -> CmdResult {
    refuse_as(&a.actor)?;
    if let Some(owner) = &a.owner {
        super::new::owner_scope(owner)?;
    }
    let sets = super::parse_sets(&a.sets)?;
    let template = template_ref(client, &a.template.display().to_string()).await?;
    let body = json!({
        "template": template, "sets": sets, "release": a.release, "tz": a.tz, "owner": a.owner,
        "closed": a.closed,
    });
    // `--count N`: N drafts, one request each (the direct path makes them in one transaction).
    for n in 0..a.count {
        match post(client, "/api/v1/workflows", body.clone()).await? {
            Answer::Ok(v) => {
                let id = v["id"].as_str().unwrap_or_default().to_string();
                if n == 0 {
                    let status = client.read(&format!("/api/v1/workflows/{id}")).await?;
                    let w = &status["workflow"];
                    if let Ok(instant) = serde_json::from_value(w["target_at"].clone()) {
                        let tz = w["target_tz"].as_str().unwrap_or("UTC");
                        let target = Target {
                            instant,
                            tz: tz.parse().unwrap_or(chrono_tz::UTC),
                        };
                        past_warning(target, a.allow_past);
                    }
                }
                println!("{id}");
            }
            Answer::Problem(403, detail, _) => {
                eprintln!("refused: {detail}");
                return Ok(Outcome::Findings);
            }
            Answer::Problem(status, detail, errors) => {
                return Err(with_diagnostics(
                    status,
                    detail,
                    &errors,
                    "give every required param with --set, and --release/--tz".into(),
                ))
            }
        }
    }
    Ok(Outcome::Ok)
}

fn past_warning(target: Target, allow_past: bool) {
    if let Some(w) = super::past_release::warning(target, Utc::now(), allow_past) {
        eprintln!("{w}");
    }
}

fn workflow(t: &EditTarget) -> Result<uuid::Uuid, CliError> {
    refuse_as(&t.actor)?;
    super::db::workflow_id(&t.workflow)
}

pub(super) async fn edit(client: &Client, a: super::edit::Args) -> CmdResult {
    let wf = workflow(&a.target)?;
    let sets = super::parse_sets(&a.sets)?;
    let template = template_ref(client, &a.from).await?;
    let body = json!({
        "template": template, "sets": sets, "dry_run": a.dry_run,
        "expect_version": a.target.expect_version,
    });
    let answer = post(client, &format!("/api/v1/workflows/{wf}/edit"), body).await?;
    edit_answer(answer, a.dry_run, |_| {})
}

pub(super) async fn retarget(client: &Client, a: super::retarget::Args) -> CmdResult {
    let wf = workflow(&a.target)?;
    let sets = super::parse_sets(&a.sets)?;
    let body = json!({
        "release": a.release, "sets": sets, "tz": a.tz, "dry_run": !a.yes,
        "expect_version": a.target.expect_version,
    });
    let answer = post(client, &format!("/api/v1/workflows/{wf}/retarget"), body).await?;
    let result = edit_answer(answer, !a.yes, |t| past_warning(t, a.allow_past));
    if result.is_ok() && !a.yes {
        eprintln!("not committed: pass --yes to move the release");
    }
    result
}

pub(super) async fn task(client: &Client, args: super::task::Args) -> CmdResult {
    let super::task::Command::Set(super::task::SetArgs {
        target,
        task,
        due,
        pin,
        title,
        dry_run,
    }) = args.command;
    if due.is_none() && pin.is_none() && title.is_none() {
        return Err(CliError::new("nothing to set").help("give --due, --pin or --title"));
    }
    let wf = workflow(&target)?;
    let body = json!({
        "due": due, "pin": pin, "title": title, "dry_run": dry_run,
        "expect_version": target.expect_version,
    });
    let answer = post(
        client,
        &format!("/api/v1/workflows/{wf}/tasks/{}/set", segment(&task)),
        body,
    )
    .await?;
    edit_answer(answer, dry_run, |_| {})
}

pub(super) async fn dep(client: &Client, args: super::dep::Args) -> CmdResult {
    let (remove, a) = match args.command {
        super::dep::Command::Add(a) => (false, a),
        super::dep::Command::Rm(a) => (true, a),
    };
    let wf = workflow(&a.target)?;
    let on: crate::spec::EdgeOutcome = a.on.into();
    let body = json!({
        "upstream": a.upstream, "on": on, "remove": remove, "dry_run": a.dry_run,
        "expect_version": a.target.expect_version,
    });
    let path = format!(
        "/api/v1/workflows/{wf}/tasks/{}/dependencies",
        segment(&a.task)
    );
    let answer = post(client, &path, body).await?;
    edit_answer(answer, a.dry_run, |_| {})
}
