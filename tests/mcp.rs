//! `rwf mcp`, the proposal-only assistant interface, driven as a client would: the real binary over
//! stdio, and `POST /api/v1/mcp` of a real server with bearer tokens. The tool table has no lifecycle
//! or decision operation (checked on the table and on the module's sources); the release facts are
//! required; drafts are created as drafts and stay drafts; edits apply to drafts only; and a hostile
//! sequence of calls reaching for a start, a resume, a cancel, an approval, a rejection, a task's
//! completion or an event's delivery gets an error each time and changes no `rwf.*` row.

#[path = "support/pg.rs"]
mod pg;
#[path = "support/rig.rs"]
mod rig;
#[path = "support/specs.rs"]
mod specs;

use rwf::store::{PrincipalKind, Store};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

const TEMPLATE: &str = include_str!("fixtures/server/release.rwf");
const CONFIG: &str = include_str!("fixtures/server/rwf.toml");

/// Every tool there is, and nothing else.
const TOOLS: &[&str] = &[
    "list_templates",
    "show_template",
    "validate",
    "preview_plan",
    "explain_date",
    "explain_workflow_date",
    "draft_workflow",
    "propose_edit",
    "list_workflows",
    "status",
    "blocked",
    "due_next",
    "waiting_on",
    "audit_log",
];

/// Words of the human-only operations: no tool name may contain one.
const HUMAN_ONLY: &[&str] = &[
    "start", "resume", "pause", "cancel", "approve", "reject", "complete", "done", "deliver",
    "answer", "retry", "reopen", "decide",
];

/// `rwf mcp` over stdio: one JSON-RPC message per line each way.
struct McpProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl McpProcess {
    fn spawn(database_url: Option<&str>, dir: &Path) -> McpProcess {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rwf"));
        cmd.args(["mcp", "--as", "assistant-user"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        match database_url {
            Some(url) => cmd.env("DATABASE_URL", url),
            None => cmd.env_remove("DATABASE_URL"),
        };
        let mut child = cmd.spawn().expect("rwf mcp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut p = McpProcess {
            child,
            stdin,
            stdout,
            next_id: 0,
        };
        let init = p.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "tests/mcp.rs", "version": "1"}}),
        );
        assert_eq!(init["result"]["protocolVersion"], "2025-06-18", "{init}");
        assert_eq!(init["result"]["serverInfo"]["name"], "rwf");
        assert!(init["result"]["capabilities"]["tools"].is_object());
        p.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        p
    }

    fn send(&mut self, message: &Value) {
        writeln!(self.stdin, "{message}").unwrap();
        self.stdin.flush().unwrap();
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("a response line");
        assert!(!line.is_empty(), "rwf mcp closed its stdout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// One request and its response (the whole JSON-RPC message).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let response = self.read();
        assert_eq!(response["id"], id, "{response}");
        response
    }

    /// A tool call's result (`content`, `structuredContent`, `isError`).
    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let r = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        assert!(r["error"].is_null(), "{tool}: {r}");
        r["result"].clone()
    }

    /// A successful tool call's structured content.
    fn ok(&mut self, tool: &str, arguments: Value) -> Value {
        let r = self.call(tool, arguments);
        assert_eq!(r["isError"], false, "{tool}: {r}");
        assert_eq!(r["content"][0]["type"], "text");
        r["structuredContent"].clone()
    }

    /// A failed tool call's structured error.
    fn tool_error(&mut self, tool: &str, arguments: Value) -> Value {
        let r = self.call(tool, arguments);
        assert_eq!(r["isError"], true, "{tool} should fail: {r}");
        assert!(r["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("error: "));
        r["structuredContent"].clone()
    }
}

impl Drop for McpProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rwf-mcp-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rwf.toml"), CONFIG).unwrap();
    dir
}

/// A release `days` from now at 09:00, as the `release` argument.
fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%dT09:00")
        .to_string()
}

/// Every `rwf.*` table's rows, as text.
async fn dump(store: &Store) -> String {
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'rwf' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut out = String::new();
    for (t,) in tables {
        let (rows,): (Option<String>,) = sqlx::query_as(&format!(
            "SELECT string_agg(x::text, E'\\n' ORDER BY x::text) FROM rwf.{t} x"
        ))
        .fetch_one(store.pool())
        .await
        .unwrap();
        out.push_str(&format!("== {t}\n{}\n", rows.unwrap_or_default()));
    }
    out
}

