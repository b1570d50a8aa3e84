//! `cargo bench --bench simulate`: `engine::simulator::simulate` over generated chain templates of
//! 1,000, 2,500, 5,000 and 10,000 tasks (the task limit, `spec::MAX_TASKS`): a checkpoint chain with
//! an agent every third task. Best of 3, seconds, and the growth from one size to the next (×2.5, ×2,
//! ×2 in tasks; linear is the same ratio in time). Target: linear, 10,000 tasks in under 2 s.

use rwf::compile::{bind, compile_source, FsLoader, Inputs};
use rwf::engine::model::{Snapshot, WorkflowId};
use rwf::engine::simulator::{simulate, Script};
use rwf::engine::NoHooks;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn template(n: usize) -> String {
    let mut t = String::from(
        "template big \"Big\" version 1 {\n  param release: datetime\n  target release in \"UTC\"\n",
    );
    for i in 0..n {
        let line = if i % 50 == 0 {
            format!(
                "  checkpoint t{i} \"T{i}\" {{ at release - {} hours }}\n",
                i / 50 + 1
            )
        } else if i % 3 == 0 {
            format!(
                "  agent t{i} \"T{i}\" {{ uses \"builtin:echo\" after t{} }}\n",
                i - 1
            )
        } else {
            format!("  checkpoint t{i} \"T{i}\" {{ after t{} }}\n", i - 1)
        };
        t.push_str(&line);
    }
    t.push_str("}\n");
    t
}

fn snapshot(n: usize) -> Snapshot {
    let compiled = compile_source("big.rwf", &template(n), &FsLoader);
    let spec = compiled.spec.expect("the bench template compiles");
    let inputs = Inputs {
        release: Some("2027-03-01T09:00".into()),
        ..Inputs::default()
    };
    let bound = bind(&spec, &inputs).expect("binds");
    let target = rwf::schedule::target_of(&bound).expect("target");
    let plan = rwf::schedule::resolve(&bound, &target, &BTreeMap::new()).expect("resolves");
    let mut snapshot = Snapshot::new(WorkflowId::default(), Arc::new(bound), &plan);
    snapshot.target = target;
    snapshot
}

fn best_of(n: usize, runs: usize) -> Duration {
    let snap = snapshot(n);
    (0..runs)
        .map(|_| {
            let s = snap.clone();
            let t0 = Instant::now();
            let report = simulate(s, &Script::default(), &NoHooks).expect("simulates");
            assert_eq!(report.counts.succeeded, n, "every task ran");
            t0.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let mut last: Option<(usize, Duration)> = None;
    for n in [1_000, 2_500, 5_000, rwf::spec::MAX_TASKS] {
        let took = best_of(n, 3);
        let growth = last
            .map(|(m, d)| {
                format!(
                    " (tasks ×{:.1}, time ×{:.1})",
                    n as f64 / m as f64,
                    took.as_secs_f64() / d.as_secs_f64()
                )
            })
            .unwrap_or_default();
        println!(
            "engine/simulate {n} tasks: best {:.3} s{growth}",
            took.as_secs_f64()
        );
        last = Some((n, took));
    }
}
