//! Notification sinks and the delivery loop against real receivers on loopback and real processes;
//! the Postgres delivery log and `rwf notifications --follow` on a real database.

#[path = "support/pg.rs"]
mod pg;
#[path = "support/specs.rs"]
mod specs;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use rwf::exec::deliver::{AttemptResult, Deliverer, DeliveryPolicy, MemoryDeliveryLog, Route};
use rwf::exec::sinks::{CommandSink, SlackSink, WebhookSink};
use rwf::exec::{Notification, Sink};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// What a receiver got: (X-Rwf-Delivery header, body).
#[derive(Default)]
struct Received {
    requests: Mutex<Vec<(Option<String>, Value)>>,
    /// Answer 500 to this many requests first.
    fail_first: Mutex<usize>,
}

async fn receive(State(r): State<Arc<Received>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let delivery = headers
        .get("x-rwf-delivery")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    r.requests.lock().unwrap().push((delivery, body));
    let mut fail = r.fail_first.lock().unwrap();
    if *fail > 0 {
        *fail -= 1;
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    StatusCode::OK
}

async fn receiver(fail_first: usize) -> (String, Arc<Received>) {
    let state = Arc::new(Received {
        fail_first: Mutex::new(fail_first),
        ..Received::default()
    });
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), state)
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn notification(kind: &str, title: &str) -> Notification {
    Notification {
        id: Uuid::new_v4(),
        workflow_id: Uuid::new_v4(),
        kind: kind.into(),
        task_key: Some("legal".into()),
        recipients: vec!["team:legal".into()],
        title: title.into(),
        message: format!("{title}: please look <now> & soon"),
        created_at: t0(),
    }
}

fn policy() -> DeliveryPolicy {
    DeliveryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_secs(5),
        max_backoff: Duration::from_secs(60),
        max_age: Duration::from_secs(3600),
    }
}

fn route(sink: impl Sink + 'static, kinds: Option<&[&str]>) -> Route {
    Route {
        sink: Arc::new(sink),
        kinds: kinds.map(|k| k.iter().map(|s| s.to_string()).collect()),
    }
}

#[tokio::test]
async fn webhook_gets_each_notification_once_per_delivery_id_after_a_retry() {
    let (url, received) = receiver(1).await;
    let log = MemoryDeliveryLog::new();
    let sent: Vec<Notification> = (0..3)
        .map(|i| notification("approval_needed", &format!("Legal sign-off {i}")))
        .collect();
    for n in &sent {
        log.push(n.clone());
    }
    let deliverer = Deliverer::new(vec![route(WebhookSink::new("hooks", url), None)], policy());

    let first = deliverer.deliver_due(&log, t0()).await.unwrap();
    assert_eq!((first.delivered, first.failed), (2, 1));
    // Nothing is due before the backoff has passed.
    let early = deliverer
        .deliver_due(&log, t0() + ChronoDuration::seconds(4))
        .await
        .unwrap();
    assert_eq!(early.attempted(), 0);
    let retry = deliverer
        .deliver_due(&log, t0() + ChronoDuration::seconds(5))
        .await
        .unwrap();
    assert_eq!(retry.delivered, 1);
    assert_eq!(
        deliverer
            .deliver_due(&log, t0() + ChronoDuration::hours(1))
            .await
            .unwrap()
            .attempted(),
        0
    );

    let requests = received.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 4, "three deliveries and one retry");
    // Dedupe by delivery id, as a receiver would: every notification exactly once.
    let mut by_id: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (id, body) in &requests {
        by_id
            .entry(id.clone().expect("every delivery carries X-Rwf-Delivery"))
            .or_default()
            .push(body.clone());
    }
    let mut expected: Vec<String> = sent.iter().map(|n| n.id.to_string()).collect();
    expected.sort();
    assert_eq!(by_id.keys().cloned().collect::<Vec<_>>(), expected);
    let retried: Vec<_> = by_id.iter().filter(|(_, b)| b.len() == 2).collect();
    assert_eq!(retried.len(), 1, "the receiver saw exactly one retry");
    assert_eq!(
        retried[0].1[0], retried[0].1[1],
        "a retry sends the same body"
    );
    // The body is the notification itself.
    let body = &by_id[&sent[1].id.to_string()][0];
    assert_eq!(body["kind"], "approval_needed");
    assert_eq!(body["title"], "Legal sign-off 1");
    assert_eq!(body["recipients"], json!(["team:legal"]));
    // Every attempt is recorded.
    let attempts = log.attempts();
    assert_eq!(attempts.len(), 4);
    assert!(
        matches!(&attempts[0].result, AttemptResult::Failed { error, retry_at: Some(at) }
        if error.contains("500") && *at == t0() + ChronoDuration::seconds(5))
    );
    assert_eq!(attempts[3].attempt, 2);
}

