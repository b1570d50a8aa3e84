//! `rwf check` end to end: fixtures with their expected diagnostics written inside, CLI golden files
//! (JSON, SARIF, `--explain`), exit codes, and no panic on mutated input. Templates (`*.rwf`) and
//! configs (`rwf.toml`, fixtures under `tests/fixtures/config`) alike.

mod support;

use rwf::check::{check_source, CheckOptions};
use rwf::compile::ModuleLoader;
use rwf::config::Config;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::expect::{assert_expected, assert_golden, verify};

/// Fixtures import nothing; any `use` is an error the compiler reports.
struct NoModules;

impl ModuleLoader for NoModules {
    fn load(&self, _from: &str, path: &str) -> Result<(String, String), String> {
        Err(format!("no module `{path}` in tests"))
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/check"))
        .expect("fixtures dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "rwf"))
        .collect();
    files.sort();
    files
}

fn check_fixture(name: &str) {
    let path = root().join("tests/fixtures/check").join(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let diagnostics = check_source(name, &text, &NoModules, &CheckOptions::default());
    assert_expected(name, &text, &diagnostics);
}

macro_rules! fixture_tests {
    ($($test:ident => $file:literal,)*) => {$(
        #[test]
        fn $test() {
            check_fixture($file);
        }
    )*};
}

fixture_tests! {
    clean_template => "clean.rwf",
    duplicate_task_key => "duplicate_task.rwf",
    unknown_dependency => "unknown_dependency.rwf",
    unknown_anchor => "unknown_anchor.rwf",
    self_dependency => "self_dependency.rwf",
    dependency_cycle => "dependency_cycle.rwf",
    anchor_cycle => "anchor_cycle.rwf",
    params_unused_and_undefined => "params.rwf",
    invalid_timezones => "timezone.rwf",
    approvals => "approvals.rwf",
    timing => "timing.rwf",
    outputs => "outputs.rwf",
    waits_and_duplicate_edges => "waits.rwf",
    suppressions => "suppress.rwf",
    nesting => "nesting.rwf",
    conditions => "conditions.rwf",
    event_waits => "events.rwf",
    expansions => "expansions.rwf",
    output_conditions => "output_conditions.rwf",
    fan_out_over_outputs => "fanout.rwf",
}

#[test]
fn every_fixture_has_a_test() {
    let listed = [
        "clean.rwf",
        "duplicate_task.rwf",
        "unknown_dependency.rwf",
        "unknown_anchor.rwf",
        "self_dependency.rwf",
        "dependency_cycle.rwf",
        "anchor_cycle.rwf",
        "params.rwf",
        "timezone.rwf",
        "approvals.rwf",
        "timing.rwf",
        "outputs.rwf",
        "waits.rwf",
        "suppress.rwf",
        "nesting.rwf",
        "conditions.rwf",
        "events.rwf",
        "expansions.rwf",
        "output_conditions.rwf",
        "fanout.rwf",
    ];
    for path in fixtures() {
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(listed.contains(&name), "{name} has no test");
    }
}

#[test]
fn a_cycle_labels_every_edge() {
    let text = std::fs::read_to_string(root().join("tests/fixtures/check/dependency_cycle.rwf"))
        .expect("fixture");
    let diagnostics = check_source("c.rwf", &text, &NoModules, &CheckOptions::default());
    let cycle = diagnostics
        .iter()
        .find(|d| d.code == "RWF016")
        .expect("a cycle");
    let labels: Vec<(&str, &str)> = cycle
        .labels
        .iter()
        .map(|l| (&text[l.span.clone()], l.message.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("c", "`a` waits for `c`"),
            ("b", "`c` waits for `b`"),
            ("a", "`b` waits for `a`"),
        ]
    );
}

#[test]
fn an_oversized_agent_input_is_reported() {
    let text = format!(
        "template big \"Big\" version 1 {{\n  param release: datetime\n  target release in \"UTC\"\n  \
         agent a \"A\" {{ uses \"w\" input {{ text: \"{}\" }} at release }}\n}}\n",
        "x".repeat(70_000)
    );
    let diagnostics = check_source("big.rwf", &text, &NoModules, &CheckOptions::default());
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["RWF026"], "{diagnostics:?}");
}

/// Deterministic xorshift, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(text: &str, rng: &mut Rng) -> String {
    mutate_with(text, rng, TEMPLATE_SNIPPETS)
}

const TEMPLATE_SNIPPETS: &[&str] = &[
    "}",
    "{",
    "\"",
    "${",
    "after ",
    "at release - ",
    "// rwf-ignore RWF0",
    " a.output.",
    "\n",
    "approval x \"X\" { quorum 0 }",
    "é",
    "99999999999999999999 days",
    "in \"",
    ".",
    ",",
    "param ",
    "phase q \"Q\" {",
    "until ",
    "\\",
];

fn mutate_with(text: &str, rng: &mut Rng, snippets: &[&str]) -> String {
    let mut s = text.to_string();
    for _ in 0..1 + rng.below(4) {
        let a = boundary(&s, rng.below(s.len() + 1));
        match rng.below(4) {
            0 => {
                let b = boundary(&s, a + rng.below(40));
                s.replace_range(a..b.max(a), "");
            }
            1 => s.insert_str(a, snippets[rng.below(snippets.len())]),
            2 => {
                let b = boundary(&s, a + rng.below(60));
                let copy = s[a..b.max(a)].to_string();
                let at = boundary(&s, rng.below(s.len() + 1));
                s.insert_str(at, &copy);
            }
            _ => s.truncate(a),
        }
    }
    s
}

#[test]
fn never_panics_on_mutated_fixtures() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let template = CheckOptions::default();
    // Every fourth round also binds and resolves (the instance tier), on a DST-gap release.
    let bound = instance("2026-03-29T01:30", &[("product", "Acme")]);
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).expect("fixture");
        for round in 0..150 {
            let mutated = mutate(&text, &mut rng);
            let options = if round % 4 == 0 { &bound } else { &template };
            let result =
                std::panic::catch_unwind(|| check_source("m.rwf", &mutated, &NoModules, options));
            assert!(
                result.is_ok(),
                "panic on mutation {round} of {}:\n{mutated}",
                path.display()
            );
        }
    }
}

