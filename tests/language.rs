//! The language front end: golden specs of every template, diagnostics in fixtures, the formatter,
//! binding, and the parser's no-panic guarantees.

mod support;

use rwf::compile::{bind, compile_source, preview, FsLoader, Inputs, MemLoader};
use rwf::diagnostic::has_errors;
use rwf::spec::{canonical_json, content_hash, Expr, Schedule, Step, TzRef};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rwf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rwf_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rwf") {
            out.push(p);
        }
    }
}

fn templates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    rwf_files(&root().join("templates"), &mut out);
    assert!(out.len() >= 5, "expected the five templates");
    out
}

fn all_rwf() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in ["templates", "stdlib", "tests/fixtures", "examples"] {
        rwf_files(&root().join(d), &mut out);
    }
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn compile_ok(path: &Path) -> rwf::spec::WorkflowSpec {
    let name = path.to_string_lossy().to_string();
    let c = compile_source(&name, &read(path), &FsLoader);
    assert!(!has_errors(&c.diagnostics), "{name}: {:?}", c.diagnostics);
    c.spec.expect("a spec")
}

#[test]
fn golden_specs_of_every_template() {
    let update = std::env::var("UPDATE_EXPECT").is_ok();
    let mut failures = Vec::new();
    for path in templates() {
        let spec = compile_ok(&path);
        let again = compile_ok(&path);
        assert_eq!(
            content_hash(&spec),
            content_hash(&again),
            "hash of {path:?} is stable"
        );
        let value = serde_json::to_value(&spec).unwrap();
        let text = serde_json::to_string_pretty(&value).unwrap() + "\n";
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let golden = root()
            .join("tests/golden/spec")
            .join(format!("{stem}.json"));
        if update {
            std::fs::write(&golden, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&golden) {
            Ok(expected) if expected == text => {}
            Ok(_) => failures.push(format!("{stem}: spec differs from {golden:?}")),
            Err(_) => failures.push(format!("{stem}: no golden file {golden:?}")),
        }
        // The golden JSON reads back into the same spec.
        let back: rwf::spec::WorkflowSpec = serde_json::from_str(&text).unwrap();
        assert_eq!(canonical_json(&back), canonical_json(&spec));
    }
    assert!(
        failures.is_empty(),
        "{failures:#?}\nrun with UPDATE_EXPECT=1 to accept"
    );
}

#[test]
fn every_template_binds_and_previews_with_only_a_release() {
    for path in templates() {
        let spec = compile_ok(&path);
        let inputs = Inputs {
            release: Some("2026-09-01T09:00".into()),
            ..Inputs::default()
        };
        let bound = bind(&spec, &inputs).unwrap_or_else(|d| panic!("{path:?}: {d:?}"));
        assert!(matches!(bound.target.timezone, TzRef::Literal(_)));
        assert!(!bound.name.contains("${"), "{}", bound.name);
        for t in &bound.tasks {
            if let Some(Schedule::Relative {
                timezone: Some(z), ..
            }) = &t.schedule
            {
                assert!(!z.contains("${"));
            }
        }
        preview(&spec, &inputs).unwrap();
    }
}

#[test]
fn fixtures_report_exactly_the_expected_diagnostics() {
    let mut dir = Vec::new();
    rwf_files(&root().join("tests/fixtures/syntax"), &mut dir);
    assert!(!dir.is_empty());
    let mut reports = Vec::new();
    for path in dir {
        let text = read(&path);
        let name = path.to_string_lossy().to_string();
        assert!(
            !support::expect::expectations(&text).is_empty(),
            "{name} expects nothing"
        );
        let c = compile_source(&name, &text, &FsLoader);
        if let Err(r) = support::expect::verify(&name, &text, &c.diagnostics) {
            reports.push(r);
        }
    }
    assert!(reports.is_empty(), "{}", reports.join("\n"));
}

#[test]
fn compile_errors_still_produce_a_spec() {
    let path = root().join("tests/fixtures/syntax/compile_errors.rwf");
    let c = compile_source("f.rwf", &read(&path), &FsLoader);
    assert!(has_errors(&c.diagnostics));
    let spec = c.spec.expect("spec despite errors");
    assert_eq!(spec.tasks.len(), 4);
    assert_eq!(c.source_map.tasks.len(), 4);
}

#[test]
fn fmt_is_idempotent_keeps_comments_and_the_spec() {
    let mut checked = 0;
    for path in all_rwf() {
        let name = path.to_string_lossy().to_string();
        let text = read(&path);
        let parsed = rwf::syntax::parse(&name, &text);
        if has_errors(&parsed.diagnostics) {
            continue; // broken fixtures are refused by `rwf fmt`
        }
        let once = rwf::syntax::format(&text, &parsed.file);
        let reparsed = rwf::syntax::parse(&name, &once);
        assert!(
            !has_errors(&reparsed.diagnostics),
            "{name}: formatted output parses: {:?}",
            reparsed.diagnostics
        );
        let twice = rwf::syntax::format(&once, &reparsed.file);
        assert_eq!(once, twice, "{name}: fmt is idempotent");
        let before: Vec<&str> = parsed
            .file
            .comments
            .iter()
            .map(|c| c.text.trim_end())
            .collect();
        let after: Vec<&str> = reparsed
            .file
            .comments
            .iter()
            .map(|c| c.text.trim_end())
            .collect();
        assert_eq!(before, after, "{name}: every comment kept, in order");
        let a = compile_source(&name, &text, &FsLoader);
        let b = compile_source(&name, &once, &FsLoader);
        assert_eq!(
            a.spec.as_ref().map(canonical_json),
            b.spec.as_ref().map(canonical_json),
            "{name}: formatting leaves the spec unchanged"
        );
        checked += 1;
    }
    assert!(checked >= 7, "checked {checked} files");
}

#[test]
fn templates_and_stdlib_are_formatted() {
    for path in all_rwf() {
        let s = path.to_string_lossy();
        if !(s.contains("/templates/") || s.contains("/stdlib/")) {
            continue;
        }
        let text = read(&path);
        let parsed = rwf::syntax::parse(&s, &text);
        assert_eq!(
            rwf::syntax::format(&text, &parsed.file),
            text,
            "{s} is not `rwf fmt` clean"
        );
    }
}

#[test]
fn the_grammar_file_rule_accepts_what_the_parser_accepts() {
    for path in templates() {
        assert!(rwf::syntax::accepts_whole_file(&read(&path)), "{path:?}");
    }
}

const SMALL: &str = r#"
use std/policies
template t "Launch ${product}" version 2 {
  param product: string "Name"
  param release: datetime
  param tz: timezone = "Europe/Berlin"
  param owners: list<scope> = [team("legal")]
  param budget: number = 10
  param beta: bool = false
  param freeze: date = 2026-08-01
  param grace: duration = 2 days
  target release in tz
  agent a "Write ${product}" {
    uses "w"
    input { p: product, n: budget, list: [product, "x"], o: { deep: product }, up: k.output.url, s: "about ${product}" }
    at release - 3 business days at 10:00 in tz
  }
  checkpoint k "K" { at 2 weeks before a.end + 1 day at 9:30 }
  notification n "N" { to team("${product}-team")  message "${product}: ${a.output.url}" }
}
"#;

fn small() -> rwf::spec::WorkflowSpec {
    let c = compile_source("small.rwf", SMALL, &FsLoader);
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    c.spec.unwrap()
}

#[test]
fn template_spec_keeps_params_symbolic_and_records_uses() {
    let c = compile_source("small.rwf", SMALL, &FsLoader);
    let spec = c.spec.unwrap();
    assert_eq!(spec.target.timezone, TzRef::Param("tz".into()));
    let Step::Agent { input, .. } = &spec.tasks[0].step else {
        panic!()
    };
    assert_eq!(input["p"], Expr::Param("product".into()));
    assert_eq!(
        input["up"],
        Expr::Output {
            task: "k".into(),
            path: vec!["url".into()]
        }
    );
    assert_eq!(input["s"], Expr::Template("about ${product}".into()));
    let Some(Schedule::Relative {
        offsets, timezone, ..
    }) = &spec.tasks[0].schedule
    else {
        panic!()
    };
    assert_eq!(offsets[0].to_string(), "-3bd");
    assert_eq!(timezone.as_deref(), Some("${tz}"));
    let Some(Schedule::Relative {
        offsets,
        time_of_day,
        anchor,
        ..
    }) = spec.tasks[1].schedule.clone()
    else {
        panic!()
    };
    assert_eq!(
        offsets.iter().map(|o| o.to_string()).collect::<Vec<_>>(),
        ["-14d", "1d"]
    );
    assert_eq!(time_of_day.unwrap().to_string(), "09:30:00");
    assert_eq!(
        anchor,
        rwf::spec::Anchor::Task {
            task: "a".into(),
            point: rwf::spec::AnchorPoint::End
        }
    );
    let names: Vec<&str> = c
        .source_map
        .param_refs
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    for p in ["product", "release", "tz", "budget"] {
        assert!(names.contains(&p), "{p} recorded in {names:?}");
    }
    for r in &c.source_map.param_refs {
        assert!(
            SMALL[r.span.clone()].contains(&r.name),
            "span of {} covers it",
            r.name
        );
    }
    assert_eq!(c.source_map.params.len(), spec.params.len());
    assert_eq!(&SMALL[c.source_map.tasks[1].key.clone()], "k");
}

#[test]
fn bind_renders_params_and_keeps_outputs() {
    let spec = small();
    let inputs = Inputs {
        sets: [
            ("product".to_string(), "Acme".to_string()),
            ("budget".into(), "12.5".into()),
        ]
        .into(),
        release: Some("2026-09-01 09:00".into()),
        tz: None,
    };
    let b = bind(&spec, &inputs).unwrap();
    assert_eq!(b.name, "Launch Acme");
    assert_eq!(b.bindings["release"], "2026-09-01T09:00");
    assert_eq!(b.bindings["budget"], 12.5);
    assert_eq!(b.bindings["grace"], "2d");
    assert_eq!(b.target.timezone, TzRef::Literal("Europe/Berlin".into()));
    let Step::Agent { input, .. } = &b.tasks[0].step else {
        panic!()
    };
    assert_eq!(input["p"], Expr::Literal("Acme".into()));
    assert_eq!(input["s"], Expr::Literal("about Acme".into()));
    assert_eq!(
        input["list"],
        Expr::Literal(serde_json::json!(["Acme", "x"]))
    );
    assert_eq!(
        input["o"],
        Expr::Literal(serde_json::json!({"deep": "Acme"}))
    );
    assert!(matches!(input["up"], Expr::Output { .. }));
    let Step::Notification { to, message } = &b.tasks[2].step else {
        panic!()
    };
    assert_eq!(message, "Acme: ${a.output.url}");
    assert_eq!(to[0], rwf::spec::Scope::Team("Acme-team".into()));
    let Some(Schedule::Relative { timezone, .. }) = &b.tasks[0].schedule else {
        panic!()
    };
    assert_eq!(timezone.as_deref(), Some("Europe/Berlin"));
}

#[test]
fn bind_reports_each_problem_by_param() {
    let spec = small();
    let errs = bind(&spec, &Inputs::default()).unwrap_err();
    let msgs: Vec<String> = errs
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs
        .iter()
        .any(|m| m.contains("RWF063") && m.contains("`product`")));
    assert!(msgs
        .iter()
        .any(|m| m.contains("RWF063") && m.contains("`release`")));
    let bad = Inputs {
        sets: [
            ("budget".to_string(), "lots".to_string()),
            ("prodct".into(), "x".into()),
            ("tz".into(), "Nowhere/City".into()),
        ]
        .into(),
        release: Some("next friday".into()),
        tz: None,
    };
    let errs = bind(&spec, &bad).unwrap_err();
    let codes: Vec<&str> = errs.iter().map(|d| d.code).collect();
    assert!(
        codes.contains(&"RWF062") && codes.contains(&"RWF065") && codes.contains(&"RWF064"),
        "{codes:?}"
    );
    let budget = errs.iter().find(|d| d.message.contains("budget")).unwrap();
    assert!(budget.help.as_deref().unwrap().contains("number"));
    let typo = errs.iter().find(|d| d.code == "RWF065").unwrap();
    assert!(typo.help.as_deref().unwrap().contains("product"));
    // RFC 3339 and --tz
    let ok = Inputs {
        sets: [
            ("product".to_string(), "X".to_string()),
            ("owners".into(), "team:a, user(\"b\")".into()),
        ]
        .into(),
        release: Some("2026-09-01T09:00:00+02:00".into()),
        tz: Some("Asia/Tokyo".into()),
    };
    let b = bind(&spec, &ok).unwrap();
    assert_eq!(b.bindings["release"], "2026-09-01T09:00:00+02:00");
    assert_eq!(b.bindings["tz"], "Asia/Tokyo");
    assert_eq!(
        b.bindings["owners"],
        serde_json::json!([{"kind": "team", "name": "a"}, {"kind": "user", "name": "b"}])
    );
}

