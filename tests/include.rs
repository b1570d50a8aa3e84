//! Sub-templates (`include TEMPLATE as NAME { ... }`): the grammar/README.md example compiles against
//! examples/app_store.rwf and formats canonically; the included tasks are inlined with namespaced keys
//! and renamed references; params bind to literals, params and anchors; `after NAME` waits for the
//! include's last tasks; conditions of the included template decide per include; includes nest and
//! sit in phases; each misuse is one located diagnostic; `plan`, `explain` and `simulate` of
//! examples/store_release.rwf run end to end (goldens).

mod support;

use rwf::compile::{bind, compile_source, Inputs, MemLoader};
use rwf::diagnostic::{has_errors, Diagnostic};
use rwf::spec::{Anchor, Schedule, Step, WorkflowSpec};
use std::path::PathBuf;
use support::cli::{golden, rwf as rwf_cli};
use support::edges::{deps, keys};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &str) -> String {
    std::fs::read_to_string(root().join(p)).unwrap()
}

fn readme_example() -> String {
    let readme = read("grammar/README.md");
    let block = readme
        .split("```rwf\n")
        .find(|b| b.starts_with("use ./app_store { app_store }"))
        .expect("grammar/README.md has the include example");
    block[..block.find("```").unwrap()].to_string()
}

/// A loader with examples/app_store.rwf and the given extra files.
fn loader(extra: &[(&str, &str)]) -> MemLoader {
    let mut l = MemLoader::default();
    l.files
        .insert("app_store.rwf".into(), read("examples/app_store.rwf"));
    for (k, v) in extra {
        l.files.insert(k.to_string(), v.to_string());
    }
    l
}

fn compile(text: &str, l: &MemLoader) -> (Option<WorkflowSpec>, Vec<Diagnostic>) {
    let c = compile_source("t.rwf", text, l);
    (c.spec, c.diagnostics)
}

fn template(text: &str, l: &MemLoader) -> WorkflowSpec {
    let (spec, diags) = compile(text, l);
    assert!(!has_errors(&diags), "{diags:?}");
    spec.unwrap()
}

fn release(r: &str) -> Inputs {
    Inputs {
        release: Some(r.into()),
        ..Inputs::default()
    }
}

#[test]
fn readme_example_inlines_each_include_as_a_namespaced_phase() {
    let text = readme_example();
    let spec = template(&text, &loader(&[]));
    assert_eq!(
        keys(&spec),
        [
            "freeze",
            "ios.build",
            "ios.notes",
            "ios.testflight",
            "ios.review",
            "ios.submitted",
            "android.build",
            "android.notes",
            "android.testflight",
            "android.review",
            "android.submitted",
            "go"
        ]
    );
    // Phases: one per include, titled by the include or the template's (renamed) name.
    let phase = |k: &str| spec.phases.iter().find(|p| p.key == k).unwrap();
    assert_eq!(phase("ios").title, "iOS submission");
    assert_eq!(
        phase("android").title,
        "App store submission: ${android.platform}"
    );
    assert_eq!(
        spec.task("ios.notes").unwrap().phase.as_deref(),
        Some("ios")
    );
    // Internal edges, anchors and outputs follow the keys; roots wait for the include's `after`.
    assert_eq!(deps(&spec, "ios.build"), ["freeze"]);
    assert_eq!(deps(&spec, "android.build"), Vec::<&str>::new());
    assert_eq!(deps(&spec, "ios.notes"), ["ios.build"]);
    assert_eq!(
        deps(&spec, "ios.submitted"),
        ["ios.review", "ios.testflight"]
    );
    match &spec.task("ios.submitted").unwrap().step {
        Step::Notification { message, .. } => assert_eq!(
            message,
            "${ios.platform} is in review: ${ios.notes.output.url}"
        ),
        other => panic!("{other:?}"),
    }
    // `after ios` waits for the include's last task; `after android.review` for one.
    assert_eq!(deps(&spec, "go"), ["ios.submitted", "android.review"]);
    // Anchoring to an included task, and the include's release anchor with its offset prepended.
    match &spec.task("go").unwrap().schedule {
        Some(Schedule::Relative {
            anchor: Anchor::Task { task, .. },
            ..
        }) => assert_eq!(task, "ios.review"),
        other => panic!("{other:?}"),
    }
    match &spec.task("ios.build").unwrap().schedule {
        Some(Schedule::Relative {
            anchor, offsets, ..
        }) => {
            assert_eq!(anchor, &Anchor::Release);
            let o: Vec<String> = offsets.iter().map(|a| a.to_string()).collect();
            assert_eq!(o, ["-7d", "-7d"]);
        }
        other => panic!("{other:?}"),
    }
    // Literals become `NAME.PARAM` params with that default; a param given by name is renamed.
    let param = |n: &str| spec.params.iter().find(|p| p.name == n);
    assert_eq!(
        param("ios.platform").unwrap().default,
        Some(serde_json::json!("ios"))
    );
    assert_eq!(
        param("android.review_days").unwrap().default,
        Some(serde_json::json!("3d"))
    );
    assert!(param("android.reviewer").is_none());
    match &spec.task("android.review").unwrap().step {
        Step::Approval { approvers, .. } => {
            assert_eq!(
                format!("{:?}", approvers[0]),
                "User(\"${android_reviewer}\")"
            )
        }
        other => panic!("{other:?}"),
    }
    // The formatter keeps every argument and comment: formatting twice changes nothing more, and
    // the formatted text compiles to the same spec.
    let parsed = rwf::syntax::parse("t.rwf", &text);
    let once = rwf::syntax::format(&text, &parsed.file);
    let again = rwf::syntax::format(&once, &rwf::syntax::parse("t.rwf", &once).file);
    assert_eq!(once, again);
    assert_eq!(once.matches("//").count(), text.matches("//").count());
    let formatted = template(&once, &loader(&[]));
    assert_eq!(
        rwf::spec::canonical_json(&formatted),
        rwf::spec::canonical_json(&spec)
    );
}

