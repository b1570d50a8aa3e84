//! `for each` over an upstream task's output, expanded by the engine on the virtual clock: the block's
//! prototypes never run; when the source succeeds one `Expand` action replaces them by a copy per item
//! (per-item `after` inside, fan-in outside, `${var}` and `${var.field}` bound, planned times kept);
//! an empty list leaves them out and downstream proceeds; a missing path, a value that is not a list or
//! more than 500 items fail them with the reason; a failed source skips them; an expansion applies once.
//! Also the `rwf plan` golden and the `rwf simulate` goldens driven by `--output`.

#[path = "support/snapshots.rs"]
mod snapshots;
mod support;

use support::cli::golden;
use support::edges::deps;

use chrono::{DateTime, Utc};
use rwf::compile::{bind, compile_source, Inputs, MemLoader};
use rwf::diagnostic::has_errors;
use rwf::engine::action::Action;
use rwf::engine::apply::apply_all;
use rwf::engine::model::{Snapshot, TaskStatus, WorkflowStatus};
use rwf::engine::outcome::settle;
use rwf::engine::{GateKind, NoHooks};
use rwf::exec::AgentOutcome;
use serde_json::{json, Value};
use snapshots::{h, snap, status, step_with};

const TEMPLATE: &str = r#"
template fanout "Fan-out" {
  param release: datetime
  target release in "UTC"

  agent build "Build" { uses "ci.build" }
  for each platform in build.output.platforms {
    agent ship "Ship ${platform}" {
      uses "store.upload"
      input { platform: "${platform}", arch: "${platform.arch}" }
    }
    agent verify "Verify ${platform}" { uses "qa.verify"  after ship }
  }
  agent announce "Announce" { uses "comms.post"  after verify }
}
"#;

/// The template bound and started: every task pending, nothing planned.
fn started(text: &str) -> Snapshot {
    let c = compile_source("t.rwf", text, &MemLoader::default());
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    let inputs = Inputs {
        release: Some("2026-09-01T09:00:00Z".into()),
        ..Inputs::default()
    };
    let spec = bind(&c.spec.unwrap(), &inputs).unwrap();
    snap(spec, &[])
}

fn keys(s: &Snapshot) -> Vec<&str> {
    s.tasks.iter().map(|t| t.key.as_str()).collect()
}

/// Settles `task`'s running attempt with `output` and reconciles.
fn succeed(s: &mut Snapshot, task: &str, output: Value, now: DateTime<Utc>) -> Vec<Action> {
    let attempt = s.task(task).unwrap().attempt;
    let out = AgentOutcome::Succeeded { output };
    let a = settle(s, task, attempt, &out, now, &NoHooks).unwrap();
    apply_all(s, &a, now).unwrap();
    step_with(s, now, &NoHooks).actions
}

fn expansions(actions: &[Action]) -> Vec<&Action> {
    actions
        .iter()
        .filter(|a| matches!(a, Action::Expand { .. }))
        .collect()
}