#[test]
fn preview_keeps_placeholders_but_needs_the_release() {
    let spec = small();
    let p = preview(
        &spec,
        &Inputs {
            release: Some("2026-09-01T00:00".into()),
            ..Inputs::default()
        },
    )
    .unwrap();
    assert_eq!(p.name, "Launch ${product}");
    let Step::Agent { input, .. } = &p.tasks[0].step else {
        panic!()
    };
    assert_eq!(input["p"], Expr::Param("product".into()));
    assert_eq!(p.bindings["release"], "2026-09-01T00:00");
    let errs = preview(&spec, &Inputs::default()).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("release"));
}

#[test]
fn policy_precedence_builtin_defaults_named_task() {
    let text = r#"
policy slow { retry { attempts 7 backoff fixed 1 hour } on_failure skip on_missed skip }
template p "P" {
  param release: datetime
  target release in "UTC"
  defaults { retry { attempts 2 } on_cancel drain on_missed fail hook retry d_retry }
  checkpoint a "A" { at release }
  checkpoint b "B" { at release  policy slow }
  checkpoint c "C" { policy slow  on_failure block  retry { jitter 0.5 }  hook retry c_retry }
  checkpoint d "D" { retry slow }
}
"#;
    let c = compile_source("p.rwf", text, &FsLoader);
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    let s = c.spec.unwrap();
    let pol = |k: &str| s.task(k).unwrap().policy.clone();
    use rwf::spec::{CancelPolicy as C, FailurePolicy as F, MissedPolicy as M};
    assert_eq!(
        (
            pol("a").retry.max_attempts,
            pol("a").on_cancel,
            pol("a").on_missed,
            pol("a").on_failure
        ),
        (2, C::Drain, M::Fail, F::Block)
    );
    assert_eq!(
        (
            pol("b").retry.max_attempts,
            pol("b").on_missed,
            pol("b").on_failure,
            pol("b").on_cancel
        ),
        (7, M::Skip, F::Skip, C::Drain)
    );
    assert_eq!(
        (
            pol("c").retry.max_attempts,
            pol("c").retry.jitter,
            pol("c").on_failure
        ),
        (7, 0.5, F::Block)
    );
    assert_eq!(
        (pol("d").retry.max_attempts, pol("d").on_failure),
        (7, F::Block)
    );
    assert_eq!(
        s.task("a").unwrap().hooks[&rwf::spec::HookPoint::Retry],
        "d_retry"
    );
    assert_eq!(
        s.task("c").unwrap().hooks[&rwf::spec::HookPoint::Retry],
        "c_retry"
    );
}

