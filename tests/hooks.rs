//! Hooks: sandbox limits, determinism, result contracts, `check_spec` positions, the stdlib hooks, every
//! point driving the engine on a virtual clock, the example simulated twice, and a Postgres worker run.

#[path = "support/pg.rs"]
mod pg;
#[path = "support/snapshots.rs"]
mod snapshots;
#[path = "support/specs.rs"]
mod specs;

use chrono::{DateTime, TimeZone, Utc};
use rwf::hooks::{self, ContextInput, HookHost, Limits, Runtime};
use rwf::spec::{HookFile, HookPoint, Risk, Scope, Step, TaskSpec, WorkflowSpec};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Helpers

fn file(path: &str, source: &str) -> HookFile {
    HookFile {
        path: path.into(),
        source: source.into(),
        sha256: hooks::sha256_hex(source),
    }
}

fn step(kind: &str) -> Step {
    match kind {
        "approval" => snapshots::approval(vec![Scope::Team("release".into())], 1),
        "notification" => Step::Notification {
            to: vec![Scope::Channel("#launch".into())],
            message: "we shipped".into(),
        },
        "manual" => Step::Manual {
            instructions: None,
            assignee: None,
        },
        "checkpoint" => Step::Checkpoint,
        _ => snapshots::agent("writer"),
    }
}

fn task(key: &str, kind: &str, bindings: &[(HookPoint, &str)]) -> TaskSpec {
    TaskSpec {
        hooks: bindings.iter().map(|(p, f)| (*p, f.to_string())).collect(),
        ..snapshots::task(key, step(kind))
    }
}

fn spec(files: Vec<HookFile>, tasks: Vec<TaskSpec>) -> WorkflowSpec {
    WorkflowSpec {
        hooks: files,
        ..snapshots::workflow("t", "T", tasks)
    }
}

/// A runtime over one file with every function bound as a gate on one agent task (so none is unused).
fn runtime_with(source: &str, function: &str, limits: Limits) -> Runtime {
    let s = spec(
        vec![file("policy.rhai", source)],
        vec![task("a", "agent", &[(HookPoint::Input, function)])],
    );
    Runtime::with_limits(&s, limits).unwrap_or_else(|d| panic!("runtime: {d:#?}"))
}

fn runtime(source: &str, function: &str) -> Runtime {
    runtime_with(source, function, Limits::default())
}

/// Default limits but a wall clock long enough that a loaded debug build hits the limit under test first.
fn patient() -> Limits {
    Limits {
        wall_clock: Duration::from_secs(20),
        ..Limits::default()
    }
}

fn ctx() -> Value {
    json!({"task": {"key": "a", "kind": "agent", "risk": null, "labels": []}, "attempt": 1,
           "params": {"product": "Acme"}, "outputs": {}, "now": "2026-03-02T10:00:00Z",
           "now_unix": 1772445600, "local": {"date": "2026-03-02", "weekday": "mon", "hour": 10, "minute": 0}})
}

fn call_err(rt: &Runtime, point: HookPoint, function: &str) -> String {
    rt.call(point, function, &ctx())
        .expect_err("the hook should fail")
}

// ---------------------------------------------------------------------------------------------
// Limits: every one of them ends the call with a clear Err, never a panic.

#[test]
fn operations_limit_stops_an_endless_loop() {
    let rt = runtime_with("fn f(ctx) { loop { } }", "f", patient());
    let e = call_err(&rt, HookPoint::Input, "f");
    assert!(e.contains("input hook `f` in policy.rhai"), "{e}");
    assert!(e.contains("ran more than 200000 operations"), "{e}");
    assert!(
        !e.contains("policy.rhai failed at"),
        "no position is claimed: {e}"
    );
}

/// The message of a runaway hook is decided by the operation limit, not by the clock: the same
/// script says the same thing on an idle machine and a loaded one (default limits, no `patient()`).
#[test]
fn a_runaway_hook_is_stopped_by_operations_under_the_default_limits() {
    let rt = runtime("fn f(ctx) { let n = 0; loop { n += 1; } }", "f");
    for _ in 0..3 {
        let e = call_err(&rt, HookPoint::Input, "f");
        assert!(e.contains("ran more than 200000 operations"), "{e}");
    }
    assert!(
        Limits::default().wall_clock >= Duration::from_secs(5),
        "the wall clock is a backstop, far above what the operation limit takes"
    );
}

#[test]
fn call_depth_limit_stops_endless_recursion() {
    let rt = runtime_with(
        "fn f(ctx) { down(0) }\nfn down(n) { down(n + 1) }",
        "f",
        patient(),
    );
    let e = call_err(&rt, HookPoint::Input, "f");
    assert!(e.contains("nested calls deeper than 24"), "{e}");
}

#[test]
fn string_size_limit() {
    let rt = runtime_with(
        "fn f(ctx) { let s = \"ab\"; loop { s += s; } }",
        "f",
        patient(),
    );
    let e = call_err(&rt, HookPoint::Input, "f");
    assert!(e.contains("over the limit: length of string"), "{e}");
}

#[test]
fn array_size_limit() {
    let rt = runtime_with(
        "fn f(ctx) { let a = []; loop { a.push(1); } }",
        "f",
        patient(),
    );
    let e = call_err(&rt, HookPoint::Input, "f");
    assert!(e.contains("over the limit: size of array"), "{e}");
}

#[test]
fn map_size_limit() {
    let rt = runtime_with(
        "fn f(ctx) { let m = #{}; for i in 0..5000 { m[`k${i}`] = i; } m }\n\
         fn g(ctx) { let m = #{}; for i in 0..5000 { m[`k${i}`] = i; m.len(); } m }",
        "f",
        patient(),
    );
    // Caught on the way out (rhai does not check a returned value) ...
    let e = call_err(&rt, HookPoint::Input, "f");
    assert!(
        e.contains("the result is over the limit: size of object map (at most 1024 entries)"),
        "{e}"
    );
    // ... and inside the script when the map is used.
    let e = call_err(&rt, HookPoint::Input, "g");
    assert!(
        e.contains("failed: built a value over the limit: size of object map"),
        "{e}"
    );
}