#[test]
fn binding_renders_included_params_and_decides_their_conditions() {
    let spec = template(&readme_example(), &loader(&[]));
    let bound = bind(&spec, &release("2027-03-01")).unwrap();
    assert!(bound.task("ios.testflight").is_some());
    assert!(bound.task("android.testflight").is_none());
    let left: Vec<_> = bound.flow.excluded.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(left, ["android.testflight"]);
    assert!(bound.flow.excluded[0]
        .reason
        .contains("android.platform = \"android\""));
    // The left-out task's edge is bridged to its own upstream.
    assert_eq!(
        deps(&bound, "android.submitted"),
        ["android.review", "android.build"]
    );
    assert_eq!(
        bound.task("ios.build").unwrap().title,
        "Build the ios release"
    );
    let phase = bound.phases.iter().find(|p| p.key == "android").unwrap();
    assert_eq!(phase.title, "App store submission: android");
    match &bound.task("android.review").unwrap().step {
        Step::Approval { approvers, .. } => {
            assert_eq!(format!("{:?}", approvers[0]), "User(\"play-lead\")")
        }
        other => panic!("{other:?}"),
    }
    // `--set` reaches an included literal too.
    let mut inputs = release("2027-03-01");
    inputs.sets.insert("android.platform".into(), "ios".into());
    let bound = bind(&spec, &inputs).unwrap();
    assert!(bound.task("android.testflight").is_some());
}

#[test]
fn includes_nest_sit_in_phases_and_take_the_phase_condition() {
    let inner = r#"
use ./app_store { app_store }
template both "Both stores" version 1 {
  param release: datetime
  target release in "UTC" at 09:00
  include app_store as ios { platform = "ios" }
  include app_store as android { platform = "android" }
}
"#;
    let text = r#"
use ./both { both }
template mobile "Mobile" version 1 {
  param release: datetime
  param stores: bool = true
  target release in "UTC" at 09:00
  phase stores "Stores" {
    when stores
    include both as mobile_stores { release = release - 2 days }
  }
  checkpoint done "Done" { after mobile_stores }
}
"#;
    let l = loader(&[("both.rwf", inner)]);
    let spec = template(text, &l);
    assert!(spec.task("mobile_stores.ios.build").is_some());
    let p = spec
        .phases
        .iter()
        .find(|p| p.key == "mobile_stores.ios")
        .unwrap();
    assert_eq!(p.parent.as_deref(), Some("mobile_stores"));
    let outer = spec
        .phases
        .iter()
        .find(|p| p.key == "mobile_stores")
        .unwrap();
    assert_eq!(outer.parent.as_deref(), Some("stores"));
    assert_eq!(
        deps(&spec, "done"),
        [
            "mobile_stores.ios.submitted",
            "mobile_stores.android.submitted"
        ]
    );
    let mut inputs = release("2027-03-01");
    inputs.sets.insert("stores".into(), "false".into());
    let bound = bind(&spec, &inputs).unwrap();
    assert_eq!(keys(&bound), ["done"]);
}

