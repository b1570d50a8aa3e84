//! `rwf serve` over real HTTP against real Postgres: servers started in-process on ephemeral loopback
//! ports (and one real `rwf serve` process), tokens from `rwf admin token create`, the people of
//! tests/fixtures/server/rwf.toml. The authorization matrix walks every endpoint with every kind of
//! caller and checks the status, and on each refusal that no `rwf.*` table changed.

#[path = "support/pg.rs"]
mod pg;
#[path = "support/rig.rs"]
mod rig;
#[path = "support/specs.rs"]
mod specs;

use reqwest::{Method, StatusCode};
use rwf::server::Settings;
use rwf::store::{PrincipalKind, Store};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const TEMPLATE: &str = include_str!("fixtures/server/release.rwf");
const CONFIG: &str = include_str!("fixtures/server/rwf.toml");

fn settings() -> Settings {
    let loaded = rwf::config::Config::parse(CONFIG, "rwf.toml", std::path::Path::new("."));
    let config = loaded.config.expect("the test rwf.toml is valid");
    Settings {
        directory: config.directory,
        roles: config.server,
        max_body: 64 * 1024,
        timeout: Duration::from_secs(20),
    }
}

/// One server on one database, stopped when dropped.
struct Server {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    async fn start(store: &Store) -> Server {
        Server::start_with(store, settings()).await
    }

    async fn start_with(store: &Store, settings: Settings) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let store = store.clone().with_directory(settings.directory.clone());
        let handle = tokio::spawn(rwf::server::serve(listener, store, settings, async {
            let _ = rx.await;
        }));
        Server {
            base,
            stop: Some(tx),
            handle: Some(handle),
        }
    }

    /// Stops gracefully and waits for it.
    async fn stop(mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        if let Some(h) = self.handle.take() {
            tokio::time::timeout(Duration::from_secs(10), h)
                .await
                .expect("the server stops within 10 s")
                .unwrap()
                .unwrap();
        }
    }
}

/// A caller: the token it sends (none: anonymous).
#[derive(Clone)]
struct Who {
    token: Option<String>,
}

struct Env {
    db: pg::TestDb,
    store: Store,
    server: Server,
    http: reqwest::Client,
    who: BTreeMap<&'static str, Who>,
}

async fn token(store: &Store, name: &str, kind: PrincipalKind, valid: Option<i64>) -> String {
    store
        .create_token(name, kind, "test", valid.map(chrono::Duration::seconds))
        .await
        .unwrap()
        .1
}

async fn env() -> Env {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let server = Server::start(&store).await;
    let mut who = BTreeMap::new();
    who.insert("anonymous", Who { token: None });
    for (label, person) in [
        ("viewer", "vic"),
        ("other_team_operator", "oli"),
        ("owner", "ann"),
        ("approver_in_scope", "lee"),
        ("approver_out_of_scope", "sam"),
        ("outsider", "zed"),
    ] {
        let t = token(&store, person, PrincipalKind::Person, None).await;
        who.insert(label, Who { token: Some(t) });
    }
    let ci = token(&store, "ci", PrincipalKind::Service, None).await;
    who.insert("service_account", Who { token: Some(ci) });
    let expired = token(&store, "ann", PrincipalKind::Person, Some(-1)).await;
    who.insert(
        "expired_token",
        Who {
            token: Some(expired),
        },
    );
    let (revoked_id, revoked) = store
        .create_token("ann", PrincipalKind::Person, "to revoke", None)
        .await
        .unwrap();
    assert!(store.revoke_token(revoked_id).await.unwrap());
    who.insert(
        "revoked_token",
        Who {
            token: Some(revoked),
        },
    );
    Env {
        db,
        store,
        server,
        http: reqwest::Client::new(),
        who,
    }
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: Value,
}

impl Env {
    fn who(&self, label: &str) -> Who {
        self.who[label].clone()
    }