#[test]
fn local_modules_calendars_and_hooks() {
    let mut loader = MemLoader::default();
    loader.files.insert(
        "shared/common.rwf".into(),
        "policy quick { retry { attempts 4 } }\ncalendar acme \"Acme\" {\n  weekend fri, sat\n  covers 2026-01-01 to 2026-12-31\n  holiday 2026-12-24 \"Eve\"\n}\n".into(),
    );
    loader
        .files
        .insert("policy.rhai".into(), "fn shape(x) { x }".into());
    let text = r#"
use ./shared/common
use std/calendars { us_federal }
calendar mine {
  covers 2026-01-01 to 2026-06-30
  include common.acme
  include us_federal
  holiday 2026-03-03 "Ours"
}
template h "H" {
  param release: datetime
  target release in "UTC"
  calendar mine
  hooks "policy.rhai"
  checkpoint a "A" { at release - 2 business days  policy common.quick  hook input shape }
}
// rwf-ignore RWF012: intentionally alone
// rwf-ignore RWF013
"#;
    let c = compile_source("t.rwf", text, &loader);
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    let s = c.spec.unwrap();
    assert_eq!(s.calendar.as_deref(), Some("mine"));
    let cal = &s.calendars["mine"];
    assert_eq!(
        cal.weekend,
        vec![chrono::Weekday::Fri, chrono::Weekday::Sat]
    );
    assert_eq!(cal.covers.to.to_string(), "2026-06-30");
    let names: Vec<&str> = cal.holidays.iter().map(|h| h.name.as_str()).collect();
    assert!(
        names.contains(&"Eve")
            && names.contains(&"Ours")
            && names.contains(&"Independence Day (observed)"),
        "{names:?}"
    );
    assert!(cal.holidays.windows(2).all(|w| w[0].date < w[1].date));
    assert_eq!(s.tasks[0].policy.retry.max_attempts, 4);
    assert_eq!(s.hooks.len(), 1);
    assert_eq!(s.hooks[0].path, "policy.rhai");
    assert_eq!(s.hooks[0].sha256.len(), 64);
    let sup = &c.source_map.suppressions;
    assert_eq!(sup.len(), 2);
    assert_eq!(
        (sup[0].code.as_str(), sup[0].reason.as_deref()),
        ("RWF012", Some("intentionally alone"))
    );
    assert_eq!(sup[1].reason, None);
}

