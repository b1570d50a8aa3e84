//! Expansions (`for each`, `repeat`) and `when` on phases and blocks: the grammar/README.md example
//! compiles, formats canonically and keeps its blocks in the template spec; binding copies each block's
//! tasks with stable keys (per-item edges inside, fan-in outside, one copy by `task[item]`), dates
//! occurrences with the resolver (month clamping, DST, weekdays), leaves out empty blocks, refuses
//! bad items and expansions above the cap; `plan`, `simulate` and the ICS export show the copies; and
//! rebinding a list (`rwf edit --set`) adds or removes only that item's copies.

mod support;

use rwf::compile::{bind, compile_source, Inputs, MemLoader};
use rwf::diagnostic::has_errors;
use rwf::spec::WorkflowSpec;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use support::edges::{deps, keys};

fn readme_example() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("grammar/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let block = readme
        .split("```rwf\n")
        .find(|b| b.starts_with("template localized "))
        .expect("grammar/README.md has the expansions example");
    block[..block.find("```").unwrap()].to_string()
}

fn template(text: &str) -> WorkflowSpec {
    let c = compile_source("t.rwf", text, &MemLoader::default());
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    c.spec.unwrap()
}

fn codes(text: &str) -> Vec<&'static str> {
    let c = compile_source("t.rwf", text, &MemLoader::default());
    rwf::check::check_compiled("t.rwf", text, c, &Default::default())
        .iter()
        .map(|d| d.code)
        .collect()
}

fn inputs(release: &str, sets: &[(&str, &str)]) -> Inputs {
    Inputs {
        sets: sets
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        release: Some(release.into()),
        tz: None,
    }
}

fn bind_err(spec: &WorkflowSpec, i: &Inputs) -> Vec<(&'static str, String)> {
    bind(spec, i)
        .unwrap_err()
        .into_iter()
        .map(|d| (d.code, d.message))
        .collect()
}

/// Local start times (release zone) of the tasks whose key starts with `prefix`.
fn starts(spec: &WorkflowSpec, prefix: &str) -> Vec<String> {
    let target = rwf::schedule::target_of(spec).unwrap();
    let plan = rwf::schedule::resolve(spec, &target, &BTreeMap::new()).unwrap();
    plan.tasks
        .iter()
        .filter(|t| t.key.starts_with(prefix))
        .map(|t| {
            let s = t.times.unwrap().start.with_timezone(&target.tz);
            s.format("%a %Y-%m-%d %H:%M").to_string()
        })
        .collect()
}