#[test]
fn expression_depth_limit_is_a_compile_error() {
    let deep = format!("fn f(ctx) {{ {}1{} }}", "(".repeat(200), ")".repeat(200));
    let s = spec(
        vec![file("deep.rhai", &deep)],
        vec![task("a", "agent", &[(HookPoint::Input, "f")])],
    );
    let d = hooks::check_spec(&s);
    assert_eq!(d[0].code, "RWF090", "{d:#?}");
    assert!(
        d[0].message
            .contains("expression exceeds maximum complexity"),
        "{}",
        d[0].message
    );
}

#[test]
fn wall_clock_budget_aborts_a_call() {
    let limits = Limits {
        max_operations: 0, // unlimited: only the clock can stop it
        wall_clock: Duration::from_millis(30),
        ..Limits::default()
    };
    let rt = runtime_with("fn f(ctx) { let n = 0; loop { n += 1; } }", "f", limits);
    let started = std::time::Instant::now();
    let e = call_err(&rt, HookPoint::Input, "f");
    assert!(e.contains("ran longer than its 30 ms time budget"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The budget is per call: the next call gets a fresh one and fails the same way.
    let e2 = call_err(&rt, HookPoint::Input, "f");
    assert_eq!(e, e2);
}

// ---------------------------------------------------------------------------------------------
// No IO: the functions do not exist; eval and import are disabled; print goes nowhere.

#[test]
fn cannot_read_files_clock_network_or_processes() {
    for (call, name) in [
        ("timestamp()", "timestamp"),
        ("open_file(\"/etc/passwd\")", "open_file"),
        ("read_string(\"/etc/passwd\")", "read_string"),
        ("http_get(\"http://127.0.0.1\")", "http_get"),
        ("system(\"ls\")", "system"),
        ("sleep(1)", "sleep"),
        ("rand()", "rand"),
        ("exit(1)", "exit"),
    ] {
        let rt = runtime(&format!("fn f(ctx) {{ {call} }}"), "f");
        let e = call_err(&rt, HookPoint::Input, "f");
        assert!(e.contains(&format!("called `{name} (")), "{call}: {e}");
        assert!(
            e.contains("does not exist in the hook sandbox"),
            "{call}: {e}"
        );
        assert!(e.contains("at 1:13"), "{call}: {e}");
    }
}

#[test]
fn eval_and_import_are_disabled() {
    for (src, at) in [
        ("fn f(ctx) { eval(\"#{}\") }", 12..16),
        ("import \"other\" as o;\nfn f(ctx) { #{} }", 0..6),
    ] {
        let s = spec(
            vec![file("p.rhai", src)],
            vec![task("a", "agent", &[(HookPoint::Input, "f")])],
        );
        let d = hooks::check_spec(&s);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].code, "RWF099");
        assert_eq!(d[0].span, Some(at));
        assert!(Runtime::new(&s).is_err());
    }
}

#[test]
fn print_and_debug_go_nowhere() {
    let rt = runtime(
        "fn f(ctx) { print(\"hello\"); debug(ctx); #{ok: true} }",
        "f",
    );
    assert_eq!(
        rt.call(HookPoint::Input, "f", &ctx()).unwrap(),
        json!({"ok": true})
    );
}

#[test]
fn context_is_read_only() {
    // Mutating ctx inside a hook changes only the hook's own copy.
    let rt = runtime(
        "fn f(ctx) { ctx.params.product = \"X\"; #{p: ctx.params.product} }",
        "f",
    );
    let c = ctx();
    assert_eq!(
        rt.call(HookPoint::Input, "f", &c).unwrap(),
        json!({"p": "X"})
    );
    assert_eq!(c["params"]["product"], json!("Acme"));
}

// ---------------------------------------------------------------------------------------------
// Determinism

#[test]
fn same_inputs_same_output() {
    let src = "fn f(ctx) { let m = #{}; for k in ctx.params.keys() { m[k] = ctx.params[k]; } \
               m.n = ctx.now_unix % 97; m.list = [3, 1, 2].sort(); m }";
    let a = runtime(src, "f");
    let b = runtime(src, "f");
    let first = a.call(HookPoint::Input, "f", &ctx()).unwrap();
    for _ in 0..50 {
        assert_eq!(a.call(HookPoint::Input, "f", &ctx()).unwrap(), first);
        assert_eq!(b.call(HookPoint::Input, "f", &ctx()).unwrap(), first);
    }
}

#[test]
fn top_level_constants_are_reachable_through_global() {
    let rt = runtime(
        "const BASE = 5;\nfn f(ctx) { #{n: global::BASE + ctx.attempt} }",
        "f",
    );
    assert_eq!(
        rt.call(HookPoint::Input, "f", &ctx()).unwrap(),
        json!({"n": 6})
    );
}

// ---------------------------------------------------------------------------------------------
// Result contracts, checked by the runtime