#[test]
fn one_broken_file_reports_several_errors() {
    let text = "template t \"T\" {\n  checkpoint a \"A\" { at }\n  checkpoint b \"B\" { windw 2 days }\n  manual c \"C\" { assignee nobody }\n  checkpoint ok \"OK\" { }\n}\n";
    let p = rwf::syntax::parse("t.rwf", text);
    assert_eq!(p.diagnostics.len(), 3, "{:?}", p.diagnostics);
    let b = p.diagnostics.iter().find(|d| d.code == "RWF002").unwrap();
    assert_eq!(b.help.as_deref(), Some("did you mean `window`?"));
    let rwf::syntax::ast::Item::Template(t) = &p.file.items[0] else {
        panic!()
    };
    assert_eq!(t.items.len(), 1, "the good task is still there");
}

/// xorshift64*: deterministic, no extra crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn survive(text: &str) {
    let p = rwf::syntax::parse("fuzz.rwf", text);
    if !has_errors(&p.diagnostics) {
        let once = rwf::syntax::format(text, &p.file);
        let again = rwf::syntax::parse("fuzz.rwf", &once);
        assert!(
            !has_errors(&again.diagnostics),
            "formatted output of valid input parses:\n{once}"
        );
    }
    let c = compile_source("fuzz.rwf", text, &FsLoader);
    for d in &c.diagnostics {
        if d.file.as_deref() == Some("fuzz.rwf") {
            let s = d.span.clone().unwrap();
            assert!(
                s.start <= s.end && s.end <= text.len(),
                "span {s:?} in bounds"
            );
        }
    }
    if let Some(spec) = c.spec {
        let _ = preview(
            &spec,
            &Inputs {
                release: Some("2026-09-01".into()),
                ..Inputs::default()
            },
        );
    }
}

#[test]
fn never_panics_on_random_bytes() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let alphabet = b"{}[]()\"\\$:,.=<>-+/ \n\tatemplphsrcdkwuy0123456789_";
    for i in 0..400 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if i % 2 == 0 {
                    (rng.next() & 0xFF) as u8
                } else {
                    alphabet[rng.below(alphabet.len())]
                }
            })
            .collect();
        survive(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn never_panics_on_mutated_templates() {
    let sources: Vec<String> = templates().iter().map(|p| read(p)).collect();
    let snippets = [
        "{",
        "}",
        "\"",
        "${",
        "at",
        "release",
        " - 2 ",
        "business days",
        "\n",
        "phase p {",
        "[",
        "//",
        "€",
        "\u{0}",
    ];
    let mut rng = Rng(42);
    for i in 0..2000 {
        let mut text = sources[i % sources.len()].clone().into_bytes();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(text.len());
            match rng.below(4) {
                0 => {
                    let end = (at + rng.below(40)).min(text.len());
                    text.drain(at..end);
                }
                1 => {
                    let s = snippets[rng.below(snippets.len())].as_bytes();
                    text.splice(at..at, s.iter().copied());
                }
                2 => {
                    let end = (at + rng.below(80)).min(text.len());
                    let copy = text[at..end].to_vec();
                    let to = rng.below(text.len());
                    text.splice(to..to, copy);
                }
                _ => text[at] = (rng.next() & 0x7F) as u8,
            }
        }
        survive(&String::from_utf8_lossy(&text));
    }
}

#[test]
fn deep_nesting_is_one_diagnostic() {
    let n = 100_000;
    for text in [
        "{".repeat(n),
        format!(
            "template t {{ agent a {{ input {{ x: {} }} }} }}",
            "[".repeat(n)
        ),
        format!("template t {{ {} }}", "phase p {".repeat(n)),
        "(".repeat(n) + ")".repeat(n).as_str(),
    ] {
        let p = rwf::syntax::parse("deep.rwf", &text);
        assert_eq!(p.diagnostics.len(), 1, "{:?}", p.diagnostics.first());
        assert_eq!(p.diagnostics[0].code, "RWF005");
        survive(&text);
    }
    // 60 levels are fine.
    let ok = format!(
        "template t {{ agent a {{ input {{ x: {}1{} }} }} }}",
        "[".repeat(60),
        "]".repeat(60)
    );
    assert!(!rwf::syntax::parse("ok.rwf", &ok)
        .diagnostics
        .iter()
        .any(|d| d.code == "RWF005"));
}

#[test]
fn codes_are_documented_and_in_range() {
    for (codes, lo, hi) in [(rwf::syntax::CODES, 1, 9), (rwf::compile::CODES, 50, 69)] {
        for c in codes {
            let n: u32 = c.code[3..].parse().unwrap();
            // RWF140–149: conditions (`when`), added once 050–069 was full; RWF150–154: events;
            // RWF155–159: `for each` over an upstream's output; RWF160–166: includes.
            assert!(
                (lo..=hi).contains(&n) || (140..=166).contains(&n),
                "{}",
                c.code
            );
            assert!(!c.what.is_empty() && !c.why.is_empty());
        }
    }
}

