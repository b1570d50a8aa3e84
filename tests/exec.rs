//! Executors against real processes and a real HTTP agent on loopback.

#[allow(dead_code)]
#[path = "../examples/http_agent.rs"]
mod http_agent;
#[path = "support/pg.rs"]
mod pg;
#[path = "support/specs.rs"]
mod specs;

use rwf::exec::command::CommandAgent;
use rwf::exec::http::{HttpAgent, RequestRetry};
use rwf::exec::{AgentOutcome, AgentReport, DispatchRequest, Executor};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A fresh temp dir for one test, removed when dropped.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> TempDir {
    let dir = std::env::temp_dir().join(format!("rwf-exec-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Writes an executable shell script.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn request(task: &str, attempt: u32, input: Value) -> DispatchRequest {
    let workflow_id = Uuid::new_v4();
    DispatchRequest {
        workflow_id,
        task_key: task.into(),
        attempt,
        idempotency_key: DispatchRequest::key_for(workflow_id, task, attempt),
        agent: "writer".into(),
        input,
        timeout: None,
    }
}

async fn run_script(body: &str, input: Value, timeout: Option<Duration>) -> (AgentReport, TempDir) {
    let dir = temp_dir();
    let mut agent = CommandAgent::new(script(&dir, "agent.sh", body));
    agent.timeout = timeout;
    agent.cwd = Some(dir.to_path_buf());
    let report = agent.dispatch(&request("draft", 1, input)).await;
    (report, dir)
}

fn failed(report: &AgentReport) -> (&str, bool) {
    match &report.outcome {
        AgentOutcome::Failed { reason, retryable } => (reason, *retryable),
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// Gone, or a zombie waiting to be reaped by whoever adopted it.
fn process_is_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

async fn wait_gone(pid: i32) -> bool {
    for _ in 0..100 {
        if process_is_gone(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn command_success_gets_input_and_env() {
    let (report, _) = run_script(
        r#"input="$(cat)"
printf '{"input": %s, "key": "%s", "task": "%s", "attempt": "%s", "wf": "%s"}' "$input" "$RWF_IDEMPOTENCY_KEY" "$RWF_TASK_KEY" "$RWF_ATTEMPT" "$RWF_WORKFLOW_ID""#,
        json!({"product": "Widget"}),
        None,
    )
    .await;
    let AgentOutcome::Succeeded { output } = &report.outcome else {
        panic!("{report:?}")
    };
    assert_eq!(output["input"], json!({"product": "Widget"}));
    assert_eq!(output["task"], "draft");
    assert_eq!(output["attempt"], "1");
    let wf = output["wf"].as_str().unwrap();
    assert_eq!(output["key"], format!("{wf}:draft:1"));
}

#[tokio::test]
async fn command_plain_text_output() {
    let (report, _) = run_script("echo 'Widget is here.'", json!({}), None).await;
    assert_eq!(
        report.outcome,
        AgentOutcome::Succeeded {
            output: json!({"text": "Widget is here."})
        }
    );
}

#[tokio::test]
async fn command_exit_codes() {
    let (report, _) = run_script("echo 'model refused' >&2; exit 3", json!({}), None).await;
    let (reason, retryable) = failed(&report);
    assert!(!retryable);
    assert!(
        reason.contains("status 3") && reason.contains("model refused"),
        "{reason}"
    );
    assert_eq!(report.log.as_deref(), Some("model refused\n"));

    let (report, _) = run_script("echo 'rate limited' >&2; exit 75", json!({}), None).await;
    let (reason, retryable) = failed(&report);
    assert!(retryable, "{reason}");

    let (report, _) = run_script("echo 'Which tone?'; exit 76", json!({}), None).await;
    assert_eq!(
        report.outcome,
        AgentOutcome::NeedsInput {
            prompt: "Which tone?".into(),
            schema: None
        }
    );
    // A structured request: the prompt and a JSON Schema of the answer, for the console's form.
    let ask = r#"{"prompt":"Which tone?","schema":{"type":"object","required":["tone"],"properties":{"tone":{"type":"string","enum":["warm","formal"]}}}}"#;
    let (report, _) = run_script(&format!("echo '{ask}'; exit 76"), json!({}), None).await;
    assert_eq!(
        report.outcome,
        AgentOutcome::NeedsInput {
            prompt: "Which tone?".into(),
            schema: Some(
                json!({"type":"object","required":["tone"],"properties":{"tone":{"type":"string","enum":["warm","formal"]}}})
            )
        }
    );
    // JSON without a prompt is just text; a schema that is not an object is dropped.
    for (stdout, prompt) in [
        (r#"{"tone":1}"#, r#"{"tone":1}"#),
        (r#"{"prompt":"p","schema":3}"#, "p"),
    ] {
        let (report, _) = run_script(&format!("echo '{stdout}'; exit 76"), json!({}), None).await;
        assert_eq!(
            report.outcome,
            AgentOutcome::NeedsInput {
                prompt: prompt.into(),
                schema: None
            }
        );
    }

    let (report, _) = run_script("kill -TERM $$", json!({}), None).await;
    let (reason, retryable) = failed(&report);
    assert!(!retryable && reason.contains("signal 15"), "{reason}");
}

#[tokio::test]
async fn command_missing_program_fails_without_retry() {
    let agent = CommandAgent::new("/nonexistent/rwf-agent");
    let report = agent.dispatch(&request("draft", 1, json!({}))).await;
    let (reason, retryable) = failed(&report);
    assert!(!retryable && reason.contains("cannot start"), "{reason}");
}

#[tokio::test]
async fn command_timeout_kills_the_process_group() {
    let started = Instant::now();
    let (report, dir) = run_script(
        "sleep 300 &\necho $! > grandchild.pid\nsleep 300",
        json!({}),
        Some(Duration::from_millis(500)),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let (reason, retryable) = failed(&report);
    assert!(
        retryable && reason.contains("timed out after 500ms"),
        "{reason}"
    );
    let pid: i32 = std::fs::read_to_string(dir.join("grandchild.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        wait_gone(pid).await,
        "grandchild {pid} survived the timeout"
    );
}

#[tokio::test]
async fn task_timeout_wins_over_the_agents() {
    let dir = temp_dir();
    let mut agent = CommandAgent::new(script(&dir, "slow.sh", "sleep 30"));
    agent.timeout = Some(Duration::from_secs(60));
    let mut req = request("draft", 1, json!({}));
    req.timeout = Some(Duration::from_millis(300));
    let started = Instant::now();
    let report = agent.dispatch(&req).await;
    assert!(failed(&report).0.contains("300ms"));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn dropping_a_dispatch_kills_the_process_group() {
    let dir = temp_dir();
    let mut agent = CommandAgent::new(script(
        &dir,
        "agent.sh",
        "sleep 300 &\necho $! > grandchild.pid\nsleep 300",
    ));
    agent.cwd = Some(dir.to_path_buf());
    let req = request("draft", 1, json!({}));
    let cancelled = tokio::time::timeout(Duration::from_millis(400), agent.dispatch(&req)).await;
    assert!(cancelled.is_err());
    let pid: i32 = std::fs::read_to_string(dir.join("grandchild.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        wait_gone(pid).await,
        "grandchild {pid} survived the cancelled dispatch"
    );
}

#[tokio::test]
async fn stray_background_processes_die_with_the_agent() {
    let (report, dir) = run_script(
        "sleep 300 &\necho $! > bg.pid\necho '{\"ok\": true}'",
        json!({}),
        None,
    )
    .await;
    assert_eq!(
        report.outcome,
        AgentOutcome::Succeeded {
            output: json!({"ok": true})
        }
    );
    let pid: i32 = std::fs::read_to_string(dir.join("bg.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(wait_gone(pid).await);
}

#[tokio::test]
async fn stderr_is_bounded_to_its_tail() {
    // ~200 KiB of stderr, then a last marker line.
    let (report, _) = run_script(
        "i=0; while [ $i -lt 4000 ]; do echo \"noise line $i ..........................................\" >&2; i=$((i+1)); done; echo LAST-LINE >&2; exit 1",
        json!({}),
        None,
    )
    .await;
    let log = report.log.unwrap();
    assert!(log.len() <= 64 * 1024, "{}", log.len());
    assert!(log.len() > 60 * 1024, "{}", log.len());
    assert!(log.ends_with("LAST-LINE\n"));
    assert!(!log.contains("noise line 0 "));
}

#[tokio::test]
async fn draft_agent_is_idempotent_per_key() {
    let state = temp_dir();
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/agents/draft.sh");
    let mut agent = CommandAgent::new(program);
    agent
        .env
        .insert("RWF_DRAFT_STATE".into(), state.display().to_string());
    let req = request(
        "draft_blog",
        1,
        json!({"product": "Widget", "tone": "confident"}),
    );
    let first = agent.dispatch(&req).await;
    let second = agent.dispatch(&req).await;
    let AgentOutcome::Succeeded { output } = &first.outcome else {
        panic!("{first:?}")
    };
    assert_eq!(output["draft"], "Widget is here.");
    assert_eq!(first.outcome, second.outcome);
    let work = std::fs::read_to_string(state.join("work.log")).unwrap();
    assert_eq!(work.lines().count(), 1, "{work}");
    // A new attempt is new work.
    let mut next = req.clone();
    next.attempt = 2;
    next.idempotency_key = DispatchRequest::key_for(req.workflow_id, "draft_blog", 2);
    agent.dispatch(&next).await;
    assert_eq!(
        std::fs::read_to_string(state.join("work.log"))
            .unwrap()
            .lines()
            .count(),
        2
    );
    // Without a tone it asks a person.
    let ask = agent
        .dispatch(&request("draft_blog", 1, json!({"product": "Widget"})))
        .await;
    assert!(
        matches!(&ask.outcome, AgentOutcome::NeedsInput { prompt, .. } if prompt.contains("Widget"))
    );
}

// ---- http ----

async fn agent_service() -> (String, std::sync::Arc<http_agent::AgentState>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (addr, state) = http_agent::serve(listener).await;
    (format!("http://{addr}/runs"), state)
}

fn http(url: &str) -> HttpAgent {
    let mut agent = HttpAgent::new(url);
    agent.poll_interval = Duration::from_millis(50);
    agent.retry = RequestRetry {
        max_retries: 3,
        initial: Duration::from_millis(20),
        cap: Duration::from_millis(100),
    };
    agent
}

#[tokio::test]
async fn http_success_after_polling() {
    let (url, state) = agent_service().await;
    let mut agent = http(&url);
    agent.status_url = Some(url.clone() + "/{id}");
    let req = request("draft", 1, json!({"product": "Widget", "delay_ms": 200}));
    let report = agent.dispatch(&req).await;
    assert_eq!(
        report.outcome,
        AgentOutcome::Succeeded {
            output: json!({"draft": "Widget is here.", "key": req.idempotency_key})
        }
    );
    assert_eq!(state.work_done(), 1);
}

#[tokio::test]
async fn http_failures_and_needs_input() {
    let (url, _) = agent_service().await;
    let agent = http(&url);
    let r = agent
        .dispatch(&request("t", 1, json!({"outcome": "fail"})))
        .await;
    assert_eq!(failed(&r), ("the draft could not be written", false));
    let r = agent
        .dispatch(&request(
            "t",
            1,
            json!({"outcome": "fail_retryable", "delay_ms": 100}),
        ))
        .await;
    assert_eq!(failed(&r), ("model overloaded", true));
    let r = agent
        .dispatch(&request(
            "t",
            1,
            json!({"outcome": "needs_input", "product": "Widget"}),
        ))
        .await;
    assert_eq!(
        r.outcome,
        AgentOutcome::NeedsInput {
            prompt: "which tone should the Widget post take?".into(),
            schema: None
        }
    );
}

#[tokio::test]
async fn http_retries_5xx_and_gives_up_on_4xx() {
    let (url, state) = agent_service().await;
    let agent = http(&url);
    let r = agent
        .dispatch(&request("t", 1, json!({"unavailable_first": 2})))
        .await;
    assert!(matches!(r.outcome, AgentOutcome::Succeeded { .. }), "{r:?}");
    assert_eq!(state.posts(), 3);
    assert_eq!(state.work_done(), 1);

    let r = agent
        .dispatch(&request("t", 1, json!({"unavailable_first": 10})))
        .await;
    let (reason, retryable) = failed(&r);
    assert!(
        retryable && reason.contains("503") && reason.contains("gave up after 3 retries"),
        "{reason}"
    );

    let before = state.posts();
    let r = agent
        .dispatch(&request("t", 1, json!({"reject": 422})))
        .await;
    let (reason, retryable) = failed(&r);
    assert!(!retryable && reason.contains("422"), "{reason}");
    assert_eq!(state.posts(), before + 1, "a 4xx is not retried");
}

#[tokio::test]
async fn http_unreachable_is_retryable() {
    // Bind then drop: nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let agent = http(&format!("http://127.0.0.1:{port}/runs"));
    let r = agent.dispatch(&request("t", 1, json!({}))).await;
    let (reason, retryable) = failed(&r);
    assert!(retryable && reason.contains("cannot reach"), "{reason}");
}

#[tokio::test]
async fn http_duplicate_dispatch_after_a_crash_does_the_work_once() {
    let (url, state) = agent_service().await;
    let agent = http(&url);
    let req = request("draft", 1, json!({"product": "Widget", "delay_ms": 400}));
    // The worker dies mid-run: its dispatch future is dropped while polling.
    let crashed = tokio::time::timeout(Duration::from_millis(150), agent.dispatch(&req)).await;
    assert!(crashed.is_err());
    assert_eq!(state.work_done(), 1);
    // Another worker takes over the same attempt with the same key.
    let report = agent.dispatch(&req).await;
    assert!(
        matches!(&report.outcome, AgentOutcome::Succeeded { output } if output["key"] == req.idempotency_key.as_str())
    );
    assert_eq!(state.posts(), 2);
    assert_eq!(
        state.work_done(),
        1,
        "the service must not redo the work for a repeated key"
    );
}

#[tokio::test]
async fn http_run_timeout() {
    let (url, _) = agent_service().await;
    let mut agent = http(&url);
    agent.timeout = Some(Duration::from_millis(200));
    let r = agent
        .dispatch(&request("t", 1, json!({"delay_ms": 5000})))
        .await;
    let (reason, retryable) = failed(&r);
    assert!(retryable && reason.contains("200ms"), "{reason}");
}

// ---- wired into the worker ----

#[tokio::test]
async fn worker_runs_agents_from_rwf_toml() {
    use rwf::store::worker::{Worker, WorkerConfig};
    use rwf::store::{Clock, LifecycleVerb};
    let dir = temp_dir();
    script(
        &dir,
        "writer.sh",
        r#"cat >/dev/null; echo '{"draft": "Widget is here."}'"#,
    );
    script(
        &dir,
        "asker.sh",
        "echo 'Which tone should the post take?'; exit 76",
    );
    let toml = r#"
[agents.writer]
kind = "command"
program = "./writer.sh"
timeout = "30s"

[agents.asker]
kind = "command"
program = "./asker.sh"
"#;
    std::fs::write(dir.join("rwf.toml"), toml).unwrap();
    let config = rwf::config::Config::load(&dir.join("rwf.toml"))
        .config
        .unwrap();

    let db = pg::TestDb::new().await;
    let clock = Clock::fixed(specs::base());
    let store = db.store().await.with_clock(clock.clone());
    let registry = rwf::config::AgentRegistry::new(&config, None);
    let worker = Worker::new(
        store.clone(),
        WorkerConfig {
            id: "w1".into(),
            poll: Duration::from_millis(200),
            grace: Duration::from_secs(2),
            lease: Duration::from_secs(60),
            concurrency: 1,
            ..WorkerConfig::default()
        },
        std::sync::Arc::new(registry),
        std::sync::Arc::new(rwf::engine::NoHooks),
    );
    let spec = specs::spec_of(
        "wired",
        vec![
            specs::agent("draft", "writer"),
            specs::agent("ask", "asker"),
            specs::agent("ghost", "nobody"),
        ],
    );
    let id = specs::create(&store, spec, specs::base()).await;
    store
        .transition(id, LifecycleVerb::Start, "ann")
        .await
        .unwrap();
    worker.run_until_idle().await.unwrap();
    worker.run_until_idle().await.unwrap();

    let tasks = store.tasks(id).await.unwrap();
    let task = |key: &str| tasks.iter().find(|t| t.key == key).unwrap().clone();
    assert_eq!(task("draft").status, "succeeded", "{:?}", task("draft"));
    assert_eq!(
        task("draft").output,
        Some(json!({"draft": "Widget is here."}))
    );
    // The output is an artifact linked to the attempt.
    let artifacts: Vec<(String, Value, Option<i64>)> = sqlx::query_as(
        "SELECT task_key, content, attempt_id FROM rwf.artifacts WHERE workflow_id = $1",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(artifacts.len(), 1);
    assert_eq!(artifacts[0].0, "draft");
    assert_eq!(artifacts[0].1, json!({"draft": "Widget is here."}));
    assert!(artifacts[0].2.is_some());
    // Needs input: not finished, one notification with the prompt, however often the worker runs.
    assert!(
        !matches!(
            task("ask").status.as_str(),
            "succeeded" | "failed" | "skipped"
        ),
        "{:?}",
        task("ask")
    );
    let feed = store.notifications(Some(id)).await.unwrap();
    let asks: Vec<_> = feed.iter().filter(|n| n.kind == "input_needed").collect();
    assert_eq!(asks.len(), 1, "{feed:?}");
    assert_eq!(asks[0].task_key.as_deref(), Some("ask"));
    assert_eq!(asks[0].message, "Which tone should the post take?");
    let events = store.events(id, 0).await.unwrap();
    let notified: Vec<_> = events
        .iter()
        .filter(|e| e.kind == "notified" && e.data.to_string().contains("input_needed"))
        .collect();
    assert_eq!(notified.len(), 1, "{events:#?}");
    assert_eq!(notified[0].task_key.as_deref(), Some("ask"));
    // An agent rwf.toml does not know fails at once, saying what to add.
    assert_eq!(task("ghost").status, "failed");
    assert!(task("ghost")
        .last_error
        .unwrap_or_default()
        .contains("[agents.nobody]"));
}