/// An include inside a `for each` is copied per item like the block's tasks (`store.build[ios]`);
/// its params may read the item, and its template's conditions on them are decided per copy.
#[test]
fn an_include_in_a_for_each_is_copied_per_item() {
    let text = r#"use ./app_store { app_store }
template fe "Per platform" version 1 {
  param release: datetime
  param platforms: list<string> = ["ios", "android"]
  target release in "UTC" at 09:00
  checkpoint freeze "Freeze" { at release - 3 weeks }
  for each p in platforms {
    include app_store as store { platform = p  after freeze }
    manual announce "Announce ${p}" { after store }
  }
  checkpoint ship "Ship" { at release  after store }
}
"#;
    let spec = template(text, &loader(&[]));
    let bound = bind(&spec, &release("2027-03-01")).unwrap();
    assert_eq!(
        bound.task("store.build[android]").unwrap().title,
        "Build the android release"
    );
    assert_eq!(deps(&bound, "store.build[ios]"), ["freeze"]);
    assert_eq!(deps(&bound, "store.notes[ios]"), ["store.build[ios]"]);
    assert_eq!(deps(&bound, "announce[ios]"), ["store.submitted[ios]"]);
    assert_eq!(
        deps(&bound, "ship"),
        ["store.submitted[ios]", "store.submitted[android]"]
    );
    let left: Vec<_> = bound
        .flow
        .excluded
        .iter()
        .map(|e| e.reason.as_str())
        .collect();
    assert_eq!(
        left,
        ["condition `p == \"ios\"` is false (p = \"android\")"]
    );
    assert!(bound.task("store.testflight[ios]").is_some());
    // The formatter keeps the include in its block.
    let parsed = rwf::syntax::parse("t.rwf", text);
    assert_eq!(rwf::syntax::format(text, &parsed.file), text);
}

/// Codes of the error diagnostics and the line (1-based) each is on in `t.rwf`.
fn errors(text: &str, l: &MemLoader) -> Vec<(&'static str, usize)> {
    let (_, diags) = compile(text, l);
    let index = rwf::diagnostic::LineIndex::new(text);
    diags
        .iter()
        .filter(|d| d.severity == rwf::diagnostic::Severity::Error)
        .filter(|d| d.file.as_deref() == Some("t.rwf"))
        .map(|d| {
            (
                d.code,
                d.span.as_ref().map_or(0, |s| index.line_col(s.start).line),
            )
        })
        .collect()
}

const HEAD: &str = "use ./app_store { app_store }\ntemplate t \"T\" version 1 {\n  param release: datetime\n  param n: number = 1\n  target release in \"UTC\"\n";

fn with(body: &str) -> String {
    format!("{HEAD}{body}\n}}\n")
}

#[test]
fn each_misuse_is_one_located_diagnostic() {
    let l = loader(&[]);
    let cases: &[(&str, &[(&str, usize)])] = &[
        ("  include app_stor as ios { platform = \"ios\" }", &[("RWF160", 6)]),
        ("  include t as again {}", &[("RWF161", 6)]),
        ("  include app_store as ios { platform = 3 }", &[("RWF164", 6)]),
        ("  include app_store as ios { platform = n }", &[("RWF164", 6)]),
        ("  include app_store as ios { platform = nope }", &[("RWF164", 6)]),
        (
            "  include app_store as ios { platform = \"ios\"  review_days = release - 1 day }",
            &[("RWF164", 6)],
        ),
        (
            "  include app_store as ios { platform = \"ios\"  release = n }",
            &[("RWF059", 6)],
        ),
        ("  include app_store as ios {}", &[("RWF165", 6)]),
        (
            "  include app_store as ios { platfrom = \"ios\" }",
            &[("RWF165", 6), ("RWF165", 6)],
        ),
        (
            "  manual ios \"iOS\" {}\n  include app_store as ios { platform = \"ios\" }",
            &[("RWF163", 7)],
        ),
        (
            "  include app_store as a { platform = \"ios\" }\n  include app_store as a { platform = \"android\" }",
            &[("RWF163", 7)],
        ),
        (
            "  repeat every 1 week from release - 2 weeks until release {\n    include app_store as ios { platform = \"ios\" }\n  }",
            &[("RWF001", 7)],
        ),
        (
            "  param l: list<string> = [\"x\"]\n  for each x in l {\n    include app_store as ios { platform = x  review_days = x }\n  }",
            &[("RWF164", 8)],
        ),
    ];
    for (body, want) in cases {
        let got = errors(&with(body), &l);
        let want: Vec<(&str, usize)> = want.to_vec();
        assert_eq!(got, want, "{body}");
    }
    // An included template with errors: RWF162 at the include, then its own errors in its file.
    let broken = "template broken \"B\" { param release: datetime  target release in \"UTC\"  manual a \"A\" { policy nope } }";
    let l = loader(&[("broken.rwf", broken)]);
    let text = "use ./broken { broken }\ntemplate t \"T\" {\n  param release: datetime\n  target release in \"UTC\"\n  include broken as b {}\n}\n";
    let (_, diags) = compile(text, &l);
    let codes: Vec<_> = diags.iter().map(|d| (d.code, d.file.clone())).collect();
    assert_eq!(
        codes,
        [
            ("RWF162", Some("t.rwf".to_string())),
            ("RWF052", Some("broken.rwf".to_string()))
        ]
    );
    // Inside a `for each`, a template with a block of its own: blocks do not nest.
    let blocky = "template blocky \"B\" {\n  param release: datetime\n  param ls: list<string> = [\"a\"]\n  target release in \"UTC\"\n  for each l in ls { manual m \"M ${l}\" {} }\n}\n";
    let l = loader(&[("blocky.rwf", blocky)]);
    let text = "use ./blocky { blocky }\ntemplate t \"T\" {\n  param release: datetime\n  param xs: list<string> = [\"x\"]\n  target release in \"UTC\"\n  for each x in xs {\n    include blocky as b {}\n  }\n}\n";
    assert_eq!(errors(text, &l), [("RWF166", 7)]);
    // Two templates including each other: the loop is named, not followed.
    let a = "use ./b { b }\ntemplate a \"A\" {\n  param release: datetime\n  target release in \"UTC\"\n  include b as x {}\n}\n";
    let b = "use ./a { a }\ntemplate b \"B\" {\n  param release: datetime\n  target release in \"UTC\"\n  include a as y {}\n}\n";
    let l = loader(&[("a.rwf", a), ("b.rwf", b)]);
    let (_, diags) = compile(a, &l);
    let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
    assert!(
        codes.contains(&"RWF161") && codes.contains(&"RWF162"),
        "{codes:?}"
    );
    // Every include code has `--explain` docs.
    for code in [
        "RWF160", "RWF161", "RWF162", "RWF163", "RWF164", "RWF165", "RWF166",
    ] {
        assert!(
            rwf::compile::CODES.iter().any(|d| d.code == code),
            "{code} documented"
        );
    }
}

