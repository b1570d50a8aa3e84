//! `cargo bench --bench check`: `check_source` over a generated template of 5,000 tasks and 10,000
//! dependency edges (best of 5, milliseconds), with the compile / lint split. Target: < 200 ms.
//! Then a template of 20 blocks that expands to 10,000 tasks (10 `for each` over a 500-item list, 10
//! `repeat`s of 500 days): checked with a release (bind, expand, schedule lints) and planned
//! (`ops::instantiate`). Target: ≤ 200 ms each.

use rwf::check::{check_compiled, check_source, lint_spec, CheckOptions};
use rwf::compile::{compile_source, ModuleLoader};
use std::fmt::Write;
use std::time::{Duration, Instant};

const TASKS: usize = 5_000;
const EDGES: usize = 10_000;

struct NoModules;

impl ModuleLoader for NoModules {
    fn load(&self, _from: &str, path: &str) -> Result<(String, String), String> {
        Err(format!("no module `{path}`"))
    }
}

/// Task `i` depends on `i-1` and on one pseudo-random earlier task; a few get a third edge, so the
/// graph is acyclic with exactly `EDGES` edges. Kinds, anchors and output references vary.
fn template() -> (String, usize) {
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); TASKS];
    let mut edges = 0;
    for (i, d) in deps.iter_mut().enumerate().skip(1) {
        d.push(i - 1);
        edges += 1;
        if i >= 2 {
            d.push((i * 31 + 7) % (i - 1));
            edges += 1;
        }
    }
    let mut i = TASKS - 1;
    while edges < EDGES {
        if let Some(k) = (0..i).find(|k| !deps[i].contains(k)) {
            deps[i].push(k);
            edges += 1;
        }
        i -= 1;
    }
    let mut t = String::new();
    t.push_str("template big \"Big release: ${product}\" version 1 {\n");
    t.push_str(
        "  param product: string\n  param release: datetime\n  param tz: timezone = \"UTC\"\n",
    );
    t.push_str("  target release in tz\n\n");
    for (i, d) in deps.iter().enumerate() {
        let after: Vec<String> = d.iter().map(|k| format!("t{k}")).collect();
        let after = if after.is_empty() {
            String::new()
        } else {
            format!(" after {}", after.join(", "))
        };
        let at = if i % 2 == 0 || i == 0 {
            format!("at release - {} days at 09:00", 300 - (i * 300 / TASKS))
        } else {
            format!("at t{}.end + 1 hour", i - 1)
        };
        match i % 5 {
            0 => writeln!(t, "  checkpoint t{i} \"Checkpoint {i} of ${{product}}\" {{ {at}{after} }}"),
            1 => writeln!(t, "  manual t{i} \"Manual {i}\" {{ instructions \"Do step {i}.\" {at}{after} }}"),
            2 => writeln!(
                t,
                "  agent t{i} \"Agent {i}\" {{ uses \"writer\" input {{ product: product, prev: t{}.output.text }} {at}{after} }}",
                i - 1
            ),
            3 => writeln!(t, "  approval t{i} \"Approval {i}\" {{ approvers team(\"legal\"), user(\"ann\") quorum 1 {at}{after} }}"),
            _ => writeln!(t, "  notification t{i} \"Note {i}\" {{ to channel(\"#rel\") message \"${{product}} step {i}\" {at}{after} }}"),
        }
        .expect("write");
    }
    t.push_str("}\n");
    (t, edges)
}

const BLOCKS: usize = 10;
const ITEMS: usize = 500;