#[test]
fn the_readme_example_is_canonical_and_keeps_its_blocks() {
    let text = readme_example();
    let parsed = rwf::syntax::parse("t.rwf", &text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(rwf::syntax::format(&text, &parsed.file), text, "fmt clean");
    assert!(rwf::syntax::accepts_whole_file(&text));
    let spec = template(&text);
    assert_eq!(
        keys(&spec),
        [
            "strings",
            "translate",
            "review",
            "german_notes",
            "beta_build",
            "ship",
            "bugfix",
            "bugfix_note",
            "burndown"
        ],
        "the template spec holds each task once, as written"
    );
    assert_eq!(spec.flow.blocks.len(), 3);
    assert_eq!(spec.flow.blocks[0].tasks, ["translate", "review"]);
    assert_eq!(
        spec.flow.when["beta_build"].to_string(),
        "beta",
        "the phase's `when` applies to its tasks"
    );
    assert!(codes(&text).is_empty(), "{:?}", codes(&text));
}

#[test]
fn binding_copies_each_block_with_per_item_edges_and_fan_in() {
    let spec = template(&readme_example());
    let bound = bind(&spec, &inputs("2026-09-01", &[])).unwrap();
    assert!(bound.flow.blocks.is_empty() && bound.flow.when.is_empty());
    let k = keys(&bound);
    for key in [
        "translate[de]",
        "review[fr]",
        "review[ja]",
        "bugfix[6]",
        "burndown[9]",
    ] {
        assert!(k.contains(&key), "{key} in {k:?}");
    }
    assert!(!k.contains(&"translate") && !k.contains(&"bugfix[7]"));
    assert_eq!(deps(&bound, "translate[de]"), ["strings"]);
    assert_eq!(deps(&bound, "review[fr]"), ["translate[fr]"], "per item");
    assert_eq!(
        deps(&bound, "ship"),
        ["review[de]", "review[fr]", "review[ja]"],
        "fan-in; beta_build left out and bridged"
    );
    assert_eq!(deps(&bound, "german_notes"), ["review[de]"], "one item");
    let t = bound.task("translate[ja]").unwrap();
    assert_eq!(t.title, "Translate to ja");
    let rwf::spec::Step::Agent { input, .. } = &t.step else {
        panic!("agent")
    };
    assert_eq!(
        serde_json::to_value(&input["lang"]).unwrap(),
        serde_json::json!({"kind": "literal", "value": "ja"})
    );
    let rwf::spec::Step::Approval { approvers, .. } = &bound.task("review[de]").unwrap().step
    else {
        panic!("approval")
    };
    assert_eq!(approvers, &[rwf::spec::Scope::Team("l10n-de".into())]);
    assert_eq!(bound.task("bugfix[3]").unwrap().title, "Bugfix release 3");
    assert_eq!(bound.flow.excluded.len(), 1);
    // Occurrences: every 2 months from release + 2 weeks; the note a day before at 10:00.
    assert_eq!(
        starts(&bound, "bugfix["),
        [
            "Tue 2026-09-15 09:00",
            "Sun 2026-11-15 09:00",
            "Fri 2027-01-15 09:00",
            "Mon 2027-03-15 09:00",
            "Sat 2027-05-15 09:00",
            "Thu 2027-07-15 09:00"
        ]
    );
    assert_eq!(starts(&bound, "bugfix_note[1]"), ["Mon 2026-09-14 10:00"]);
    // Weekdays from strings (Tue Aug 11) to the day before the release, inclusive.
    let burndown = starts(&bound, "burndown[");
    assert_eq!(burndown.len(), 9);
    assert!(burndown
        .iter()
        .all(|s| ["Mon", "Wed", "Fri"].contains(&&s[..3])));
    assert_eq!(burndown.last().unwrap(), "Mon 2026-08-31 09:00");
}

const MONTHLY: &str = "template m \"M\" version 1 {\n  param release: datetime\n  target release in \"Europe/Berlin\" at 09:00\n  repeat every 1 month from release until release + 3 months {\n    checkpoint sync \"Sync ${n}\" {}\n  }\n  repeat every 1 week from release - 2 weeks until release + 1 week {\n    manual weekly \"Weekly ${n}\" { at occurrence + 1 hour }\n  }\n}\n";

#[test]
fn occurrences_clamp_months_from_the_start_and_keep_local_time_over_dst() {
    let spec = template(MONTHLY);
    let bound = bind(&spec, &inputs("2027-01-31", &[])).unwrap();
    assert_eq!(
        starts(&bound, "sync["),
        [
            "Sun 2027-01-31 09:00",
            "Sun 2027-02-28 09:00",
            "Wed 2027-03-31 09:00",
            "Fri 2027-04-30 09:00"
        ],
        "no drift: Mar 31, not Mar 28"
    );
    // Clocks go forward in Berlin on 2027-03-28: weekly stays at 10:00 local.
    let bound = bind(&spec, &inputs("2027-04-01", &[])).unwrap();
    assert_eq!(
        starts(&bound, "weekly["),
        [
            "Thu 2027-03-18 10:00",
            "Thu 2027-03-25 10:00",
            "Thu 2027-04-01 10:00",
            "Thu 2027-04-08 10:00"
        ]
    );
}

#[test]
fn an_empty_list_leaves_the_block_out_and_a_missing_item_is_refused() {
    let spec = template(&readme_example());
    let errs = bind_err(&spec, &inputs("2026-09-01", &[("locales", "fr,ja")]));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "RWF146");
    assert!(errs[0].1.contains("german_notes") && errs[0].1.contains("review[de]"));
    let text = readme_example().replace(
        "  manual german_notes \"German notes\" { after review[de] }\n",
        "",
    );
    let spec = template(&text);
    let bound = bind(&spec, &inputs("2026-09-01", &[("locales", "")])).unwrap();
    let out: Vec<&str> = bound.flow.excluded.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(out, ["translate", "review", "beta_build"]);
    assert!(bound.flow.excluded[0].reason.contains("`locales` is empty"));
    assert_eq!(
        deps(&bound, "ship"),
        ["strings"],
        "bridged through the empty block"
    );
}

