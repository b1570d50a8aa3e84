//! One hook call on the dispatch path: the engine builds the `ctx` JSON from a snapshot, the runtime
//! converts it, runs `business_hours` (the stdlib gate) in the sandbox and validates the result.
//! Also the cost of `Runtime::new` with a warm AST cache. Plain `harness = false`: prints figures.

use chrono::{TimeZone, Utc};
use rwf::engine::hook::call_bound;
use rwf::engine::model::{Planned, Snapshot, TaskState, WorkflowId, WorkflowStatus};
use rwf::hooks::{sha256_hex, Runtime};
use rwf::schedule::Target;
use rwf::spec::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn snapshot() -> Snapshot {
    let source = include_str!("../stdlib/hooks/business_hours.rhai");
    let task = TaskSpec {
        title: "Deploy ${product}".into(),
        labels: vec!["ops".into(), "prod".into()],
        risk: Some(Risk::High),
        hooks: BTreeMap::from([(HookPoint::Gate, "business_hours".to_string())]),
        ..TaskSpec::new(
            "deploy",
            Step::Agent {
                uses: "deployer".into(),
                input: BTreeMap::new(),
                timeout: None,
            },
        )
    };
    let mut bindings = BTreeMap::new();
    bindings.insert("product".to_string(), json!("Acme"));
    bindings.insert("owner".to_string(), json!("team:release"));
    let spec = WorkflowSpec {
        name: "Bench".into(),
        bindings,
        target: TargetSpec {
            param: "release".into(),
            timezone: TzRef::Literal("Europe/Berlin".into()),
            time: None,
            horizon: None,
        },
        tasks: vec![task],
        hooks: vec![HookFile {
            path: "std/hooks/business_hours.rhai".into(),
            source: source.into(),
            sha256: sha256_hex(source),
        }],
        ..WorkflowSpec::new("bench")
    };
    let start = Utc.with_ymd_and_hms(2026, 6, 6, 10, 0, 0).unwrap();
    let mut state = TaskState::new(
        "deploy",
        Some(Planned {
            start,
            due: start,
            end: start,
        }),
    );
    state.attempt = 0;
    Snapshot {
        id: WorkflowId::default(),
        status: WorkflowStatus::Active,
        spec: Arc::new(spec),
        target: Target {
            instant: start,
            tz: chrono_tz::Europe::Berlin,
        },
        tasks: vec![state],
        approvals: vec![],
        events: vec![],
        draining: false,
    }
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let n = samples.len();
    let mean = samples.iter().sum::<Duration>() / n as u32;
    println!(
        "{name:<44} n={n:<6} mean={:>8.1} µs  p50={:>8.1} µs  p99={:>8.1} µs",
        mean.as_secs_f64() * 1e6,
        samples[n / 2].as_secs_f64() * 1e6,
        samples[n * 99 / 100].as_secs_f64() * 1e6
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, in a
    // debug build where timings against the targets mean nothing.
    if !std::env::args().any(|a| a == "--bench") {
        println!("hooks bench: skipped outside `cargo bench`");
        return;
    }
    let snap = snapshot();
    let rt = Runtime::new(&snap.spec).expect("the stdlib hook compiles");
    let task = &snap.spec.tasks[0];
    // Saturday (wait) and Monday (pass): both branches of the gate.
    let times = [
        Utc.with_ymd_and_hms(2026, 6, 6, 10, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 6, 8, 10, 0, 0).unwrap(),
    ];
    for _ in 0..200 {
        black_box(call_bound(&rt, &snap, task, HookPoint::Gate, 1, times[0], None).unwrap());
    }
    let mut samples = Vec::with_capacity(20_000);
    for i in 0..20_000 {
        let now = times[i % 2];
        let t = Instant::now();
        let r = call_bound(&rt, &snap, task, HookPoint::Gate, 1, black_box(now), None);
        samples.push(t.elapsed());
        black_box(r.unwrap());
    }
    report("gate hook call incl. context (call_bound)", samples);

    let ctx = rwf::engine::hook::context(&snap, task, 1, times[0], None);
    let mut samples = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        let t = Instant::now();
        let r = rwf::hooks::HookHost::call(&rt, HookPoint::Gate, "business_hours", black_box(&ctx));
        samples.push(t.elapsed());
        black_box(r.unwrap());
    }
    report("gate hook call, context prebuilt", samples);

    let mut samples = Vec::with_capacity(2_000);
    for _ in 0..2_000 {
        let t = Instant::now();
        let r = Runtime::new(black_box(&snap.spec));
        samples.push(t.elapsed());
        black_box(r.unwrap());
    }
    report("Runtime::new, AST cache warm", samples);
}
