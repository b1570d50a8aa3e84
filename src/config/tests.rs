//! Config parsing, validation at line:col, discovery and the directory.

use super::*;
use crate::diagnostic::LineIndex;

/// `code line:col` of every diagnostic, in order.
fn located(text: &str) -> Vec<String> {
    let loaded = Config::parse(text, "rwf.toml", Path::new("/cfg"));
    let index = LineIndex::new(text);
    loaded
        .diagnostics
        .iter()
        .map(|d| {
            let at = d.span.clone().map(|s| index.line_col(s.start));
            match at {
                Some(lc) => format!("{} {}:{}", d.code, lc.line, lc.col),
                None => d.code.to_string(),
            }
        })
        .collect()
}

#[test]
fn problems_are_located() {
    let cases: &[(&str, &[&str])] = &[
        ("[agents.w\nkind = 1", &["RWF100 1:10"]),
        ("[agents.w]\nkind = \"command\"\nprogram = \"x\"\ntimout = \"5m\"", &["RWF101 4:1"]),
        ("[agents.w]\nkind = \"command\"\nprogram = \"x\"\nargs = \"--fast\"", &["RWF102 4:8"]),
        ("[agents.w]\nkind = \"lambda\"", &["RWF103 2:8"]),
        ("[agents.w]\nkind = \"http\"", &["RWF104 1:1"]),
        ("[agents.w]\nkind = \"command\"\nprogram = \"x\"\nurl = \"http://h\"", &["RWF105 4:7"]),
        ("[agents.w]\nkind = \"command\"\nprogram = \"x\"\ntimeout = \"10 min\"", &["RWF106 4:11"]),
        ("[agents.w]\nkind = \"http\"\nurl = \"localhost:9000\"", &["RWF107 3:7"]),
        ("[agents.w]\nkind = \"http\"\nurl = \"http://h/runs\"\nstatus_url = \"http://h/{run}\"", &["RWF108 4:14"]),
        ("[[sinks]]\nkind = \"webhook\"\nurl = \"http://h\"\nkinds = [\"task_failed\", \"approval_needd\"]", &["RWF109 4:25"]),
        ("[directory.teams.legal]\n[directory.users.alice]\nteams = [\"legl\"]", &["RWF110 3:10"]),
        ("[directory]\norg_admins = [\"bobb\"]\n[directory.users.bob]", &["RWF111 2:15"]),
        ("[agents.\"builtin:echo\"]\nkind = \"command\"\nprogram = \"x\"", &["RWF113 1:9"]),
        ("[agents.w]\nkind = \"http\"\nurl = \"http://h\"\nheaders = { \"Bad Name\" = \"x\" }", &["RWF114 4:13"]),
        ("[agents.w]\nkind = \"command\"\nprogram = \"\"", &["RWF115 3:11"]),
        ("[[sinks]]\nkind = \"pager\"", &["RWF103 2:8"]),
        ("[[sinks]]\nkind = \"command\"\nurl = \"http://h\"", &["RWF105 3:7", "RWF104 1:1"]),
        ("[delivery]\ninitial_backoff = \"soon\"", &["RWF106 2:19"]),
        ("[server]\nviewers = [\"team:release\", \"legal\"]", &["RWF119 2:28"]),
        ("[server]\npushers = [\"channel:#ops\"]", &["RWF119 2:12"]),
        ("[server]\nproxy_user_header = \"Bad Name\"", &["RWF114 2:21"]),
        ("[server]\nviewers = [\"service:ci\", \"org:acme\", \"user:vic\"]", &[]),
        // Two sinks of one name (given, or the default `{kind}-{n}`): the second is the error.
        (
            "[[sinks]]\nname = \"ops\"\nkind = \"webhook\"\nurl = \"http://a\"\n[[sinks]]\nname = \"ops\"\nkind = \"webhook\"\nurl = \"http://b\"",
            &["RWF116 6:8"],
        ),
        (
            "[[sinks]]\nkind = \"webhook\"\nurl = \"http://a\"\n[[sinks]]\nname = \"webhook-1\"\nkind = \"webhook\"\nurl = \"http://b\"",
            &["RWF116 5:8"],
        ),
        // Every problem in the file, not just the first.
        (
            "[agents.a]\nkind = \"command\"\nprogram = \"x\"\ntimeout = \"x\"\n[agents.b]\nkind = \"http\"\nurl = \"ftp://h\"",
            &["RWF106 4:11", "RWF107 7:7"],
        ),
        ("", &[]),
    ];
    for (text, expected) in cases {
        assert_eq!(&located(text), expected, "for:\n{text}");
    }
}

