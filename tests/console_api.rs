//! What the web console stands on, over real HTTP against real Postgres: browser sessions (a token
//! exchanged for an HttpOnly SameSite=Strict cookie, CSRF header required on every mutating request,
//! logout, death with the token) and the Gantt endpoints (the plan with its critical path, and
//! adjusting a task with a dry-run cascade and the expected version), under the same rules as the
//! rest of the API. People of tests/web/rwf.toml: ann operates, lee approves, vic only views.

#[path = "support/pg.rs"]
mod pg;

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use rwf::server::Settings;
use rwf::store::{PrincipalKind, Store};
use serde_json::{json, Value};
use std::time::Duration;

const TEMPLATE: &str = include_str!("web/fixtures/web_release.rwf");
const CONFIG: &str = include_str!("web/rwf.toml");

struct Env {
    _db: pg::TestDb,
    store: Store,
    base: String,
    http: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn env() -> Env {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let loaded = rwf::config::Config::parse(CONFIG, "rwf.toml", std::path::Path::new("."));
    let config = loaded.config.expect("tests/web/rwf.toml is valid");
    let spec = rwf::ops::compile_template("web_release.rwf", TEMPLATE, &rwf::compile::FsLoader)
        .expect("the fixture compiles");
    store.put_template(&spec).await.unwrap();
    let settings = Settings {
        directory: config.directory.clone(),
        roles: config.server,
        max_body: 1 << 20,
        timeout: Duration::from_secs(20),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = store.clone().with_directory(config.directory);
    tokio::spawn(rwf::server::serve(listener, served, settings, async {
        let _ = rx.await;
    }));
    Env {
        _db: db,
        store,
        base,
        http: reqwest::Client::new(),
        _stop: tx,
    }
}

/// A browser's session: its two cookies.
struct Session {
    session: String,
    csrf: String,
}

impl Session {
    fn cookie(&self) -> String {
        format!("rwf_session={}; rwf_csrf={}", self.session, self.csrf)
    }
}

fn cookie_value(headers: &[String], name: &str) -> Option<String> {
    headers.iter().find_map(|h| {
        h.split(';')
            .next()?
            .trim()
            .strip_prefix(&format!("{name}="))
            .map(str::to_string)
    })
}

impl Env {
    async fn token(&self, name: &str) -> String {
        let (_, t) = self
            .store
            .create_token(name, PrincipalKind::Person, "test", None)
            .await
            .unwrap();
        t
    }

    /// Signs in; returns the session and the raw Set-Cookie headers.
    async fn sign_in(&self, token: &str, https: bool) -> (Session, Vec<String>) {
        let mut req = self
            .http
            .post(format!("{}/api/v1/session", self.base))
            .json(&json!({ "token": token }));
        if https {
            req = req.header("X-Forwarded-Proto", "https");
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let set: Vec<String> = r
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let session = Session {
            session: cookie_value(&set, "rwf_session").expect("a session cookie"),
            csrf: cookie_value(&set, "rwf_csrf").expect("a CSRF cookie"),
        };
        (session, set)
    }

    /// A request with the session's cookies; `csrf` adds its header.
    async fn call(
        &self,
        s: &Session,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        csrf: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(COOKIE, s.cookie());
        if let Some(c) = csrf {
            req = req.header("X-RWF-CSRF", c);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, s: &Session, path: &str) -> (StatusCode, Value) {
        self.call(s, reqwest::Method::GET, path, None, None).await
    }

    async fn post(&self, s: &Session, path: &str, body: Value) -> (StatusCode, Value) {
        let csrf = s.csrf.clone();
        self.call(s, reqwest::Method::POST, path, Some(body), Some(&csrf))
            .await
    }

    async fn workflow_count(&self) -> usize {
        self.store.list_workflows(None, false).await.unwrap().len()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_httponly_strict_csrf_checked_and_end() {
    let env = env().await;
    // A token that does not authenticate opens nothing.
    let r = env
        .http
        .post(format!("{}/api/v1/session", env.base))
        .json(&json!({ "token": "rwf_nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get(SET_COOKIE).is_none());

    let ann_token = env.token("ann").await;
    let (ann, set) = env.sign_in(&ann_token, false).await;
    let session_cookie = set.iter().find(|c| c.starts_with("rwf_session=")).unwrap();
    assert!(session_cookie.contains("HttpOnly"), "{session_cookie}");
    assert!(
        session_cookie.contains("SameSite=Strict"),
        "{session_cookie}"
    );
    assert!(
        !session_cookie.contains("Secure"),
        "plain loopback HTTP: {session_cookie}"
    );
    let csrf_cookie = set.iter().find(|c| c.starts_with("rwf_csrf=")).unwrap();
    assert!(
        !csrf_cookie.contains("HttpOnly"),
        "the page reads it: {csrf_cookie}"
    );
    let (_, behind_tls) = env.sign_in(&ann_token, true).await;
    assert!(
        behind_tls.iter().all(|c| c.contains("; Secure")),
        "{behind_tls:?}"
    );
    // Only hashes are stored.
    let stored: Vec<(String,)> = sqlx::query_as("SELECT session_hash FROM rwf.web_sessions")
        .fetch_all(env.store.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|(h,)| h != &ann.session && h.len() == 64));

    let (status, me) = env.get(&ann, "/api/v1/me").await;
    assert_eq!(
        (status, me["actor"].as_str()),
        (StatusCode::OK, Some("ann"))
    );

    // A mutating request with the cookie but without (or with a wrong) CSRF header is refused and
    // changes nothing.
    let new = json!({ "template": "web_release", "release": "2030-01-10T09:00", "owner": "team:release" });
    let before = env.workflow_count().await;
    let (status, problem) = env
        .call(
            &ann,
            reqwest::Method::POST,
            "/api/v1/workflows",
            Some(new.clone()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(problem["detail"].as_str().unwrap().contains("X-RWF-CSRF"));
    let (status, _) = env
        .call(
            &ann,
            reqwest::Method::POST,
            "/api/v1/workflows",
            Some(new.clone()),
            Some("rwf_wrong"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(env.workflow_count().await, before);
    let (status, created) = env.post(&ann, "/api/v1/workflows", new).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(env.workflow_count().await, before + 1);

    // The feed's read mark is the person's own and only moves forward.
    let (status, mark) = env.get(&ann, "/api/v1/notifications/read").await;
    assert_eq!(
        (status, mark["read_at"].clone()),
        (StatusCode::OK, Value::Null)
    );
    let (status, marked) = env
        .post(
            &ann,
            "/api/v1/notifications/read",
            json!({ "at": "2030-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{marked}");
    let (_, back) = env
        .post(
            &ann,
            "/api/v1/notifications/read",
            json!({ "at": "2020-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(back["read_at"], json!("2030-01-01T00:00:00Z"));
    let lee = env.token("lee").await;
    let (lee, _) = env.sign_in(&lee, false).await;
    assert_eq!(
        env.get(&lee, "/api/v1/notifications/read").await.1["read_at"],
        Value::Null
    );

    // Logout ends the session; the cookie then authenticates nobody.
    let (status, _) = env.post(&ann, "/api/v1/session/logout", json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        env.get(&ann, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );

    // A session dies with its token.
    let (again, _) = env.sign_in(&ann_token, false).await;
    assert_eq!(env.get(&again, "/api/v1/me").await.0, StatusCode::OK);
    let listed = env.store.tokens().await.unwrap();
    let ann_id = listed.iter().find(|t| t.principal == "ann").unwrap().id;
    assert_eq!(listed.iter().filter(|t| t.principal == "ann").count(), 1);
    assert!(env.store.revoke_token(ann_id).await.unwrap());
    assert_eq!(
        env.get(&again, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gantt_and_adjust_preview_commit_refuse_stale_and_viewers() {
    let env = env().await;
    let (ann, _) = env.sign_in(&env.token("ann").await, false).await;
    let (vic, _) = env.sign_in(&env.token("vic").await, false).await;
    let (_, created) = env
        .post(
            &ann,
            "/api/v1/workflows",
            json!({ "template": "web_release", "release": "2030-01-10T09:00", "owner": "team:release" }),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let (status, g) = env
        .get(&ann, &format!("/api/v1/workflows/{id}/gantt"))
        .await;
    assert_eq!(status, StatusCode::OK, "{g}");
    assert_eq!(g["may_operate"], json!(true));
    assert_eq!(
        g["critical"],
        json!(["kickoff", "signoff", "freeze", "rc", "launch"])
    );
    assert_eq!(g["phases"][0]["key"], json!("prep"));
    let freeze = g["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "freeze")
        .unwrap();
    assert_eq!(freeze["depends_on"], json!(["signoff"]));
    assert_eq!(freeze["phase"], json!("ship"));
    let version = g["workflow"]["lock_version"].as_i64().unwrap();
    let due = |g: &Value, k: &str| {
        g["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == k)
            .unwrap()["planned_due"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // A viewer sees it but may not operate it, and adjusting is refused with nothing changed.
    let (status, vg) = env
        .get(&vic, &format!("/api/v1/workflows/{id}/gantt"))
        .await;
    assert_eq!(
        (status, vg["may_operate"].clone()),
        (StatusCode::OK, json!(false))
    );
    let adjust = format!("/api/v1/workflows/{id}/adjust");
    let (status, p) = env
        .post(&vic, &adjust, json!({ "task": "kickoff", "shift": "1d" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("may not operate"));

    // Preview: the cascade along schedule anchors, nothing applied.
    let (status, preview) = env
        .post(
            &ann,
            &adjust,
            json!({ "task": "kickoff", "shift": "2d", "dry_run": true, "expect_version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["applied"], json!(false));
    let mut moved: Vec<&str> = preview["diff"]["moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["task"].as_str().unwrap())
        .collect();
    moved.sort();
    assert_eq!(moved, ["freeze", "kickoff", "rc", "signoff"]);
    let (_, unchanged) = env
        .get(&ann, &format!("/api/v1/workflows/{id}/gantt"))
        .await;
    assert_eq!(
        unchanged["workflow"]["lock_version"].as_i64(),
        Some(version)
    );
    assert_eq!(due(&unchanged, "freeze"), due(&g, "freeze"));

    // Commit with the version seen.
    let (status, done) = env
        .post(
            &ann,
            &adjust,
            json!({ "task": "kickoff", "shift": "2d", "expect_version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["lock_version"].as_i64(), Some(version + 1));
    let (_, after) = env
        .get(&ann, &format!("/api/v1/workflows/{id}/gantt"))
        .await;
    let shift = chrono::DateTime::parse_from_rfc3339(&due(&after, "freeze")).unwrap()
        - chrono::DateTime::parse_from_rfc3339(&due(&g, "freeze")).unwrap();
    assert_eq!(shift, chrono::Duration::days(2));
    assert_eq!(
        due(&after, "launch"),
        due(&g, "launch"),
        "the release does not move"
    );

    // The same edit against the old version: refused, explained, nothing changed.
    let (status, stale) = env
        .post(
            &ann,
            &adjust,
            json!({ "task": "rc", "window": "2d", "expect_version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{stale}");
    assert!(stale["detail"]
        .as_str()
        .unwrap()
        .contains("changed since you loaded it"));
    let (_, still) = env
        .get(&ann, &format!("/api/v1/workflows/{id}/gantt"))
        .await;
    assert_eq!(
        still["workflow"]["lock_version"].as_i64(),
        Some(version + 1)
    );

    // Dependencies: a cycle is refused by name; adding and removing one works.
    let (status, cyc) = env
        .post(
            &ann,
            &adjust,
            json!({ "task": "kickoff", "add_dependency": "rc" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{cyc}");
    assert!(cyc.to_string().contains("cycle"), "{cyc}");
    let (status, _) = env
        .post(
            &ann,
            &adjust,
            json!({ "task": "rc", "remove_dependency": "freeze" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, g2) = env
        .get(&ann, &format!("/api/v1/workflows/{id}/gantt"))
        .await;
    let rc = g2["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "rc")
        .unwrap();
    assert_eq!(rc["depends_on"], json!([]));

    // Bad requests name the problem.
    let (status, two) = env
        .post(
            &ann,
            &adjust,
            json!({ "task": "rc", "shift": "1d", "window": "1d" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(two["detail"].as_str().unwrap().contains("exactly one"));
    let (status, bad) = env
        .post(&ann, &adjust, json!({ "task": "rc", "shift": "soon" }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        bad["detail"].as_str().unwrap().contains("invalid span"),
        "{bad}"
    );

    // Active workflows are not edited on the Gantt (pause first).
    let (status, _) = env
        .post(&ann, &format!("/api/v1/workflows/{id}/start"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, active) = env
        .post(&ann, &adjust, json!({ "task": "launch", "window": "1d" }))
        .await;
    assert!(status.is_client_error(), "{status} {active}");
}
