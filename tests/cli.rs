//! The lifecycle CLI end to end on Postgres, as a release manager uses it: `rwf new` (the id alone on
//! stdout), `start`, a real `rwf worker` process, `inbox`, `done`, `approve` (refusals exit 1, bad input
//! exits 2), `status`, `ls`, `log`, and the worker's graceful stop on SIGTERM.

#[path = "support/pg.rs"]
mod pg;

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Cli {
    url: String,
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Ran {
        let out = Command::new(env!("CARGO_BIN_EXE_rwf"))
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env_remove("RWF_CONFIG")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run rwf");
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "rwf {args:?}: {}{}", r.stdout, r.stderr);
        r.stdout
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("rwf {args:?} is not JSON ({e}): {out}"))
    }

    fn task_status(&self, id: &str, task: &str) -> String {
        let status = self.json(&["status", id, "--format", "json"]);
        status["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .find(|t| t["key"] == task)
            .unwrap_or_else(|| panic!("no task {task} in {status}"))["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Polls until `task` reaches `want` (the worker runs in its own process).
    fn wait_for(&self, id: &str, task: &str, want: &str) {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let now = self.task_status(id, task);
            if now == want {
                return;
            }
            assert!(Instant::now() < until, "{task} stayed {now}, never {want}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Stops the worker with SIGTERM if a test fails before doing so.
struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_runs_through_the_lifecycle_cli() {
    let db = pg::TestDb::new().await;
    let cli = Cli {
        url: db.url.clone(),
    };
    cli.ok(&["db", "migrate"]);
    let template = "tests/fixtures/cli/release.rwf";

    // `new` prints the id alone, so scripts can capture it; the workflow starts as a draft.
    let id = cli.ok(&[
        "new",
        template,
        "--set",
        "product=Widget",
        "--release",
        "2027-03-01T09:00",
        "--tz",
        "Europe/Berlin",
        "--as",
        "ann",
    ]);
    let id = id.trim().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "stdout was `{id}`");
    let drafts = cli.json(&["ls", "--status", "draft", "--format", "json"]);
    assert!(drafts.to_string().contains(&id), "{drafts}");

    // A bad release date is the user's input error: exit 2 with the reason, nothing created.
    let bad = cli.run(&[
        "new",
        template,
        "--set",
        "product=W",
        "--release",
        "next week",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("next week"), "{}", bad.stderr);
    // A template that does not compile: its errors with file:line:col, exit 2.
    let broken = cli.run(&[
        "new",
        "tests/fixtures/syntax/compile_errors.rwf",
        "--release",
        "2027-03-01",
    ]);
    assert_eq!(broken.code, 2, "{}", broken.stderr);
    for want in ["compile_errors.rwf:2:5", "RWF050", "does not compile"] {
        assert!(
            broken.stderr.contains(want),
            "no {want} in {}",
            broken.stderr
        );
    }
    let no_value = cli.run(&[
        "new",
        template,
        "--set",
        "product",
        "--release",
        "2027-03-01",
    ]);
    assert_eq!(no_value.code, 2, "{}", no_value.stderr);
    assert!(
        no_value
            .stderr
            .contains("`--set product` is not NAME=VALUE"),
        "{}",
        no_value.stderr
    );

    cli.ok(&["start", &id, "--as", "ann"]);
    let worker = Worker(
        Command::new(env!("CARGO_BIN_EXE_rwf"))
            .args([
                "worker",
                "--test-executor",
                "--poll",
                "0.5",
                "--id",
                "cli-w",
            ])
            .env("DATABASE_URL", &db.url)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rwf worker"),
    );

    // The agent runs by itself; the manual task waits for ann and shows in her inbox.
    cli.wait_for(&id, "draft", "succeeded");
    cli.wait_for(&id, "check", "waiting_input");
    let inbox = cli.json(&["inbox", "--as", "ann", "--format", "json"]);
    assert!(inbox.to_string().contains("check"), "{inbox}");
    let not_json = cli.run(&["done", &id, "check", "--as", "ann", "--output", "{oops"]);
    assert_eq!(not_json.code, 2, "{}", not_json.stderr);
    assert!(not_json.stderr.contains("--output is not JSON"));
    cli.ok(&[
        "done",
        &id,
        "check",
        "--as",
        "ann",
        "--output",
        r#"{"ok": true}"#,
    ]);

    // The approval opens; only ann may decide it, once.
    cli.wait_for(&id, "ship_ok", "waiting_input");
    let inbox = cli.json(&["inbox", "--as", "ann", "--format", "json"]);
    assert!(inbox.to_string().contains("ship_ok"), "{inbox}");
    let stranger = cli.run(&["approve", &id, "ship_ok", "--as", "mallory"]);
    assert_eq!(stranger.code, 1, "{}", stranger.stderr);
    assert!(stranger.stderr.contains("refused"), "{}", stranger.stderr);
    assert!(stranger.stderr.contains("mallory"), "{}", stranger.stderr);
    let machine = cli.run(&["approve", &id, "ship_ok", "--as", "worker"]);
    assert_eq!(machine.code, 1, "{}", machine.stderr);
    assert!(
        machine.stderr.contains("only people decide"),
        "{}",
        machine.stderr
    );
    cli.ok(&[
        "approve",
        &id,
        "ship_ok",
        "--as",
        "ann",
        "--reason",
        "looks good",
    ]);
    let again = cli.run(&["approve", &id, "ship_ok", "--as", "ann"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("refused"), "{}", again.stderr);

    // The gate opened: the ship agent runs and the workflow completes.
    cli.wait_for(&id, "ship", "succeeded");
    let until = Instant::now() + Duration::from_secs(30);
    while !cli
        .json(&["ls", "--status", "completed", "--format", "json"])
        .to_string()
        .contains(&id)
    {
        assert!(Instant::now() < until, "the workflow never completed");
        std::thread::sleep(Duration::from_millis(100));
    }

    // The audit log tells the story, with the people who acted.
    let log = cli.ok(&["log", &id, "--format", "json"]);
    let events: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON event per line"))
        .collect();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    for kind in [
        "dispatched",
        "approval_opened",
        "approval_vote",
        "approval_granted",
    ] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    assert!(events
        .iter()
        .any(|e| e["kind"] == "approval_vote" && e["actor"] == "ann"));

    // SIGTERM: the worker finishes and exits 0.
    let mut worker = worker;
    let pid = worker.0.id() as i32;
    // SAFETY: kill(2) on our own child process.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = worker.0.wait().expect("worker exits");
    assert!(status.success(), "worker exit: {status:?}");
}

/// Team and organization scopes are decided by rwf.toml's people directory: the team's member and
/// the organization's admin may approve, anyone else is refused.
#[tokio::test]
async fn scoped_approvals_follow_the_people_directory() {
    let db = pg::TestDb::new().await;
    let cli = Cli {
        url: db.url.clone(),
    };
    cli.ok(&["db", "migrate"]);
    let id = cli.ok(&[
        "new",
        "tests/fixtures/cli/scopes.rwf",
        "--release",
        "2027-03-01T09:00",
    ]);
    let id = id.trim().to_string();
    cli.ok(&["start", &id]);
    // Without a worker process: reconcile here, as often as needed, through the store.
    let store = db.store().await;
    let worker = rwf::store::worker::Worker::new(
        store,
        rwf::store::worker::WorkerConfig::default(),
        std::sync::Arc::new(rwf::exec::builtin::BuiltinExecutor),
        std::sync::Arc::new(rwf::store::RhaiHooks::default()),
    );
    worker.run_until_idle().await.unwrap();
    let config = "tests/fixtures/cli/rwf.toml";
    let approve =
        |task: &str, who: &str| cli.run(&["approve", &id, task, "--as", who, "--config", config]);

    // The inbox shows the legal approval to legal's member, not to someone the directory places
    // outside the team.
    let inbox = |who: &str| cli.ok(&["inbox", "--as", who, "--config", config, "--format", "json"]);
    assert!(inbox("lena").contains("legal_ok"));
    assert!(!inbox("ann").contains("legal_ok"));
    // With a directory where nobody is in legal, nobody's inbox lists it; it is reported instead,
    // and `rwf check` with that config finds the same problem before the release starts.
    let nobody = "tests/fixtures/cli/nobody.toml";
    let listed = cli.run(&["inbox", "--config", nobody, "--format", "json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(!listed.stdout.contains("legal_ok"), "{}", listed.stdout);
    assert!(
        listed
            .stderr
            .contains("nobody in the people directory can decide `legal_ok`"),
        "{}",
        listed.stderr
    );
    let checked = cli.run(&["check", nobody, "tests/fixtures/cli/scopes.rwf"]);
    assert_eq!(checked.code, 1, "{}", checked.stderr);
    assert!(
        checked.stderr.contains("RWF131")
            && checked
                .stderr
                .contains("nobody can decide approval `legal_ok`"),
        "{}",
        checked.stderr
    );

    let outsider = approve("legal_ok", "ann");
    assert_eq!(outsider.code, 1, "{}", outsider.stderr);
    assert_eq!(approve("legal_ok", "lena").code, 0);
    worker.run_until_idle().await.unwrap();
    assert_eq!(cli.task_status(&id, "org_ok"), "waiting_input");

    let member = approve("org_ok", "lena");
    assert_eq!(member.code, 1, "lena is no org admin: {}", member.stderr);
    let admin = approve("org_ok", "olga");
    assert_eq!(admin.code, 0, "{}", admin.stderr);
    worker.run_until_idle().await.unwrap();
    assert_eq!(cli.task_status(&id, "shipped"), "succeeded");
}

#[tokio::test]
async fn signal_delivers_an_event_once_by_id_and_refuses_what_nothing_waits_for() {
    let db = pg::TestDb::new().await;
    let cli = Cli {
        url: db.url.clone(),
    };
    cli.ok(&["db", "migrate"]);
    let id = cli.ok(&[
        "new",
        "tests/fixtures/cli/events.rwf",
        "--release",
        "2027-03-01T09:00",
    ]);
    let id = id.trim().to_string();
    // Sent to the draft: latched until the wait opens.
    let sent = cli.run(&[
        "signal",
        &id,
        "ci.finished",
        "--id",
        "run-1",
        "--data",
        r#"{"status": "success", "url": "https://ci/1"}"#,
        "--as",
        "ci-bot",
    ]);
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    assert!(
        sent.stderr
            .contains("event `ci.finished` received (id run-1)"),
        "{}",
        sent.stderr
    );
    // The same id again: exit 0, nothing stored; as JSON, the first event with `repeat: true`.
    let again = cli.json(&[
        "signal",
        &id,
        "ci.finished",
        "--id",
        "run-1",
        "--data",
        r#"{"status": "success", "url": "https://ci/1"}"#,
        "--format",
        "json",
    ]);
    assert_eq!(again["repeat"], true, "{again}");
    assert_eq!(again["event"]["sender"], "ci-bot", "{again}");
    // Refusals exit 1 with the reason; bad input exits 2.
    let typo = cli.run(&["signal", &id, "ci.finishd"]);
    assert_eq!(typo.code, 1, "{}", typo.stderr);
    assert!(
        typo.stderr.contains("refused:") && typo.stderr.contains("`ci.finished`"),
        "{}",
        typo.stderr
    );
    let bad = cli.run(&["signal", &id, "ci.finished", "--data", "{oops"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--data is not JSON"), "{}", bad.stderr);
    cli.ok(&["start", &id]);
    let store = db.store().await;
    let worker = rwf::store::worker::Worker::new(
        store,
        rwf::store::worker::WorkerConfig::default(),
        std::sync::Arc::new(rwf::exec::builtin::BuiltinExecutor),
        std::sync::Arc::new(rwf::store::RhaiHooks::default()),
    );
    worker.run_until_idle().await.unwrap();
    assert_eq!(cli.task_status(&id, "ci_green"), "succeeded");
    assert_eq!(cli.task_status(&id, "shipped"), "succeeded");
    // The audit log names the sender of each.
    let log = cli.ok(&["log", &id]);
    for want in [
        "ci-bot   event `ci.finished` received from ci-bot (id run-1)",
        "event `ci.finished` sent again by cli (id run-1): already received, nothing changed",
        "ci_green: took event run-1",
    ] {
        assert!(log.contains(want), "no {want} in {log}");
    }
    // A finished workflow takes no more events.
    let late = cli.run(&["signal", &id, "ci.finished", "--id", "run-2"]);
    assert_eq!(late.code, 1, "{}", late.stderr);
    assert!(
        late.stderr.contains("takes no more events"),
        "{}",
        late.stderr
    );
}

/// `rwf simulate --signal NAME@WHEN[=JSON]` feeds events to the same template: a green run before
/// the release completes it, none times the wait out (exit 1), a malformed flag is exit 2.
#[test]
fn simulate_feeds_signals_at_chosen_instants() {
    let cli = Cli { url: String::new() };
    let sim = |extra: &[&str]| {
        let mut args = vec![
            "simulate",
            "tests/fixtures/cli/events.rwf",
            "--release",
            "2027-03-01T09:00",
        ];
        args.extend_from_slice(extra);
        cli.run(&args)
    };
    let green = sim(&[
        "--signal",
        r#"ci.finished@release+1h={"status": "success"}"#,
    ]);
    assert_eq!(green.code, 0, "{}{}", green.stdout, green.stderr);
    for want in [
        "2027-03-01 10:00 UTC  event `ci.finished` received (id sim-1)",
        "event ci_green succeeded: event `ci.finished` received from simulator (id sim-1)",
        "workflow completed",
    ] {
        assert!(green.stdout.contains(want), "no {want} in {}", green.stdout);
    }
    let red = sim(&[
        "--signal",
        r#"ci.finished@2027-03-01T10:00={"status": "failure"}"#,
    ]);
    assert_eq!(red.code, 1, "{}", red.stdout);
    assert!(
        red.stdout.contains("event ci_green timed out (then fail)"),
        "{}",
        red.stdout
    );
    for (flag, want) in [
        ("ci.finished", "no `@WHEN`"),
        ("ci.finished@release+1mo", "is not an offset"),
        ("ci.finished@soon", "neither `release±OFFSET`"),
        ("ci.finished@release={oops", "the payload is not JSON"),
    ] {
        let bad = sim(&["--signal", flag]);
        assert_eq!(bad.code, 2, "{flag}: {}", bad.stderr);
        assert!(bad.stderr.contains(want), "{flag}: {}", bad.stderr);
    }
}

/// With the database down, every database command (the worker at start-up too) says what is wrong
/// within a few seconds, not "pool timed out" after a minute. Port 1 on loopback has no listener.
#[test]
fn a_database_that_is_down_is_named_at_once() {
    let down = "postgres://postgres@127.0.0.1:1/rwf";
    for args in [
        vec!["ls"],
        vec!["db", "status"],
        vec!["worker", "--id", "down-w"],
        vec!["inbox", "--as", "ann"],
    ] {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_rwf"))
            .args(&args)
            .env("DATABASE_URL", down)
            .env_remove("RWF_CONFIG")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run rwf");
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "rwf {args:?}: {stderr}");
        assert!(
            stderr.contains("connection refused at 127.0.0.1:1"),
            "rwf {args:?} names the cause and the address: {stderr}"
        );
        assert!(took < Duration::from_secs(10), "rwf {args:?} took {took:?}");
    }
}

/// Durations are checked where they enter: out of bounds (a poll that would spin, a value that
/// overflows) is a usage error naming the flag and the bounds, before any database is touched.
#[test]
fn worker_durations_are_bounded_at_the_edge() {
    for (flag, value) in [
        ("--poll", "1e300"),
        ("--poll", "1e-9"),
        ("--poll", "0"),
        ("--poll", "NaN"),
        ("--poll", "inf"),
        ("--lease", "1e300"),
        ("--lease", "0.5"),
        ("--grace", "1e300"),
        ("--grace", "-1.0"),
        ("--poll", "soon"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_rwf"))
            .args(["worker", &format!("{flag}={value}")])
            .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/rwf")
            .output()
            .expect("run rwf");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(
            stderr.contains(flag)
                && (stderr.contains("between") || stderr.contains("not a number")),
            "{flag} {value}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_with_a_count_creates_that_many_drafts_at_once() {
    let db = pg::TestDb::new().await;
    let cli = Cli {
        url: db.url.clone(),
    };
    cli.ok(&["db", "migrate"]);
    let template = "tests/fixtures/cli/release.rwf";
    let args = |count: &'static str| {
        vec![
            "new",
            template,
            "--set",
            "product=Widget",
            "--release",
            "2027-03-01T09:00",
            "--tz",
            "Europe/Berlin",
            "--count",
            count,
        ]
    };
    let one = cli.ok(&args("1")).trim().to_string();
    let out = cli.ok(&args("3"));
    let ids: Vec<&str> = out.lines().collect();
    assert_eq!(ids.len(), 3, "one id a line: {out}");
    let distinct: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), 3, "{out}");
    // Each batch draft is the workflow a single `rwf new` makes: same tasks, same plan, logged.
    let strip = |v: &Value| {
        assert!(v["tasks"].as_array().is_some_and(|t| !t.is_empty()), "{v}");
        (
            v["workflow"]["status"].clone(),
            v["progress"].clone(),
            v["tasks"].clone(),
        )
    };
    let single = cli.json(&["status", &one, "--format", "json"]);
    for id in &ids {
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        let status = cli.json(&["status", id, "--format", "json"]);
        assert_eq!(strip(&status), strip(&single), "{status}\nvs\n{single}");
        let log = cli.ok(&["log", id]);
        assert!(log.contains("created from cli_release@1"), "{log}");
    }
    let drafts = cli.json(&["ls", "--status", "draft", "--format", "json"]);
    for id in ids.iter().chain([&one.as_str()]) {
        assert!(drafts.to_string().contains(id), "{drafts}");
    }
    // Zero is a usage error: exit 2, nothing created.
    let zero = cli.run(&args("0"));
    assert_eq!(zero.code, 2, "{}", zero.stderr);
    assert!(zero.stderr.contains("--count"), "{}", zero.stderr);
    let after = cli.json(&["ls", "--format", "json"]);
    assert_eq!(after.as_array().map(Vec::len), Some(4), "{after}");
}