#[test]
fn every_emitted_code_is_documented_and_in_range() {
    for doc in CODES {
        let n: u32 = doc.code[3..].parse().unwrap();
        assert!((100..=119).contains(&n), "{}", doc.code);
        assert!(doc.title.starts_with("config-"));
    }
    let mut seen: Vec<&str> = CODES.iter().map(|d| d.code).collect();
    seen.dedup();
    assert_eq!(seen.len(), CODES.len());
}

#[test]
fn messages_are_lowercase_with_help() {
    let loaded = Config::parse(
        "[agents.w]\nkind = \"command\"\nbogus = 1",
        "rwf.toml",
        Path::new("."),
    );
    let d = &loaded.diagnostics[0];
    assert!(
        d.message.starts_with("unknown field `bogus`"),
        "{}",
        d.message
    );
    assert!(d.help.is_some());
    assert_eq!(d.file.as_deref(), Some("rwf.toml"));
    assert!(loaded.config.is_none());
}

#[test]
fn warnings_keep_the_config() {
    let loaded = Config::parse(
        "[directory]\norg_admins = [\"bobb\"]\n[directory.users.bob]",
        "rwf.toml",
        Path::new("."),
    );
    assert_eq!(loaded.diagnostics.len(), 1);
    assert!(loaded.config.is_some());
}

#[test]
fn agents_and_sinks_are_built() {
    let text = r#"
[agents.writer]
kind = "command"
program = "agents/draft.sh"
args = ["--tone", "calm"]
timeout = "10m"
env = { MODEL = "small" }

[agents.reviewer]
kind = "http"
url = "http://127.0.0.1:9000/runs"
status_url = "http://127.0.0.1:9000/runs/{id}"
headers = { Authorization = "Bearer x" }
timeout = "1h"
poll_interval = "2s"
max_retries = 3

[[sinks]]
kind = "webhook"
url = "https://hooks.example.com/rwf"
kinds = ["approval_needed"]

[[sinks]]
name = "team-chat"
kind = "slack"
url = "https://hooks.slack.com/services/T/B/X"
blocks = true

[[sinks]]
kind = "command"
program = "/usr/bin/logger"

[delivery]
max_attempts = 4
initial_backoff = "1s"
"#;
    let loaded = Config::parse(text, "rwf.toml", Path::new("/etc/rwf"));
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let config = loaded.config.unwrap();
    match &config.agents["writer"] {
        AgentConfig::Command(c) => {
            assert_eq!(c.program, Path::new("/etc/rwf/agents/draft.sh"));
            assert_eq!(c.args, ["--tone", "calm"]);
            assert_eq!(c.timeout, Some(std::time::Duration::from_secs(600)));
            assert_eq!(c.env["MODEL"], "small");
        }
        other => panic!("{other:?}"),
    }
    match &config.agents["reviewer"] {
        AgentConfig::Http(h) => {
            assert_eq!(h.poll_interval, std::time::Duration::from_secs(2));
            assert_eq!(h.retry.max_retries, 3);
            assert_eq!(h.headers, [("Authorization".into(), "Bearer x".into())]);
        }
        other => panic!("{other:?}"),
    }
    let registry = super::AgentRegistry::new(&config, None);
    assert_eq!(
        registry.agent_names().collect::<Vec<_>>(),
        ["reviewer", "writer"]
    );
    let names: Vec<&str> = config.sinks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["webhook-1", "team-chat", "command-3"]);
    let routes = config.routes();
    assert!(routes[0].accepts("approval_needed") && !routes[0].accepts("task_failed"));
    assert!(routes[1].accepts("task_failed"));
    assert_eq!(config.delivery.max_attempts, 4);
    assert_eq!(
        config.delivery.initial_backoff,
        std::time::Duration::from_secs(1)
    );
}