#[tokio::test]
async fn gives_up_after_max_attempts_and_filters_kinds() {
    let (url, received) = receiver(100).await;
    let log = MemoryDeliveryLog::new();
    log.push(notification("task_failed", "Build failed"));
    log.push(notification("approval_reminder", "Reminder"));
    let deliverer = Deliverer::new(
        vec![route(WebhookSink::new("ops", url), Some(&["task_failed"]))],
        policy(),
    );
    let mut now = t0();
    let mut gave_up = 0;
    let mut skipped = 0;
    for _ in 0..10 {
        let stats = deliverer.deliver_due(&log, now).await.unwrap();
        gave_up += stats.gave_up;
        skipped += stats.skipped;
        now += ChronoDuration::minutes(5);
    }
    assert_eq!((gave_up, skipped), (1, 1));
    assert_eq!(
        received.requests.lock().unwrap().len(),
        3,
        "max_attempts = 3"
    );
    let attempts = log.attempts();
    assert!(attempts.iter().any(|a| matches!(&a.result, AttemptResult::Skipped { reason } if reason.contains("approval_reminder"))));
    assert!(matches!(
        attempts.last().unwrap().result,
        AttemptResult::Failed { retry_at: None, .. }
    ));
}

#[tokio::test]
async fn old_notifications_are_not_sent_to_a_new_sink() {
    let (url, received) = receiver(0).await;
    let log = MemoryDeliveryLog::new();
    log.push(notification("approval_needed", "Old"));
    let deliverer = Deliverer::new(vec![route(WebhookSink::new("new", url), None)], policy());
    let stats = deliverer
        .deliver_due(&log, t0() + ChronoDuration::days(2))
        .await
        .unwrap();
    assert_eq!(stats.skipped, 1);
    assert!(received.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn slack_payload_shape() {
    let (url, received) = receiver(0).await;
    let n = notification("approval_needed", "Legal sign-off");
    SlackSink::new("chat", url.clone())
        .deliver(&n)
        .await
        .unwrap();
    let mut with_blocks = SlackSink::new("chat-blocks", url);
    with_blocks.blocks = true;
    with_blocks.deliver(&n).await.unwrap();
    let requests = received.requests.lock().unwrap().clone();
    assert_eq!(
        requests[0].1,
        json!({"text": "*Legal sign-off*\nLegal sign-off: please look &lt;now&gt; &amp; soon"})
    );
    assert_eq!(requests[0].0, None, "slack gets no rwf headers");
    let blocks = &requests[1].1["blocks"];
    assert_eq!(requests[1].1["text"], requests[0].1["text"]);
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["text"], "Legal sign-off");
    assert_eq!(blocks[1]["text"]["type"], "mrkdwn");
    let context = blocks[2]["elements"][0]["text"].as_str().unwrap();
    assert!(
        context.contains("approval_needed")
            && context.contains("task `legal`")
            && context.contains("team:legal"),
        "{context}"
    );
}

#[tokio::test]
async fn command_sink_gets_the_notification_on_stdin() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("rwf-notify-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let program = dir.join("sink.sh");
    std::fs::write(
        &program,
        format!(
            "#!/bin/sh\nif [ -f {d}/fail-once ]; then rm {d}/fail-once; echo 'mail server down' >&2; exit 1; fi\ncat > {d}/\"$RWF_DELIVERY_ID.$RWF_NOTIFICATION_KIND.json\"\n",
            d = dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.join("fail-once"), "").unwrap();

    let log = MemoryDeliveryLog::new();
    let n = notification("workflow_completed", "Launch done");
    log.push(n.clone());
    let deliverer = Deliverer::new(
        vec![route(CommandSink::new("mailer", &program), None)],
        policy(),
    );
    let first = deliverer.deliver_due(&log, t0()).await.unwrap();
    assert_eq!(first.failed, 1);
    assert!(
        matches!(&log.attempts()[0].result, AttemptResult::Failed { error, .. } if error.contains("mail server down"))
    );
    let second = deliverer
        .deliver_due(&log, t0() + ChronoDuration::minutes(1))
        .await
        .unwrap();
    assert_eq!(second.delivered, 1);
    let written =
        std::fs::read_to_string(dir.join(format!("{}.workflow_completed.json", n.id))).unwrap();
    let body: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(body["id"], n.id.to_string());
    assert_eq!(body["title"], "Launch done");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_loop_delivers_on_a_hint_and_stops() {
    let (url, received) = receiver(0).await;
    let log = Arc::new(MemoryDeliveryLog::new());
    let hint = Arc::new(tokio::sync::Notify::new());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let deliverer = Deliverer::new(vec![route(WebhookSink::new("hooks", url), None)], policy());
    let task = {
        let (log, hint) = (log.clone(), hint.clone());
        tokio::spawn(async move {
            deliverer
                .run(
                    &*log,
                    &Utc::now,
                    &hint,
                    Duration::from_secs(60),
                    stop_rx,
                    &|e| panic!("{e}"),
                )
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut n = notification("input_needed", "Draft needs a tone");
    n.created_at = Utc::now();
    log.push(n.clone());
    let started = std::time::Instant::now();
    hint.notify_one();
    while received.requests.lock().unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "no delivery after the hint"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        received.requests.lock().unwrap()[0].0.as_deref(),
        Some(n.id.to_string().as_str())
    );
    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .unwrap()
        .unwrap();
}

// ---- Postgres: the delivery log and the feed ----

/// A migrated database with one workflow to hang notifications on.
async fn feed_db() -> (pg::TestDb, rwf::store::Store, Uuid) {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let id = specs::create(
        &store,
        specs::spec_of("feed", vec![specs::checkpoint("kickoff")]),
        specs::base(),
    )
    .await;
    (db, store, id)
}

async fn insert(store: &rwf::store::Store, n: &Notification) {
    sqlx::query(
        "INSERT INTO rwf.notifications (id, workflow_id, kind, task_key, recipients, title, message, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(n.id)
    .bind(n.workflow_id)
    .bind(&n.kind)
    .bind(&n.task_key)
    .bind(json!(n.recipients))
    .bind(&n.title)
    .bind(&n.message)
    .bind(n.created_at)
    .execute(store.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn postgres_delivery_log_retries_records_and_claims() {
    use rwf::exec::deliver::DeliveryLog;
    use rwf::store::delivery::PgDeliveryLog;
    let (_db, store, wf) = feed_db().await;
    let (url, received) = receiver(1).await;
    let mut sent = Vec::new();
    for i in 0..3 {
        let mut n = notification("approval_needed", &format!("Sign-off {i}"));
        n.workflow_id = wf;
        n.created_at = t0() + ChronoDuration::seconds(i);
        insert(&store, &n).await;
        sent.push(n);
    }
    let log = PgDeliveryLog::new(store.clone(), Duration::from_secs(3600), "w1");
    let deliverer = Deliverer::new(vec![route(WebhookSink::new("hooks", url), None)], policy());
    let now = t0() + ChronoDuration::minutes(1);
    let first = deliverer.deliver_due(&log, now).await.unwrap();
    assert_eq!((first.delivered, first.failed), (2, 1));
    let retry = deliverer
        .deliver_due(&log, now + ChronoDuration::seconds(5))
        .await
        .unwrap();
    assert_eq!(retry.delivered, 1);
    assert_eq!(
        deliverer
            .deliver_due(&log, now + ChronoDuration::hours(1))
            .await
            .unwrap()
            .attempted(),
        0
    );

    let requests = received.requests.lock().unwrap().clone();
    let ids: std::collections::BTreeSet<String> =
        requests.iter().map(|(id, _)| id.clone().unwrap()).collect();
    assert_eq!(requests.len(), 4);
    assert_eq!(
        ids.len(),
        3,
        "every notification delivered, one of them twice"
    );
    let attempts = store.delivery_attempts(None).await.unwrap();
    let outcomes: Vec<(&str, i32)> = attempts
        .iter()
        .map(|a| (a.outcome.as_str(), a.attempt))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("failed", 1),
            ("delivered", 1),
            ("delivered", 1),
            ("delivered", 2)
        ]
    );
    assert_eq!(attempts[0].notification_id, sent[0].id);
    assert!(attempts[0].error.as_deref().unwrap().contains("500"));

    // A claimed pair is not handed to a second deliverer at the same time.
    let mut n = notification("task_failed", "Build failed");
    n.workflow_id = wf;
    n.created_at = now;
    insert(&store, &n).await;
    let sinks = vec!["hooks".to_string()];
    let claimed = log.due(&sinks, now, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let other = PgDeliveryLog::new(store.clone(), Duration::from_secs(3600), "w2");
    assert!(other.due(&sinks, now, 10).await.unwrap().is_empty());
    // Abandoned (the deliverer died): due again once the claim's lease ran out.
    let again = other
        .due(&sinks, now + ChronoDuration::seconds(31), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].notification, n);
}

#[tokio::test]
async fn notifications_follow_shows_a_new_item_within_a_second() {
    use std::io::BufRead;
    let (db, store, wf) = feed_db().await;
    let mut old = notification("approval_needed", "Already there");
    old.workflow_id = wf;
    insert(&store, &old).await;

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args([
            "notifications",
            "--follow",
            "--format",
            "json",
            "--database-url",
            &db.url,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<(std::time::Instant, String)>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send((std::time::Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    // The existing item is printed once the listener is up.
    let (_, first) = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the feed is printed");
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["id"], old.id.to_string());

    let mut new = notification("input_needed", "Draft needs a tone");
    new.workflow_id = wf;
    new.created_at = Utc::now();
    let written = std::time::Instant::now();
    insert(&store, &new).await;
    let got = rx.recv_timeout(Duration::from_secs(1));
    let _ = child.kill();
    let _ = child.wait();
    let (at, line) = got.expect("the new notification within 1 s");
    let line: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(line["id"], new.id.to_string());
    assert_eq!(line["kind"], "input_needed");
    let latency = at.duration_since(written);
    eprintln!("rwf notifications --follow latency: {latency:?}");
    assert!(latency < Duration::from_secs(1));
    // Nothing else (no repeat of the old one).
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
}

#[tokio::test]
async fn rwf_worker_delivers_the_feed_to_configured_sinks() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let (url, received) = receiver(1).await;
    let dir = std::env::temp_dir().join(format!("rwf-worker-sinks-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("rwf.toml"),
        format!(
            "[[sinks]]\nkind = \"webhook\"\nname = \"ops\"\nurl = \"{url}\"\nkinds = [\"notification\"]\n\n[delivery]\ninitial_backoff = \"200ms\"\n"
        ),
    )
    .unwrap();
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args([
            "worker",
            "--poll",
            "1",
            "--database-url",
            &db.url,
            "--id",
            "sinks-test",
        ])
        .current_dir(&dir)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let id = specs::create(
        &store,
        specs::spec_of(
            "announce",
            vec![specs::notification("ga", "Widget is generally available")],
        ),
        Utc::now() + ChronoDuration::days(1),
    )
    .await;
    store
        .transition(id, rwf::store::LifecycleVerb::Start, "ann")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let delivered = loop {
        let requests = received.requests.lock().unwrap().clone();
        if requests.len() >= 2 || started.elapsed() > Duration::from_secs(20) {
            break requests;
        }
        drop(requests);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The receiver answered before the worker recorded it: wait for the record.
    let recorded = std::time::Instant::now();
    while recorded.elapsed() < Duration::from_secs(5)
        && !store
            .delivery_attempts(None)
            .await
            .unwrap()
            .iter()
            .any(|a| a.outcome == "delivered")
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = worker.kill();
    let _ = worker.wait();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(delivered.len(), 2, "a failed first delivery and its retry");
    assert_eq!(delivered[0], delivered[1]);
    assert_eq!(delivered[0].1["kind"], "notification");
    assert_eq!(delivered[0].1["workflow_id"], id.to_string());
    assert_eq!(delivered[0].1["message"], "Widget is generally available");
    let announced: Uuid = delivered[0].1["id"].as_str().unwrap().parse().unwrap();
    let attempts = store.delivery_attempts(Some(announced)).await.unwrap();
    let outcomes: Vec<&str> = attempts.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, ["failed", "delivered"]);
    // Other kinds (the workflow's completion) are recorded as skipped by the `kinds` filter.
    for other in store.delivery_attempts(None).await.unwrap() {
        if other.notification_id != announced {
            assert_eq!(other.outcome, "skipped");
            assert!(other.error.unwrap().contains("not in the sink's kinds"));
        }
    }
}

/// `rwf notifications --deliveries` shows each delivery's state per sink, and reports a sink that
/// keeps failing (retrying or given up) with its last error, exit 1, instead of retrying silently.
#[tokio::test]
async fn deliveries_are_visible_and_a_failing_sink_is_reported() {
    use rwf::store::delivery::PgDeliveryLog;
    let (db, store, wf) = feed_db().await;
    let (good_url, _) = receiver(0).await;
    let (bad_url, _) = receiver(usize::MAX).await;
    let mut n = notification("approval_needed", "Sign-off");
    n.workflow_id = wf;
    insert(&store, &n).await;
    let log = PgDeliveryLog::new(store.clone(), Duration::from_secs(3600), "w-test");
    let deliverer = Deliverer::new(
        vec![
            route(WebhookSink::new("good", good_url), None),
            route(WebhookSink::new("broken", bad_url), None),
        ],
        policy(),
    );
    let mut now = t0() + ChronoDuration::minutes(1);
    for _ in 0..4 {
        deliverer.deliver_due(&log, now).await.unwrap();
        now += ChronoDuration::minutes(5);
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args(["notifications", "--deliveries", "--database-url", &db.url])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let line = |sink: &str| {
        stdout
            .lines()
            .find(|l| l.contains(&format!(" {sink} ")))
            .unwrap_or_else(|| panic!("no {sink} in {stdout}"))
            .to_string()
    };
    assert!(line("good").contains("delivered"), "{stdout}");
    assert!(
        line("broken").contains("gave_up") && line("broken").contains("attempts 3"),
        "{stdout}"
    );
    assert!(
        stderr.contains("sink `broken` is failing: 0 retrying, 1 given up; last error:")
            && stderr.contains("500"),
        "{stderr}"
    );
    let json = std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args([
            "notifications",
            "--deliveries",
            "--format",
            "json",
            "--database-url",
            &db.url,
        ])
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&json.stdout).expect("a JSON document");
    assert_eq!(rows.as_array().map(Vec::len), Some(2), "{rows}");
}

/// Deliveries are leased like dispatches: a worker restarting with the same id takes its claims
/// back at once (not after a fixed wait), another worker once the lease ran out (heartbeats keep it),
/// and a late result of a claim that was taken over is dropped, so one attempt is recorded once.
#[tokio::test]
async fn delivery_claims_are_leased_taken_back_at_once_and_fenced() {
    use rwf::exec::deliver::{AttemptResult, DeliveryAttempt, DeliveryLog};
    use rwf::store::delivery::PgDeliveryLog;
    let (_db, store, wf) = feed_db().await;
    let mut n = notification("approval_needed", "Sign-off");
    n.workflow_id = wf;
    n.created_at = t0();
    insert(&store, &n).await;
    let sinks = vec!["hooks".to_string()];
    let hour = Duration::from_secs(3600);
    let now = t0() + ChronoDuration::seconds(1);
    // w1 claims it, then dies before recording anything.
    let w1 = PgDeliveryLog::new(store.clone(), hour, "w1");
    let first = w1.due(&sinks, now, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    // Another worker cannot take it while the lease runs, nor after a heartbeat pushed it on.
    let w2 = PgDeliveryLog::new(store.clone(), hour, "w2");
    assert!(w2.due(&sinks, now, 10).await.unwrap().is_empty());
    w1.renew(now + ChronoDuration::seconds(25)).await.unwrap();
    assert!(w2
        .due(&sinks, now + ChronoDuration::seconds(40), 10)
        .await
        .unwrap()
        .is_empty());
    // w1 restarts with the same id: its claim comes back at once, under a new epoch.
    let restarted = PgDeliveryLog::new(store.clone(), hour, "w1");
    let again = restarted.due(&sinks, now, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].notification, n);
    assert!(again[0].epoch > first[0].epoch);
    let attempt = |at| DeliveryAttempt {
        notification_id: n.id,
        sink: "hooks".into(),
        attempt: 1,
        at,
        result: AttemptResult::Delivered,
    };
    // The dead run's late answer (the old epoch) is dropped; the new claim's is recorded once.
    assert!(!w1.record(&attempt(now), first[0].epoch).await.unwrap());
    assert!(restarted
        .record(&attempt(now), again[0].epoch)
        .await
        .unwrap());
    assert!(!restarted
        .record(&attempt(now), again[0].epoch)
        .await
        .unwrap());
    let attempts = store.delivery_attempts(Some(n.id)).await.unwrap();
    assert_eq!(
        attempts.len(),
        1,
        "one attempt, recorded once: {attempts:?}"
    );
    assert_eq!(attempts[0].outcome, "delivered");
    // Delivered is final: nobody claims it again, not even long after.
    for log in [&w1, &w2] {
        assert!(log
            .due(&sinks, now + ChronoDuration::hours(2), 10)
            .await
            .unwrap()
            .is_empty());
    }
}

/// Two sinks of one name would share one delivery record each: `rwf check` and the worker's
/// start-up both refuse the config (RWF116), naming the line.
#[test]
fn duplicate_sink_names_are_refused_by_check_and_at_worker_start() {
    let dir = std::env::temp_dir().join(format!("rwf-dup-sinks-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("rwf.toml");
    std::fs::write(
        &toml,
        "[[sinks]]\nname = \"ops\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:18100/a\"\n\n\
         [[sinks]]\nname = \"ops\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:18100/b\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
            .args(args)
            .env("NO_COLOR", "1")
            .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/unused")
            .current_dir(&dir)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["check", "rwf.toml"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("RWF116") && err.contains("two sinks are named `ops`"),
        "{err}"
    );
    let (code, err) = run(&["worker", "--id", "dup"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("RWF116") && err.contains("rwf.toml:7:8"),
        "{err}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args(["check", "--explain", "RWF116"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("config-duplicate-sink"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A real `rwf worker` SIGKILLed while a sink call hangs, restarted with the same id: the delivery
/// is taken back at once (not after a fixed claim time) and recorded once, as delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_worker_redelivers_its_claims_at_once() {
    #[derive(Default)]
    struct Slow {
        arrivals: Mutex<Vec<std::time::Instant>>,
    }
    async fn slow(State(s): State<Arc<Slow>>) -> StatusCode {
        let first = {
            let mut a = s.arrivals.lock().unwrap();
            a.push(std::time::Instant::now());
            a.len() == 1
        };
        if first {
            // The first call hangs: the worker is killed while it waits.
            tokio::time::sleep(Duration::from_secs(120)).await;
        }
        StatusCode::OK
    }
    let state = Arc::new(Slow::default());
    let app = Router::new()
        .route("/slow", post(slow))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let dir = std::env::temp_dir().join(format!("rwf-restart-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("rwf.toml"),
        format!(
            "[[sinks]]\nkind = \"webhook\"\nname = \"ops\"\nurl = \"http://{addr}/slow\"\n\
             kinds = [\"notification\"]\ntimeout = \"5m\"\n"
        ),
    )
    .unwrap();
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
            .args(["worker", "--poll", "1", "--database-url", &db.url])
            .args(["--id", "restart-w"])
            .current_dir(&dir)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut worker = spawn();
    let id = specs::create(
        &store,
        specs::spec_of(
            "announce",
            vec![specs::notification("ga", "Widget is generally available")],
        ),
        Utc::now() + ChronoDuration::days(1),
    )
    .await;
    store
        .transition(id, rwf::store::LifecycleVerb::Start, "ann")
        .await
        .unwrap();
    let arrived = |n: usize| state.arrivals.lock().unwrap().len() >= n;
    let started = std::time::Instant::now();
    while !arrived(1) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never delivered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.kill().unwrap();
    worker.wait().unwrap();
    let mut worker = spawn();
    let restarted = std::time::Instant::now();
    while !arrived(2) {
        assert!(
            restarted.elapsed() < Duration::from_secs(10),
            "not redelivered within 10 s of the restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recorded = std::time::Instant::now();
    let attempts = loop {
        // Other feed items (kinds the sink does not take) are recorded as skipped, possibly before
        // the redelivery's own record: wait for that one.
        let attempts: Vec<(String, i32)> = store
            .delivery_attempts(None)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.outcome != "skipped")
            .map(|a| (a.outcome, a.attempt))
            .collect();
        if !attempts.is_empty() || recorded.elapsed() > Duration::from_secs(10) {
            break attempts;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _ = worker.kill();
    let _ = worker.wait();
    let outcomes: Vec<(&str, i32)> = attempts.iter().map(|(o, n)| (o.as_str(), *n)).collect();
    assert_eq!(outcomes, [("delivered", 1)], "one attempt, recorded once");
    let _ = std::fs::remove_dir_all(&dir);
}