    async fn call_at(
        &self,
        base: &str,
        who: &Who,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.http.request(method, format!("{base}{path}"));
        if let Some(t) = &who.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("the server answers");
        let status = resp.status();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            content_type,
            body,
        }
    }

    async fn call(&self, who: &Who, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call_at(&self.server.base, who, method, path, body)
            .await
    }

    /// Calls and asserts the status; returns the body.
    async fn expect(
        &self,
        label: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let r = self
            .call(&self.who(label), method.clone(), path, body)
            .await;
        assert_eq!(
            r.status.as_u16(),
            status,
            "{label} {method} {path}: {}",
            r.body
        );
        if status >= 400 {
            assert_eq!(
                r.content_type, "application/problem+json",
                "{label} {method} {path}"
            );
            assert!(
                r.body["code"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("RWF")),
                "{label} {method} {path}: no RWF code in {}",
                r.body
            );
        }
        r.body
    }

    /// Every `rwf.*` table's rows, as text.
    async fn dump(&self) -> String {
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'rwf' AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(self.store.pool())
        .await
        .unwrap();
        let mut out = String::new();
        for (t,) in tables {
            let (rows,): (Option<String>,) = sqlx::query_as(&format!(
                "SELECT string_agg(x::text, E'\\n' ORDER BY x::text) FROM rwf.{t} x"
            ))
            .fetch_one(self.store.pool())
            .await
            .unwrap();
            out.push_str(&format!("== {t}\n{}\n", rows.unwrap_or_default()));
        }
        out
    }

    /// Runs the worker until nothing is due.
    /// Runs a worker until nothing is due. Claims skip rows another transaction holds locked
    /// (`SKIP LOCKED`), so one idle pass under load can miss a workflow: a second pass after a
    /// moment settles it.
    async fn settle(&self) {
        for _ in 0..2 {
            rig::worker_on(&self.store, "w-test", 60)
                .run_until_idle()
                .await
                .expect("the worker runs");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    async fn task_status(&self, id: &str, task: &str) -> String {
        let s = self
            .expect(
                "owner",
                Method::GET,
                &format!("/api/v1/workflows/{id}"),
                None,
                200,
            )
            .await;
        s["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == task)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// Every caller kind; `allowed` are expected to get `ok`, everyone authenticated else `refused`,
/// anonymous and bad tokens 401. Refusals are checked to change nothing; the allowed calls go last.
struct Row<'a> {
    method: Method,
    path: String,
    body: Option<Value>,
    ok: u16,
    allowed: &'a [&'a str],
    /// The status of authenticated callers that are not allowed.
    refused: u16,
}

const CALLERS: &[&str] = &[
    "anonymous",
    "expired_token",
    "revoked_token",
    "viewer",
    "other_team_operator",
    "owner",
    "approver_in_scope",
    "approver_out_of_scope",
    "service_account",
    "outsider",
];

impl Env {
    async fn row(&self, row: Row<'_>) -> Vec<Value> {
        let mut replies = Vec::new();
        // Refusals first (state must not move), then the allowed callers in the order given.
        let refused: Vec<&str> = CALLERS
            .iter()
            .copied()
            .filter(|c| !row.allowed.contains(c))
            .collect();
        for caller in refused {
            let expected = match caller {
                "anonymous" | "expired_token" | "revoked_token" => 401,
                _ => row.refused,
            };
            let before = if expected >= 400 {
                Some(self.dump().await)
            } else {
                None
            };
            self.expect(
                caller,
                row.method.clone(),
                &row.path,
                row.body.clone(),
                expected,
            )
            .await;
            if let Some(before) = before {
                assert_eq!(
                    before,
                    self.dump().await,
                    "{caller} {} {} was refused but changed the database",
                    row.method,
                    row.path
                );
            }
        }
        for caller in row.allowed {
            replies.push(
                self.expect(
                    caller,
                    row.method.clone(),
                    &row.path,
                    row.body.clone(),
                    row.ok,
                )
                .await,
            );
        }
        replies
    }
}

const EVERYONE: &[&str] = &[
    "viewer",
    "other_team_operator",
    "owner",
    "approver_in_scope",
    "approver_out_of_scope",
    "service_account",
    "outsider",
];
const VIEWERS: &[&str] = &[
    "viewer",
    "other_team_operator",
    "owner",
    "approver_in_scope",
    "approver_out_of_scope",
    "service_account",
];
const PEOPLE: &[&str] = &[
    "viewer",
    "other_team_operator",
    "owner",
    "approver_in_scope",
    "approver_out_of_scope",
    "outsider",
];

fn release_in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%dT09:00")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_matrix_over_every_endpoint() {
    let e = env().await;
    let get = Method::GET;
    let post = Method::POST;

    // Health is public; the OpenAPI document too.
    for path in ["/healthz", "/readyz"] {
        for caller in CALLERS {
            e.expect(caller, get.clone(), path, None, 200).await;
        }
    }

    // Templates: pushed by the service account (a [server] pusher), read by anyone authenticated.
    e.row(Row {
        method: post.clone(),
        path: "/api/v1/templates".into(),
        body: Some(json!({"source": TEMPLATE, "file": "release.rwf"})),
        ok: 201,
        allowed: &["service_account"],
        refused: 403,
    })
    .await;
    e.row(Row {
        method: get.clone(),
        path: "/api/v1/templates".into(),
        body: None,
        ok: 200,
        allowed: EVERYONE,
        refused: 403,
    })
    .await;
    e.row(Row {
        method: get.clone(),
        path: "/api/v1/templates/srv_release".into(),
        body: None,
        ok: 200,
        allowed: EVERYONE,
        refused: 403,
    })
    .await;
    let checked = e
        .row(Row {
            method: post.clone(),
            path: "/api/v1/check".into(),
            body: Some(json!({"source": "template broken \"x\" version 1 {\n  checkpoint a \"A\" { after nope }\n}\n"})),
            ok: 200,
            allowed: EVERYONE,
            refused: 403,
        })
        .await;
    assert_eq!(checked[0]["ok"], false, "{}", checked[0]);
    let release = release_in_days(30);
    let plan = e
        .row(Row {
            method: post.clone(),
            path: "/api/v1/templates/srv_release/plan".into(),
            body: Some(json!({"release": release, "sets": {"product": "Widget"}})),
            ok: 200,
            allowed: EVERYONE,
            refused: 403,
        })
        .await;
    assert_eq!(plan[0]["tasks"].as_array().unwrap().len(), 3, "{}", plan[0]);

    // New: only a person in the owner scope they name.
    let new_body = json!({"template": "srv_release@1", "release": release, "sets": {"product": "Widget"}, "owner": "team:release"});
    let created = e
        .row(Row {
            method: post.clone(),
            path: "/api/v1/workflows".into(),
            body: Some(new_body.clone()),
            ok: 201,
            allowed: &["owner"],
            refused: 403,
        })
        .await;
    let wf = created[0]["id"].as_str().unwrap().to_string();
    assert_eq!(created[0]["owner"], "team:release");
    // Another team's workflow, operated by oli.
    let other = e
        .expect("other_team_operator", post.clone(), "/api/v1/workflows", Some(json!({"template": "srv_release", "release": release, "sets": {"product": "Web"}, "owner": "team:web"})), 201)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Closures given at creation (`rwf new --closed`) are recorded in the spec; a bad one is a 400.
    let bad = e
        .expect("owner", post.clone(), "/api/v1/workflows", Some(json!({"template": "srv_release", "release": release, "sets": {"product": "Web"}, "owner": "team:release", "closed": ["tomorrow"]})), 400)
        .await;
    assert!(
        bad["detail"]
            .as_str()
            .unwrap()
            .contains("`tomorrow` is not a date"),
        "{bad}"
    );
    let closed = e
        .expect("owner", post.clone(), "/api/v1/workflows", Some(json!({"template": "srv_release", "release": release, "sets": {"product": "Web"}, "owner": "team:release", "closed": ["2030-01-02:Office move"]})), 201)
        .await["id"]
        .as_str()
        .unwrap()
        .parse::<uuid::Uuid>()
        .unwrap();
    let spec = e.store.workflow_spec(closed).await.unwrap();
    assert_eq!(spec.closures.len(), 1);
    assert_eq!(spec.closures[0].name, "Office move");

    // Reading a workflow: owner, the people it waits on, [server] viewers; never an outsider.
    let w = |suffix: &str| format!("/api/v1/workflows/{wf}{suffix}");
    e.row(Row {
        method: get.clone(),
        path: w(""),
        body: None,
        ok: 200,
        allowed: VIEWERS,
        refused: 403,
    })
    .await;
    e.row(Row {
        method: get.clone(),
        path: w("/log"),
        body: None,
        ok: 200,
        allowed: VIEWERS,
        refused: 403,
    })
    .await;
    let lists = e
        .row(Row {
            method: get.clone(),
            path: "/api/v1/workflows".into(),
            body: None,
            ok: 200,
            allowed: EVERYONE,
            refused: 403,
        })
        .await;
    let outsider_list = &lists[EVERYONE.iter().position(|c| *c == "outsider").unwrap()];
    assert_eq!(outsider_list, &json!([]), "an outsider sees no workflow");
    let ann_list = &lists[EVERYONE.iter().position(|c| *c == "owner").unwrap()];
    assert!(ann_list
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == wf.as_str()));

    // Operating it: its owner team only (oli operates his own, not this one).
    const OWNER: &[&str] = &["owner"];
    e.row(Row {
        method: post.clone(),
        path: w("/start"),
        body: None,
        ok: 200,
        allowed: OWNER,
        refused: 403,
    })
    .await;
    e.row(Row {
        method: post.clone(),
        path: w("/pause"),
        body: None,
        ok: 200,
        allowed: OWNER,
        refused: 403,
    })
    .await;
    let version = e.expect("owner", get.clone(), &w(""), None, 200).await["workflow"]
        ["lock_version"]
        .as_i64()
        .unwrap();
    let edit = e
        .row(Row {
            method: post.clone(),
            path: w("/edit"),
            body: Some(json!({"template": "srv_release@1", "sets": {"product": "Widget 2"}, "dry_run": true, "expect_version": version})),
            ok: 200,
            allowed: OWNER,
            refused: 403,
        })
        .await;
    assert_eq!(edit[0]["applied"], false);
    let set = e
        .row(Row {
            method: post.clone(),
            path: w("/tasks/shipped/set"),
            body: Some(
                json!({"title": "Out of the door", "dry_run": true, "expect_version": version}),
            ),
            ok: 200,
            allowed: OWNER,
            refused: 403,
        })
        .await;
    assert_eq!(set[0]["applied"], false);
    assert_eq!(
        set[0]["diff"]["changed"][0]["task"], "shipped",
        "{}",
        set[0]
    );
    let dep = e
        .row(Row {
            method: post.clone(),
            path: w("/tasks/shipped/dependencies"),
            body: Some(json!({"upstream": "prep", "on": "any", "dry_run": true, "expect_version": version})),
            ok: 200,
            allowed: OWNER,
            refused: 403,
        })
        .await;
    assert_eq!(dep[0]["applied"], false);
    assert_eq!(
        dep[0]["diff"]["changed"][0]["task"], "shipped",
        "{}",
        dep[0]
    );
    let new_release = release_in_days(40);
    let preview = e
        .row(Row {
            method: post.clone(),
            path: w("/retarget"),
            body: Some(json!({"release": new_release, "dry_run": true, "expect_version": version})),
            ok: 200,
            allowed: OWNER,
            refused: 403,
        })
        .await;
    assert_eq!(preview[0]["applied"], false, "{}", preview[0]);
    assert_eq!(preview[0]["lock_version"], version);
    // A stale expected version is a conflict that changes nothing.
    let before = e.dump().await;
    e.expect(
        "owner",
        post.clone(),
        &w("/retarget"),
        Some(json!({"release": new_release, "expect_version": version - 1})),
        409,
    )
    .await;
    assert_eq!(before, e.dump().await);
    let moved = e
        .expect(
            "owner",
            post.clone(),
            &w("/retarget"),
            Some(json!({"release": new_release, "expect_version": version})),
            200,
        )
        .await;
    assert_eq!(moved["applied"], true);
    e.row(Row {
        method: post.clone(),
        path: w("/resume"),
        body: None,
        ok: 200,
        allowed: OWNER,
        refused: 403,
    })
    .await;
    // An illegal transition is a conflict.
    e.expect("owner", post.clone(), &w("/resume"), None, 409)
        .await;

    // The manual task: people may try (the engine checks the assignee), service accounts never.
    e.settle().await;
    assert_eq!(e.task_status(&wf, "prep").await, "waiting_input");
    e.row(Row {
        method: post.clone(),
        path: w("/tasks/prep/done"),
        body: Some(json!({"output": {"notes": "https://notes"}})),
        ok: 200,
        allowed: OWNER,
        refused: 403,
    })
    .await;
    e.settle().await;

    // The inbox: a person's; the approver sees the open approval.
    let inboxes = e
        .row(Row {
            method: get.clone(),
            path: "/api/v1/inbox".into(),
            body: None,
            ok: 200,
            allowed: PEOPLE,
            refused: 403,
        })
        .await;
    let lee = &inboxes[PEOPLE
        .iter()
        .position(|c| *c == "approver_in_scope")
        .unwrap()];
    assert!(
        lee.as_array()
            .unwrap()
            .iter()
            .any(|i| i["task_key"] == "legal_ok" && i["workflow_id"] == wf.as_str()),
        "{lee}"
    );
    let sam = &inboxes[PEOPLE
        .iter()
        .position(|c| *c == "approver_out_of_scope")
        .unwrap()];
    assert!(
        !sam.as_array()
            .unwrap()
            .iter()
            .any(|i| i["task_key"] == "legal_ok"),
        "{sam}"
    );

    // Rejecting needs a reason; approving needs the approver scope and a person.
    e.expect(
        "approver_in_scope",
        post.clone(),
        &w("/approvals/legal_ok/reject"),
        Some(json!({"reason": "  "})),
        422,
    )
    .await;
    let decided = e
        .row(Row {
            method: post.clone(),
            path: w("/approvals/legal_ok/approve"),
            body: Some(json!({"reason": "fine"})),
            ok: 200,
            allowed: &["approver_in_scope"],
            refused: 403,
        })
        .await;
    assert_eq!(decided[0]["verdict"], "approve");
    // The decision says it came through the API, next to the person it names.
    let vote = e
        .store
        .events(uuid::Uuid::parse_str(&wf).unwrap(), 0)
        .await
        .unwrap()
        .into_iter()
        .find(|ev| ev.kind == "approval_vote")
        .expect("the vote is logged");
    assert_eq!(
        (vote.actor.as_str(), vote.data["via"].as_str()),
        ("lee", Some("api"))
    );

    // The feed: whoever is authenticated, filtered to what they may view.
    let feeds = e
        .row(Row {
            method: get.clone(),
            path: "/api/v1/notifications".into(),
            body: None,
            ok: 200,
            allowed: EVERYONE,
            refused: 403,
        })
        .await;
    let outsider_feed = &feeds[EVERYONE.iter().position(|c| *c == "outsider").unwrap()];
    assert_eq!(outsider_feed, &json!([]));

    // Cancel: on the other team's workflow, only oli.
    e.row(Row {
        method: post.clone(),
        path: format!("/api/v1/workflows/{other}/cancel"),
        body: None,
        ok: 200,
        allowed: &["other_team_operator"],
        refused: 403,
    })
    .await;

    // Problems carry codes for bad input too.
    e.expect(
        "owner",
        get.clone(),
        "/api/v1/workflows/not-a-uuid",
        None,
        400,
    )
    .await;
    e.expect(
        "owner",
        get.clone(),
        &format!("/api/v1/workflows/{}", uuid::Uuid::new_v4()),
        None,
        404,
    )
    .await;
    e.expect(
        "owner",
        post.clone(),
        "/api/v1/workflows",
        Some(json!({"nonsense": 1})),
        400,
    )
    .await;
    e.expect("owner", get.clone(), "/api/v1/nowhere", None, 404)
        .await;
    let big = "x".repeat(100 * 1024);
    e.expect(
        "service_account",
        post.clone(),
        "/api/v1/check",
        Some(json!({"source": big})),
        413,
    )
    .await;
    e.server.stop().await;
    drop(e.db);
}

