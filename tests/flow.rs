//! Conditions on params (`when`): the grammar/README.md example compiles, formats canonically and
//! decides its tasks at bind time (left-out tasks recorded with their reason, `after` edges bridged,
//! anchors to a left-out task refused with RWF142), the instance plans, and rebinding
//! a param (`rwf edit --set`) adds or removes only the conditional tasks, every key unchanged; a condition
//! on an upstream output stays on its task for run time.

mod support;

use rwf::compile::{bind, compile_source, preview, Inputs, MemLoader};
use rwf::diagnostic::has_errors;
use rwf::spec::WorkflowSpec;
use std::collections::BTreeMap;
use std::path::PathBuf;
use support::edges::{deps, keys};

fn readme_example() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("grammar/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let block = readme
        .split("```rwf\n")
        .find(|b| b.starts_with("template beta_release "))
        .expect("grammar/README.md has the `when` example");
    block[..block.find("```").unwrap()].to_string()
}

fn template(text: &str) -> WorkflowSpec {
    let c = compile_source("t.rwf", text, &MemLoader::default());
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    c.spec.unwrap()
}

fn inputs(sets: &[(&str, &str)]) -> Inputs {
    Inputs {
        sets: sets
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        release: Some("2027-03-01".into()),
        tz: None,
    }
}

