//! Hooks: sandbox limits, determinism, result contracts, `check_spec` positions, and the stdlib hooks.

use chrono::{DateTime, TimeZone, Utc};
use rwf::hooks::{self, ContextInput, HookHost, Limits, Runtime};
use rwf::spec::{
    ExpirePolicy, HookFile, HookPoint, RejectPolicy, Risk, Scope, Step, TargetSpec, TaskPolicy,
    TaskSpec, TzRef, WorkflowSpec,
};
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
        "approval" => Step::Approval {
            approvers: vec![Scope::Team("release".into())],
            quorum: 1,
            deadline: None,
            remind_every: None,
            on_reject: RejectPolicy::Skip,
            on_expire: ExpirePolicy::Remind,
            not_author_of: None,
        },
        "notification" => Step::Notification {
            to: vec![Scope::Channel("#launch".into())],
            message: "we shipped".into(),
        },
        "manual" => Step::Manual {
            instructions: None,
            assignee: None,
        },
        "checkpoint" => Step::Checkpoint,
        _ => Step::Agent {
            uses: "writer".into(),
            input: BTreeMap::new(),
            timeout: None,
        },
    }
}

fn task(key: &str, kind: &str, bindings: &[(HookPoint, &str)]) -> TaskSpec {
    TaskSpec {
        key: key.into(),
        title: format!("Task {key}"),
        step: step(kind),
        schedule: None,
        window: None,
        depends_on: vec![],
        policy: TaskPolicy::default(),
        phase: None,
        labels: vec![],
        risk: None,
        required: true,
        pre_release: false,
        hooks: bindings.iter().map(|(p, f)| (*p, f.to_string())).collect(),
    }
}

fn spec(files: Vec<HookFile>, tasks: Vec<TaskSpec>) -> WorkflowSpec {
    WorkflowSpec {
        format: rwf::spec::FORMAT,
        key: "t".into(),
        name: "T".into(),
        version: 1,
        description: None,
        params: vec![],
        bindings: BTreeMap::new(),
        target: TargetSpec {
            param: "release".into(),
            timezone: TzRef::Literal("UTC".into()),
        },
        calendar: None,
        calendars: BTreeMap::new(),
        phases: vec![],
        tasks,
        hooks: files,
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
    rt.call(point, function, &ctx()).expect_err("the hook should fail")
}

// ---------------------------------------------------------------------------------------------
// Limits: every one of them ends the call with a clear Err, never a panic.

#[test]
fn operations_limit_stops_an_endless_loop() {
    let rt = runtime_with("fn f(ctx) { loop { } }", "f", patient());
    let e = call_err(&rt, HookPoint::Input, "f");
    assert!(e.contains("input hook `f` in policy.rhai"), "{e}");
    assert!(e.contains("ran more than 200000 operations"), "{e}");
    assert!(!e.contains("policy.rhai failed at"), "no position is claimed: {e}");
}

#[test]
fn call_depth_limit_stops_endless_recursion() {
    let rt = runtime_with("fn f(ctx) { down(0) }\nfn down(n) { down(n + 1) }", "f", patient());
    let e = call_err(&rt, HookPoint::Input, "f");
    assert!(e.contains("nested calls deeper than 24"), "{e}");
}

#[test]
fn string_size_limit() {
    let rt = runtime_with("fn f(ctx) { let s = \"ab\"; loop { s += s; } }", "f", patient());
    let e = call_err(&rt, HookPoint::Input, "f");
    assert!(e.contains("over the limit: length of string"), "{e}");
}

#[test]
fn array_size_limit() {
    let rt = runtime_with("fn f(ctx) { let a = []; loop { a.push(1); } }", "f", patient());
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
    assert!(e.contains("the result is over the limit: size of object map (at most 1024 entries)"), "{e}");
    // ... and inside the script when the map is used.
    let e = call_err(&rt, HookPoint::Input, "g");
    assert!(e.contains("failed: built a value over the limit: size of object map"), "{e}");
}

#[test]
fn expression_depth_limit_is_a_compile_error() {
    let deep = format!("fn f(ctx) {{ {}1{} }}", "(".repeat(200), ")".repeat(200));
    let s = spec(vec![file("deep.rhai", &deep)], vec![task("a", "agent", &[(HookPoint::Input, "f")])]);
    let d = hooks::check_spec(&s);
    assert_eq!(d[0].code, "RWF090", "{d:#?}");
    assert!(d[0].message.contains("expression exceeds maximum complexity"), "{}", d[0].message);
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
        assert!(e.contains("does not exist in the hook sandbox"), "{call}: {e}");
        assert!(e.contains("at 1:13"), "{call}: {e}");
    }
}