/// `BLOCKS` `for each` blocks over one `ITEMS`-item list and `BLOCKS` repeats of `ITEMS` daily
/// occurrences (the last one fewer); each block holds one task, per-item edges chain the for-each
/// blocks, and a final checkpoint waits for every copy of the last one: 10,000 tasks, the limit.
fn expanding_template() -> String {
    let items: Vec<String> = (0..ITEMS).map(|i| format!("\"s{i}\"")).collect();
    let mut t = String::new();
    t.push_str("template wide \"Wide\" version 1 {\n  param release: datetime\n");
    writeln!(t, "  param shards: list<string> = [{}]", items.join(", ")).expect("write");
    t.push_str("  target release in \"Europe/Berlin\" at 09:00\n");
    for b in 0..BLOCKS {
        let after = if b == 0 {
            "at release - 700 days".to_string()
        } else {
            format!("after f{}", b - 1)
        };
        writeln!(
            t,
            "  for each shard in shards {{\n    agent f{b} \"Step {b} of ${{shard}}\" {{ uses \"worker\"  input {{ shard: shard }}  {after} }}\n  }}"
        )
        .expect("write");
    }
    for b in 0..BLOCKS {
        writeln!(
            t,
            "  repeat every 1 day from release - {} days until release - {} days {{\n    checkpoint r{b} \"Daily {b} #${{n}}\" {{}}\n  }}",
            600 - b * 10,
            600 - b * 10 - (ITEMS - 1) + usize::from(b == BLOCKS - 1)
        )
        .expect("write");
    }
    writeln!(
        t,
        "  checkpoint done \"Done\" {{ at release  after f{} }}\n}}",
        BLOCKS - 1
    )
    .expect("write");
    t
}

fn expansion_bench() {
    let text = expanding_template();
    let options = CheckOptions {
        inputs: rwf::compile::Inputs {
            release: Some("2027-06-01".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let (check, diagnostics) = best_of(5, || check_source("wide.rwf", &text, &NoModules, &options));
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let spec = compile_source("wide.rwf", &text, &NoModules)
        .spec
        .expect("the template compiles");
    let (plan, planned) = best_of(5, || rwf::ops::instantiate(&spec, &options.inputs));
    let (bound, plan_of) = planned.unwrap_or_else(|e| panic!("instantiate: {e}"));
    assert_eq!(bound.tasks.len(), 2 * BLOCKS * ITEMS);
    println!(
        "expansion bench: {} blocks → {} tasks ({} planned), {} KiB of source",
        2 * BLOCKS,
        bound.tasks.len(),
        plan_of.tasks.len(),
        text.len() / 1024
    );
    println!(
        "  check with a release (best of 5): {}  (target ≤ 200 ms)",
        ms(check)
    );
    println!(
        "  instantiate: bind + expand + plan (best of 5): {}  (target ≤ 200 ms)",
        ms(plan)
    );
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = f();
        best = best.min(start.elapsed());
        last = Some(out);
    }
    (best, last.expect("at least one run"))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, in a
    // debug build where timings against the targets mean nothing.
    if !std::env::args().any(|a| a == "--bench") {
        println!("check bench: skipped outside `cargo bench`");
        return;
    }
    let (text, edges) = template();
    let options = CheckOptions::default();
    println!(
        "check bench: {TASKS} tasks, {edges} dependency edges, {} KiB of source",
        text.len() / 1024
    );
    let (total, diagnostics) = best_of(5, || check_source("big.rwf", &text, &NoModules, &options));
    let (compile, compiled) = best_of(5, || compile_source("big.rwf", &text, &NoModules));
    let spec = compiled.spec.as_ref();
    let (lint, _) = best_of(5, || {
        spec.map(|spec| lint_spec("big.rwf", &text, spec, &compiled.source_map))
    });
    let (after_compile, _) = best_of(5, || {
        check_compiled(
            "big.rwf",
            &text,
            compile_source("big.rwf", &text, &NoModules),
            &options,
        )
    });
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    println!(
        "  diagnostics: {} ({errors} errors){}",
        diagnostics.len(),
        diagnostics
            .first()
            .map(|d| format!(", first: {} {}", d.code, d.message))
            .unwrap_or_default()
    );
    println!("  parse + compile : {}", ms(compile));
    println!("  lints           : {}", ms(lint));
    println!("  compile + check : {}", ms(after_compile));
    println!("check_source (best of 5): {}  (target < 200 ms)", ms(total));
    expansion_bench();
}