#[test]
fn the_readme_example_is_canonical_and_keeps_its_conditions_symbolic() {
    let text = readme_example();
    let parsed = rwf::syntax::parse("t.rwf", &text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(rwf::syntax::format(&text, &parsed.file), text, "fmt clean");
    assert!(rwf::syntax::accepts_whole_file(&text));
    let spec = template(&text);
    assert_eq!(keys(&spec).len(), 5, "the template spec keeps every task");
    let when: BTreeMap<String, String> = spec
        .flow
        .when
        .iter()
        .map(|(k, c)| (k.clone(), c.to_string()))
        .collect();
    assert_eq!(when["beta_build"], "beta");
    assert_eq!(when["beta_feedback"], "beta and channel != \"lts\"");
    assert_eq!(when["german_notes"], "\"de\" in locales");
    // The spec's JSON round-trips (the condition's serde form).
    let json = serde_json::to_string(&spec).unwrap();
    assert_eq!(serde_json::from_str::<WorkflowSpec>(&json).unwrap(), spec);
}

#[test]
fn binding_leaves_out_false_tasks_with_the_reason_and_bridges_their_edges() {
    let spec = template(&readme_example());
    let bound = bind(&spec, &inputs(&[])).unwrap();
    assert_eq!(keys(&bound), ["freeze", "german_notes", "ship"]);
    assert!(
        bound.flow.when.is_empty(),
        "an instance has no undecided condition"
    );
    let why: Vec<(&str, &str)> = bound
        .flow
        .excluded
        .iter()
        .map(|e| (e.key.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        why,
        [
            ("beta_build", "condition `beta` is false (beta = false)"),
            (
                "beta_feedback",
                "condition `beta and channel != \"lts\"` is false (beta = false, channel = \"stable\")"
            ),
        ]
    );
    // `ship` waited on beta_feedback → beta_build → freeze: it now waits on freeze.
    assert_eq!(deps(&bound, "ship"), ["german_notes", "freeze"]);

    let beta = bind(&spec, &inputs(&[("beta", "true"), ("locales", "en")])).unwrap();
    assert_eq!(
        keys(&beta),
        ["freeze", "beta_build", "beta_feedback", "ship"]
    );
    assert_eq!(deps(&beta, "ship"), ["beta_feedback", "freeze"]);
    assert_eq!(beta.flow.excluded.len(), 1);
    assert_eq!(
        beta.flow.excluded[0].reason,
        "condition `\"de\" in locales` is false (locales = [\"en\"])"
    );
    let lts = bind(&spec, &inputs(&[("beta", "yes"), ("channel", "lts")])).unwrap();
    assert_eq!(keys(&lts), ["freeze", "beta_build", "german_notes", "ship"]);
    assert_eq!(deps(&lts, "ship"), ["german_notes", "beta_build"]);
}

#[test]
fn preview_decides_conditions_and_needs_their_params() {
    let text = readme_example().replace("param beta: bool = false", "param beta: bool");
    let spec = template(&text);
    let err = preview(&spec, &inputs(&[])).unwrap_err();
    assert!(
        err.iter()
            .any(|d| d.code == "RWF063" && d.message.contains("`beta`")),
        "{err:?}"
    );
    let bound = preview(&spec, &inputs(&[("beta", "true")])).unwrap();
    assert!(bound.task("beta_build").is_some());
}

#[test]
fn a_task_anchored_to_a_left_out_task_is_refused_naming_both() {
    let text = r#"template t "T" {
  param release: datetime
  param beta: bool = false
  target release in "UTC" at 09:00
  manual beta_build "Beta" { when beta }
  manual notes "Notes" { at beta_build + 1 day }
  agent summary "Summary" { uses "writer"  input { url: beta_build.output.url } }
  approval legal "Legal" { approvers team("legal")  not_author_of beta_build }
  notification tell "Tell" { to team("rel")  message "Beta at ${beta_build.output.url}" }
}
"#;
    let spec = template(text);
    let err = bind(&spec, &inputs(&[])).unwrap_err();
    let msgs: Vec<String> = err
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert_eq!(
        msgs,
        [
            "RWF142 task `notes` is anchored to `beta_build`, which a condition leaves out",
            "RWF142 task `summary` reads the output of `beta_build`, which a condition leaves out",
            "RWF142 task `tell` reads the output of `beta_build`, which a condition leaves out",
        ]
    );
    // With the condition true, it binds, and the separation of duties stays.
    let bound = bind(&spec, &inputs(&[("beta", "true")])).unwrap();
    assert_eq!(keys(&bound).len(), 5);
}

#[test]
fn the_instance_plans_and_rebinding_changes_only_the_conditional_tasks() {
    let spec = template(&readme_example());
    let (bound, plan) = rwf::ops::instantiate(&spec, &inputs(&[])).unwrap();
    assert_eq!(plan.tasks.len(), 3);
    // `rwf edit --set beta=true`: the template rebound with the workflow's bindings.
    let sets: BTreeMap<String, String> = [("beta".to_string(), "true".to_string())].into();
    let edited = rwf::ops::rebind(&spec, &bound, &sets).unwrap();
    assert_eq!(
        keys(&edited),
        [
            "freeze",
            "beta_build",
            "beta_feedback",
            "german_notes",
            "ship"
        ]
    );
    for k in keys(&bound) {
        let (a, b) = (bound.task(k).unwrap(), edited.task(k).unwrap());
        assert_eq!(
            (&a.title, &a.step),
            (&b.title, &b.step),
            "{k} is the same task"
        );
    }
    let back = rwf::ops::rebind(
        &spec,
        &edited,
        &[("beta".to_string(), "false".to_string())].into(),
    )
    .unwrap();
    assert_eq!(keys(&back), keys(&bound));
    assert_eq!(back.flow.excluded, bound.flow.excluded);
}

/// A condition on an upstream output is not decided at bind: the instance keeps it on the task (its
/// params read from the bindings at run time), and each copy of an expansion reads its own item's
/// sibling.
#[test]
fn binding_keeps_output_conditions_for_run_time() {
    let text = r#"template t "T" {
  param release: datetime
  param fast: bool = false
  param locales: list<string> = ["de", "fr"]
  target release in "UTC" at 09:00
  agent rc1 "RC 1" { uses "rc"  at release - 2 weeks }
  manual rc2 "Extra RC" { when rc1.output.needs_another and not fast  after rc1 }
  for each l in locales {
    agent draft "Draft ${l}" { uses "writer"  after rc2 }
    manual review "Review ${l}" { when draft.output.ok == false or rc1.output.strict  after draft }
  }
}
"#;
    let spec = template(text);
    assert!(spec.flow.when.is_empty());
    let bound = bind(&spec, &inputs(&[("fast", "true")])).unwrap();
    assert_eq!(bound.bindings["fast"], serde_json::json!(true));
    let when = |k: &str| bound.task(k).unwrap().when.as_ref().unwrap().to_string();
    assert_eq!(when("rc2"), "rc1.output.needs_another and not fast");
    assert_eq!(
        when("review[de]"),
        "draft[de].output.ok == false or rc1.output.strict"
    );
    assert_eq!(
        when("review[fr]"),
        "draft[fr].output.ok == false or rc1.output.strict"
    );
    assert!(bound.flow.excluded.is_empty());
}