#[test]
fn wrong_result_shapes_name_the_function_and_point() {
    let src = r#"
fn retry_bad(ctx) { #{delay: 5} }
fn missed_bad(ctx) { "later" }
fn gate_zero(ctx) { 0 }
fn approve_it(ctx) { #{approvers: ["team:legal"], quorum: 1, granted: true} }
fn input_list(ctx) { [1, 2] }
fn note_bad(ctx) { #{to: ["room:1"]} }
fn fn_ptr(ctx) { #{f: Fn("retry_bad")} }
"#;
    let functions = [
        (HookPoint::Retry, "retry_bad", "unknown key `delay`"),
        (HookPoint::Missed, "missed_bad", "returned \"later\""),
        (HookPoint::Gate, "gate_zero", "returned a number"),
        (HookPoint::Approvers, "approve_it", "decided by humans only"),
        (HookPoint::Input, "input_list", "returned an array"),
        (HookPoint::Notification, "note_bad", "KIND:NAME"),
        (HookPoint::Input, "fn_ptr", "`f` is a Fn"),
    ];
    let tasks = functions
        .iter()
        .enumerate()
        .map(|(i, (p, f, _))| {
            let kind = match p {
                HookPoint::Approvers => "approval",
                HookPoint::Notification => "notification",
                _ => "agent",
            };
            task(&format!("t{i}"), kind, &[(*p, *f)])
        })
        .collect();
    let rt = Runtime::new(&spec(vec![file("shapes.rhai", src)], tasks)).unwrap();
    for (point, function, fragment) in functions {
        let e = rt.call(point, function, &ctx()).unwrap_err();
        assert!(
            e.starts_with(&format!(
                "{} hook `{function}` in shapes.rhai",
                point.as_str()
            )),
            "{e}"
        );
        assert!(e.contains(fragment), "{function}: {e}");
    }
}

#[test]
fn canonical_results_for_every_point() {
    let src = r#"
fn r(ctx) { if ctx.attempt > 2 { #{stop: true} } else { #{delay_minutes: ctx.attempt * 10} } }
fn m(ctx) { "skip" }
fn g(ctx) { true }
fn a(ctx) { #{approvers: ["team:legal", "user:ann"], quorum: 2} }
fn i(ctx) { #{product: ctx.params.product, tone: "calm"} }
fn n(ctx) { #{message: `${ctx.params.product} is out`, to: ["channel:#launch"]} }
fn unit(ctx) { }
"#;
    let rt = runtime(src, "i");
    let c = ctx();
    assert_eq!(
        rt.call(HookPoint::Retry, "r", &c).unwrap(),
        json!({"delay_minutes": 10})
    );
    let mut late = c.clone();
    late["attempt"] = json!(3);
    assert_eq!(
        rt.call(HookPoint::Retry, "r", &late).unwrap(),
        json!({"stop": true})
    );
    assert_eq!(rt.call(HookPoint::Retry, "unit", &c).unwrap(), Value::Null);
    assert_eq!(rt.call(HookPoint::Missed, "m", &c).unwrap(), json!("skip"));
    assert_eq!(
        rt.call(HookPoint::Gate, "g", &c).unwrap(),
        json!({"pass": true})
    );
    assert_eq!(
        rt.call(HookPoint::Approvers, "a", &c).unwrap(),
        json!({"approvers": ["team:legal", "user:ann"], "quorum": 2})
    );
    assert_eq!(
        rt.call(HookPoint::Input, "i", &c).unwrap(),
        json!({"product": "Acme", "tone": "calm"})
    );
    assert_eq!(
        rt.call(HookPoint::Notification, "n", &c).unwrap(),
        json!({"message": "Acme is out", "to": ["channel:#launch"]})
    );
    let e = rt.call(HookPoint::Gate, "nope", &c).unwrap_err();
    assert!(e.contains("gate hook `nope` is not defined"), "{e}");
}

#[test]
fn runtime_errors_carry_line_and_column() {
    let rt = runtime("fn f(ctx) {\n  let x = 1;\n  x / 0\n}", "f");
    let e = call_err(&rt, HookPoint::Input, "f");
    assert!(e.contains("failed at 3:"), "{e}");
    assert!(e.contains("division by zero"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// check_spec: data-driven fixtures. Each tests/hooks/fixtures/*.rhai holds
//   // bind: POINT FN [KIND]        a task binding (KIND defaults to agent)
//   // expect: CODE LINE:COL text   (or `-` for no position; text is a fragment of the message)

#[test]
fn check_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hooks/fixtures");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut ran = 0;
    for path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rhai"))
    {
        let source = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut tasks = Vec::new();
        let mut expected = Vec::new();
        for line in source.lines() {
            if let Some(b) = line.trim().strip_prefix("// bind:") {
                let parts: Vec<&str> = b.split_whitespace().collect();
                let point = hooks::parse_point(parts[0]).unwrap();
                let kind = parts.get(2).copied().unwrap_or("agent");
                tasks.push(task(
                    &format!("t{}", tasks.len()),
                    kind,
                    &[(point, parts[1])],
                ));
            }
            if let Some(e) = line.trim().strip_prefix("// expect:") {
                let mut parts = e.trim().splitn(3, ' ');
                let code = parts.next().unwrap().to_string();
                let at = parts.next().unwrap().to_string();
                let text = parts.next().unwrap_or("").to_string();
                expected.push((code, at, text));
            }
        }
        let s = spec(vec![file(&name, &source)], tasks);
        let got = hooks::check_spec(&s);
        let index = rwf::diagnostic::LineIndex::new(&source);
        let rendered: Vec<(String, String, String)> = got
            .iter()
            .map(|d| {
                let at = match &d.span {
                    Some(span) => {
                        let lc = index.line_col(span.start);
                        format!("{}:{}", lc.line, lc.col)
                    }
                    None => "-".into(),
                };
                (d.code.to_string(), at, d.message.clone())
            })
            .collect();
        assert_eq!(rendered.len(), expected.len(), "{name}: got {rendered:#?}");
        for ((code, at, message), (want_code, want_at, fragment)) in rendered.iter().zip(&expected)
        {
            assert_eq!((code, at), (want_code, want_at), "{name}: {message}");
            assert!(
                message.contains(fragment.as_str()),
                "{name}: `{message}` lacks `{fragment}`"
            );
        }
        for d in &got {
            assert!(d.help.is_some(), "{name}: {} has no help", d.code);
            if d.span.is_some() {
                assert_eq!(d.file.as_deref(), Some(name.as_str()));
            }
        }
        ran += 1;
    }
    assert!(ran >= 8, "only {ran} fixtures");
}

#[test]
fn check_reports_integrity_and_ambiguity() {
    let a = file("a.rhai", "fn gate(ctx) { true }");
    let b = file("b.rhai", "fn other(ctx) { true }\nfn gate(ctx) { true }");
    let mut tampered = file("c.rhai", "fn c(ctx) { true }");
    tampered.source.push_str(" // changed");
    let s = spec(
        vec![a.clone(), b, tampered, a],
        vec![task("x", "agent", &[(HookPoint::Gate, "gate")])],
    );
    let d = hooks::check_spec(&s);
    let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["RWF095", "RWF095", "RWF094"], "{d:#?}");
    assert!(d[0].message.contains("`c.rhai` does not match its sha256"));
    assert!(d[1].message.contains("`a.rhai` is listed twice"));
    assert!(d[2]
        .message
        .contains("defined in both `a.rhai` and `b.rhai`"));
    assert_eq!(d[2].span, Some(26..30));
    assert!(Runtime::new(&s).is_err());
}

#[test]
fn check_warns_on_unused_files_and_misplaced_points() {
    let s = spec(
        vec![
            file(
                "used.rhai",
                "fn a(ctx) { #{approvers: [\"team:x\"], quorum: 1} }",
            ),
            file("unused.rhai", "fn b(ctx) { true }"),
        ],
        vec![task("m", "manual", &[(HookPoint::Approvers, "a")])],
    );
    let d = hooks::check_spec(&s);
    let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["RWF096", "RWF097"], "{d:#?}");
    assert!(d[0]
        .message
        .contains("task `m`: the approvers hook `a` never runs on a manual task"));
    // Warnings do not stop a runtime.
    assert!(Runtime::new(&s).is_ok());
    // The same binding from `defaults` on every task is fine as long as one task is of the right kind.
    let s = spec(
        vec![file(
            "used.rhai",
            "fn a(ctx) { #{approvers: [\"team:x\"], quorum: 1} }",
        )],
        vec![
            task("m", "manual", &[(HookPoint::Approvers, "a")]),
            task("ok", "approval", &[(HookPoint::Approvers, "a")]),
        ],
    );
    assert_eq!(hooks::check_spec(&s), vec![]);
}

#[test]
fn check_missing_function_without_hook_files() {
    let s = spec(
        vec![],
        vec![task("x", "agent", &[(HookPoint::Retry, "careful")])],
    );
    let d = hooks::check_spec(&s);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "RWF091");
    assert!(d[0]
        .help
        .as_deref()
        .unwrap()
        .contains("add `hooks \"policy.rhai\"`"));
}

#[test]
fn codes_are_documented_in_range() {
    let codes: Vec<&str> = hooks::CODES.iter().map(|c| c.code).collect();
    assert_eq!(codes.len(), 10);
    for (i, c) in hooks::CODES.iter().enumerate() {
        assert_eq!(c.code, format!("RWF{:03}", 90 + i));
        assert!(!c.what.is_empty() && !c.why.is_empty() && !c.example.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// stdlib hooks

fn stdlib(name: &str) -> HookFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("stdlib/hooks")
        .join(name);
    file(
        &format!("std/hooks/{name}"),
        &std::fs::read_to_string(path).unwrap(),
    )
}

struct Call<'a> {
    task: TaskSpec,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    params: BTreeMap<String, Value>,
    outputs: BTreeMap<String, Value>,
    due: Option<DateTime<Utc>>,
    file: &'a str,
}

impl Call<'_> {
    fn run(&self, point: HookPoint, function: &str) -> Result<Value, String> {
        let mut t = self.task.clone();
        t.hooks = BTreeMap::from([(point, function.to_string())]);
        let s = spec(vec![stdlib(self.file)], vec![t.clone()]);
        let diagnostics = hooks::check_spec(&s);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        let rt = Runtime::new(&s).unwrap();
        let ctx = hooks::build_context(&ContextInput {
            task: &t,
            attempt: 1,
            params: &self.params,
            outputs: &self.outputs,
            now: self.now,
            tz: self.tz,
            start: None,
            due: self.due,
            failure: None,
        });
        rt.call(point, function, &ctx)
    }
}

fn at(tz: chrono_tz::Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn hours_call(now: DateTime<Utc>) -> Call<'static> {
    Call {
        task: task("deploy", "agent", &[]),
        now,
        tz: chrono_tz::Europe::Berlin,
        params: BTreeMap::new(),
        outputs: BTreeMap::new(),
        due: None,
        file: "business_hours.rhai",
    }
}

#[test]
fn business_hours_gate() {
    let berlin = chrono_tz::Europe::Berlin;
    // 2026-03-02 is a Monday.
    let cases = [
        (at(berlin, 2026, 3, 2, 10, 0), None),  // Mon 10:00 → pass
        (at(berlin, 2026, 3, 2, 9, 0), None),   // opening minute
        (at(berlin, 2026, 3, 2, 16, 59), None), // last minute
        (
            at(berlin, 2026, 3, 2, 8, 15),
            Some(at(berlin, 2026, 3, 2, 9, 0)),
        ), // early → today 09:00
        (
            at(berlin, 2026, 3, 2, 17, 0),
            Some(at(berlin, 2026, 3, 3, 9, 0)),
        ), // closing → Tue 09:00
        (
            at(berlin, 2026, 3, 6, 18, 30),
            Some(at(berlin, 2026, 3, 9, 9, 0)),
        ), // Fri evening → Mon
        (
            at(berlin, 2026, 3, 7, 12, 0),
            Some(at(berlin, 2026, 3, 9, 9, 0)),
        ), // Sat → Mon
        (
            at(berlin, 2026, 3, 8, 23, 59),
            Some(at(berlin, 2026, 3, 9, 9, 0)),
        ), // Sun night → Mon
    ];
    for (now, until) in cases {
        let got = hours_call(now)
            .run(HookPoint::Gate, "business_hours")
            .unwrap();
        match until {
            None => assert_eq!(got, json!({"pass": true}), "{now}"),
            Some(until) => {
                assert_eq!(got["until_unix"], json!(until.timestamp()), "{now}: {got}");
                assert_eq!(
                    got["wait"],
                    json!("outside business hours (Mon–Fri 09:00–17:00 local)")
                );
            }
        }
    }
    // Seconds past the minute do not shift the next opening.
    let now = at(berlin, 2026, 3, 7, 12, 0) + chrono::Duration::seconds(42);
    let got = hours_call(now)
        .run(HookPoint::Gate, "business_hours")
        .unwrap();
    assert_eq!(
        got["until_unix"],
        json!(at(berlin, 2026, 3, 9, 9, 0).timestamp())
    );
    // Hours move with params.
    let mut c = hours_call(at(berlin, 2026, 3, 2, 8, 15));
    c.params.insert("business_open_hour".into(), json!(8));
    assert_eq!(
        c.run(HookPoint::Gate, "business_hours").unwrap(),
        json!({"pass": true})
    );
}

#[test]
fn escalate_when_late_missed_and_notice() {
    let utc = chrono_tz::UTC;
    let due = at(utc, 2026, 3, 2, 9, 0);
    let call = |late_minutes: i64, risk: Option<Risk>, required: bool| {
        let mut t = task("publish", "notification", &[]);
        t.risk = risk;
        t.required = required;
        Call {
            task: t,
            now: due + chrono::Duration::minutes(late_minutes),
            tz: utc,
            params: BTreeMap::new(),
            outputs: BTreeMap::new(),
            due: Some(due),
            file: "escalate_when_late.rhai",
        }
    };
    let missed = |c: Call| c.run(HookPoint::Missed, "escalate_when_late").unwrap();
    assert_eq!(missed(call(30, None, true)), json!("fire_asap"));
    assert_eq!(missed(call(240, None, true)), json!("fire_asap"));
    assert_eq!(
        missed(call(241, None, true)),
        json!("require_manual_decision")
    );
    assert_eq!(missed(call(600, None, false)), json!("skip"));
    assert_eq!(
        missed(call(5, Some(Risk::High), true)),
        json!("require_manual_decision")
    );
    let mut graceful = call(600, None, true);
    graceful
        .params
        .insert("late_grace_minutes".into(), json!(720));
    assert_eq!(missed(graceful), json!("fire_asap"));

    let notice = |c: Call| c.run(HookPoint::Notification, "escalate_notice").unwrap();
    assert_eq!(
        notice(call(-5, None, true)),
        json!({"message": "we shipped"})
    );
    assert_eq!(
        notice(call(135, None, true)),
        json!({"message": "[late by 2h15m] we shipped", "to": ["channel:#launch", "team:release-managers"]})
    );
}

#[test]
fn approvers_by_risk_adds_security_for_high_risk() {
    let call = |risk: Option<Risk>, params: Value, outputs: Value| {
        let mut t = task("ship", "approval", &[]);
        t.risk = risk;
        Call {
            task: t,
            now: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
            tz: chrono_tz::UTC,
            params: serde_json::from_value(params).unwrap(),
            outputs: serde_json::from_value(outputs).unwrap(),
            due: None,
            file: "approvers_by_risk.rhai",
        }
        .run(HookPoint::Approvers, "approvers_by_risk")
        .unwrap()
    };
    let low = json!({"approvers": ["team:release"], "quorum": 1});
    let high = json!({"approvers": ["team:release", "team:security"], "quorum": 2});
    assert_eq!(call(None, json!({}), json!({})), low);
    assert_eq!(call(Some(Risk::Medium), json!({}), json!({})), low);
    assert_eq!(call(Some(Risk::High), json!({}), json!({})), high);
    assert_eq!(call(Some(Risk::Critical), json!({}), json!({})), high);
    assert_eq!(call(None, json!({"risk": "high"}), json!({})), high);
    assert_eq!(
        call(None, json!({}), json!({"assess": {"risk": "critical"}})),
        high
    );
    assert_eq!(
        call(
            Some(Risk::High),
            json!({"security_team": "team:appsec"}),
            json!({})
        ),
        json!({"approvers": ["team:release", "team:appsec"], "quorum": 2})
    );
}

#[test]
fn top_level_endless_loop_is_reported_not_run_forever() {
    let s = spec(
        vec![file(
            "loop.rhai",
            "let n = 0;\nloop { n += 1; }\nfn g(ctx) { true }",
        )],
        vec![task("a", "agent", &[(HookPoint::Gate, "g")])],
    );
    let d = hooks::check_spec(&s);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].code, "RWF098");
    // The operation limit or the wall clock, whichever a loaded machine reaches first.
    assert!(
        d[0].message.contains("failed: ran") || d[0].message.contains(": ran"),
        "{}",
        d[0].message
    );
    assert!(Runtime::new(&s).is_err());
}

// ---------------------------------------------------------------------------------------------
// Every point driving the engine's `reconcile` on a virtual clock.

mod driven {
    use super::*;
    use crate::snapshots::{fail_attempt, h, status};
    use chrono::Duration as Span;
    use rwf::engine::action::{Action, GateKind, GateState};
    use rwf::engine::model::{Snapshot, TaskStatus, WorkflowStatus};
    use rwf::engine::Decision;
    use rwf::spec::FailurePolicy;

    /// An active snapshot of `tasks` with hook files; `planned` is (task, start hour, due hour) from t0.
    pub fn snap(
        files: Vec<HookFile>,
        tasks: Vec<TaskSpec>,
        planned: &[(&str, i64, i64)],
    ) -> Snapshot {
        let mut s = spec(files, tasks);
        s.bindings.insert("product".into(), json!("Acme"));
        snapshots::snap(s, planned)
    }

    pub fn runtime_of(s: &Snapshot) -> Runtime {
        Runtime::new(&s.spec).unwrap_or_else(|d| panic!("{d:#?}"))
    }

    /// One reconcile pass, applied; the result must be a fixpoint.
    pub fn step(s: &mut Snapshot, now: DateTime<Utc>, rt: &Runtime) -> Decision {
        snapshots::step_with(s, now, rt)
    }

    fn dispatched_input(d: &Decision) -> Option<Value> {
        d.actions.iter().find_map(|a| match a {
            Action::Dispatch { input, .. } => Some(input.clone()),
            _ => None,
        })
    }

    #[test]
    fn gate_waits_with_a_reason_and_a_time_then_passes() {
        // Planned Saturday 10:00 UTC with a long window; business hours hold it until Monday 09:00.
        let mut t = task("deploy", "agent", &[(HookPoint::Gate, "business_hours")]);
        t.window = None;
        let saturday = 5 * 24 + 1; // Sat 2026-06-06 10:00
        let monday = 7 * 24; // Mon 2026-06-08 09:00
        let mut s = snap(
            vec![stdlib("business_hours.rhai")],
            vec![t],
            &[("deploy", saturday, saturday + 72)],
        );
        let rt = runtime_of(&s);
        let d = step(&mut s, h(saturday), &rt);
        assert!(dispatched_input(&d).is_none(), "{:?}", d.actions);
        let row = d
            .gates
            .iter()
            .find(|g| g.gate == GateKind::Hook)
            .expect("a hook gate row");
        assert_eq!(row.state, GateState::Wait);
        assert_eq!(
            row.reason,
            "outside business hours (Mon–Fri 09:00–17:00 local)"
        );
        assert_eq!(row.until, Some(h(monday)));
        assert_eq!(d.next_wake, Some(h(monday)));
        // Sunday: still waiting.
        assert!(dispatched_input(&step(&mut s, h(monday - 1), &rt)).is_none());
        // Monday 09:00: the gate passes and the agent is dispatched.
        let d = step(&mut s, h(monday), &rt);
        assert!(dispatched_input(&d).is_some(), "{:?}", d.actions);
        assert_eq!(status(&s, "deploy"), TaskStatus::Running);
    }

    #[test]
    fn retry_hook_picks_the_delay_or_stops() {
        let src = "fn by_reason(ctx) {\n  if ctx.failure.reason.contains(\"quota\") { #{delay_minutes: 7 * ctx.attempt} } else { #{stop: true} }\n}";
        let mut t = task("draft", "agent", &[(HookPoint::Retry, "by_reason")]);
        t.policy.retry.max_attempts = 5;
        let mut s = snap(vec![file("retry.rhai", src)], vec![t], &[("draft", 0, 4)]);
        let rt = runtime_of(&s);
        step(&mut s, h(0), &rt);
        assert_eq!(status(&s, "draft"), TaskStatus::Running);
        let a = fail_attempt(
            &mut s,
            "draft",
            "quota exceeded",
            h(0) + Span::minutes(1),
            &rt,
        );
        let at = a.iter().find_map(|a| match a {
            Action::ScheduleRetry { at, .. } => Some(*at),
            _ => None,
        });
        assert_eq!(at, Some(h(0) + Span::minutes(8)), "{a:?}");
        // Not before its time; then attempt 2.
        assert!(dispatched_input(&step(&mut s, h(0) + Span::minutes(7), &rt)).is_none());
        assert!(dispatched_input(&step(&mut s, h(0) + Span::minutes(8), &rt)).is_some());
        // A failure the hook calls permanent: no more retries although attempts remain.
        fail_attempt(
            &mut s,
            "draft",
            "bad credentials",
            h(0) + Span::minutes(9),
            &rt,
        );
        step(&mut s, h(0) + Span::minutes(9), &rt);
        assert_eq!(status(&s, "draft"), TaskStatus::Failed);
        assert!(s
            .task("draft")
            .unwrap()
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("retry hook stopped"));
    }

    #[test]
    fn missed_hook_fires_or_asks_a_human() {
        let make = |required: bool| {
            let mut t = task(
                "publish",
                "agent",
                &[(HookPoint::Missed, "escalate_when_late")],
            );
            t.required = required;
            snap(
                vec![stdlib("escalate_when_late.rhai")],
                vec![t],
                &[("publish", 0, 1)],
            )
        };
        // Two hours past due, within the 4-hour grace: fire as soon as possible.
        let mut s = make(true);
        let rt = runtime_of(&s);
        let d = step(&mut s, h(3), &rt);
        assert!(
            d.actions
                .iter()
                .any(|a| matches!(a, Action::MarkMissed { policy, .. } if policy == "fire_asap")),
            "{:?}",
            d.actions
        );
        assert!(dispatched_input(&d).is_some());
        // Nine hours late: a human decides.
        let mut s = make(true);
        let d = step(&mut s, h(10), &rt);
        assert!(
            d.actions
                .iter()
                .any(|a| matches!(a, Action::RequireDecision { .. })),
            "{:?}",
            d.actions
        );
        assert!(dispatched_input(&d).is_none());
        // Nine hours late and optional: skipped.
        let mut s = make(false);
        let rt = runtime_of(&s);
        step(&mut s, h(10), &rt);
        assert_eq!(status(&s, "publish"), TaskStatus::Skipped);
    }

    #[test]
    fn approvers_hook_sets_who_approves_but_never_decides() {
        let mut t = task(
            "ship",
            "approval",
            &[(HookPoint::Approvers, "approvers_by_risk")],
        );
        t.risk = Some(Risk::Critical);
        let mut s = snap(
            vec![stdlib("approvers_by_risk.rhai")],
            vec![t],
            &[("ship", 0, 0)],
        );
        let rt = runtime_of(&s);
        let d = step(&mut s, h(0), &rt);
        let opened = d.actions.iter().find_map(|a| match a {
            Action::OpenApproval {
                approvers, quorum, ..
            } => Some((approvers.clone(), *quorum)),
            _ => None,
        });
        assert_eq!(
            opened,
            Some((
                vec![
                    Scope::Team("release".into()),
                    Scope::Team("security".into())
                ],
                2
            )),
            "{:?}",
            d.actions
        );
        assert!(!d
            .actions
            .iter()
            .any(|a| matches!(a, Action::GrantApproval { .. } | Action::RecordVote { .. })));
        assert_eq!(
            status(&s, "ship"),
            TaskStatus::WaitingInput,
            "open, waiting for people"
        );

        // A hook that tries to grant fails the task instead (on_failure block).
        let src = "fn sneaky(ctx) { #{approvers: [\"team:release\"], quorum: 1, approved: true} }";
        let t = task("ship", "approval", &[(HookPoint::Approvers, "sneaky")]);
        let mut s = snap(vec![file("sneaky.rhai", src)], vec![t], &[("ship", 0, 0)]);
        let rt = runtime_of(&s);
        let d = step(&mut s, h(0), &rt);
        assert!(!d.actions.iter().any(|a| matches!(
            a,
            Action::OpenApproval { .. } | Action::GrantApproval { .. }
        )));
        assert_eq!(status(&s, "ship"), TaskStatus::Failed);
        let error = s
            .task("ship")
            .unwrap()
            .last_error
            .clone()
            .unwrap_or_default();
        assert!(error.contains("decided by humans only"), "{error}");
    }

    #[test]
    fn input_hook_is_merged_over_the_declared_input() {
        let src = "fn shape(ctx) { #{product: ctx.params.product, tone: \"calm\", attempt: ctx.attempt} }";
        let mut t = task("draft", "agent", &[(HookPoint::Input, "shape")]);
        t.step = Step::Agent {
            uses: "writer".into(),
            input: BTreeMap::from([
                ("tone".into(), rwf::spec::Expr::Literal(json!("loud"))),
                ("words".into(), rwf::spec::Expr::Literal(json!(800))),
            ]),
            timeout: None,
        };
        let mut s = snap(vec![file("input.rhai", src)], vec![t], &[("draft", 0, 2)]);
        let rt = runtime_of(&s);
        let d = step(&mut s, h(0), &rt);
        assert_eq!(
            dispatched_input(&d),
            Some(json!({"product": "Acme", "tone": "calm", "words": 800, "attempt": 1}))
        );
    }

    #[test]
    fn notification_hook_shapes_message_and_recipients() {
        let make = || {
            let t = task(
                "announce",
                "notification",
                &[(HookPoint::Notification, "escalate_notice")],
            );
            snap(
                vec![stdlib("escalate_when_late.rhai")],
                vec![t],
                &[("announce", 0, 0)],
            )
        };
        let notify = |d: &Decision| {
            d.actions.iter().find_map(|a| match a {
                Action::Notify {
                    recipients,
                    message,
                    ..
                } => Some((recipients.clone(), message.clone())),
                _ => None,
            })
        };
        let mut s = make();
        let rt = runtime_of(&s);
        assert_eq!(
            notify(&step(&mut s, h(0), &rt)),
            Some((
                vec!["channel:#launch".to_string()],
                "we shipped".to_string()
            ))
        );
        let mut s = make();
        assert_eq!(
            notify(&step(&mut s, h(0) + Span::minutes(45), &rt)),
            Some((
                vec![
                    "channel:#launch".to_string(),
                    "team:release-managers".to_string()
                ],
                "[late by 45m] we shipped".to_string()
            ))
        );
    }

    #[test]
    fn a_failing_hook_fails_the_task_under_its_failure_policy() {
        let src =
            "fn endless(ctx) { loop { } }\nfn typo(ctx) { ctx.params.product.no_such_method() }";
        for (point, function, on_failure, expect) in [
            (
                HookPoint::Gate,
                "endless",
                FailurePolicy::Block,
                TaskStatus::Failed,
            ),
            (
                HookPoint::Gate,
                "endless",
                FailurePolicy::Skip,
                TaskStatus::Skipped,
            ),
            (
                HookPoint::Input,
                "typo",
                FailurePolicy::Block,
                TaskStatus::Failed,
            ),
            (
                HookPoint::Input,
                "typo",
                FailurePolicy::Skip,
                TaskStatus::Skipped,
            ),
        ] {
            let mut t = task("a", "agent", &[(point, function)]);
            t.policy.on_failure = on_failure;
            let next = super::task("b", "checkpoint", &[]);
            let mut next = next;
            next.depends_on.push(rwf::spec::Dependency {
                task: "a".into(),
                outcome: rwf::spec::EdgeOutcome::Any,
            });
            let mut s = snap(
                vec![file("bad.rhai", src)],
                vec![t, next],
                &[("a", 0, 2), ("b", 0, 2)],
            );
            let rt = runtime_with_spec(&s);
            step(&mut s, h(0), &rt);
            assert_eq!(status(&s, "a"), expect, "{point:?} {on_failure:?}");
            let error = s.task("a").unwrap().last_error.clone().unwrap_or_default();
            assert!(
                error.contains(&format!(
                    "{} hook `{function}` in bad.rhai failed",
                    point.as_str()
                )),
                "{error}"
            );
            // The rest of the workflow goes on (b waits on `any`).
            step(&mut s, h(2), &rt);
            assert_eq!(
                status(&s, "b"),
                TaskStatus::Succeeded,
                "{point:?} {on_failure:?}"
            );
            if on_failure == FailurePolicy::Block {
                assert_eq!(s.status, WorkflowStatus::Failed, "a required task failed");
            } else {
                assert_eq!(s.status, WorkflowStatus::Completed);
            }
        }
    }

    fn runtime_with_spec(s: &Snapshot) -> Runtime {
        // Only the bound function must be clean; the other one is unbound (RWF097 does not apply).
        Runtime::new(&s.spec).unwrap_or_else(|d| panic!("{d:#?}"))
    }
}

// ---------------------------------------------------------------------------------------------
// The example release, compiled with the real pipeline and simulated twice.

fn example(sets: &[(&str, &str)]) -> rwf::engine::model::Snapshot {
    use rwf::compile::{bind, compile_source, FsLoader, Inputs};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hooked_release.rwf");
    let text = std::fs::read_to_string(&path).unwrap();
    let compiled = compile_source(&path.to_string_lossy(), &text, &FsLoader);
    let errors: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let spec = compiled.spec.unwrap();
    assert_eq!(
        hooks::check_spec(&spec),
        vec![],
        "the example's hooks are clean"
    );
    let inputs = Inputs {
        sets: sets
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        release: None,
        tz: None,
    };
    let spec = bind(&spec, &inputs).unwrap_or_else(|d| panic!("{d:#?}"));
    let target = rwf::schedule::target_of(&spec).unwrap_or_else(|d| panic!("{d:#?}"));
    let plan = rwf::schedule::resolve(&spec, &target, &BTreeMap::new())
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let mut s =
        rwf::engine::model::Snapshot::new(Default::default(), std::sync::Arc::new(spec), &plan);
    s.target = target;
    s
}

#[test]
fn example_release_simulates_identically_twice() {
    use rwf::engine::simulator::{simulate, Script};
    // Release on a Sunday: the notes agent (release - 7 days at 10:00) falls on a Sunday too.
    let sets = [
        ("product", "Acme"),
        ("release", "2026-06-14T09:00"),
        ("risk", "high"),
    ];
    let run = || {
        let s = example(&sets);
        let rt = Runtime::new(&s.spec).unwrap();
        simulate(s, &Script::default(), &rt).unwrap()
    };
    let first = run();
    let second = run();
    assert_eq!(first.entries, second.entries);
    assert_eq!(first.summary(), second.summary());
    let timeline: Vec<String> = first
        .entries
        .iter()
        .map(|e| format!("{}  {}", e.local, e.text))
        .collect();
    let text = timeline.join("\n");
    assert!(first.stalled.is_none(), "{text}");
    assert_eq!(
        first.summary(),
        "workflow completed: 5 succeeded, 0 skipped, 0 failed",
        "{text}"
    );
    // The business-hours gate held the Sunday agent until Monday 09:00 Berlin.
    let notes = timeline
        .iter()
        .find(|l| l.contains("dispatch notes"))
        .expect(&text);
    assert!(notes.starts_with("2026-06-08 09:00"), "{notes}");
    // High risk: security joined the sign-off with a quorum of two.
    assert!(text.contains("team:security"), "{text}");
    // The input hooks ran: the notes agent got the assessment's (simulated) output shape.
    let input = first.actions.iter().find_map(|(_, a)| match a {
        rwf::engine::action::Action::Dispatch { task, input, .. } if task == "notes" => {
            Some(input.clone())
        }
        _ => None,
    });
    assert_eq!(
        input,
        Some(json!({"product": "Acme", "tone": "plain", "highlights": [], "caution": false}))
    );
}

// ---------------------------------------------------------------------------------------------
// A real worker on Postgres (virtual clock) running a workflow with hooks.

#[tokio::test]
async fn postgres_worker_runs_gate_input_and_approvers_hooks() {
    use rwf::exec::builtin::BuiltinExecutor;
    use rwf::store::worker::{Worker, WorkerConfig};
    use rwf::store::{Clock, LifecycleVerb};
    use specs::{agent, approval, base, create, spec_of};

    let db = pg::TestDb::new().await;
    let clock = Clock::fixed(base()); // Monday 2030-03-04 09:00 UTC
    let store = db.store().await.with_clock(clock.clone());
    let worker = Worker::new(
        store.clone(),
        WorkerConfig {
            id: "hooks-w1".into(),
            poll: std::time::Duration::from_millis(200),
            grace: std::time::Duration::from_secs(2),
            lease: std::time::Duration::from_secs(60),
            concurrency: 2,
            ..WorkerConfig::default()
        },
        std::sync::Arc::new(BuiltinExecutor),
        std::sync::Arc::new(rwf::store::RhaiHooks::default()),
    );

    // Deploy planned Monday 18:00 (after hours) with a two-day window; then a risky sign-off.
    let mut deploy = agent("deploy", "builtin:succeed").at(9);
    deploy.spec.window = Some("48h".parse().unwrap());
    deploy.spec.hooks = BTreeMap::from([
        (HookPoint::Gate, "business_hours".to_string()),
        (HookPoint::Input, "shape".to_string()),
    ]);
    let mut ship = approval("ship", &["rel"], 1).after("deploy");
    ship.spec.risk = Some(Risk::High);
    ship.spec.hooks = BTreeMap::from([(HookPoint::Approvers, "approvers_by_risk".to_string())]);
    let mut spec = spec_of("hooked", vec![deploy, ship]);
    spec.hooks = vec![
        stdlib("business_hours.rhai"),
        stdlib("approvers_by_risk.rhai"),
        file(
            "shape.rhai",
            "fn shape(ctx) { #{window: ctx.local.weekday, attempt: ctx.attempt} }",
        ),
    ];
    assert_eq!(hooks::check_spec(&spec), vec![]);
    let id = create(&store, spec, base()).await;
    store
        .transition(id, LifecycleVerb::Start, "ann")
        .await
        .unwrap();

    let status = |key: &'static str| {
        let store = store.clone();
        async move {
            store
                .tasks(id)
                .await
                .unwrap()
                .into_iter()
                .find(|t| t.key == key)
                .unwrap()
        }
    };
    let advance = |hours: i64| {
        let (clock, worker) = (clock.clone(), worker.clone());
        async move {
            clock.advance(chrono::Duration::hours(hours));
            worker.run_until_idle().await.expect("worker runs");
        }
    };
    advance(0).await;
    advance(9).await; // Monday 18:00: the gate holds the agent
    assert_eq!(status("deploy").await.status, "pending");
    advance(14).await; // Tuesday 08:00: still closed
    assert_eq!(status("deploy").await.status, "pending");
    advance(1).await; // Tuesday 09:00: open
    let deploy = status("deploy").await;
    assert_eq!(deploy.status, "succeeded", "{deploy:?}");
    let input = &deploy.output.as_ref().unwrap()["input"];
    assert_eq!(
        input["window"],
        json!("tue"),
        "the input hook ran at dispatch: {input}"
    );
    assert_eq!(input["attempt"], json!(1));
    assert_eq!(input["topic"], json!("deploy"), "declared input kept");

    // The approval opened with security added and a quorum of two; nobody has decided it.
    let ship = status("ship").await;
    assert_eq!(ship.status, "waiting_input");
    let inbox = store.inbox().await.unwrap();
    let item = inbox
        .iter()
        .find(|i| i.workflow_id == id && i.task_key == "ship")
        .expect("in the inbox");
    assert_eq!(
        item.who,
        vec!["user:rel".to_string(), "team:security".to_string()]
    );
    assert_eq!(item.quorum, Some(2));
    assert!(item.voted.is_empty());
}