#[test]
fn plan_explain_simulate_and_ics_of_the_example() {
    let file = "examples/store_release.rwf";
    let r = "2027-03-01";
    for (format, ext) in [("table", "txt"), ("json", "json"), ("ics", "ics")] {
        let (out, err, code) = rwf_cli(&[
            "plan",
            file,
            "--release",
            r,
            "--today",
            "2027-01-15",
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{err}");
        golden(&format!("plan_store_release.{ext}"), &out);
    }
    let (out, _, _) = rwf_cli(&["plan", file, "--release", r, "--format", "ics"]);
    assert!(out.contains("ios.build"), "{out}");
    let (out, err, code) = rwf_cli(&["explain", file, "ios.build", "--release", r]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("from `include app_store as ios`"), "{out}");
    golden("plan_explain_store_release_ios.build.txt", &out);
    let (out, err, code) = rwf_cli(&["simulate", file, "--release", r]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("workflow completed"), "{out}");
    golden("simulate_store_release.txt", &out);
    let (out, err, code) = rwf_cli(&["check", "--deny-warnings", file, "examples/app_store.rwf"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// On the engine's virtual clock (`rwf simulate`): a condition on an included task's output is decided
/// at run time like any (`--output` scripts the included agent), and `after ios` waits for the
/// include's last tasks.
#[test]
fn simulate_decides_conditions_on_included_outputs() {
    let dir = std::env::temp_dir().join(format!("rwf-include-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("app_store.rwf"), read("examples/app_store.rwf")).unwrap();
    let main = r#"use ./app_store { app_store }
template sim "Sim" version 1 {
  param release: datetime
  target release in "UTC" at 09:00
  include app_store as ios { platform = "ios" }
  checkpoint go "Go" { when ios.notes.output.ready  after ios }
  checkpoint wrap "Wrap" { after go on any }
}
"#;
    let file = dir.join("sim.rwf");
    std::fs::write(&file, main).unwrap();
    let file = file.to_str().unwrap();
    let run = |output: &str| {
        let (out, err, code) = rwf_cli(&[
            "simulate",
            file,
            "--release",
            "2027-03-01",
            "--output",
            output,
        ]);
        assert_eq!(code, 0, "{err}");
        out
    };
    let no = run(r#"ios.notes={"ready": false, "url": "u"}"#);
    assert!(
        no.contains("checkpoint go skipped: condition false: ios.notes.output.ready (ios.notes.output.ready = false)"),
        "{no}"
    );
    assert!(no.contains("checkpoint wrap succeeded"), "{no}");
    let yes = run(r#"ios.notes={"ready": true, "url": "u"}"#);
    assert!(yes.contains("checkpoint go succeeded"), "{yes}");
    // `go` waited for the include's last task.
    let submitted = yes.find("notification ios.submitted succeeded").unwrap();
    assert!(
        submitted < yes.find("checkpoint go succeeded").unwrap(),
        "{yes}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