#[test]
fn discovery_searches_upward() {
    let root = std::env::temp_dir().join(format!("rwf-config-{}", uuid::Uuid::new_v4()));
    let deep = root.join("templates/launch/sub");
    std::fs::create_dir_all(&deep).unwrap();
    assert_eq!(discover(&deep).filter(|p| p.starts_with(&root)), None);
    std::fs::write(
        root.join(FILE_NAME),
        "[agents.w]\nkind = \"command\"\nprogram = \"./w.sh\"\n",
    )
    .unwrap();
    assert_eq!(discover(&deep), Some(root.join(FILE_NAME)));
    let file = deep.join("launch.rwf");
    std::fs::write(&file, "").unwrap();
    assert_eq!(discover(&file), Some(root.join(FILE_NAME)));
    // A nearer one wins.
    std::fs::write(root.join("templates").join(FILE_NAME), "").unwrap();
    assert_eq!(
        discover(&deep),
        Some(root.join("templates").join(FILE_NAME))
    );

    let loaded = Config::resolve(None, &root.join("templates/launch"));
    assert!(loaded.config.unwrap().agents.is_empty());
    let loaded = Config::resolve(Some(&root.join(FILE_NAME)), &deep);
    let config = loaded.config.unwrap();
    assert_eq!(config.path, Some(root.join(FILE_NAME)));
    match &config.agents["w"] {
        AgentConfig::Command(c) => assert_eq!(c.program, root.join("./w.sh")),
        other => panic!("{other:?}"),
    }
    let missing = Config::resolve(Some(&root.join("nope.toml")), &deep);
    assert_eq!(missing.diagnostics[0].code, "RWF112");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn directory_from_toml() {
    let text = r#"
[directory]
org_admins = ["root"]
[directory.users.alice]
email = "alice@example.com"
teams = ["legal"]
[directory.users.root]
[directory.teams.legal]
name = "Legal"
[directory.teams.security]
members = ["alice"]
"#;
    let config = Config::parse(text, "rwf.toml", Path::new("."))
        .config
        .unwrap();
    let d = &config.directory;
    assert!(d.is_in_scope("alice", &crate::spec::Scope::Team("legal".into())));
    assert!(d.is_in_scope("alice", &crate::spec::Scope::Team("security".into())));
    assert!(!d.is_in_scope("root", &crate::spec::Scope::Team("legal".into())));
    assert!(d.is_in_scope("root", &crate::spec::Scope::Organization("acme".into())));
    assert_eq!(d.users["alice"].email.as_deref(), Some("alice@example.com"));
}

#[test]
fn the_documented_example_is_clean() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rwf.toml");
    let loaded = Config::load(&path);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let config = loaded.config.unwrap();
    assert_eq!(config.agents.len(), 15);
    assert_eq!(config.sinks.len(), 3);
    assert!(config
        .directory
        .is_in_scope("bob", &crate::spec::Scope::Team("legal".into())));
    assert!(config.agents.contains_key("blog-draft-writer"));
}

#[test]
fn rendered_for_the_terminal() {
    let loaded = Config::parse(
        "[agents.w]\nkind = \"command\"\nprogram = \"x\"\ntimeout = \"soon\"",
        "conf/rwf.toml",
        Path::new("."),
    );
    let errors = loaded.into_result().unwrap_err();
    assert_eq!(
        errors,
        ["conf/rwf.toml:4:11: error[RWF106]: invalid duration `soon` (help: write amounts with units ms, s, m, h, d, e.g. `10m` or `1h30m`)"]
    );
}

#[test]
fn a_relative_program_still_resolves_when_the_agent_runs_in_its_cwd() {
    // The worker is started with a relative `--config`; the agent runs in `cwd = "."` (the config's
    // directory), so the program path must not stay relative to where rwf was started.
    let loaded = Config::load(Path::new("examples/rwf.toml"));
    let config = loaded.config.expect("the example loads");
    let AgentConfig::Command(agent) = &config.agents["blog-draft-writer"] else {
        panic!("a command agent")
    };
    assert!(agent.program.is_absolute(), "{:?}", agent.program);
    assert!(agent.program.is_file(), "{:?}", agent.program);
}