#[test]
fn bad_items_and_expansions_above_the_cap_are_refused() {
    let spec = template(&readme_example());
    let errs = bind_err(&spec, &inputs("2026-09-01", &[("locales", "de,pt BR")]));
    assert_eq!(errs[0].0, "RWF146", "{errs:?}");
    let errs = bind_err(&spec, &inputs("2026-09-01", &[("locales", "de,de")]));
    assert_eq!(errs[0].0, "RWF146", "{errs:?}");
    let many: Vec<String> = (0..501).map(|i| format!("l{i}")).collect();
    let errs = bind_err(
        &spec,
        &inputs("2026-09-01", &[("locales", &many.join(","))]),
    );
    assert_eq!(errs[0].0, "RWF145", "{errs:?}");
    assert!(errs[0].1.contains("501 items"), "{errs:?}");
    let daily = MONTHLY.replace("every 1 month", "every 1 hour");
    let errs = bind_err(&template(&daily), &inputs("2027-01-31", &[]));
    assert_eq!(errs[0].0, "RWF145", "{errs:?}");
}

#[test]
fn template_level_mistakes_have_their_codes() {
    let head = "template t \"T\" version 1 {\n  param release: datetime\n  param locales: list<string> = [\"de\"]\n  param one: string = \"x\"\n  target release in \"UTC\"\n";
    // `one` is unused in most cases (RWF018): not what these are about.
    let case = |body: &str| -> Vec<&str> {
        let mut c = codes(&format!("{head}{body}}}\n"));
        c.retain(|c| *c != "RWF018");
        c
    };
    assert_eq!(
        case("  for each l in one { manual a \"A\" {} }\n"),
        ["RWF143"]
    );
    assert_eq!(
        case("  for each l in nope { manual a \"A\" {} }\n"),
        ["RWF143"]
    );
    assert_eq!(
        case("  for each one in locales { manual a \"A\" {} }\n"),
        ["RWF147"]
    );
    assert_eq!(
        case("  repeat every 1 week from release { manual a \"A\" {} }\n"),
        ["RWF144"]
    );
    assert_eq!(
        case("  repeat every 1 week from 2026-01-01 until release { manual a \"A\" {} }\n"),
        ["RWF144"]
    );
    assert_eq!(
        case("  repeat every 1 week from release until release + 4 weeks { manual a \"A\" { at monday after occurrence } }\n"),
        ["RWF147"]
    );
    assert_eq!(
        case("  for each l in locales { manual a \"A ${l}\" {} }\n  manual b \"B\" { at a.due }\n"),
        ["RWF037"]
    );
    let big: Vec<String> = (0..501).map(|i| format!("\"l{i}\"")).collect();
    let text = format!(
        "template t \"T\" version 1 {{\n  param release: datetime\n  param locales: list<string> = [{}]\n  target release in \"UTC\"\n  for each l in locales {{ manual a \"A ${{l}}\" {{}} }}\n}}\n",
        big.join(", ")
    );
    assert_eq!(codes(&text), ["RWF035"]);
    assert_eq!(
        case("  for each l in locales { manual a \"A\" { when one == \"x\" } }\n  manual b \"B\" { after a[de] }\n")
            .len(),
        0,
        "`after a[de]` is checked at binding"
    );
    let bad = format!("{head}}}\n").replace("[\"de\"]", "[\"de\", \"pt BR\"]");
    let bad = bad.replace(
        "}\n",
        "  for each l in locales { manual a \"A ${l}\" {} }\n}\n",
    );
    assert_eq!(
        codes(&bad)
            .into_iter()
            .filter(|c| *c != "RWF018")
            .collect::<Vec<_>>(),
        ["RWF036"]
    );
}

#[test]
fn rebinding_a_list_adds_or_removes_only_that_items_copies() {
    let spec = template(&readme_example());
    let (bound, plan) = rwf::ops::instantiate(&spec, &inputs("2026-09-01", &[])).unwrap();
    assert_eq!(plan.tasks.len(), bound.tasks.len());
    let sets: BTreeMap<String, String> = [("locales".to_string(), "de,fr".to_string())].into();
    let edited = rwf::ops::rebind(&spec, &bound, &sets).unwrap();
    let gone: Vec<&str> = keys(&bound)
        .into_iter()
        .filter(|k| edited.task(k).is_none())
        .collect();
    assert_eq!(gone, ["translate[ja]", "review[ja]"]);
    for k in keys(&edited) {
        let (a, b) = (bound.task(k).unwrap(), edited.task(k).unwrap());
        assert_eq!((&a.title, &a.step), (&b.title, &b.step), "{k} unchanged");
    }
    assert_eq!(deps(&edited, "ship"), ["review[de]", "review[fr]"]);
}