#[test]
fn eval_and_import_are_disabled() {
    for (src, at) in [
        ("fn f(ctx) { eval(\"#{}\") }", 12..16),
        ("import \"other\" as o;\nfn f(ctx) { #{} }", 0..6),
    ] {
        let s = spec(vec![file("p.rhai", src)], vec![task("a", "agent", &[(HookPoint::Input, "f")])]);
        let d = hooks::check_spec(&s);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].code, "RWF099");
        assert_eq!(d[0].span, Some(at));
        assert!(Runtime::new(&s).is_err());
    }
}

#[test]
fn print_and_debug_go_nowhere() {
    let rt = runtime("fn f(ctx) { print(\"hello\"); debug(ctx); #{ok: true} }", "f");
    assert_eq!(rt.call(HookPoint::Input, "f", &ctx()).unwrap(), json!({"ok": true}));
}

#[test]
fn context_is_read_only() {
    // Mutating ctx inside a hook changes only the hook's own copy.
    let rt = runtime("fn f(ctx) { ctx.params.product = \"X\"; #{p: ctx.params.product} }", "f");
    let c = ctx();
    assert_eq!(rt.call(HookPoint::Input, "f", &c).unwrap(), json!({"p": "X"}));
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
    let rt = runtime("const BASE = 5;\nfn f(ctx) { #{n: global::BASE + ctx.attempt} }", "f");
    assert_eq!(rt.call(HookPoint::Input, "f", &ctx()).unwrap(), json!({"n": 6}));
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
            e.starts_with(&format!("{} hook `{function}` in shapes.rhai", point.as_str())),
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
    assert_eq!(rt.call(HookPoint::Retry, "r", &c).unwrap(), json!({"delay_minutes": 10}));
    let mut late = c.clone();
    late["attempt"] = json!(3);
    assert_eq!(rt.call(HookPoint::Retry, "r", &late).unwrap(), json!({"stop": true}));
    assert_eq!(rt.call(HookPoint::Retry, "unit", &c).unwrap(), Value::Null);
    assert_eq!(rt.call(HookPoint::Missed, "m", &c).unwrap(), json!("skip"));
    assert_eq!(rt.call(HookPoint::Gate, "g", &c).unwrap(), json!({"pass": true}));
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
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    let mut ran = 0;
    for path in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "rhai")) {
        let source = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut tasks = Vec::new();
        let mut expected = Vec::new();
        for line in source.lines() {
            if let Some(b) = line.trim().strip_prefix("// bind:") {
                let parts: Vec<&str> = b.split_whitespace().collect();
                let point = hooks::parse_point(parts[0]).unwrap();
                let kind = parts.get(2).copied().unwrap_or("agent");
                tasks.push(task(&format!("t{}", tasks.len()), kind, &[(point, parts[1])]));
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
        for ((code, at, message), (want_code, want_at, fragment)) in rendered.iter().zip(&expected) {
            assert_eq!((code, at), (want_code, want_at), "{name}: {message}");
            assert!(message.contains(fragment.as_str()), "{name}: `{message}` lacks `{fragment}`");
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
    assert!(d[2].message.contains("defined in both `a.rhai` and `b.rhai`"));
    assert_eq!(d[2].span, Some(26..30));
    assert!(Runtime::new(&s).is_err());
}

#[test]
fn check_warns_on_unused_files_and_misplaced_points() {
    let s = spec(
        vec![file("used.rhai", "fn a(ctx) { #{approvers: [\"team:x\"], quorum: 1} }"), file("unused.rhai", "fn b(ctx) { true }")],
        vec![task("m", "manual", &[(HookPoint::Approvers, "a")])],
    );
    let d = hooks::check_spec(&s);
    let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["RWF096", "RWF097"], "{d:#?}");
    assert!(d[0].message.contains("task `m`: the approvers hook `a` never runs on a manual task"));
    // Warnings do not stop a runtime.
    assert!(Runtime::new(&s).is_ok());
    // The same binding from `defaults` on every task is fine as long as one task is of the right kind.
    let s = spec(
        vec![file("used.rhai", "fn a(ctx) { #{approvers: [\"team:x\"], quorum: 1} }")],
        vec![
            task("m", "manual", &[(HookPoint::Approvers, "a")]),
            task("ok", "approval", &[(HookPoint::Approvers, "a")]),
        ],
    );
    assert_eq!(hooks::check_spec(&s), vec![]);
}

#[test]
fn check_missing_function_without_hook_files() {
    let s = spec(vec![], vec![task("x", "agent", &[(HookPoint::Retry, "careful")])]);
    let d = hooks::check_spec(&s);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "RWF091");
    assert!(d[0].help.as_deref().unwrap().contains("add `hooks \"policy.rhai\"`"));
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
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/hooks").join(name);
    file(&format!("std/hooks/{name}"), &std::fs::read_to_string(path).unwrap())
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
    tz.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap().with_timezone(&Utc)
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
        (at(berlin, 2026, 3, 2, 10, 0), None),                                   // Mon 10:00 → pass
        (at(berlin, 2026, 3, 2, 9, 0), None),                                    // opening minute
        (at(berlin, 2026, 3, 2, 16, 59), None),                                  // last minute
        (at(berlin, 2026, 3, 2, 8, 15), Some(at(berlin, 2026, 3, 2, 9, 0))),     // early → today 09:00
        (at(berlin, 2026, 3, 2, 17, 0), Some(at(berlin, 2026, 3, 3, 9, 0))),     // closing → Tue 09:00
        (at(berlin, 2026, 3, 6, 18, 30), Some(at(berlin, 2026, 3, 9, 9, 0))),    // Fri evening → Mon
        (at(berlin, 2026, 3, 7, 12, 0), Some(at(berlin, 2026, 3, 9, 9, 0))),     // Sat → Mon
        (at(berlin, 2026, 3, 8, 23, 59), Some(at(berlin, 2026, 3, 9, 9, 0))),    // Sun night → Mon
    ];
    for (now, until) in cases {
        let got = hours_call(now).run(HookPoint::Gate, "business_hours").unwrap();
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
    let got = hours_call(now).run(HookPoint::Gate, "business_hours").unwrap();
    assert_eq!(got["until_unix"], json!(at(berlin, 2026, 3, 9, 9, 0).timestamp()));
    // Hours move with params.
    let mut c = hours_call(at(berlin, 2026, 3, 2, 8, 15));
    c.params.insert("business_open_hour".into(), json!(8));
    assert_eq!(c.run(HookPoint::Gate, "business_hours").unwrap(), json!({"pass": true}));
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
    assert_eq!(missed(call(241, None, true)), json!("require_manual_decision"));
    assert_eq!(missed(call(600, None, false)), json!("skip"));
    assert_eq!(missed(call(5, Some(Risk::High), true)), json!("require_manual_decision"));
    let mut graceful = call(600, None, true);
    graceful.params.insert("late_grace_minutes".into(), json!(720));
    assert_eq!(missed(graceful), json!("fire_asap"));

    let notice = |c: Call| c.run(HookPoint::Notification, "escalate_notice").unwrap();
    assert_eq!(notice(call(-5, None, true)), json!({"message": "we shipped"}));
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
    assert_eq!(call(None, json!({}), json!({"assess": {"risk": "critical"}})), high);
    assert_eq!(
        call(Some(Risk::High), json!({"security_team": "team:appsec"}), json!({})),
        json!({"approvers": ["team:release", "team:appsec"], "quorum": 2})
    );
}

#[test]
fn top_level_endless_loop_is_reported_not_run_forever() {
    let s = spec(
        vec![file("loop.rhai", "let n = 0;\nloop { n += 1; }\nfn g(ctx) { true }")],
        vec![task("a", "agent", &[(HookPoint::Gate, "g")])],
    );
    let d = hooks::check_spec(&s);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].code, "RWF098");
    // The operation limit or the wall clock, whichever a loaded machine reaches first.
    assert!(d[0].message.contains("failed: ran") || d[0].message.contains(": ran"), "{}", d[0].message);
    assert!(Runtime::new(&s).is_err());
}