#[test]
fn the_readme_example_compiles() {
    let readme = read(&root().join("grammar/README.md"));
    let start = readme.find("```rwf\n").unwrap() + 7;
    let end = start + readme[start..].find("```").unwrap();
    let example = &readme[start..end];
    let mut loader = MemLoader::default();
    loader.files.insert(
        "shared/common.rwf".into(),
        "policy shared_quick { retry { attempts 2 } }\n".into(),
    );
    loader.files.insert(
        "policy.rhai".into(),
        "fn business_hours_retry(ctx) { ctx }\n".into(),
    );
    let c = compile_source("readme.rwf", example, &loader);
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    let spec = c.spec.unwrap();
    assert_eq!(spec.tasks.len(), 8);
    assert!(spec.calendars.contains_key("acme") && spec.calendars.contains_key("us_federal"));
    let smoke = spec.task("smoke").unwrap();
    assert!(!smoke.required && smoke.pre_release);
    assert_eq!(smoke.depends_on[1].outcome, rwf::spec::EdgeOutcome::Any);
    let p = rwf::syntax::parse("readme.rwf", example);
    let once = rwf::syntax::format(example, &p.file);
    let b = compile_source("readme.rwf", &once, &loader);
    assert_eq!(canonical_json(&b.spec.unwrap()), canonical_json(&spec));
}

/// The event example of the language reference compiles cleanly (only the timeout lint would fire
/// on a wait without one), is `rwf fmt` clean, and binds its `where` to the version.
#[test]
fn the_readme_event_example_compiles_and_binds() {
    let readme = read(&root().join("grammar/README.md"));
    let block = readme
        .split("```rwf\n")
        .find(|b| b.contains("template release_gate "))
        .expect("grammar/README.md has an event example");
    let example = &block[..block.find("```").unwrap()];
    let c = compile_source("readme.rwf", example, &MemLoader::default());
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let p = rwf::syntax::parse("readme.rwf", example);
    assert_eq!(rwf::syntax::format(example, &p.file), example, "fmt clean");
    let template = c.spec.unwrap();
    let checked = rwf::check::check_source(
        "readme.rwf",
        example,
        &MemLoader::default(),
        &Default::default(),
    );
    assert!(checked.is_empty(), "{checked:?}");
    let spec = bind(
        &template,
        &Inputs {
            release: Some("2027-03-10T09:00".into()),
            sets: [("version".to_string(), "2.1".to_string())].into(),
            ..Default::default()
        },
    )
    .unwrap();
    let Step::Event {
        name,
        matches,
        timeout,
        on_timeout,
    } = &spec.task("ci_green").unwrap().step
    else {
        panic!("ci_green is an event wait")
    };
    assert_eq!(name, "ci.finished");
    assert_eq!(
        matches["branch"],
        Expr::Literal(serde_json::json!("release-2.1"))
    );
    assert_eq!(timeout.as_ref().unwrap().to_string(), "2d");
    assert_eq!(*on_timeout, rwf::spec::TimeoutPolicy::Fail);
    let Step::Agent { input, .. } = &spec.task("publish").unwrap().step else {
        panic!("publish is an agent")
    };
    assert_eq!(
        input["build"],
        Expr::Output {
            task: "ci_green".into(),
            path: vec!["data".into(), "url".into()]
        }
    );
}