// ---- the CLI on hostile input: long lines, huge numbers, big quorums ----

/// Runs `rwf` on a file with a deadline: a hang is a failure like a panic is.
fn rwf_within(args: &[&str], secs: u64) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run rwf");
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code().unwrap_or(-1), err);
        }
        if started.elapsed().as_secs() >= secs {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rwf {args:?} did not finish within {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Every command that reads a template ends with 0, 1 or 2 (never 101, never a hang) on it.
fn every_command_survives(path: &Path, what: &str) {
    let file = path.to_str().unwrap();
    for args in [
        vec!["check", file],
        vec!["compile", file],
        vec!["fmt", "--check", file],
        vec!["plan", file, "--release", "2027-03-01T09:00"],
        vec!["simulate", file, "--release", "2027-03-01T09:00"],
        vec!["new", file, "--release", "2027-03-01T09:00"],
    ] {
        let (code, err) = rwf_within(&args, 60);
        assert!(
            (0..=2).contains(&code),
            "rwf {} exited {code} on {what}:\n{}",
            args[0],
            err.chars().take(3000).collect::<String>()
        );
    }
}

#[test]
fn long_lines_never_panic_any_command() {
    let dir = std::env::temp_dir().join(format!("rwf-long-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("long.rwf");
    // The report that found it: a diagnostic past column 65,535.
    std::fs::write(
        &path,
        format!("template x {{{}bogus }}\n", " ".repeat(70_000)),
    )
    .unwrap();
    let (code, err) = rwf_within(&["check", path.to_str().unwrap()], 60);
    assert_eq!(code, 1, "{}", &err[..err.len().min(2000)]);
    assert!(
        err.contains("long.rwf:1:70013"),
        "the location is exact:\n{err:.2000}"
    );
    assert!(err.len() < 5_000, "the long line is shown as a window");
    every_command_survives(&path, "a 70,000-column line");
    // A valid template whose long line holds a string, and one with a label near the limit.
    let text = format!(
        "template x \"X\" {{\n  param release: datetime\n  target release in \"UTC\"\n  \
         checkpoint a \"{}\" {{ at release after nowhere }}\n}}\n",
        "y".repeat(65_530)
    );
    std::fs::write(&path, text).unwrap();
    every_command_survives(&path, "a 65,5xx-column label");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The no-panic fuzz through the binary (so rendering is covered): mutated fixtures, each with a
/// very long line, a huge number or a big quorum spliced in.
#[test]
fn commands_never_panic_on_long_lines_huge_numbers_and_big_quorums() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let dir = std::env::temp_dir().join(format!("rwf-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let long = " ".repeat(66_000);
    let wide = format!("// {}\n", "w".repeat(70_000));
    let hostile: [&str; 8] = [
        &long,
        &wide,
        "quorum 100000",
        "approval big \"Big\" { approvers team(\"t\") quorum 100000 }",
        "99999999999999999999999999",
        "4294967296",
        "1e300",
        "-9223372036854775809 days",
    ];
    for (round, path) in fixtures().iter().enumerate() {
        let text = std::fs::read_to_string(path).expect("fixture");
        let mut mutated = mutate(&text, &mut rng);
        let at = boundary(&mutated, rng.below(mutated.len() + 1));
        mutated.insert_str(at, hostile[round % hostile.len()]);
        let file = dir.join(format!("m{round}.rwf"));
        std::fs::write(&file, &mutated).unwrap();
        let (code, err) = rwf_within(&["check", file.to_str().unwrap()], 60);
        assert!(
            (0..=2).contains(&code),
            "rwf check exited {code} on mutation {round} of {}:\n{}",
            path.display(),
            err.chars().take(3000).collect::<String>()
        );
    }
    // A quorum no team can meet: simulate ends (stalled, exit 1) and says why; it does not loop.
    let big = dir.join("quorum.rwf");
    std::fs::write(
        &big,
        "template q \"Q\" {\n  param release: datetime\n  target release in \"UTC\"\n  \
         approval a \"A\" { approvers team(\"legal\") quorum 100000 at release }\n  \
         checkpoint z \"Z\" { after a at release + 1 day }\n}\n",
    )
    .unwrap();
    every_command_survives(&big, "quorum 100000");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `rwf check` counts a team's quorum against the people directory of the nearest rwf.toml.
#[test]
fn quorum_is_bounded_by_the_nearest_directory() {
    let dir = std::env::temp_dir().join(format!("rwf-quorum-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("rwf.toml"),
        "[directory.teams.legal]\nmembers = [\"ann\", \"bob\"]\n",
    )
    .unwrap();
    let template = dir.join("q.rwf");
    let text = |quorum: u32| {
        format!(
            "template q \"Q\" {{\n  param release: datetime\n  target release in \"UTC\"\n  \
             approval a \"A\" {{ approvers team(\"legal\") quorum {quorum} at release }}\n  \
             checkpoint z \"Z\" {{ after a at release + 1 day }}\n}}\n"
        )
    };
    std::fs::write(&template, text(100_000)).unwrap();
    let (code, _, err) = rwf(&["check", template.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("RWF022") && err.contains("exceeds the 2 people of team:legal"),
        "{err}"
    );
    std::fs::write(&template, text(2)).unwrap();
    let (code, _, err) = rwf(&["check", template.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- the CLI ----

fn rwf(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run rwf");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn golden(name: &str) -> PathBuf {
    root().join("tests/golden/cli").join(name)
}

#[test]
fn json_output_is_a_versioned_document() {
    let (code, stdout, _) = rwf(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/check/dependency_cycle.rwf",
        "tests/fixtures/check/timing.rwf",
    ]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["valid"], false);
    assert_golden(&golden("check_json.json"), &stdout);
}

#[test]
fn sarif_output_has_rules_and_results() {
    let (code, stdout, _) = rwf(&[
        "check",
        "--format",
        "sarif",
        "tests/fixtures/check/dependency_cycle.rwf",
        "tests/fixtures/check/timing.rwf",
    ]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("sarif");
    assert_eq!(doc["version"], "2.1.0");
    assert_golden(&golden("check_sarif.json"), &stdout);
}

#[test]
fn explain_prints_the_code_doc() {
    let (code, stdout, _) = rwf(&["check", "--explain", "RWF016"]);
    assert_eq!(code, 0);
    assert_golden(&golden("explain_RWF016.txt"), &stdout);
    let (code, stdout, stderr) = rwf(&["check", "--explain", "RWF999"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.contains("unknown diagnostic code `RWF999`"),
        "{stderr}"
    );
    assert!(stderr.contains("help: known codes: "), "{stderr}");
}

#[test]
fn exit_codes() {
    // Clean: 0, and the summary on stderr.
    let (code, _, stderr) = rwf(&["check", "tests/fixtures/check/clean.rwf"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("checked 1 file: no problems"), "{stderr}");
    // Warnings only: 0, but 1 with --deny-warnings.
    let warn = "tests/fixtures/check/timing.rwf";
    assert_eq!(rwf(&["check", warn]).0, 0);
    assert_eq!(rwf(&["check", "--deny-warnings", warn]).0, 1);
    // Errors: 1, rendered with file:line:col, labels and help.
    let (code, _, stderr) = rwf(&["check", "tests/fixtures/check/dependency_cycle.rwf"]);
    assert_eq!(code, 1);
    for needle in [
        "RWF016",
        "dependency_cycle.rwf:5:10",
        "`a` waits for `c`",
        "help:",
        "1 error",
    ] {
        assert!(stderr.contains(needle), "missing {needle:?} in\n{stderr}");
    }
    // A directory is searched recursively; the fixtures have errors.
    let (code, stdout, _) = rwf(&["check", "--format", "json", "tests/fixtures/check"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(
        doc["files"].as_array().map(Vec::len),
        Some(fixtures().len())
    );
    // Tool errors: 2.
    let (code, _, stderr) = rwf(&["check", "tests/fixtures/check/nope.rwf"]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: cannot read"), "{stderr}");
    assert_eq!(
        rwf(&[
            "check",
            "--set",
            "novalue",
            "tests/fixtures/check/clean.rwf"
        ])
        .0,
        2
    );
    let empty = std::env::temp_dir().join(format!("rwf-check-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    assert_eq!(rwf(&["check", empty.to_str().unwrap()]).0, 2);
    let _ = std::fs::remove_dir(Path::new(&empty));
}

/// One task limit everywhere: a template one task over `MAX_TASKS` gets the same RWF025 (message,
/// location, help) from `check`, `plan` and `simulate`, and neither of the others runs it.
#[test]
fn the_task_limit_is_one_diagnostic_in_check_plan_and_simulate() {
    let n = rwf::spec::MAX_TASKS + 1;
    let mut text = String::from(
        "template big \"Big\" version 1 {\n  param release: datetime\n  target release in \"UTC\"\n  checkpoint t0 \"T0\" { at release - 1 hours }\n",
    );
    for i in 1..n {
        text.push_str(&format!(
            "  checkpoint t{i} \"T{i}\" {{ after t{} }}\n",
            i - 1
        ));
    }
    text.push_str("}\n");
    let dir = std::env::temp_dir().join(format!("rwf-limit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.rwf");
    std::fs::write(&path, text).unwrap();
    let file = path.to_str().unwrap();
    let block = |stderr: &str| -> String {
        let from = stderr
            .find("RWF025")
            .unwrap_or_else(|| panic!("no RWF025 in\n{stderr}"));
        let rest = &stderr[from..];
        let to = rest
            .find("help: split the release into several templates")
            .unwrap();
        rest[..to].to_string()
    };
    let (code, _, check) = rwf(&["check", file]);
    assert_eq!(code, 1, "{check}");
    let expected = block(&check);
    assert!(
        expected.contains(&format!("has {n} tasks, more than the limit of 10000")),
        "{expected}"
    );
    assert!(expected.contains("big.rwf:1:1"), "{expected}");
    for command in ["plan", "simulate"] {
        let (code, stdout, stderr) = rwf(&[command, file, "--release", "2027-03-01T09:00"]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(stdout.is_empty(), "{command} ran: {stdout:.500}");
        assert_eq!(block(&stderr), expected, "{command}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- the instance tier ----

fn instance(release: &str, sets: &[(&str, &str)]) -> CheckOptions {
    CheckOptions {
        inputs: rwf::compile::Inputs {
            sets: sets
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            release: Some(release.to_string()),
            tz: None,
        },
        ..CheckOptions::default()
    }
}

fn codes_of(name: &str, options: &CheckOptions) -> Vec<&'static str> {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/check").join(name)).expect("fixture");
    check_source(name, &text, &NoModules, options)
        .into_iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn instance_tier_binds_params() {
    // `product` has no default: binding reports it.
    assert_eq!(
        codes_of("clean.rwf", &instance("2026-09-15T09:00", &[])),
        ["RWF063"]
    );
    assert_eq!(
        codes_of(
            "clean.rwf",
            &instance("2026-09-15T09:00", &[("product", "Acme")])
        ),
        Vec::<&str>::new()
    );
}

#[test]
fn instance_tier_replaces_nominal_timing_with_the_resolved_plan() {
    assert_eq!(
        codes_of("timing.rwf", &CheckOptions::default()),
        ["RWF023", "RWF024"]
    );
    let resolved = codes_of("timing.rwf", &instance("2026-09-15T09:00", &[]));
    assert!(!resolved.contains(&"RWF023"), "{resolved:?}");
    // The horizon warning has one code in both tiers: measured on the plan, it is still RWF024.
    assert!(
        resolved.contains(&"RWF078") && resolved.contains(&"RWF024"),
        "{resolved:?}"
    );
}

// ---- rwf.toml ----

/// Every config fixture (`*.toml` under `tests/fixtures/config`, recursively) as its path from the
/// repository root, sorted.
fn config_fixtures() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir)
            .expect("config fixtures dir")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("tests/fixtures/config"), &mut files);
    let mut names: Vec<String> = files
        .iter()
        .map(|p| {
            let relative = p.strip_prefix(root()).expect("under the root");
            relative.to_string_lossy().replace('\\', "/")
        })
        .collect();
    names.sort();
    names
}

/// Each config fixture gives exactly the diagnostics written in it (`# // expect: CODE L:C fragment`);
/// the documented example config gives none.
#[test]
fn config_fixtures_report_what_they_expect() {
    let mut names = config_fixtures();
    assert!(names.len() >= 4, "{names:?}");
    names.push("examples/rwf.toml".into());
    let mut failures = String::new();
    for name in &names {
        let text = std::fs::read_to_string(root().join(name)).expect("config fixture");
        let loaded = Config::parse(&text, name, &root());
        if let Err(report) = verify(name, &text, &loaded.diagnostics) {
            failures.push_str(&report);
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn check_lints_config_files() {
    // Every problem of a broken rwf.toml, at file:line:col with its code, and exit 1.
    let broken = "tests/fixtures/config/broken/rwf.toml";
    let (code, _, stderr) = rwf(&["check", broken]);
    assert_eq!(code, 1, "{stderr}");
    for needle in [
        "RWF106",
        "tests/fixtures/config/broken/rwf.toml:7:11",
        "invalid duration `ten minutes`",
        "RWF107",
        "tests/fixtures/config/broken/rwf.toml:11:7",
        "RWF110",
        "tests/fixtures/config/broken/rwf.toml:36:10",
        "help:",
        "checked 1 file: 7 errors, 2 warnings",
    ] {
        assert!(stderr.contains(needle), "missing {needle:?} in\n{stderr}");
    }
    // Any explicit `*.toml` is a config: a misspelt key.
    let (code, _, stderr) = rwf(&["check", "tests/fixtures/config/typo.toml"]);
    assert_eq!(code, 1, "{stderr}");
    for needle in ["RWF101", "tests/fixtures/config/typo.toml:7:1", "`timout`"] {
        assert!(stderr.contains(needle), "missing {needle:?} in\n{stderr}");
    }
    // Warnings only: 0, but 1 with --deny-warnings.
    let warn = "tests/fixtures/config/warnings/rwf.toml";
    assert_eq!(rwf(&["check", warn]).0, 0);
    assert_eq!(rwf(&["check", "--deny-warnings", warn]).0, 1);
    // The documented example is clean.
    let (code, _, stderr) = rwf(&["check", "--deny-warnings", "examples/rwf.toml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("checked 1 file: no problems"), "{stderr}");
    // A directory walk picks up files named rwf.toml (not other .toml), next to templates.
    let (code, stdout, _) = rwf(&["check", "--format", "json", "tests/fixtures/config"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(
        doc["files"],
        serde_json::json!([
            "tests/fixtures/config/broken/rwf.toml",
            "tests/fixtures/config/warnings/rwf.toml"
        ])
    );
    let (code, stdout, _) = rwf(&["check", "--format", "json", "examples"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let files = doc["files"].as_array().expect("files");
    assert!(files.iter().any(|f| f == "examples/rwf.toml"), "{files:?}");
    assert!(
        files
            .iter()
            .any(|f| f.as_str().is_some_and(|f| f.ends_with(".rwf"))),
        "{files:?}"
    );
    // An unreadable config is a tool error, like a template.
    let (code, _, stderr) = rwf(&["check", "tests/fixtures/config/nope/rwf.toml"]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: cannot read"), "{stderr}");
}

#[test]
fn config_json_and_sarif_outputs() {
    let broken = "tests/fixtures/config/broken/rwf.toml";
    let (code, stdout, _) = rwf(&["check", "--format", "json", broken]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(
        (doc["errors"].as_u64(), doc["warnings"].as_u64()),
        (Some(7), Some(2))
    );
    assert_golden(&golden("check_config_json.json"), &stdout);
    let (code, stdout, _) = rwf(&["check", "--format", "sarif", broken]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("sarif");
    // Config codes are documented rules like any other.
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "RWF106" && r["name"] == "config-bad-duration"),
        "{rules:?}"
    );
    assert_golden(&golden("check_config_sarif.json"), &stdout);
}

#[test]
fn explain_documents_every_config_code() {
    let (code, stdout, _) = rwf(&["check", "--explain", "RWF106"]);
    assert_eq!(code, 0);
    assert_golden(&golden("explain_RWF106.txt"), &stdout);
    for doc in rwf::config::CODES {
        let (code, stdout, stderr) = rwf(&["check", "--explain", doc.code]);
        assert_eq!(code, 0, "{}: {stderr}", doc.code);
        let head = format!("{} {} ({})", doc.code, doc.title, doc.severity.as_str());
        assert!(stdout.starts_with(&head), "{}: {stdout}", doc.code);
    }
}

const CONFIG_SNIPPETS: &[&str] = &[
    "[",
    "]",
    "[[sinks]]\n",
    "[agents.x]\n",
    "[directory.users.x]\n",
    "kind = \"http\"\n",
    "kind = \"command\"\n",
    "teams = [\"",
    "{id}",
    "{",
    "}",
    "\"",
    "'''",
    "=",
    ",",
    ".",
    "#",
    "\n",
    "é",
    "\\u",
    "99999999999999999999",
    "\"0s\"",
    "\"http://\"",
];

#[test]
fn never_panics_on_mutated_configs() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut names = config_fixtures();
    names.push("examples/rwf.toml".into());
    for name in names {
        let text = std::fs::read_to_string(root().join(&name)).expect("config");
        for round in 0..200 {
            let mutated = mutate_with(&text, &mut rng, CONFIG_SNIPPETS);
            let result =
                std::panic::catch_unwind(|| Config::parse(&mutated, "m.toml", Path::new("/cfg")));
            assert!(
                result.is_ok(),
                "panic on mutation {round} of {name}:\n{mutated}"
            );
        }
    }
}

/// `rwf check CONFIG TEMPLATE...` checks each template against the config it will run with: the
/// shipped templates can finish with examples/rwf.toml, and a config that lacks their agents and
/// approvers is caught at the line of each `uses` and `approvers`.
#[test]
fn templates_are_checked_against_the_config_they_run_with() {
    let (code, _, stderr) = rwf(&[
        "check",
        "--deny-warnings",
        "examples/rwf.toml",
        "templates",
        "examples/hooked_release.rwf",
        "examples/first_release.rwf",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("no problems"), "{stderr}");

    let dir = std::env::temp_dir().join(format!("rwf_against_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("rwf.toml");
    std::fs::write(
        &config,
        "[agents.blog-draft-writer]\nkind = \"command\"\nprogram = \"true\"\n\n\
         [directory.users.alice]\nteams = [\"legal\"]\n\n[directory.teams.legal]\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    for args in [
        vec!["check", config, "templates/product_launch.rwf"],
        vec!["check", "--config", config, "templates/product_launch.rwf"],
    ] {
        let (code, _, stderr) = rwf(&args);
        assert_eq!(code, 1, "{stderr}");
        for needle in [
            "RWF130",
            "agent `faq-writer` is not configured",
            "templates/product_launch.rwf:66:13",
            "RWF131",
            "nobody can decide approval `brief_ok`",
            "nobody can decide approval `go_no_go`",
            "RWF133",
        ] {
            assert!(stderr.contains(needle), "missing {needle:?} in\n{stderr}");
        }
    }
    // Without a config, nothing is assumed about agents or people.
    let (code, _, stderr) = rwf(&["check", "templates/product_launch.rwf"]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `--format short`: one `file:line:col: severity: CODE message (help: ...)` line per diagnostic on
/// stdout (what Vim's errorformat in editors/vim reads), the summary on stderr, the same exit codes.
#[test]
fn short_format_is_one_line_per_diagnostic() {
    let (code, stdout, stderr) = rwf(&[
        "check",
        "--format",
        "short",
        "tests/fixtures/check/dependency_cycle.rwf",
        "tests/fixtures/check/params.rwf",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].starts_with(
            "tests/fixtures/check/dependency_cycle.rwf:5:10: error: RWF016 dependency cycle: "
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("tests/fixtures/check/params.rwf:4:9: warning: RWF018 "),
        "{}",
        lines[1]
    );
    assert!(lines.iter().all(|l| l.contains(" (help: ")), "{stdout}");
    assert!(
        stderr.contains("checked 2 files: 3 errors, 1 warning"),
        "{stderr}"
    );
}