fn rwf_cli(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn plan_simulate_and_ics_show_the_copies() {
    let dir = std::env::temp_dir().join(format!("rwf-expand-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("localized.rwf");
    std::fs::write(&file, readme_example()).unwrap();
    let f = file.to_str().unwrap();
    let (rc, plan) = rwf_cli(&["plan", f, "--release", "2026-09-01"]);
    assert_eq!(rc, 0, "{plan}");
    assert!(
        plan.contains("review[ja]") && plan.contains("bugfix[6]") && plan.contains("burndown[9]")
    );
    assert!(plan.contains("left out: beta_build"));
    let (rc, ics) = rwf_cli(&["plan", f, "--release", "2026-09-01", "--format", "ics"]);
    assert_eq!(rc, 0, "{ics}");
    assert!(
        ics.contains("Bugfix release 6") && ics.contains("Burndown 9"),
        "{ics}"
    );
    let (rc, sim) = rwf_cli(&["simulate", f, "--release", "2026-09-01"]);
    assert_eq!(rc, 0, "{sim}");
    for line in [
        "approval review[de] granted",
        "approval review[ja] granted",
        "checkpoint burndown[9] succeeded",
        "manual bugfix[6] succeeded",
    ] {
        assert!(sim.contains(line), "{line} in\n{sim}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_unit_means_one_unit_and_formats_canonically() {
    let one = template(MONTHLY);
    let bare = MONTHLY.replace("every 1 month", "every month");
    assert_eq!(template(&bare).flow, one.flow);
    let parsed = rwf::syntax::parse("t.rwf", MONTHLY);
    let formatted = rwf::syntax::format(MONTHLY, &parsed.file);
    assert!(
        formatted.contains("repeat every month from release until release + 3 months {"),
        "{formatted}"
    );
    assert!(
        formatted.contains("repeat every week from release - 2 weeks until release + 1 week {"),
        "{formatted}"
    );
    assert_eq!(template(&formatted).flow, one.flow, "fmt keeps the meaning");
}

/// A task's `when` may read its block's item (or a repeat's `n`): decided per copy when the block is
/// expanded; a copy left out is listed with the reason and its edges are bridged; what the item does
/// not decide stays (a param at bind, an output at run time).
#[test]
fn a_condition_on_the_item_is_decided_per_copy() {
    let text = r#"template t "T" version 1 {
  param release: datetime
  param locales: list<string> = ["en", "de", "fr"]
  param beta: bool = false
  target release in "UTC" at 09:00
  agent strings "Strings" { uses "s"  at release - 3 weeks }
  for each locale in locales {
    manual translate "Translate ${locale}" { when locale != "en"  after strings }
    manual review "Review ${locale}" { when locale == "fr" or beta  after translate }
    manual check "Check ${locale}" { when locale == "de" and strings.output.ok  after strings }
  }
  repeat every 1 week from release - 2 weeks until release {
    manual sync "Sync ${n}" { when n != 1  after strings }
  }
  checkpoint ship "Ship" { at release  after review }
}
"#;
    let spec = template(text);
    assert!(codes(text).is_empty(), "{:?}", codes(text));
    let bound = bind(&spec, &inputs("2027-03-01", &[])).unwrap();
    let left: Vec<(&str, &str)> = bound
        .flow
        .excluded
        .iter()
        .map(|e| (e.key.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        left,
        [
            (
                "translate[en]",
                "condition `locale != \"en\"` is false (locale = \"en\")"
            ),
            (
                "check[en]",
                "condition `locale == \"de\" and strings.output.ok` is false (locale = \"en\")"
            ),
            (
                "check[fr]",
                "condition `locale == \"de\" and strings.output.ok` is false (locale = \"fr\")"
            ),
            ("sync[1]", "condition `n != 1` is false (n = 1)"),
            // What the item leaves to bind is decided there.
            ("review[en]", "condition `beta` is false (beta = false)"),
            ("review[de]", "condition `beta` is false (beta = false)"),
        ]
    );
    assert!(bound.task("translate[de]").is_some() && bound.task("review[fr]").is_some());
    // What the item leaves undecided: the output part stays on the copy, for run time.
    assert_eq!(
        bound
            .task("check[de]")
            .unwrap()
            .when
            .as_ref()
            .map(|c| c.to_string()),
        Some("strings.output.ok".into())
    );
    assert!(bound.task("translate[de]").unwrap().when.is_none());
    // Edges through left-out copies are bridged (review[en] → translate[en] → strings).
    assert_eq!(
        deps(&bound, "ship"),
        ["review[fr]", "strings", "translate[de]"]
    );
    // `beta` decides the rest of `review`'s condition at bind.
    let bound = bind(&spec, &inputs("2027-03-01", &[("beta", "true")])).unwrap();
    assert!(bound.task("review[de]").is_some() && bound.task("review[en]").is_some());
    assert_eq!(deps(&bound, "review[en]"), ["strings"]);
}

/// One copy of a bind-time block named from outside it: anchored to (`at translate[de].due`,
/// `at bugfix[2].end`) and read (`${translate[de].output.url}`) — resolved after expansion. A copy
/// the expansion does not make is RWF146 with the copies listed; a copy of a run-time block is
/// RWF043; the whole block (`at translate.due`) is still RWF037.
#[test]
fn one_copy_is_an_anchor_and_an_output_after_expansion() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schedule/copies.rwf"),
    )
    .unwrap();
    assert_eq!(codes(&text), Vec::<&str>::new());
    let spec = template(&text);
    let bound = bind(&spec, &inputs("2026-09-01T09:00", &[])).unwrap();
    let notes = bound.task("de_notes").unwrap();
    assert!(
        matches!(&notes.schedule, Some(rwf::spec::Schedule::Relative { anchor: rwf::spec::Anchor::Task { task, .. }, .. }) if task == "translate[de]"),
        "{:?}",
        notes.schedule
    );
    let target = rwf::schedule::target_of(&bound).unwrap();
    let plan = rwf::schedule::resolve(&bound, &target, &Default::default()).unwrap();
    let due = |k: &str| plan.task(k).unwrap().times.unwrap().due.to_rfc3339();
    assert_eq!(due("translate[de]"), "2026-08-18T07:00:00+00:00");
    assert_eq!(
        due("de_notes"),
        "2026-08-19T08:00:00+00:00",
        "next business day at 10:00"
    );
    assert_eq!(due("bugfix[2]"), "2026-10-01T07:00:00+00:00");
    assert_eq!(due("second_fix_out"), "2026-10-02T07:00:00+00:00");
    // The engine runs it at that date (simulated).
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schedule/copies.rwf");
    let (rc, sim) = rwf_cli(&[
        "simulate",
        file.to_str().unwrap(),
        "--release",
        "2026-09-01T09:00",
    ]);
    assert_eq!(rc, 0, "{sim}");
    for line in [
        "2026-08-19 10:00 CEST  manual de_notes waiting for its assignee",
        "2026-10-02 09:00 CEST  checkpoint second_fix_out succeeded",
    ] {
        assert!(sim.contains(line), "{line} in\n{sim}");
    }
    // A copy the list does not make: located by task, with the copies there are.
    let found = |spec: &WorkflowSpec, i: &Inputs| -> Vec<String> {
        bind(spec, i)
            .unwrap_err()
            .into_iter()
            .map(|d| format!("{} {} ({})", d.code, d.message, d.help.unwrap_or_default()))
            .collect()
    };
    let e = found(&spec, &inputs("2026-09-01T09:00", &[("locales", "fr,ja")]));
    for want in [
        "RWF146 task `de_notes` is anchored to `translate[de]`, which the expansion does not produce (its copies: translate[fr], translate[ja])",
        "RWF146 task `de_notes` reads the output of `translate[de]`, which the expansion does not produce (its copies: translate[fr], translate[ja])",
    ] {
        assert!(e.iter().any(|m| m == want), "{want} in {e:?}");
    }
    let short = text.replace("release + 2 months", "release + 2 weeks");
    let e = found(&template(&short), &inputs("2026-09-01T09:00", &[]));
    assert_eq!(
        e,
        ["RWF146 task `second_fix_out` is anchored to `bugfix[2]`, which the expansion does not produce (its copies: bugfix[1])"]
    );
    // Reading one copy's output needs that copy (or every copy) upstream, not another one.
    let other = text.replace("after translate[de]", "after translate[fr]");
    assert_eq!(codes(&other), ["RWF028"]);
    let every = text.replace("after translate[de]", "after translate");
    assert_eq!(codes(&every), Vec::<&str>::new());
    // The whole block has no single date: still refused.
    let whole = text.replace("at translate[de].due", "at translate.due");
    assert!(codes(&whole).contains(&"RWF037"), "{:?}", codes(&whole));
    // A block expanded at run time: its copies are unknown until then.
    let run_time = r#"template rt "Run time" version 1 {
  param release: datetime
  target release in "UTC" at 09:00
  agent build "Build" { uses "b"  at release - 1 week }
  for each platform in build.output.platforms {
    agent ship "Ship ${platform}" { uses "s"  input { p: platform } }
  }
  manual ios_notes "iOS notes" {
    at ship[ios].due + 1 day
    instructions "See ${ship[ios].output.url}"
    after ship
  }
}"#;
    assert_eq!(codes(run_time), ["RWF043", "RWF043"]);
}