fn dispatched(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Dispatch { task, .. } => Some(task.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn prototypes_wait_unexpanded_and_never_start() {
    let mut s = started(TEMPLATE);
    assert_eq!(keys(&s), ["build", "ship", "verify", "announce"]);
    let d = step_with(&mut s, h(0), &NoHooks);
    assert_eq!(dispatched(&d.actions), ["build"]);
    let gate = d
        .gates
        .iter()
        .find(|g| g.task == "ship" && g.gate == GateKind::Dependency)
        .unwrap();
    assert_eq!(
        gate.reason,
        "for each platform in build.output.platforms — expanded when build succeeds"
    );
    assert_eq!(gate.blockers, ["build"]);
    assert_eq!(status(&s, "ship"), TaskStatus::Pending);
    assert_eq!(status(&s, "verify"), TaskStatus::Pending);
}

#[test]
fn three_items_expand_with_per_item_after_and_fan_in() {
    let mut s = started(TEMPLATE);
    step_with(&mut s, h(0), &NoHooks);
    let items = json!({"platforms": [{"name": "ios", "arch": "arm64"}, {"name": "android", "arch": "arm"}, "web"]});
    let d = succeed(&mut s, "build", items, h(1));
    let expanded = expansions(&d);
    assert_eq!(expanded.len(), 1, "{d:?}");
    let Action::Expand {
        source,
        block,
        count,
        labels,
        ..
    } = expanded[0]
    else {
        unreachable!()
    };
    assert_eq!(
        (source.as_str(), block.as_str(), *count),
        ("build", "ship", 3)
    );
    assert_eq!(labels, &["ios", "android", "web"]);
    assert_eq!(
        keys(&s),
        [
            "build",
            "ship[ios]",
            "verify[ios]",
            "ship[android]",
            "verify[android]",
            "ship[web]",
            "verify[web]",
            "announce"
        ]
    );
    assert!(s.spec.flow.blocks.is_empty());
    assert_eq!(
        dispatched(&d),
        ["ship[ios]", "ship[android]", "ship[web]"],
        "every item's first task starts at once"
    );
    // Titles and inputs read the item, fields included.
    assert_eq!(s.spec.task("ship[ios]").unwrap().title, "Ship ios");
    let input = d.iter().find_map(|a| match a {
        Action::Dispatch { task, input, .. } if task == "ship[ios]" => Some(input.clone()),
        _ => None,
    });
    assert_eq!(input.unwrap(), json!({"platform": "ios", "arch": "arm64"}));
    assert_eq!(s.spec.task("ship[web]").unwrap().title, "Ship web");
    // Inside the block, `after ship` is the same item's copy.
    assert_eq!(deps(&s.spec, "verify[android]"), ["ship[android]", "build"]);
    // Outside, `after verify` waits for every copy.
    assert_eq!(
        deps(&s.spec, "announce"),
        ["verify[ios]", "verify[android]", "verify[web]"]
    );

    let d = succeed(&mut s, "ship[android]", json!({}), h(2));
    assert_eq!(dispatched(&d), ["verify[android]"], "per item");
    assert_eq!(status(&s, "verify[ios]"), TaskStatus::Pending);
    for k in ["ship[ios]", "ship[web]", "verify[android]", "verify[ios]"] {
        succeed(&mut s, k, json!({}), h(3));
    }
    assert_eq!(status(&s, "announce"), TaskStatus::Pending, "fan-in");
    let d = succeed(&mut s, "verify[web]", json!({}), h(4));
    assert_eq!(dispatched(&d), ["announce"]);
    succeed(&mut s, "announce", json!({}), h(5));
    assert_eq!(s.status, WorkflowStatus::Completed);
    // Expanding again is refused: the block is gone.
    let again = Action::Expand {
        source: "build".into(),
        block: "ship".into(),
        header: String::new(),
        count: 1,
        labels: vec!["x".into()],
        items: vec![json!("x")],
    };
    let err = apply_all(&mut s, &[again], h(6)).unwrap_err();
    assert!(err.0.contains("no unexpanded `for each`"), "{err}");
}

#[test]
fn labels_fall_back_to_the_index() {
    let mut s = started(TEMPLATE);
    step_with(&mut s, h(0), &NoHooks);
    // Not key-safe, then a duplicate: every item is labelled by its index.
    let d = succeed(
        &mut s,
        "build",
        json!({"platforms": ["mac os", {"id": 7}, {"key": "x"}]}),
        h(1),
    );
    assert_eq!(dispatched(&d), ["ship[1]", "ship[7]", "ship[x]"]);
    let mut s = started(TEMPLATE);
    step_with(&mut s, h(0), &NoHooks);
    let d = succeed(&mut s, "build", json!({"platforms": ["a", "a"]}), h(1));
    assert_eq!(dispatched(&d), ["ship[1]", "ship[2]"]);
}

#[test]
fn copies_keep_the_prototypes_planned_times() {
    let text = TEMPLATE.replace(
        "agent verify \"Verify ${platform}\" { uses \"qa.verify\"  after ship }",
        "agent verify \"Verify ${platform}\" { uses \"qa.verify\"  after ship  at release - 1 day }",
    );
    let c = compile_source("t.rwf", &text, &MemLoader::default());
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    let inputs = Inputs {
        release: Some("2026-09-01T09:00:00Z".into()),
        ..Inputs::default()
    };
    let spec = bind(&c.spec.unwrap(), &inputs).unwrap();
    let target = rwf::schedule::target_of(&spec).unwrap();
    let plan = rwf::schedule::resolve(&spec, &target, &Default::default()).unwrap();
    let mut s = Snapshot::new(Default::default(), std::sync::Arc::new(spec), &plan);
    s.status = WorkflowStatus::Active;
    let planned = s.task("verify").unwrap().planned;
    assert!(planned.is_some());
    step_with(&mut s, h(0), &NoHooks);
    succeed(&mut s, "build", json!({"platforms": ["ios", "web"]}), h(1));
    assert_eq!(s.task("verify[ios]").unwrap().planned, planned);
    assert_eq!(s.task("verify[web]").unwrap().planned, planned);
    assert_eq!(s.task("ship[ios]").unwrap().planned, None);
}

#[test]
fn an_empty_list_leaves_the_block_out_and_downstream_proceeds() {
    let mut s = started(TEMPLATE);
    step_with(&mut s, h(0), &NoHooks);
    let d = succeed(&mut s, "build", json!({"platforms": []}), h(1));
    assert_eq!(expansions(&d).len(), 1);
    assert_eq!(keys(&s), ["build", "announce"]);
    assert_eq!(dispatched(&d), ["announce"]);
    let out: Vec<(&str, &str)> = s
        .spec
        .flow
        .excluded
        .iter()
        .map(|e| (e.key.as_str(), e.reason.as_str()))
        .collect();
    let why = "`for each platform in build.output.platforms`: the list is empty";
    assert_eq!(out, [("ship", why), ("verify", why)]);
    assert_eq!(
        deps(&s.spec, "announce"),
        ["build"],
        "bridged through the left-out tasks"
    );
    succeed(&mut s, "announce", json!({}), h(2));
    assert_eq!(s.status, WorkflowStatus::Completed);
}

/// The reason each prototype failed with, when `build` outputs `output`.
fn failure(output: Value) -> (Vec<String>, Snapshot) {
    let mut s = started(TEMPLATE);
    step_with(&mut s, h(0), &NoHooks);
    let d = succeed(&mut s, "build", output, h(1));
    assert!(expansions(&d).is_empty(), "{d:?}");
    assert_eq!(
        keys(&s),
        ["build", "ship", "verify", "announce"],
        "nothing expanded"
    );
    let reasons = ["ship", "verify"]
        .iter()
        .map(|k| s.task(k).unwrap().last_error.clone().unwrap_or_default())
        .collect();
    (reasons, s)
}

#[test]
fn not_a_list_fails_the_prototypes_and_the_failure_propagates() {
    let (reasons, s) = failure(json!({"platforms": "ios"}));
    let why = "`for each platform in build.output.platforms`: `build.output.platforms` is a string, not a list";
    assert!(reasons[0].contains(why), "{reasons:?}");
    assert_eq!(status(&s, "ship"), TaskStatus::Failed);
    assert_eq!(status(&s, "announce"), TaskStatus::Skipped);
    assert_eq!(s.status, WorkflowStatus::Failed);
    let (reasons, _) = failure(json!({"other": []}));
    assert!(
        reasons[0].contains("the output of `build` has no `build.output.platforms`"),
        "{reasons:?}"
    );
}

#[test]
fn above_the_cap_fails_with_the_count() {
    let items: Vec<Value> = (0..612).map(|i| json!(format!("p{i}"))).collect();
    let (reasons, s) = failure(json!({ "platforms": items }));
    assert!(
        reasons[0].contains(
            "`for each platform in build.output.platforms`: the output has 612 items, more than the cap of 500"
        ),
        "{reasons:?}"
    );
    assert_eq!(status(&s, "ship"), TaskStatus::Failed);
    // 500 is fine.
    let items: Vec<Value> = (0..500).map(|i| json!(format!("p{i}"))).collect();
    let mut s = started(TEMPLATE);
    step_with(&mut s, h(0), &NoHooks);
    let d = succeed(&mut s, "build", json!({ "platforms": items }), h(1));
    assert_eq!(dispatched(&d).len(), 500);
    assert_eq!(s.tasks.len(), 1002);
}

#[test]
fn a_failed_source_skips_the_prototypes() {
    let mut s = started(TEMPLATE);
    step_with(&mut s, h(0), &NoHooks);
    let attempt = s.task("build").unwrap().attempt;
    let out = AgentOutcome::Failed {
        reason: "boom".into(),
        retryable: false,
    };
    let a = settle(&s, "build", attempt, &out, h(1), &NoHooks).unwrap();
    apply_all(&mut s, &a, h(1)).unwrap();
    step_with(&mut s, h(1), &NoHooks);
    assert_eq!(status(&s, "ship"), TaskStatus::Skipped);
    assert_eq!(status(&s, "announce"), TaskStatus::Skipped);
    assert_eq!(keys(&s), ["build", "ship", "verify", "announce"]);
}

// ---------- goldens ----------

fn rwf(args: &[&str]) -> String {
    let (out, err, code) = support::cli::rwf(args);
    format!("exit: {code}\n--- stdout\n{out}--- stderr\n{err}")
}

const FIXTURE: &str = "tests/fixtures/schedule/fanout.rwf";
const RELEASE: &str = "2026-09-01T09:00";

#[test]
fn plan_shows_the_prototypes_once_with_their_marker() {
    for (format, ext) in [("table", "txt"), ("json", "json"), ("ics", "ics")] {
        let out = rwf(&[
            "plan",
            FIXTURE,
            "--release",
            RELEASE,
            "--today",
            "2026-08-20",
            "--format",
            format,
        ]);
        golden(&format!("plan_fanout.{ext}"), &out);
    }
    let out = rwf(&["explain", FIXTURE, "ship", "--release", RELEASE]);
    assert!(
        out.contains("for each platform in build.output.platforms — expanded when build succeeds"),
        "{out}"
    );
}

#[test]
fn simulate_expands_from_the_scripted_output() {
    for (name, output) in [
        ("fanout", r#"build={"platforms":["ios","android","web"]}"#),
        ("fanout_empty", r#"build={"platforms":[]}"#),
        ("fanout_not_a_list", r#"build={"platforms":"ios"}"#),
    ] {
        let out = rwf(&[
            "simulate",
            FIXTURE,
            "--release",
            RELEASE,
            "--output",
            output,
        ]);
        golden(&format!("simulate_{name}.txt"), &out);
    }
}

#[test]
fn a_prototype_left_out_at_bind_is_not_copied_and_the_rest_keep_their_place() {
    let text = TEMPLATE
        .replace(
            "  param release: datetime\n",
            "  param release: datetime\n  param prep: bool = false\n",
        )
        .replace(
            "    agent ship",
            "    agent warm \"Warm ${platform}\" { uses \"cache.warm\"  when prep }\n    agent ship",
        );
    let mut s = started(&text);
    assert_eq!(
        keys(&s),
        ["build", "ship", "verify", "announce"],
        "`warm` left out at bind"
    );
    step_with(&mut s, h(0), &NoHooks);
    succeed(&mut s, "build", json!({"platforms": ["ios"]}), h(1));
    assert_eq!(keys(&s), ["build", "ship[ios]", "verify[ios]", "announce"]);
    let mut s = started(&text);
    step_with(&mut s, h(0), &NoHooks);
    succeed(&mut s, "build", json!({"platforms": []}), h(1));
    let out: Vec<&str> = s
        .spec
        .flow
        .excluded
        .iter()
        .map(|e| e.key.as_str())
        .collect();
    assert_eq!(out, ["warm", "ship", "verify"], "each left out once");
}