const EVENT_TEMPLATE: &str = r#"template srv_ci "CI gate" version 1 {
  param release: datetime
  target release in "UTC"
  event green "CI is green" {
    on "ci.finished" where { status: "success" }
    timeout 2 days then fail
  }
  checkpoint shipped "Shipped" { after green }
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signals_come_from_operators_and_signalers_only_and_repeat_idempotently() {
    let e = env().await;
    let post = Method::POST;
    e.expect(
        "service_account",
        post.clone(),
        "/api/v1/templates",
        Some(json!({"source": EVENT_TEMPLATE, "file": "ci.rwf"})),
        201,
    )
    .await;
    let wf = e
        .expect("owner", post.clone(), "/api/v1/workflows", Some(json!({"template": "srv_ci@1", "release": release_in_days(30), "owner": "team:release"})), 201)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    e.expect(
        "owner",
        post.clone(),
        &format!("/api/v1/workflows/{wf}/start"),
        None,
        200,
    )
    .await;
    e.settle().await;
    assert_eq!(e.task_status(&wf, "green").await, "running");
    // `rwf signal` as a client of the API: the CI's token sends a failing run (it does not match),
    // then the same id again; `--as` is refused there.
    let dir = std::env::temp_dir().join(format!("rwf-signal-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |remote: Option<&str>, args: &[&str]| cli(&e, &dir, remote, args);
    let red = [
        "signal",
        wf.as_str(),
        "ci.finished",
        "--id",
        "run-0",
        "--data",
        r#"{"status": "failure"}"#,
    ];
    let (code, _, err) = run(Some("service_account"), &red);
    assert_eq!(
        (code, err.trim()),
        (0, "event `ci.finished` received (id run-0)"),
        "{err}"
    );
    let mut again = red.to_vec();
    again.extend(["--format", "json"]);
    let (code, out, err) = run(Some("service_account"), &again);
    assert_eq!(code, 0, "{err}");
    let out: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (&out["repeat"], &out["event"]["sender"]),
        (&json!(true), &json!("service:ci"))
    );
    let (code, _, err) = run(Some("viewer"), &red);
    assert_eq!(code, 1, "a viewer's signal is refused: {err}");
    let mut as_someone = red.to_vec();
    as_someone.extend(["--as", "ann"]);
    assert_eq!(run(Some("service_account"), &as_someone).0, 2);
    // Viewers and everyone else are refused (and change nothing); the owner sends it, then the CI's
    // service account (a [server] signaler) sends the same id again: the first event comes back.
    let path = format!("/api/v1/workflows/{wf}/signals");
    let body = json!({"name": "ci.finished", "id": "run-1", "data": {"status": "success", "url": "https://ci/1"}});
    let replies = e
        .row(Row {
            method: post.clone(),
            path: path.clone(),
            body: Some(body),
            ok: 200,
            allowed: &["owner", "service_account"],
            refused: 403,
        })
        .await;
    assert_eq!(replies[0]["repeat"], false, "{}", replies[0]);
    assert_eq!(replies[0]["event"]["sender"], "ann");
    assert_eq!(replies[1]["repeat"], true, "{}", replies[1]);
    assert_eq!(replies[1]["event"], replies[0]["event"]);
    // The sender comes from the token: a body naming one is refused as an unknown field.
    e.expect(
        "owner",
        post.clone(),
        &path,
        Some(json!({"name": "ci.finished", "sender": "mallory"})),
        400,
    )
    .await;
    // A name nothing waits for, or an id reused for another payload: a conflict, nothing stored.
    let before = e.dump().await;
    let unknown = e
        .expect(
            "owner",
            post.clone(),
            &path,
            Some(json!({"name": "ci.finishd"})),
            409,
        )
        .await;
    assert!(
        unknown["detail"]
            .as_str()
            .unwrap()
            .contains("`ci.finished`"),
        "{unknown}"
    );
    e.expect(
        "service_account",
        post.clone(),
        &path,
        Some(json!({"name": "ci.finished", "id": "run-1", "data": {}})),
        409,
    )
    .await;
    assert_eq!(before, e.dump().await);
    e.settle().await;
    assert_eq!(e.task_status(&wf, "green").await, "succeeded");
    let status = e
        .expect(
            "owner",
            Method::GET,
            &format!("/api/v1/workflows/{wf}"),
            None,
            200,
        )
        .await;
    let green = status["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "green")
        .unwrap()
        .clone();
    assert_eq!(green["output"]["data"]["url"], "https://ci/1", "{green}");
    let log = e
        .expect(
            "owner",
            Method::GET,
            &format!("/api/v1/workflows/{wf}/log"),
            None,
            200,
        )
        .await;
    let seen: Vec<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"].as_str().unwrap().starts_with("event_"))
        .map(|x| {
            (
                x["kind"].as_str().unwrap().to_string(),
                x["actor"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("event_received".to_string(), "service:ci".to_string()),
            ("event_repeated".to_string(), "service:ci".to_string()),
            ("event_received".to_string(), "ann".to_string()),
            ("event_repeated".to_string(), "service:ci".to_string()),
            ("event_consumed".to_string(), "worker".to_string()),
        ]
    );
    // Status lists the events, the same through the API as on the database.
    for args in [
        vec!["status", wf.as_str()],
        vec!["status", wf.as_str(), "--format", "json"],
    ] {
        let direct = run(None, &args);
        let remote = run(Some("owner"), &args);
        assert_eq!(
            (remote.0, &remote.1),
            (0, &direct.1),
            "{args:?}: {}",
            remote.2
        );
    }
    let (_, out, _) = run(None, &["status", wf.as_str()]);
    assert!(
        out.contains("event ci.finished (id run-0) from service:ci"),
        "{out}"
    );
    assert!(out.contains("taken by green"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
    e.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_lists_every_route_with_schemas() {
    let e = env().await;
    let doc = e
        .expect("anonymous", Method::GET, "/api/v1/openapi.json", None, 200)
        .await;
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/workflows", "post"),
        ("/api/v1/workflows/{id}/retarget", "post"),
        ("/api/v1/workflows/{id}/approvals/{task}/reject", "post"),
        ("/api/v1/workflows/{id}/events", "get"),
        ("/api/v1/workflows/{id}/signals", "post"),
        ("/api/v1/notifications/stream", "get"),
        ("/readyz", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    // Request and response schemas come from the handlers' types.
    let reject = &paths["/api/v1/workflows/{id}/approvals/{task}/reject"]["post"];
    let schema_ref = reject["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap();
    let name = schema_ref.rsplit('/').next().unwrap();
    let schema = &doc["components"]["schemas"][name];
    assert_eq!(schema["required"], json!(["reason"]), "{schema}");
    let task = reject["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "task")
        .unwrap();
    assert!(
        task["description"]
            .as_str()
            .is_some_and(|d| d.contains("review%5Bde%5D")),
        "{task}"
    );
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    e.server.stop().await;
}

/// Reads SSE events (id, data) from a streaming response until `enough` says stop or `timeout`.
async fn read_sse(
    resp: &mut reqwest::Response,
    buffer: &mut String,
    out: &mut Vec<(String, Value)>,
    timeout: Duration,
    enough: impl Fn(&[(String, Value)]) -> bool,
) {
    let deadline = Instant::now() + timeout;
    while !enough(out) {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = match tokio::time::timeout(left, resp.chunk()).await {
            Ok(Ok(Some(c))) => c,
            _ => return,
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let (mut id, mut data) = (None, String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = Some(v.trim().to_string());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if let Some(id) = id {
                out.push((id, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
        }
    }
}

async fn open_stream(
    e: &Env,
    base: &str,
    path: &str,
    who: &str,
    last: Option<&str>,
) -> reqwest::Response {
    let mut req = e
        .http
        .get(format!("{base}{path}"))
        .bearer_auth(e.who(who).token.unwrap());
    if let Some(l) = last {
        req = req.header("Last-Event-ID", l);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    resp
}

/// Pushes `source` and creates a draft workflow of template `key` owned by team:release; returns its id.
async fn created(e: &Env, source: &str, key: &str) -> String {
    e.expect(
        "service_account",
        Method::POST,
        "/api/v1/templates",
        Some(json!({ "source": source })),
        201,
    )
    .await;
    e.expect("owner", Method::POST, "/api/v1/workflows", Some(json!({"template": key, "release": release_in_days(30), "sets": {"product": "Widget"}, "owner": "team:release"})), 201)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Pushes the template and creates a started workflow owned by team:release; returns its id.
async fn started(e: &Env) -> String {
    let id = created(e, TEMPLATE, "srv_release").await;
    e.expect(
        "owner",
        Method::POST,
        &format!("/api/v1/workflows/{id}/start"),
        None,
        200,
    )
    .await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_reconnect_with_last_event_id_gets_every_event_once() {
    let e = env().await;
    let wf = started(&e).await;
    let path = format!("/api/v1/workflows/{wf}/events");
    let mut seen = Vec::new();
    let mut buffer = String::new();
    let mut first = open_stream(&e, &e.server.base, &path, "viewer", None).await;
    read_sse(
        &mut first,
        &mut buffer,
        &mut seen,
        Duration::from_secs(5),
        |s| s.len() >= 2,
    )
    .await;
    assert!(seen.len() >= 2, "the replay starts with the log: {seen:?}");
    // Disconnect mid-run; events keep coming.
    drop(first);
    let last = seen.last().unwrap().0.clone();
    for verb in ["pause", "resume", "pause", "resume"] {
        e.expect(
            "owner",
            Method::POST,
            &format!("/api/v1/workflows/{wf}/{verb}"),
            None,
            200,
        )
        .await;
    }
    e.settle().await;
    let all: Vec<String> = e
        .store
        .events(uuid::Uuid::parse_str(&wf).unwrap(), 0)
        .await
        .unwrap()
        .iter()
        .map(|ev| ev.id.to_string())
        .collect();
    let mut second = open_stream(&e, &e.server.base, &path, "viewer", Some(&last)).await;
    let mut buffer = String::new();
    let target = all.last().unwrap().clone();
    read_sse(
        &mut second,
        &mut buffer,
        &mut seen,
        Duration::from_secs(10),
        |s| s.last().is_some_and(|x| x.0 == target),
    )
    .await;
    // And live: the events of one more action arrive on the open stream.
    e.expect(
        "owner",
        Method::POST,
        &format!("/api/v1/workflows/{wf}/pause"),
        None,
        200,
    )
    .await;
    let mut expected = all.clone();
    expected.extend(
        e.store
            .events(uuid::Uuid::parse_str(&wf).unwrap(), target.parse().unwrap())
            .await
            .unwrap()
            .iter()
            .map(|ev| ev.id.to_string()),
    );
    let newest = expected.last().unwrap().clone();
    read_sse(
        &mut second,
        &mut buffer,
        &mut seen,
        Duration::from_secs(5),
        |s| s.last().is_some_and(|x| x.0 == newest),
    )
    .await;
    let ids: Vec<String> = seen.iter().map(|s| s.0.clone()).collect();
    assert_eq!(ids, expected, "every event once, in order");
    assert_eq!(seen.last().unwrap().1["kind"], "workflow_paused");
    // An outsider cannot open the stream.
    let r = e.call(&e.who("outsider"), Method::GET, &path, None).await;
    assert_eq!(r.status, 403);
    drop(second);
    e.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_an_approval_reaches_the_other_within_a_second() {
    let e = env().await;
    let other = Server::start(&e.store).await;
    let wf = started(&e).await;
    e.settle().await;
    e.expect(
        "owner",
        Method::POST,
        &format!("/api/v1/workflows/{wf}/tasks/prep/done"),
        Some(json!({})),
        200,
    )
    .await;
    e.settle().await;
    assert_eq!(e.task_status(&wf, "legal_ok").await, "waiting_input");
    let id = uuid::Uuid::parse_str(&wf).unwrap();
    let max = e.store.events(id, 0).await.unwrap().last().unwrap().id;
    // A client of the other server, caught up.
    let mut stream = open_stream(
        &e,
        &other.base,
        &format!("/api/v1/workflows/{wf}/events"),
        "approver_in_scope",
        Some(&max.to_string()),
    )
    .await;
    let mut feed = open_stream(
        &e,
        &other.base,
        "/api/v1/notifications/stream",
        "approver_in_scope",
        None,
    )
    .await;
    let (mut buffer, mut feed_buffer) = (String::new(), String::new());
    let mut feed_seen = Vec::new();
    read_sse(
        &mut feed,
        &mut feed_buffer,
        &mut feed_seen,
        Duration::from_millis(1500),
        |_| false,
    )
    .await;
    let feed_before = feed_seen.len();
    // The approval, through the first server.
    let started_at = Instant::now();
    e.expect(
        "approver_in_scope",
        Method::POST,
        &format!("/api/v1/workflows/{wf}/approvals/legal_ok/approve"),
        Some(json!({})),
        200,
    )
    .await;
    let mut seen = Vec::new();
    read_sse(
        &mut stream,
        &mut buffer,
        &mut seen,
        Duration::from_secs(3),
        |s| s.iter().any(|x| x.1["kind"] == "approval_vote"),
    )
    .await;
    let elapsed = started_at.elapsed();
    assert!(
        seen.iter().any(|x| x.1["kind"] == "approval_vote"),
        "{seen:?}"
    );
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    assert!(seen.iter().all(|x| x.0.parse::<i64>().unwrap() > max));
    // The worker's notifications of the granted approval reach the feed stream too.
    e.settle().await;
    read_sse(
        &mut feed,
        &mut feed_buffer,
        &mut feed_seen,
        Duration::from_secs(5),
        |s| s.len() > feed_before,
    )
    .await;
    assert!(
        feed_seen.len() > feed_before,
        "the feed moved: {feed_seen:?}"
    );
    let ids: std::collections::HashSet<&String> = feed_seen.iter().map(|x| &x.0).collect();
    assert_eq!(ids.len(), feed_seen.len(), "no feed event twice");
    drop(stream);
    drop(feed);
    other.stop().await;
    e.server.stop().await;
}

/// The real binary: `rwf admin token create` prints a token once; `rwf serve` answers with it and stops
/// on SIGTERM; a decision through the CLI's database path says `via: admin` in the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_rwf_serve_process_with_cli_tokens() {
    let e = env().await;
    let dir = std::env::temp_dir().join(format!("rwf-serve-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("rwf.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let rwf = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
            .args(args)
            .env("DATABASE_URL", &e.db.url)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let out = rwf(&[
        "admin",
        "token",
        "create",
        "--person",
        "ann",
        "--expires",
        "1d",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("rwf_") && token.len() == 68, "{token}");
    let stored: (String,) =
        sqlx::query_as("SELECT token_hash FROM rwf.api_tokens ORDER BY id DESC LIMIT 1")
            .fetch_one(e.store.pool())
            .await
            .unwrap();
    assert_eq!(
        stored.0,
        rwf::store::token_hash(&token),
        "only the hash is stored"
    );
    let bad = rwf(&[
        "admin",
        "token",
        "create",
        "--person",
        "ann",
        "--expires",
        "soon",
    ]);
    assert_eq!(bad.status.code(), Some(2));

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--config",
        ])
        .arg(&config)
        .env("DATABASE_URL", &e.db.url)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = e.http.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "rwf serve did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = e
        .http
        .get(format!("{base}/api/v1/workflows"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = e
        .http
        .get(format!("{base}/api/v1/workflows"))
        .bearer_auth("rwf_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // An approval decided through the administrator path.
    let wf = started(&e).await;
    e.settle().await;
    e.expect(
        "owner",
        Method::POST,
        &format!("/api/v1/workflows/{wf}/tasks/prep/done"),
        Some(json!({})),
        200,
    )
    .await;
    e.settle().await;
    let cfg = config.to_str().unwrap();
    let out = rwf(&["approve", &wf, "legal_ok", "--as", "lee", "--config", cfg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let vote = e
        .store
        .events(uuid::Uuid::parse_str(&wf).unwrap(), 0)
        .await
        .unwrap()
        .into_iter()
        .find(|ev| ev.kind == "approval_vote")
        .unwrap();
    assert_eq!(
        (vote.actor.as_str(), vote.data["via"].as_str()),
        ("lee", Some("admin"))
    );

    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "rwf serve did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success());
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(log.contains("\"msg\":\"request\""), "{log}");
    assert!(!log.contains(&token), "a token reached the log");
    let _ = std::fs::remove_dir_all(&dir);
    e.server.stop().await;
}

const TIMED: &str = r#"template srv_cal "Calendar: ${product}" version 1 {
  param product: string "Product name"
  param release: datetime "GA instant"

  target release in "Europe/Berlin"

  manual prep "Prepare the notes" {
    assignee team("release")
    at release - 3 days
  }

  approval legal_ok "Legal sign-off" {
    approvers team("legal") quorum 1
    at release - 1 day
    after prep
  }
}
"#;

/// Secret ICS URLs: a workflow's plan and a person's own tasks, fetched without a token, following a
/// retarget; nobody without the secret, and nobody who may not view the workflow, gets one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_subscriptions_follow_the_plan() {
    let e = env().await;
    e.expect(
        "service_account",
        Method::POST,
        "/api/v1/templates",
        Some(json!({"source": TIMED})),
        201,
    )
    .await;
    let wf = e
        .expect("owner", Method::POST, "/api/v1/workflows", Some(json!({"template": "srv_cal", "release": "2031-03-20T10:00", "sets": {"product": "Cal"}, "owner": "team:release"})), 201)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let link = format!("/api/v1/workflows/{wf}/calendar");
    e.expect("outsider", Method::POST, &link, None, 403).await;
    e.expect("anonymous", Method::POST, &link, None, 401).await;
    let path = e.expect("viewer", Method::POST, &link, None, 201).await["path"]
        .as_str()
        .unwrap()
        .to_string();
    let fetch = |p: String| {
        let http = e.http.clone();
        let base = e.server.base.clone();
        async move {
            let r = http.get(format!("{base}{p}")).send().await.unwrap();
            let status = r.status().as_u16();
            let ct = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            (status, ct, r.text().await.unwrap())
        }
    };
    let (status, ct, ics) = fetch(path.clone()).await;
    assert_eq!(status, 200, "{ics}");
    assert_eq!(ct.as_deref(), Some("text/calendar; charset=utf-8"));
    assert!(
        ics.contains("SUMMARY:Prepare the notes") && ics.contains("SUMMARY:Legal sign-off"),
        "{ics}"
    );
    assert!(
        ics.contains("DTSTART;TZID=Europe/Berlin:20310319T100000"),
        "{ics}"
    );
    // The plan moves: the same URL shows the new dates.
    e.expect(
        "owner",
        Method::POST,
        &format!("/api/v1/workflows/{wf}/retarget"),
        Some(json!({"release": "2031-04-20T10:00"})),
        200,
    )
    .await;
    let (_, _, moved) = fetch(path.clone()).await;
    assert!(
        moved.contains("DTSTART;TZID=Europe/Berlin:20310419T100000"),
        "{moved}"
    );
    // A person's own feed: lee approves, ann prepares.
    let mine = e
        .expect(
            "approver_in_scope",
            Method::POST,
            "/api/v1/calendar",
            None,
            201,
        )
        .await["path"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _, lee) = fetch(mine).await;
    assert!(
        lee.contains("SUMMARY:Legal sign-off") && !lee.contains("SUMMARY:Prepare"),
        "{lee}"
    );
    e.expect(
        "service_account",
        Method::POST,
        "/api/v1/calendar",
        None,
        403,
    )
    .await;
    // Guessing does not work.
    let (status, _, _) = fetch("/calendar/cal_0000.ics".into()).await;
    assert_eq!(status, 404);
    // A leaked link is revoked by its creator, and only by them: the URL stops working at once.
    let listed = e
        .expect("viewer", Method::GET, "/api/v1/calendar/links", None, 200)
        .await;
    let links = listed.as_array().unwrap();
    assert_eq!(links.len(), 1, "{listed}");
    assert_eq!(links[0]["workflow"], wf.as_str());
    assert!(
        !listed.to_string().contains("cal_"),
        "no secret is listed: {listed}"
    );
    let revoke = format!("/api/v1/calendar/links/{}/revoke", links[0]["id"]);
    let before = e.dump().await;
    for caller in ["owner", "approver_in_scope", "outsider"] {
        e.expect(caller, Method::POST, &revoke, None, 404).await;
    }
    e.expect("anonymous", Method::POST, &revoke, None, 401)
        .await;
    assert_eq!(before, e.dump().await, "a refused revoke changes nothing");
    assert_eq!(fetch(path.clone()).await.0, 200);
    e.expect("viewer", Method::POST, &revoke, None, 200).await;
    assert_eq!(fetch(path).await.0, 404);
    e.expect("viewer", Method::POST, &revoke, None, 404).await;
    let listed = e
        .expect("viewer", Method::GET, "/api/v1/calendar/links", None, 200)
        .await;
    assert_eq!(listed, json!([]));
    e.server.stop().await;
}

/// `rwf ARGS` in `dir`: through the API as `remote`'s token, else directly on the database. Returns
/// the exit code, stdout and stderr.
fn cli(
    e: &Env,
    dir: &std::path::Path,
    remote: Option<&str>,
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rwf"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("RWF_SERVER")
        .env_remove("RWF_TOKEN");
    match remote {
        Some(who) => {
            cmd.env("RWF_SERVER", &e.server.base)
                .env("RWF_TOKEN", e.who(who).token.unwrap())
                .env_remove("DATABASE_URL");
        }
        None => {
            cmd.env("DATABASE_URL", &e.db.url);
        }
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The CLI as a client: with RWF_SERVER and RWF_TOKEN, `status`, `ls`, `inbox`, `log`, lifecycle,
/// `done` and `approve` go through the API with the output and exit codes of the direct commands;
/// `--as` is refused there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_through_the_api_matches_the_direct_path() {
    let e = env().await;
    let wf = started(&e).await;
    e.settle().await;
    let dir = std::env::temp_dir().join(format!("rwf-remote-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rwf.toml"), CONFIG).unwrap();
    let run = |remote: Option<&str>, args: &[&str]| cli(&e, &dir, remote, args);
    // Reads: byte for byte what the direct path prints.
    for args in [
        vec!["status", wf.as_str()],
        vec!["status", wf.as_str(), "--format", "json"],
        vec!["log", wf.as_str()],
        vec!["ls"],
    ] {
        let direct = run(None, &args);
        let remote = run(Some("owner"), &args);
        assert_eq!(direct.0, 0, "{args:?}: {}", direct.2);
        assert_eq!(
            (remote.0, &remote.1),
            (0, &direct.1),
            "{args:?}: {}",
            remote.2
        );
    }
    let direct = run(None, &["inbox", "--as", "ann"]);
    let remote = run(Some("owner"), &["inbox"]);
    assert_eq!((remote.0, &remote.1), (0, &direct.1), "{}", remote.2);
    // --as is refused over the API.
    let (code, _, err) = run(Some("owner"), &["done", &wf, "prep", "--as", "lee"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--as lee is refused"), "{err}");
    let (code, _, err) = run(Some("owner"), &["new", "x.rwf"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no template file `x.rwf`"), "{err}");
    // Actions: same messages and exit codes as the direct commands.
    let (code, _, err) = run(Some("approver_in_scope"), &["done", &wf, "prep"]);
    assert_eq!(code, 1, "a refusal is a finding: {err}");
    assert!(err.starts_with("refused: "), "{err}");
    let (code, _, err) = run(Some("owner"), &["done", &wf, "prep"]);
    assert_eq!((code, err.trim()), (0, "`prep` is now succeeded"));
    e.settle().await;
    let (code, _, err) = run(Some("approver_out_of_scope"), &["approve", &wf, "legal_ok"]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = run(
        Some("approver_in_scope"),
        &["approve", &wf, "legal_ok", "--reason", "ok"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.starts_with("approve recorded for `legal_ok`"), "{err}");
    let (code, _, err) = run(Some("owner"), &["start", &wf]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.starts_with("refused: cannot start a workflow that is"),
        "{err}"
    );
    let (code, _, err) = run(Some("owner"), &["pause", &wf]);
    assert_eq!((code, err.trim().to_string()), (0, format!("{wf}: paused")));
    let (code, _, err) = run(Some("outsider"), &["status", &wf]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
    e.server.stop().await;
}

/// The spec-changing commands as a client: `new` (a stored template, or a file a pusher may push),
/// `edit`, `retarget`, `task set` and `dep add|rm` print what the direct commands print; a caller
/// outside the owner scope is refused and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_changes_through_the_api_match_the_direct_path() {
    let e = env().await;
    let dir = std::env::temp_dir().join(format!("rwf-remote-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("release.rwf"), TEMPLATE).unwrap();
    let run = |remote: Option<&str>, args: &[&str]| cli(&e, &dir, remote, args);
    let release = release_in_days(30);
    let new_args = [
        "new",
        "release.rwf",
        "--release",
        release.as_str(),
        "--set",
        "product=Widget",
        "--owner",
        "team:release",
    ];
    // The owner is not a pusher: a file is refused, nothing is stored.
    let before = e.dump().await;
    let (code, _, err) = run(Some("owner"), &new_args);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("pushing release.rwf to the server is refused"),
        "{err}"
    );
    assert_eq!(before, e.dump().await);
    // A pushed template is instantiated by key, owned by the scope named.
    let (code, _, err) = run(
        Some("service_account"),
        &["new", "release.rwf", "--release", &release],
    );
    assert_eq!(code, 1, "service accounts create no workflows: {err}");
    assert!(err.starts_with("refused: "), "{err}");
    let mut by_key = new_args;
    by_key[1] = "srv_release";
    let mut closed = by_key.to_vec();
    closed.extend(["--closed", "2031-01-02:Office move", "--count", "2"]);
    let (code, out, err) = run(Some("owner"), &closed);
    assert_eq!(code, 0, "{err}");
    let ids: Vec<&str> = out.lines().collect();
    assert_eq!(ids.len(), 2, "--count 2 makes two drafts: {out}");
    let spec = e
        .expect(
            "owner",
            Method::GET,
            &format!("/api/v1/workflows/{}", ids[1]),
            None,
            200,
        )
        .await;
    assert_eq!(spec["workflow"]["status"], "draft", "{spec}");
    let stored = e
        .store
        .workflow_spec(ids[1].parse().unwrap())
        .await
        .unwrap();
    assert_eq!(stored.closures.len(), 1, "--closed reached the server");
    assert_eq!(stored.closures[0].name, "Office move");
    let (code, out, err) = run(Some("owner"), &by_key);
    assert_eq!(code, 0, "{err}");
    let wf = out.trim().to_string();
    let status = e
        .expect(
            "owner",
            Method::GET,
            &format!("/api/v1/workflows/{wf}"),
            None,
            200,
        )
        .await;
    assert_eq!(status["owner"], "team:release", "{status}");
    // The direct path names an owner the same way, and refuses what is not an owner scope.
    let mut direct = by_key;
    direct[1] = "srv_release@1";
    let (code, out, err) = run(None, &direct);
    assert_eq!(code, 0, "{err}");
    let other = e
        .expect(
            "owner",
            Method::GET,
            &format!("/api/v1/workflows/{}", out.trim()),
            None,
            200,
        )
        .await;
    assert_eq!(other["owner"], "team:release", "{other}");
    direct[7] = "channel:#ops";
    let (code, _, err) = run(None, &direct);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not an owner scope"), "{err}");
    // A bad param is an input error naming it.
    let (code, _, err) = run(
        Some("owner"),
        &["new", "srv_release", "--release", &release],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("product"), "{err}");

    // Dry runs print byte for byte what the direct path prints.
    let later = release_in_days(45);
    for args in [
        vec![
            "edit",
            wf.as_str(),
            "--from",
            "srv_release@1",
            "--set",
            "product=Gadget",
            "--dry-run",
        ],
        vec!["retarget", wf.as_str(), "--release", later.as_str()],
        vec![
            "task",
            "set",
            wf.as_str(),
            "shipped",
            "--title",
            "Out",
            "--dry-run",
        ],
        vec![
            "dep",
            "add",
            wf.as_str(),
            "shipped",
            "prep",
            "--on",
            "any",
            "--dry-run",
        ],
        vec!["dep", "rm", wf.as_str(), "legal_ok", "prep", "--dry-run"],
    ] {
        let direct = run(None, &args);
        let remote = run(Some("owner"), &args);
        assert_eq!(direct.0, 0, "{args:?}: {}", direct.2);
        assert_eq!(
            (remote.0, &remote.1),
            (0, &direct.1),
            "{args:?}: {}",
            remote.2
        );
        assert!(
            direct.1.contains("dry run: nothing applied"),
            "{args:?}: {}",
            direct.1
        );
    }
    // Applied through the API.
    let (code, out, err) = run(
        Some("owner"),
        &["task", "set", &wf, "shipped", "--title", "Out"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("~ shipped") && out.contains("applied: lock version"),
        "{out}"
    );
    let (code, out, err) = run(
        Some("owner"),
        &["retarget", &wf, "--release", &later, "--yes"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("applied: lock version"), "{out}");
    // A cycle is refused with the engine's reason; a caller outside the owner scope changes nothing.
    let (code, _, err) = run(Some("owner"), &["dep", "add", &wf, "prep", "shipped"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("dependency cycle"), "{err}");
    let before = e.dump().await;
    for args in [
        vec!["task", "set", wf.as_str(), "shipped", "--title", "Mine"],
        vec![
            "retarget",
            wf.as_str(),
            "--release",
            release.as_str(),
            "--yes",
        ],
        vec!["edit", wf.as_str(), "--from", "srv_release@1"],
    ] {
        let (code, _, err) = run(Some("other_team_operator"), &args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.starts_with("refused: "), "{args:?}: {err}");
    }
    assert_eq!(before, e.dump().await);
    let _ = std::fs::remove_dir_all(&dir);
    e.server.stop().await;
}

/// Browser sessions are tested with the console (`tests/console_api.rs`); here: a service account
/// cannot sign in, and the proxy user header counts only when configured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_accounts_cannot_sign_in_and_the_proxy_header_is_opt_in() {
    let e = env().await;
    let base = &e.server.base;
    let before = e.dump().await;
    let r = e
        .http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"token": e.who("service_account").token.unwrap()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("set-cookie").is_none());
    assert_eq!(before, e.dump().await, "no session was opened");

    // The proxy header: ignored by default, trusted when configured.
    let r = e
        .http
        .get(format!("{base}/api/v1/me"))
        .header("X-Forwarded-User", "ann")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let mut proxied = settings();
    proxied.roles.proxy_user_header = Some("x-forwarded-user".into());
    let behind = Server::start_with(&e.store, proxied).await;
    let me: Value = e
        .http
        .get(format!("{}/api/v1/me", behind.base))
        .header("X-Forwarded-User", "lee")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "lee");
    behind.stop().await;
    e.server.stop().await;
}

/// The `.rwf` text is stored beside the spec by the paths that have it (`POST /api/v1/templates`,
/// `rwf templates push FILE`, `rwf new FILE`) and read back by `GET /api/v1/templates/{key}`; a
/// version stored from a spec alone has none (null), and keeps none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_source_is_stored_on_push_and_returned() {
    let e = env().await;
    e.expect(
        "service_account",
        Method::POST,
        "/api/v1/templates",
        Some(json!({"source": TIMED})),
        201,
    )
    .await;
    let t = e
        .expect(
            "viewer",
            Method::GET,
            "/api/v1/templates/srv_cal?version=1",
            None,
            200,
        )
        .await;
    assert_eq!(t["source"], json!(TIMED));
    assert_eq!(t["spec"]["key"], json!("srv_cal"));

    // A version stored from its spec alone has none, and keeps none: a stored version never changes.
    let v2 = TIMED.replace("version 1", "version 2");
    let spec =
        rwf::ops::compile_template("t.rwf", &v2, &rwf::compile::MemLoader::default()).unwrap();
    e.store.put_template(&spec).await.unwrap();
    let t = e
        .expect(
            "viewer",
            Method::GET,
            "/api/v1/templates/srv_cal",
            None,
            200,
        )
        .await;
    assert_eq!(
        (t["version"].clone(), t["source"].clone()),
        (json!(2), Value::Null)
    );
    e.expect(
        "service_account",
        Method::POST,
        "/api/v1/templates",
        Some(json!({"source": v2})),
        201,
    )
    .await;
    let t = e
        .expect(
            "viewer",
            Method::GET,
            "/api/v1/templates/srv_cal?version=2",
            None,
            200,
        )
        .await;
    assert_eq!(t["source"], Value::Null);

    // The CLI, direct to the database: `templates push FILE` and `new FILE` store the file's text.
    let dir = std::env::temp_dir().join(format!("rwf-source-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let v3 = TIMED.replace("version 1", "version 3");
    let v4 = TIMED.replace("version 1", "version 4");
    std::fs::write(dir.join("v3.rwf"), &v3).unwrap();
    std::fs::write(dir.join("v4.rwf"), &v4).unwrap();
    let (code, _, err) = cli(&e, &dir, None, &["templates", "push", "v3.rwf"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cli(
        &e,
        &dir,
        None,
        &[
            "new",
            "v4.rwf",
            "--release",
            "2031-03-20T10:00",
            "--set",
            "product=Src",
        ],
    );
    assert_eq!(code, 0, "{err}");
    for (version, text) in [(3, &v3), (4, &v4)] {
        let path = format!("/api/v1/templates/srv_cal?version={version}");
        let t = e.expect("viewer", Method::GET, &path, None, 200).await;
        assert_eq!(t["source"], json!(text), "version {version}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `for each` copy's key has brackets (`review[de]`): the routes that carry a task key take it
/// percent-encoded, and the CLI's remote mode encodes the keys it puts in URLs (`task set`, `dep`,
/// `done`, `approve`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expanded_task_keys_travel_through_the_api_and_the_remote_cli() {
    let e = env().await;
    let source = r#"template srv_l10n "Localized: ${product}" version 1 {
  param product: string
  param release: datetime
  param locales: list<string> = ["de", "fr"]
  target release in "UTC"
  for each locale in locales {
    manual review "Review ${locale}" { assignee team("release") }
    approval sign "Sign ${locale}" { approvers team("legal") quorum 1  after review }
  }
}
"#;
    let wf = created(&e, source, "srv_l10n").await;
    let dir = std::env::temp_dir().join(format!("rwf-keys-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |who: &str, args: &[&str]| cli(&e, &dir, Some(who), args);
    let title = |status: &Value, key: &str| {
        status["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == key)
            .unwrap_or_else(|| panic!("no task {key} in {status}"))["title"]
            .clone()
    };
    // Edits on the draft: over HTTP with the key percent-encoded, and through the remote CLI.
    e.expect(
        "owner",
        Method::POST,
        &format!("/api/v1/workflows/{wf}/tasks/review%5Bfr%5D/set"),
        Some(json!({ "title": "Relire" })),
        200,
    )
    .await;
    let (code, out, err) = run(
        "owner",
        &["task", "set", &wf, "review[de]", "--title", "Lesen"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("~ review[de]"), "{out}");
    let (code, out, err) = run(
        "owner",
        &["dep", "rm", &wf, "sign[de]", "review[de]", "--dry-run"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dry run: nothing applied"), "{out}");
    let status = e
        .expect(
            "owner",
            Method::GET,
            &format!("/api/v1/workflows/{wf}"),
            None,
            200,
        )
        .await;
    assert_eq!(title(&status, "review[fr]"), "Relire", "{status}");
    assert_eq!(title(&status, "review[de]"), "Lesen", "{status}");
    assert_eq!(title(&status, "sign[de]"), "Sign de", "{status}");
    // Running: the manual copies completed, the approval copies decided, each way.
    e.expect(
        "owner",
        Method::POST,
        &format!("/api/v1/workflows/{wf}/start"),
        None,
        200,
    )
    .await;
    e.settle().await;
    let (code, _, err) = run("owner", &["done", &wf, "review[de]"]);
    assert_eq!((code, err.trim()), (0, "`review[de]` is now succeeded"));
    e.expect(
        "owner",
        Method::POST,
        &format!("/api/v1/workflows/{wf}/tasks/review%5Bfr%5D/done"),
        Some(json!({})),
        200,
    )
    .await;
    assert_eq!(e.task_status(&wf, "review[fr]").await, "succeeded");
    e.settle().await;
    e.expect(
        "approver_in_scope",
        Method::POST,
        &format!("/api/v1/workflows/{wf}/approvals/sign%5Bfr%5D/approve"),
        Some(json!({ "reason": "ok" })),
        200,
    )
    .await;
    let (code, _, err) = run("approver_in_scope", &["approve", &wf, "sign[de]"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.starts_with("approve recorded for `sign[de]`"), "{err}");
    e.settle().await;
    for key in ["sign[de]", "sign[fr]"] {
        assert_eq!(e.task_status(&wf, key).await, "succeeded", "{key}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    e.server.stop().await;
}

/// Keys of included tasks (`ios.build`) travel through the API (path segments) and the remote CLI,
/// and the status (API, remote and direct CLI) shows a pending task's run-time condition, here on
/// an included task's output, before it is decided.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn included_keys_and_pending_conditions_through_the_api() {
    let e = env().await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut loader = rwf::compile::MemLoader::default();
    loader.files.insert(
        "app_store.rwf".into(),
        std::fs::read_to_string(root.join("examples/app_store.rwf")).unwrap(),
    );
    let source = r#"use ./app_store { app_store }
template srv_stores "Stores" version 1 {
  param release: datetime
  target release in "UTC" at 09:00
  include app_store as ios { platform = "ios" }
  checkpoint go "Go" { when ios.notes.output.url  after ios.notes }
}
"#;
    let c = rwf::compile::compile_source("stores.rwf", source, &loader);
    assert!(
        !rwf::diagnostic::has_errors(&c.diagnostics),
        "{:?}",
        c.diagnostics
    );
    e.store.put_template(&c.spec.unwrap()).await.unwrap();
    let wf = e
        .expect(
            "owner",
            Method::POST,
            "/api/v1/workflows",
            Some(json!({"template": "srv_stores", "release": release_in_days(30), "owner": "team:release"})),
            201,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    e.expect(
        "owner",
        Method::POST,
        &format!("/api/v1/workflows/{wf}/tasks/ios.build/set"),
        Some(json!({ "title": "Build it" })),
        200,
    )
    .await;
    let status = e
        .expect(
            "owner",
            Method::GET,
            &format!("/api/v1/workflows/{wf}"),
            None,
            200,
        )
        .await;
    let task = |key: &str| -> Value {
        status["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no task {key} in {status}"))
    };
    assert_eq!(task("ios.build")["title"], "Build it");
    assert_eq!(task("go")["runs_only_if"], "ios.notes.output.url");
    assert!(task("ios.build").get("runs_only_if").is_none());
    let dir = std::env::temp_dir().join(format!("rwf-inc-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    for remote in [Some("owner"), None] {
        let (code, out, err) = cli(&e, &dir, remote, &["status", &wf]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("  ios.build "), "{out}");
        assert!(
            out.contains(
                "runs only if ios.notes.output.url (decided when its dependencies are met"
            ),
            "{out}"
        );
        let (code, out, err) = cli(&e, &dir, remote, &["status", &wf, "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        let go = v["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == "go")
            .unwrap();
        assert_eq!(go["runs_only_if"], "ios.notes.output.url", "{out}");
    }
    let (code, out, err) = cli(
        &e,
        &dir,
        Some("owner"),
        &["task", "set", &wf, "ios.notes", "--title", "Notes"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("~ ios.notes"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
    e.server.stop().await;
}

/// A template that `use`s local modules and `include`s one is pushed over the API with the files
/// it imports (paths relative to it, nested imports relative to their importer) and through the
/// remote CLI, which reads those files beside the template; a missing file is a located 422 and a
/// path that leaves the template's directory is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_with_includes_push_with_their_files() {
    let e = env().await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let store = format!(
        "use ./policies {{ quick }}\n{}",
        std::fs::read_to_string(root.join("examples/app_store.rwf")).unwrap()
    );
    let policies = "policy quick { retry { attempts 4 } }\n";
    let source = |version: u32| {
        format!(
            r#"use ./lib/app_store {{ app_store }}
template srv_inc "Stores" version {version} {{
  param release: datetime
  target release in "UTC" at 09:00
  include app_store as ios {{ platform = "ios" }}
}}
"#
        )
    };
    let files = json!({"lib/app_store.rwf": store, "lib/policies.rwf": policies});
    let pushed = e
        .expect(
            "service_account",
            Method::POST,
            "/api/v1/templates",
            Some(json!({"source": source(1), "file": "stores.rwf", "files": files})),
            201,
        )
        .await;
    assert_eq!(pushed["key"], "srv_inc");
    let shown = e
        .expect(
            "viewer",
            Method::GET,
            "/api/v1/templates/srv_inc",
            None,
            200,
        )
        .await;
    let keys: Vec<&str> = shown["spec"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"ios.build") && keys.contains(&"ios.submitted"),
        "{keys:?}"
    );
    // `check` takes the files too.
    let checked = e
        .expect(
            "viewer",
            Method::POST,
            "/api/v1/check",
            Some(json!({"source": source(1), "files": files})),
            200,
        )
        .await;
    assert_eq!(checked["ok"], true, "{checked}");
    // A nested import that is not sent: located in the module that imports it.
    let missing = e
        .expect(
            "service_account",
            Method::POST,
            "/api/v1/templates",
            Some(json!({"source": source(2), "file": "stores.rwf", "files": {"lib/app_store.rwf": store}})),
            422,
        )
        .await;
    let d = &missing["errors"][0];
    assert_eq!(d["code"], "RWF050", "{missing}");
    assert_eq!(d["file"], "lib/app_store.rwf", "{missing}");
    assert_eq!(d["start"], json!({"line": 1, "col": 5}), "{missing}");
    assert!(
        d["help"].as_str().unwrap().contains("lib/policies.rwf"),
        "{missing}"
    );
    // No files at all: the template's own import is unknown, at its line.
    let none = e
        .expect(
            "service_account",
            Method::POST,
            "/api/v1/templates",
            Some(json!({"source": source(2), "file": "stores.rwf"})),
            422,
        )
        .await;
    assert_eq!(none["errors"][0]["file"], "stores.rwf", "{none}");
    assert_eq!(none["errors"][0]["start"]["line"], 1, "{none}");
    // Paths that leave the template's directory: refused, as a file name and as an import.
    for bad in [
        "../lib/app_store.rwf",
        "/etc/app_store.rwf",
        "lib/../../x.rwf",
    ] {
        let r = e
            .expect(
                "service_account",
                Method::POST,
                "/api/v1/templates",
                Some(json!({"source": source(2), "files": {bad: store}})),
                400,
            )
            .await;
        assert!(r["detail"].as_str().unwrap().contains("no `..`"), "{r}");
    }
    let escape = source(2).replace("./lib/app_store", "../app_store");
    let r = e
        .expect(
            "service_account",
            Method::POST,
            "/api/v1/templates",
            Some(json!({"source": escape, "files": files})),
            422,
        )
        .await;
    assert!(
        r["errors"][0]["help"]
            .as_str()
            .unwrap()
            .contains("leaves the template's directory"),
        "{r}"
    );
    let versions = e
        .expect("viewer", Method::GET, "/api/v1/templates", None, 200)
        .await;
    assert_eq!(
        versions
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["key"] == "srv_inc")
            .count(),
        1,
        "refusals stored nothing: {versions}"
    );
    // The remote CLI reads the imported files beside the template, nested ones too.
    let dir = std::env::temp_dir().join(format!("rwf-push-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("stores.rwf"), source(2)).unwrap();
    std::fs::write(dir.join("lib/app_store.rwf"), &store).unwrap();
    std::fs::write(dir.join("lib/policies.rwf"), policies).unwrap();
    let (code, out, err) = cli(
        &e,
        &dir,
        Some("service_account"),
        &["templates", "push", "stores.rwf"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("srv_inc@2\t"), "{out}");
    // `rwf new FILE` pushes the same way.
    std::fs::write(dir.join("stores.rwf"), source(3)).unwrap();
    let (code, _, err) = cli(
        &e,
        &dir,
        Some("service_account"),
        &[
            "new",
            "stores.rwf",
            "--release",
            "2031-03-01T09:00",
            "--owner",
            "team:release",
        ],
    );
    assert!(
        !err.contains("RWF050") && !err.contains("does not compile"),
        "{code} {err}"
    );
    std::fs::remove_file(dir.join("lib/policies.rwf")).unwrap();
    std::fs::write(dir.join("stores.rwf"), source(4)).unwrap();
    let (code, _, err) = cli(
        &e,
        &dir,
        Some("service_account"),
        &["templates", "push", "stores.rwf"],
    );
    assert_eq!(code, 2, "an input error: {err}");
    assert!(
        err.contains("lib/app_store.rwf:1:5 RWF050"),
        "the missing file is located: {err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    e.server.stop().await;
}