fn rwf_cli(dir: &Path, url: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args(args)
        .env("DATABASE_URL", url)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rwf {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn settle(store: &Store) {
    for _ in 0..2 {
        rig::worker_on(store, "w-mcp", 60)
            .run_until_idle()
            .await
            .expect("the worker runs");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn workflow_status(store: &Store, id: &str) -> String {
    let (s,): (String,) = sqlx::query_as("SELECT status FROM rwf.workflows WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    s
}

#[test]
fn the_tool_table_has_no_lifecycle_or_decision_operation() {
    let dir = scratch_dir();
    let mut mcp = McpProcess::spawn(None, &dir);
    let listed = mcp.request("tools/list", json!({}));
    let tools = listed["result"]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, TOOLS);
    for t in tools {
        let name = t["name"].as_str().unwrap();
        for word in HUMAN_ONLY {
            assert!(!name.contains(word), "tool `{name}` names `{word}`");
        }
        assert!(t["description"].as_str().is_some_and(|d| d.len() > 20));
        let schema = &t["inputSchema"];
        assert_eq!(schema["type"], "object", "{name}: {schema}");
        assert!(schema["properties"].is_object(), "{name}: {schema}");
        assert_eq!(schema["additionalProperties"], false, "{name}: {schema}");
        for (arg, property) in schema["properties"].as_object().unwrap() {
            assert!(
                property["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{name}.{arg} says what it is"
            );
        }
    }
    // The release facts are required wherever a release is planned or created.
    for tool in ["preview_plan", "explain_date", "draft_workflow"] {
        let schema = &tools.iter().find(|t| t["name"] == tool).unwrap()["inputSchema"];
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        for arg in ["name", "release", "tz"] {
            assert!(required.contains(&arg), "{tool} requires {arg}: {schema}");
        }
    }
    // Whatever a caller sends, a name outside the table is a protocol error naming why.
    for name in [
        "start_workflow",
        "approve",
        "reject",
        "complete_task",
        "deliver_event",
    ] {
        let r = mcp.request("tools/call", json!({"name": name, "arguments": {}}));
        assert_eq!(r["error"]["code"], -32602, "{r}");
        assert!(r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("human actions"));
    }
    // Structurally: no file of the module calls an operation that changes a lifecycle, decides,
    // completes, answers, retries, reopens, delivers or runs the reconciler.
    let forbidden = [
        ".transition(",
        ".decide(",
        ".done(",
        ".answer(",
        ".reopen(",
        ".retry_task(",
        "LifecycleVerb",
        "engine::decide",
        "engine::complete",
        "engine::lifecycle",
        "resolve_missed",
        ".deliver",
        "deliver_feed",
        "reconcile",
        "Worker",
    ];
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/mcp");
    let mut files = 0;
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        files += 1;
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for f in forbidden {
                assert!(
                    !code.contains(f),
                    "{}:{}: calls `{f}`: {line}",
                    path.display(),
                    n + 1
                );
            }
        }
    }
    assert!(files >= 8, "src/mcp has its files");
}

#[test]
fn templates_validate_preview_and_explain_without_a_database() {
    let dir = scratch_dir();
    let mut mcp = McpProcess::spawn(None, &dir);
    let listed = mcp.ok("list_templates", json!({}));
    assert_eq!(listed["stored"], json!([]));
    assert_eq!(listed["shipped"].as_array().unwrap().len(), 5);
    let shown = mcp.ok("show_template", json!({"template": "product_launch"}));
    assert_eq!(shown["key"], "product_launch");
    assert_eq!(shown["name_param"], "product");
    assert_eq!(shown["target_param"], "release");
    assert!(shown["params"].as_array().unwrap().len() >= 3);

    // Validation: diagnostics as data, positioned in the text given.
    let broken = "template x \"X\" version 1 {\n  param d: date\n  target d in \"UTC\"\n  checkpoint a \"A\" { at d - 1 dya }\n}\n";
    let v = mcp.ok("validate", json!({"source": broken, "file": "x.rwf"}));
    assert_eq!(v["ok"], false);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "RWF001", "{d}");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(4), Some(31))
    );
    assert_eq!(d["file"], "x.rwf");
    assert!(d["message"].as_str().unwrap().contains("dya"));
    assert!(d["help"].is_string());
    let clean = mcp.ok("validate", json!({"source": TEMPLATE}));
    assert_eq!(clean["ok"], true, "{clean}");

    // The release facts are required, each by name, with what to give.
    let full = json!({"template": "product_launch", "name": "Widget 2", "release": "2026-10-01T09:00", "tz": "Europe/Berlin"});
    for missing in ["name", "release", "tz"] {
        let mut args = full.clone();
        args.as_object_mut().unwrap().remove(missing);
        for tool in ["preview_plan", "draft_workflow"] {
            let e = mcp.tool_error(tool, args.clone());
            assert_eq!(
                e["error"],
                format!("`{tool}` needs the argument `{missing}`")
            );
            assert!(e["help"]
                .as_str()
                .unwrap()
                .starts_with(&format!("give `{missing}`")));
        }
    }
    let mut empty = full.clone();
    empty["name"] = json!("  ");
    assert!(mcp.tool_error("preview_plan", empty)["error"]
        .as_str()
        .unwrap()
        .contains("`name` is empty"));
    let mut bad_tz = full.clone();
    bad_tz["tz"] = json!("Mars/Olympus");
    assert!(mcp.tool_error("preview_plan", bad_tz)["error"]
        .as_str()
        .unwrap()
        .contains("not an IANA time zone"));
    let mut bad_date = full.clone();
    bad_date["release"] = json!("next tuesday");
    let e = mcp.tool_error("preview_plan", bad_date);
    assert!(
        e["details"][0]["code"].as_str().unwrap().starts_with("RWF"),
        "{e}"
    );

    // The plan: the name binds the title's param, the date and zone the target.
    let plan = mcp.ok("preview_plan", full.clone());
    assert_eq!(plan["name"], "Product launch: Widget 2");
    assert_eq!(plan["tz"], "Europe/Berlin");
    assert_eq!(plan["release"], "2026-10-01T07:00:00+00:00");
    let ga = plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "ga")
        .unwrap();
    assert_eq!(ga["due_local"], "2026-10-01 09:00 CEST");
    let kickoff = &plan["tasks"][0];
    assert_eq!(kickoff["title"], "Kick-off: Widget 2");

    let mut explain = full.clone();
    explain["task"] = json!("ga");
    let ex = mcp.ok("explain_date", explain.clone());
    assert!(ex["explanation"]
        .as_str()
        .unwrap()
        .contains("2026-10-01 09:00 Europe/Berlin"));
    assert_eq!(ex["chain"][0]["task"], "ga");
    explain["task"] = json!("no_such_task");
    assert!(mcp.tool_error("explain_date", explain)["error"]
        .as_str()
        .unwrap()
        .contains("no_such_task"));

    // Both or neither of template and source is refused.
    let mut both = full.clone();
    both["source"] = json!(TEMPLATE);
    assert!(mcp.tool_error("preview_plan", both)["error"]
        .as_str()
        .unwrap()
        .contains("exactly one"));
    // Tools on the database say how to give one.
    let e = mcp.tool_error("draft_workflow", full);
    assert!(e["help"].as_str().unwrap().contains("DATABASE_URL"), "{e}");

    // Resources: the language reference and the shipped templates.
    let resources = mcp.request("resources/list", json!({}));
    let uris: Vec<&str> = resources["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert!(uris.contains(&"rwf://reference/language"));
    assert!(uris.contains(&"rwf://templates/shipped/product_launch.rwf"));
    let reference = mcp.request("resources/read", json!({"uri": "rwf://reference/language"}));
    assert!(reference["result"]["contents"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with("# The .rwf language"));
    let missing = mcp.request("resources/read", json!({"uri": "rwf://nope"}));
    assert_eq!(missing["error"]["code"], -32002);
    // Not JSON, and an unknown method.
    writeln!(mcp.stdin, "{{not json").unwrap();
    mcp.stdin.flush().unwrap();
    assert_eq!(mcp.read()["error"]["code"], -32700);
    assert_eq!(
        mcp.request("workflows/start", json!({}))["error"]["code"],
        -32601
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_stay_drafts_edits_apply_to_drafts_only_and_hostile_calls_change_nothing() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let dir = scratch_dir();
    let mut mcp = McpProcess::spawn(Some(&db.url), &dir);
    let release = in_days(30);

    // A draft from source: the name binds `product`; the worker never advances it.
    let drafted = mcp.ok(
        "draft_workflow",
        json!({"source": TEMPLATE, "name": "Gizmo", "release": release, "tz": "Europe/Berlin"}),
    );
    assert_eq!(drafted["status"], "draft");
    assert_eq!(drafted["name"], "Server release: Gizmo");
    assert_eq!(drafted["name_param"], "product");
    let draft = drafted["id"].as_str().unwrap().to_string();
    settle(&store).await;
    assert_eq!(workflow_status(&store, &draft).await, "draft");
    let status = mcp.ok("status", json!({"workflow": draft}));
    assert_eq!(status["workflow"]["status"], "draft");
    assert_eq!(status["workflow"]["target_tz"], "Europe/Berlin");
    assert!(status["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["status"] == "pending"));
    let log = mcp.ok("audit_log", json!({"workflow": draft}));
    assert_eq!(log["events"][0]["kind"], "workflow_created", "{log}");
    assert_eq!(log["events"][0]["actor"], "assistant-user");

    // An edit to a draft applies (here: a new release date, in another zone).
    let moved = in_days(40);
    let edit = mcp.ok(
        "propose_edit",
        json!({"workflow": draft, "release": moved, "tz": "America/New_York"}),
    );
    assert_eq!(edit["applied"], true, "{edit}");
    assert_eq!(edit["refusals"], json!([]));
    let after = mcp.ok("status", json!({"workflow": draft}));
    assert_eq!(after["workflow"]["target_tz"], "America/New_York");
    assert_eq!(after["workflow"]["status"], "draft");
    // A new template version for the draft: the diff lists the added task.
    let v2 = TEMPLATE
        .replace("version 1", "version 2")
        .replace(
            "checkpoint shipped \"Shipped\" { after legal_ok }",
            "checkpoint shipped \"Shipped\" { after legal_ok }\n  checkpoint announced \"Announced\" { after shipped }",
        );
    let edit = mcp.ok("propose_edit", json!({"workflow": draft, "source": v2}));
    assert_eq!(edit["applied"], true, "{edit}");
    assert_eq!(edit["diff"]["added"], json!(["announced"]));

    // A paused workflow: the proposal shows the diff and applies nothing.
    let paused = mcp.ok(
        "draft_workflow",
        json!({"source": TEMPLATE, "name": "Paused", "release": in_days(20), "tz": "UTC"}),
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    rwf_cli(&dir, &db.url, &["start", &paused, "--as", "ann"]);
    rwf_cli(&dir, &db.url, &["pause", &paused, "--as", "ann"]);
    // An active one with a person's task done and an approval open.
    let active = mcp.ok(
        "draft_workflow",
        json!({"source": TEMPLATE, "name": "Live", "release": in_days(10), "tz": "UTC"}),
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    rwf_cli(&dir, &db.url, &["start", &active, "--as", "ann"]);
    settle(&store).await;
    rwf_cli(&dir, &db.url, &["done", &active, "prep", "--as", "ann"]);
    settle(&store).await;
    let waiting = mcp.ok("waiting_on", json!({}));
    let legal = waiting["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["task"] == "legal_ok")
        .unwrap_or_else(|| panic!("the approval waits on legal: {waiting}"));
    assert_eq!(legal["waiting_on"], json!(["team:legal"]));
    assert_eq!(legal["workflow"], active);
    let due = mcp.ok("due_next", json!({"limit": 3}));
    assert!(due["due"].as_array().unwrap().len() <= 3);
    let blocked = mcp.ok("blocked", json!({"workflow": active}));
    assert!(blocked["blocked"].is_array());
    let listed = mcp.ok("list_workflows", json!({}));
    assert_eq!(listed["workflows"].as_array().unwrap().len(), 3);
    let stored = mcp.ok("list_templates", json!({}));
    assert_eq!(stored["stored"].as_array().unwrap().len(), 2, "{stored}");
    let resources = mcp.request("resources/list", json!({}));
    let spec_uri = "rwf://templates/stored/srv_release@1";
    assert!(resources["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["uri"] == spec_uri));
    let spec = mcp.request("resources/read", json!({"uri": spec_uri}));
    assert!(spec["result"]["contents"][0]["text"]
        .as_str()
        .unwrap()
        .contains("\"key\":\"srv_release\""));

    let before = dump(&store).await;
    let proposal = mcp.ok(
        "propose_edit",
        json!({"workflow": paused, "release": in_days(25)}),
    );
    assert_eq!(proposal["applied"], false, "{proposal}");
    assert_eq!(
        proposal["diff"]["workflow"][0]["field"], "bindings",
        "{proposal}"
    );
    assert!(proposal["note"].as_str().unwrap().contains("paused"));

    // The hostile sequence: every call is an error, and nothing changes.
    let mut protocol_errors = 0;
    let mut tool_errors = 0;
    let attempts: Vec<(&str, Value)> = vec![
        (
            "tools/call",
            json!({"name": "start_workflow", "arguments": {"workflow": draft}}),
        ),
        (
            "tools/call",
            json!({"name": "start", "arguments": {"workflow": draft}}),
        ),
        (
            "tools/call",
            json!({"name": "resume", "arguments": {"workflow": paused}}),
        ),
        (
            "tools/call",
            json!({"name": "cancel_workflow", "arguments": {"workflow": active}}),
        ),
        (
            "tools/call",
            json!({"name": "approve", "arguments": {"workflow": active, "task": "legal_ok"}}),
        ),
        (
            "tools/call",
            json!({"name": "reject", "arguments": {"workflow": active, "task": "legal_ok", "reason": "x"}}),
        ),
        (
            "tools/call",
            json!({"name": "complete_task", "arguments": {"workflow": active, "task": "prep"}}),
        ),
        (
            "tools/call",
            json!({"name": "deliver_event", "arguments": {"workflow": active}}),
        ),
        (
            "tools/call",
            json!({"name": "STATUS", "arguments": {"workflow": active}}),
        ),
        ("workflows/start", json!({"workflow": draft})),
        (
            "approvals/approve",
            json!({"workflow": active, "task": "legal_ok"}),
        ),
        (
            "tools/call",
            json!({"name": "propose_edit", "arguments": {"workflow": paused, "status": "active"}}),
        ),
        (
            "tools/call",
            json!({"name": "propose_edit", "arguments": {"workflow": paused, "release": in_days(5), "dry_run": false}}),
        ),
        (
            "tools/call",
            json!({"name": "propose_edit", "arguments": {"workflow": active, "release": in_days(12)}}),
        ),
        (
            "tools/call",
            json!({"name": "propose_edit", "arguments": {"workflow": active, "source": TEMPLATE.replace("quorum 1", "quorum 1\n    deadline 1 day")}}),
        ),
        (
            "tools/call",
            json!({"name": "propose_edit", "arguments": {"workflow": active, "sets": {"product": "Other"}}}),
        ),
        (
            "tools/call",
            json!({"name": "propose_edit", "arguments": {"workflow": draft, "action": "start"}}),
        ),
        (
            "tools/call",
            json!({"name": "draft_workflow", "arguments": {"template": "srv_release", "name": "X", "release": in_days(9), "tz": "UTC", "start": true}}),
        ),
        (
            "tools/call",
            json!({"name": "draft_workflow", "arguments": {"template": "srv_release", "release": in_days(9), "tz": "UTC"}}),
        ),
        (
            "tools/call",
            json!({"name": "status", "arguments": {"workflow": active, "approve": "legal_ok"}}),
        ),
        (
            "tools/call",
            json!({"name": "audit_log", "arguments": {"workflow": active, "deliver": true}}),
        ),
        (
            "tools/call",
            json!({"name": "validate", "arguments": {"source": TEMPLATE, "then": "start"}}),
        ),
    ];
    for (method, params) in attempts {
        let r = mcp.request(method, params.clone());
        if r["error"].is_object() {
            protocol_errors += 1;
        } else {
            assert_eq!(r["result"]["isError"], true, "{method} {params}: {r}");
            tool_errors += 1;
        }
    }
    assert!(
        protocol_errors >= 10 && tool_errors >= 10,
        "{protocol_errors} {tool_errors}"
    );
    assert_eq!(before, dump(&store).await, "a refused call changed a row");
    assert_eq!(workflow_status(&store, &draft).await, "draft");
    assert_eq!(workflow_status(&store, &paused).await, "paused");
    assert_eq!(workflow_status(&store, &active).await, "active");

    // A stored workflow's date, explained from its own spec and target.
    let launch = mcp.ok(
        "draft_workflow",
        json!({"template": "product_launch", "name": "Widget", "release": in_days(60), "tz": "America/New_York"}),
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let status = mcp.ok("status", json!({"workflow": launch}));
    for task in status["tasks"].as_array().unwrap() {
        let key = task["key"].as_str().unwrap();
        let ex = mcp.ok(
            "explain_workflow_date",
            json!({"workflow": launch, "task": key}),
        );
        let asked = ex["chain"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["task"] == key)
            .unwrap_or_else(|| panic!("{key} is in its own chain: {ex}"));
        assert_eq!(asked["due"], task["planned_due"], "{key}: {ex}");
        assert!(ex["explanation"].as_str().unwrap().contains(key));
    }
    let e = mcp.tool_error(
        "explain_workflow_date",
        json!({"workflow": launch, "task": "nope"}),
    );
    assert!(e["error"].as_str().unwrap().contains("nope"), "{e}");
}

async fn post(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut req = http.post(format!("{base}/api/v1/mcp")).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn http_call(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    tool: &str,
    args: Value,
) -> Value {
    let (status, body) = post(
        http,
        base,
        Some(token),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": args}}),
    )
    .await;
    assert_eq!(status, 200, "{tool}: {body}");
    body["result"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_the_caller_is_the_token_and_the_server_rules_apply() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let loaded = rwf::config::Config::parse(CONFIG, "rwf.toml", Path::new("."));
    let config = loaded.config.expect("the test rwf.toml is valid");
    let settings = rwf::server::Settings {
        directory: config.directory,
        roles: config.server,
        ..rwf::server::Settings::default()
    };
    let spec =
        rwf::ops::compile_template("release.rwf", TEMPLATE, &rwf::compile::MemLoader::default())
            .expect("the fixture compiles");
    store.put_template(&spec).await.unwrap();
    let mut tokens = std::collections::BTreeMap::new();
    for (name, kind) in [
        ("ann", PrincipalKind::Person),
        ("oli", PrincipalKind::Person),
        ("zed", PrincipalKind::Person),
        ("ci", PrincipalKind::Service),
    ] {
        let t = store
            .create_token(name, kind, "test", None)
            .await
            .unwrap()
            .1;
        tokens.insert(name, t);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rwf::server::serve(
        listener,
        store.clone(),
        settings,
        async {
            let _ = stopped.await;
        },
    ));
    let http = reqwest::Client::new();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});

    // No token: 401, and nothing in the message can name a caller.
    let (status, _) = post(&http, &base, None, init.clone()).await;
    assert_eq!(status, 401);
    let (status, _) = post(&http, &base, Some("rwf_not_a_token"), init.clone()).await;
    assert_eq!(status, 401);
    let (status, body) = post(&http, &base, Some(&tokens["ann"]), init).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["serverInfo"]["name"], "rwf");
    let (status, _) = post(
        &http,
        &base,
        Some(&tokens["ann"]),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    assert_eq!(status, 202);
    // A page of another origin is refused even with a token; the server's own origin is not.
    let ping = json!({"jsonrpc": "2.0", "id": 3, "method": "ping"});
    for (origin, expected) in [("http://evil.example", 403), (base.as_str(), 200)] {
        let r = http
            .post(format!("{base}/api/v1/mcp"))
            .bearer_auth(&tokens["ann"])
            .header("origin", origin)
            .json(&ping)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), expected, "origin {origin}");
    }
    let get = http.get(format!("{base}/api/v1/mcp")).send().await.unwrap();
    assert_eq!(get.status().as_u16(), 405);

    let args = json!({"template": "srv_release", "name": "Http", "release": in_days(15), "tz": "UTC", "owner": "team:release"});
    // A service account does not create workflows; ann does, for her team.
    let refused = http_call(&http, &base, &tokens["ci"], "draft_workflow", args.clone()).await;
    assert_eq!(refused["isError"], true, "{refused}");
    let created = http_call(&http, &base, &tokens["ann"], "draft_workflow", args).await;
    assert_eq!(created["isError"], false, "{created}");
    assert_eq!(created["structuredContent"]["owner"], "team:release");
    let id = created["structuredContent"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // ann is not a pusher: a draft from source would store a template version.
    let from_source = json!({"source": TEMPLATE.replace("version 1", "version 7"), "name": "S", "release": in_days(15), "tz": "UTC"});
    let refused = http_call(&http, &base, &tokens["ann"], "draft_workflow", from_source).await;
    assert!(
        refused["structuredContent"]["error"]
            .as_str()
            .unwrap()
            .contains("may not push"),
        "{refused}"
    );

    let before = dump(&store).await;
    // zed sees nothing; oli (a viewer through team:web) may read but not change ann's draft.
    let hidden = http_call(
        &http,
        &base,
        &tokens["zed"],
        "status",
        json!({"workflow": id}),
    )
    .await;
    assert_eq!(hidden["isError"], true);
    assert!(hidden["structuredContent"]["error"]
        .as_str()
        .unwrap()
        .contains("may not view"));
    let listed = http_call(&http, &base, &tokens["zed"], "list_workflows", json!({})).await;
    assert_eq!(listed["structuredContent"]["workflows"], json!([]));
    let seen = http_call(
        &http,
        &base,
        &tokens["oli"],
        "status",
        json!({"workflow": id}),
    )
    .await;
    assert_eq!(seen["isError"], false, "{seen}");
    let edit = json!({"workflow": id, "release": in_days(16)});
    let refused = http_call(&http, &base, &tokens["oli"], "propose_edit", edit.clone()).await;
    assert!(
        refused["structuredContent"]["error"]
            .as_str()
            .unwrap()
            .contains("may not operate"),
        "{refused}"
    );
    let (_, unknown) = post(
        &http,
        &base,
        Some(&tokens["ann"]),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "start_workflow", "arguments": {"workflow": id}}}),
    )
    .await;
    assert_eq!(unknown["error"]["code"], -32602);
    assert_eq!(before, dump(&store).await);

    // ann's proposal applies to her draft, recorded as hers.
    let applied = http_call(&http, &base, &tokens["ann"], "propose_edit", edit).await;
    assert_eq!(applied["structuredContent"]["applied"], true, "{applied}");
    let log = http_call(
        &http,
        &base,
        &tokens["ann"],
        "audit_log",
        json!({"workflow": id}),
    )
    .await;
    let events = log["structuredContent"]["events"].as_array().unwrap();
    let last = events.last().unwrap();
    assert_eq!(last["actor"], "ann", "{last}");
    assert_eq!(last["kind"], "workflow_retargeted", "{last}");
    assert_eq!(workflow_status(&store, &id).await, "draft");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// Source that imports local modules travels with its `files` (paths relative to it): `validate`
/// resolves them, nested imports included, and positions a finding in the file it is in;
/// `preview_plan` plans the included copies; a path that leaves the template is refused.
#[test]
fn source_with_includes_comes_with_its_files() {
    let dir = scratch_dir();
    let mut mcp = McpProcess::spawn(None, &dir);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let store = format!(
        "use ./policies {{ quick }}\n{}",
        std::fs::read_to_string(root.join("examples/app_store.rwf")).unwrap()
    );
    let source = "use ./lib/app_store { app_store }\ntemplate mcp_inc \"Stores: ${product}\" version 1 {\n  param product: string\n  param release: datetime\n  target release in \"UTC\" at 09:00\n  include app_store as ios { platform = \"ios\" }\n}\n";
    let files = json!({"lib/app_store.rwf": store, "lib/policies.rwf": "policy quick { retry { attempts 4 } }\n"});
    let v = mcp.ok("validate", json!({"source": source, "files": files}));
    assert_eq!(v["errors"], 0, "{v}");
    let plan = mcp.ok(
        "preview_plan",
        json!({"source": source, "files": files, "name": "W", "release": "2031-03-01T09:00", "tz": "UTC"}),
    );
    assert!(plan.to_string().contains("ios.build"), "{plan}");
    // The nested import missing: located in the module that imports it.
    let v = mcp.ok(
        "validate",
        json!({"source": source, "files": {"lib/app_store.rwf": store}}),
    );
    let d = &v["diagnostics"][0];
    assert_eq!(
        (&d["code"], &d["file"], &d["line"], &d["column"]),
        (
            &json!("RWF050"),
            &json!("lib/app_store.rwf"),
            &json!(1),
            &json!(5)
        ),
        "{v}"
    );
    let e = mcp.tool_error(
        "preview_plan",
        json!({"source": source, "files": {"lib/app_store.rwf": store}, "name": "W", "release": "2031-03-01T09:00", "tz": "UTC"}),
    );
    assert_eq!(e["details"][0]["file"], "lib/app_store.rwf", "{e}");
    for bad in ["../app_store.rwf", "/lib/app_store.rwf"] {
        let e = mcp.tool_error("validate", json!({"source": source, "files": {bad: store}}));
        assert!(e["error"].as_str().unwrap().contains("no `..`"), "{e}");
    }
}