/// The composed-calendar example of the language reference compiles cleanly, is `rwf fmt` clean, and
/// resolves as its comments say: into the freeze and moved out of it, and Berlin business days.
#[test]
fn the_readme_calendar_example_compiles_and_resolves() {
    let readme = read(&root().join("grammar/README.md"));
    let block = readme
        .split("```rwf\n")
        .find(|b| b.contains("template composed "))
        .expect("grammar/README.md has a composed-calendar example");
    let example = &block[..block.find("```").unwrap()];
    let c = compile_source("readme.rwf", example, &MemLoader::default());
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    let p = rwf::syntax::parse("readme.rwf", example);
    assert_eq!(rwf::syntax::format(example, &p.file), example, "fmt clean");
    let spec = rwf::compile::preview(
        &c.spec.unwrap(),
        &rwf::compile::Inputs {
            release: Some("2027-03-10".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(spec.on_blackout, rwf::spec::BlackoutRule::MoveBefore);
    assert_eq!(
        spec.task("translate").unwrap().calendar.as_deref(),
        Some("berlin_team")
    );
    let berlin = &spec.calendars["berlin_team"];
    assert_eq!(
        berlin.blackouts.len(),
        2,
        "the included calendar's blackouts"
    );
    let target = rwf::schedule::target_of(&spec).unwrap();
    let plan = rwf::schedule::resolve(&spec, &target, &Default::default()).unwrap();
    let day = |k: &str| {
        plan.task(k)
            .unwrap()
            .local()
            .unwrap()
            .start
            .format("%a %Y-%m-%d %H:%M")
            .to_string()
    };
    assert_eq!(day("freeze_check"), "Fri 2027-02-19 10:00");
    assert_eq!(day("qa"), "Mon 2027-03-01 10:00");
    // Back from Wed 03-10 over Women's Day (Mon 03-08, Berlin) and the weekend.
    assert_eq!(day("translate"), "Thu 2027-03-04 16:00");
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

/// The alignment example of the language reference compiles cleanly, is `rwf fmt` clean, and resolves
/// to the days its sentence names.
#[test]
fn the_readme_alignment_examples_compile_and_resolve() {
    let readme = read(&root().join("grammar/README.md"));
    let blocks: Vec<&str> = readme
        .split("```rwf\n")
        .filter(|b| b.starts_with("template release_cycle "))
        .collect();
    assert!(
        !blocks.is_empty(),
        "grammar/README.md has an alignment example"
    );
    for block in blocks {
        let example = &block[..block.find("```").unwrap()];
        let c = compile_source("readme.rwf", example, &MemLoader::default());
        assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
        let p = rwf::syntax::parse("readme.rwf", example);
        assert_eq!(rwf::syntax::format(example, &p.file), example, "fmt clean");
        let spec = rwf::compile::preview(
            &c.spec.unwrap(),
            &rwf::compile::Inputs {
                release: Some("2027-04-21".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let target = rwf::schedule::target_of(&spec).unwrap();
        let plan = rwf::schedule::resolve(&spec, &target, &Default::default()).unwrap();
        let day = |k: &str| {
            plan.task(k)
                .unwrap()
                .local()
                .unwrap()
                .start
                .format("%a %Y-%m-%d %H:%M")
                .to_string()
        };
        assert_eq!(day("enhancements"), "Mon 2027-02-01 18:00");
        assert_eq!(day("code_freeze"), "Tue 2027-03-23 18:00");
        assert_eq!(day("go"), "Wed 2027-04-14 09:00");
        assert_eq!(day("survey"), "Mon 2027-05-03 09:00");
        assert_eq!(day("report"), "Fri 2027-04-30 17:00");
        assert_eq!(day("patch"), "Thu 2027-05-13 10:00");
        assert_eq!(day("retro"), "Fri 2027-05-28 15:00");
    }
}

/// A date-only `--release` is the template's declared release time in the release zone, never a silent
/// midnight: without a declared time it is refused, naming both fixes.
#[test]
fn date_only_releases_take_the_declared_release_time() {
    let text = |target: &str| {
        format!("template t \"T\" version 1 {{\n  param release: datetime\n  {target}\n  checkpoint a \"A\" {{ at release }}\n}}\n")
    };
    let date_only = Inputs {
        release: Some("2027-03-01".into()),
        ..Inputs::default()
    };
    let declared = text("target release in \"Europe/Berlin\" at 9:30");
    let c = compile_source("t.rwf", &declared, &MemLoader::default());
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    let p = rwf::syntax::parse("t.rwf", &declared);
    assert!(rwf::syntax::format(&declared, &p.file)
        .contains("target release in \"Europe/Berlin\" at 09:30"));
    let bound = preview(&c.spec.unwrap(), &date_only).unwrap();
    assert_eq!(bound.bindings["release"], "2027-03-01T09:30");
    let target = rwf::schedule::target_of(&bound).unwrap();
    assert_eq!(target.instant.to_rfc3339(), "2027-03-01T08:30:00+00:00");
    // A full date-time is taken as given.
    let spec = compile_source("t.rwf", &declared, &MemLoader::default())
        .spec
        .unwrap();
    let given = Inputs {
        release: Some("2027-03-01T14:00".into()),
        ..Inputs::default()
    };
    assert_eq!(
        preview(&spec, &given).unwrap().bindings["release"],
        "2027-03-01T14:00"
    );

    let undeclared = text("target release in \"Europe/Berlin\"");
    let spec = compile_source("t.rwf", &undeclared, &MemLoader::default())
        .spec
        .unwrap();
    let errs = preview(&spec, &date_only).unwrap_err();
    assert_eq!(errs[0].code, "RWF064");
    assert!(
        errs[0].message.contains("no time of day"),
        "{}",
        errs[0].message
    );
    let help = errs[0].help.as_deref().unwrap();
    assert!(
        help.contains("2027-03-01T09:00") && help.contains("at 09:00"),
        "{help}"
    );
}

/// Alignments are written canonically by `rwf fmt` (single spaces, weekday as written) and keep the spec.
#[test]
fn alignments_format_canonically() {
    let messy = "template t \"T\" version 1 {\n  param release: datetime\n  target release in \"UTC\"\n  checkpoint a \"A\" { at   tue  on   or\tbefore   release -  2 weeks }\n  checkpoint b \"B\" { at 2 days after  last   fri of   month  after release at 9:00 }\n  checkpoint c \"C\" { at end  of week   after a }\n}\n";
    let p = rwf::syntax::parse("m.rwf", messy);
    assert!(!has_errors(&p.diagnostics), "{:?}", p.diagnostics);
    let once = rwf::syntax::format(messy, &p.file);
    assert!(
        once.contains("at tue on or before release - 2 weeks }"),
        "{once}"
    );
    assert!(
        once.contains("at 2 days after last fri of month after release at 09:00 }"),
        "{once}"
    );
    assert!(once.contains("at end of week after a }"), "{once}");
    let a = compile_source("m.rwf", messy, &MemLoader::default());
    let b = compile_source("m.rwf", &once, &MemLoader::default());
    assert_eq!(
        canonical_json(&a.spec.unwrap()),
        canonical_json(&b.spec.unwrap())
    );
}

#[test]
fn unindented_fields_are_not_split_into_items() {
    let text = "template t \"T\" {\nparam release: datetime\ntarget release in \"UTC\"\ndefaults {\npolicy p\n}\npolicy p {\non_failure skip\n}\ncheckpoint a \"A\" {\npolicy p\nat release\n}\n}\n";
    let c = compile_source("t.rwf", text, &FsLoader);
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    assert_eq!(
        c.spec.unwrap().tasks[0].policy.on_failure,
        rwf::spec::FailurePolicy::Skip
    );
}

/// Whitespace and newlines are insignificant (grammar/README.md): a template written on one line
/// compiles to the same spec as its formatted form, with no diagnostics, and formats to it.
#[test]
fn items_on_one_line_are_items() {
    let one_line = "use std/policies use std/calendars { us_federal } template t \"T\" { \
                    param release: datetime param tz: timezone = \"UTC\" target release in tz \
                    calendar us_federal defaults { retry policies.standard } \
                    checkpoint a \"A\" { at release - 2 business days } \
                    agent b \"B\" { uses \"x\" after a } phase p \"P\" { checkpoint c \"C\" { after b } \
                    checkpoint d \"D\" { after c } } }\n";
    let p = rwf::syntax::parse("one.rwf", one_line);
    assert!(p.diagnostics.is_empty(), "{:#?}", p.diagnostics);
    let formatted = rwf::syntax::format(one_line, &p.file);
    assert!(formatted.lines().count() > 10, "{formatted}");
    let a = compile_source("one.rwf", one_line, &FsLoader);
    let b = compile_source("one.rwf", &formatted, &FsLoader);
    assert!(a.diagnostics.is_empty(), "{:#?}", a.diagnostics);
    assert!(b.diagnostics.is_empty(), "{:#?}", b.diagnostics);
    assert_eq!(a.spec, b.spec);
    // A starter word that is a name, not an item (`param calendar`), is not cut off.
    let named = "template t \"T\" { param release: datetime param calendar: string target release in \"UTC\" }";
    let c = compile_source("named.rwf", named, &FsLoader);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let spec = c.spec.unwrap();
    assert_eq!(spec.params.len(), 2);
}

/// Comments inside an `input` object stay inside it, each where it was (before its entry or
/// trailing on its line); the result is stable and compiles to the same spec.
#[test]
fn fmt_keeps_comments_inside_input_objects() {
    let text = "template t \"T\" {\n  param release: datetime\n  target release in \"UTC\"\n  \
                agent b \"B\" {\n    uses \"x\"\n    input { // what the writer gets\n      \
                // the product\n      product: \"acme\",\n      tone: \"calm\", // how it reads, calmly\n      \
                n: 3 // no comma\n      // last\n    }\n    at release\n  }\n}\n";
    let p = rwf::syntax::parse("c.rwf", text);
    assert!(p.diagnostics.is_empty(), "{:#?}", p.diagnostics);
    let once = rwf::syntax::format(text, &p.file);
    let expected = "template t \"T\" {\n  param release: datetime\n  target release in \"UTC\"\n  \
                    agent b \"B\" {\n    uses \"x\"\n    input { // what the writer gets\n      \
                    // the product\n      product: \"acme\",\n      tone: \"calm\", // how it reads, calmly\n      \
                    n: 3, // no comma\n      // last\n    }\n    at release\n  }\n}\n";
    assert_eq!(once, expected);
    let again = rwf::syntax::format(&once, &rwf::syntax::parse("c.rwf", &once).file);
    assert_eq!(again, once, "formatting is idempotent");
    let a = compile_source("c.rwf", text, &FsLoader).spec.unwrap();
    let b = compile_source("c.rwf", &once, &FsLoader).spec.unwrap();
    assert_eq!(a, b);
}

/// `rwf fmt` prints composed calendars, blackouts and `on_blackout` canonically.
#[test]
fn fmt_prints_calendar_composition_canonically() {
    let messy = "calendar   team \"Team\" {  include  a ,b   blackout 2027-02-22   to 2027-02-26 \"Freeze week\" }\n\
                 template t \"T\" version 1 { param release: datetime  target release in \"UTC\"\n\
                 on_blackout   move    before\n\
                 manual m \"M\" { calendar team  at release  on_blackout  move   after }\n}\n";
    let p = rwf::syntax::parse("t.rwf", messy);
    assert!(!has_errors(&p.diagnostics), "{:?}", p.diagnostics);
    let want = "calendar team \"Team\" {\n  include a, b\n  blackout 2027-02-22 to 2027-02-26 \"Freeze week\"\n}\n\
                template t \"T\" version 1 {\n  param release: datetime\n  target release in \"UTC\"\n  on_blackout move before\n\
                \x20 manual m \"M\" {\n    calendar team\n    at release\n    on_blackout move after\n  }\n}\n";
    assert_eq!(rwf::syntax::format(messy, &p.file), want);
}

/// The lead-time example of the language reference compiles cleanly, is `rwf fmt` clean, keeps the
/// param references in its spec, resolves at the defaults, and follows `--set lead=10d`.
#[test]
fn the_readme_duration_param_example_compiles_and_resolves() {
    let readme = read(&root().join("grammar/README.md"));
    let block = readme
        .split("```rwf\n")
        .find(|b| b.starts_with("template lead_times "))
        .expect("grammar/README.md has a duration-param example");
    let example = &block[..block.find("```").unwrap()];
    let c = compile_source("readme.rwf", example, &MemLoader::default());
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    let p = rwf::syntax::parse("readme.rwf", example);
    assert_eq!(rwf::syntax::format(example, &p.file), example, "fmt clean");
    let spec = c.spec.unwrap();
    let json = canonical_json(&spec);
    for kept in [
        r#""offsets":["-${lead}"]"#,
        r#""window":"${grace}""#,
        r#""deadline":"${grace}""#,
        r#""duration":"${grace}""#,
    ] {
        assert!(json.contains(kept), "{kept} in {json}");
    }
    let day = |sets: &[(&str, &str)]| {
        let inputs = Inputs {
            release: Some("2027-06-01".into()),
            sets: sets
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        let bound = bind(&spec, &inputs).unwrap();
        assert!(
            canonical_json(&bound).contains(r#""offsets":["-${lead}"]"#),
            "a bound spec keeps the reference"
        );
        let target = rwf::schedule::target_of(&bound).unwrap();
        let plan = rwf::schedule::resolve(&bound, &target, &Default::default()).unwrap();
        let at = |k: &str, due: bool| {
            let t = plan.task(k).unwrap().local().unwrap();
            (if due { t.due } else { t.start })
                .format("%a %Y-%m-%d %H:%M")
                .to_string()
        };
        [
            at("freeze", false),
            at("qa", false),
            at("qa", true),
            at("go", false),
            at("announce", false),
        ]
    };
    assert_eq!(
        day(&[]),
        [
            "Tue 2027-05-11 18:00",
            "Fri 2027-05-14 18:00", // 3 business days after Tuesday
            "Wed 2027-05-19 18:00", // its window: 3 more, over the weekend
            "Thu 2027-05-27 09:00",
            "Tue 2027-06-01 10:00",
        ]
    );
    assert_eq!(
        day(&[("lead", "10d"), ("grace", "1 business day")]),
        [
            "Sat 2027-05-22 18:00",
            "Mon 2027-05-24 18:00",
            "Tue 2027-05-25 18:00",
            "Mon 2027-05-31 09:00",
            "Tue 2027-06-01 10:00",
        ]
    );
}

/// A duration param used as an amount must have a usable value when bound: unbound (RWF063), negative
/// or beyond ten years (RWF085), and a value of another type (RWF062), each naming the param.
#[test]
fn duration_params_are_checked_when_bound() {
    let text = "template t \"T\" version 1 {\n  param release: datetime\n  param lead: duration\n  param note: duration\n  target release in \"UTC\" at 09:00\n  checkpoint a \"A\" { at release - lead }\n}\n";
    let c = compile_source("t.rwf", text, &MemLoader::default());
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    let spec = c.spec.unwrap();
    let refused = |sets: &[(&str, &str)]| {
        let inputs = Inputs {
            release: Some("2027-06-01".into()),
            sets: sets
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        match preview(&spec, &inputs) {
            Ok(_) => Vec::new(),
            Err(d) => d
                .iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect::<Vec<_>>(),
        }
    };
    // `note` is used by no task: a preview does not need it.
    assert_eq!(refused(&[]), ["RWF063 param `lead` has no value"]);
    let negative = refused(&[("lead", "-2d")]);
    assert!(
        negative.len() == 1
            && negative[0].starts_with("RWF085")
            && negative[0].contains("negative"),
        "{negative:?}"
    );
    let endless = refused(&[("lead", "99999 weeks")]);
    assert!(
        endless.len() == 1 && endless[0].contains("ten years"),
        "{endless:?}"
    );
    let bad = refused(&[("lead", "soon")]);
    assert!(bad[0].starts_with("RWF062"), "{bad:?}");
    assert!(refused(&[("lead", "0d")]).is_empty());
    assert!(refused(&[("lead", "3bd")]).is_empty());
}

/// `rwf fmt` writes a duration param where it was written, in every place that takes one.
#[test]
fn fmt_writes_duration_params_in_place() {
    let messy = "template t \"T\" {\nparam release: datetime\n  param lead: duration = 2 weeks\n target release in \"UTC\"\n checkpoint a \"A\" {at release-lead   at 18:00 window lead}\n  wait b \"B\" { for   lead }\n agent c \"C\" { uses \"x\" timeout lead }\n approval d \"D\" { approvers team(\"x\") deadline lead remind  every lead }\n checkpoint e \"E\" { at lead   before   release }\n}\n";
    let want = "template t \"T\" {\n  param release: datetime\n  param lead: duration = 2 weeks\n  target release in \"UTC\"\n  checkpoint a \"A\" { at release - lead at 18:00  window lead }\n  wait b \"B\" { for lead }\n  agent c \"C\" { uses \"x\"  timeout lead }\n  approval d \"D\" {\n    approvers team(\"x\")\n    deadline lead\n    remind every lead\n  }\n  checkpoint e \"E\" { at lead before release }\n}\n";
    let p = rwf::syntax::parse("t.rwf", messy);
    assert!(!has_errors(&p.diagnostics), "{:?}", p.diagnostics);
    assert_eq!(rwf::syntax::format(messy, &p.file), want);
    let c = compile_source("t.rwf", want, &MemLoader::default());
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
}

/// `at NAME after TASK` is a schedule in words when `NAME` is a duration param, and otherwise a
/// schedule `at NAME` and the field `after TASK`, as it always was (also `after a, b` and `on`).
#[test]
fn at_name_after_task_reads_by_the_names_type() {
    let text = "template t \"T\" version 1 {\n  param release: datetime\n  param lead: duration = 2 days\n  target release in \"UTC\" at 09:00\n  checkpoint a \"A\" { at release }\n  checkpoint b \"B\" { at release after a }\n  checkpoint c \"C\" { at lead after a }\n  checkpoint d \"D\" { at release after a, b on any }\n}\n";
    let c = compile_source("t.rwf", text, &MemLoader::default());
    assert!(!has_errors(&c.diagnostics), "{:?}", c.diagnostics);
    let spec = c.spec.unwrap();
    let task = |k: &str| spec.task(k).unwrap();
    let deps = |k: &str| {
        task(k)
            .depends_on
            .iter()
            .map(|d| d.task.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(deps("b"), ["a"]);
    assert!(matches!(
        &task("b").schedule,
        Some(Schedule::Relative { anchor: rwf::spec::Anchor::Release, offsets, .. }) if offsets.is_empty()
    ));
    assert!(deps("c").is_empty());
    assert!(matches!(
        &task("c").schedule,
        Some(Schedule::Relative { anchor: rwf::spec::Anchor::Task { task, .. }, offsets, .. })
            if task == "a" && offsets[0].to_string() == "${lead}"
    ));
    assert_eq!(deps("d"), ["a", "b"]);
    let p = rwf::syntax::parse("t.rwf", text);
    let once = rwf::syntax::format(text, &p.file);
    assert!(once.contains("{ at release  after a }"), "{once}");
    assert!(once.contains("{ at lead after a }"), "{once}");
}

/// The output-condition example of the language reference compiles cleanly, is `rwf fmt` clean, keeps
/// its run-time conditions on the tasks (not decided at bind), and the plan notes them.
#[test]
fn the_readme_output_condition_example_compiles() {
    let readme = read(&root().join("grammar/README.md"));
    let block = readme
        .split("```rwf\n")
        .find(|b| b.contains("template release_candidates "))
        .expect("grammar/README.md has an output-condition example");
    let example = &block[..block.find("```").unwrap()];
    let c = compile_source("readme.rwf", example, &MemLoader::default());
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let p = rwf::syntax::parse("readme.rwf", example);
    assert_eq!(rwf::syntax::format(example, &p.file), example, "fmt clean");
    let spec = c.spec.unwrap();
    assert!(
        spec.flow.when.is_empty(),
        "output conditions are not decided at bind"
    );
    let rc2 = spec.task("rc2").unwrap();
    assert_eq!(
        rc2.when.as_ref().unwrap().to_string(),
        "rc1.output.needs_another == true and not fast"
    );
    assert_eq!(
        spec.task("notes")
            .unwrap()
            .when
            .as_ref()
            .unwrap()
            .to_string(),
        "\"de\" in rc1.output.locales"
    );
    let json = serde_json::to_value(rc2).unwrap();
    assert_eq!(json["when"]["all"][0]["param"], "rc1.output.needs_another");
    assert!(rc2
        .runs_only_if()
        .unwrap()
        .starts_with("runs only if rc1.output"));
}
