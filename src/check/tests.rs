//! Lints over hand-made specs and source maps (independent of the parser).

use super::*;
use crate::compile::{NameRef, TaskSource};
use crate::spec::*;
use std::collections::BTreeMap;

/// Builds a spec together with a text and a source map whose spans point into it.
struct Builder {
    spec: WorkflowSpec,
    map: SourceMap,
    text: String,
}

fn rel(anchor: Anchor, offsets: &[&str], tod: Option<&str>) -> Schedule {
    Schedule::Relative {
        anchor,
        offsets: offsets.iter().map(|o| o.parse().unwrap()).collect(),
        align: vec![],
        then: vec![],
        time_of_day: tod.map(|t| t.parse().unwrap()),
        timezone: None,
    }
}

fn on(task: &str) -> Anchor {
    Anchor::Task {
        task: task.into(),
        point: AnchorPoint::Due,
    }
}

fn approval(approvers: Vec<Scope>, quorum: u32) -> Step {
    Step::Approval {
        approvers,
        quorum,
        deadline: None,
        remind_every: None,
        on_reject: RejectPolicy::NeedsRevision,
        on_expire: ExpirePolicy::Remind,
        not_author_of: None,
    }
}

impl Builder {
    fn new(params: &[&str]) -> Builder {
        let mut b = Builder {
            spec: WorkflowSpec {
                name: "T".into(),
                ..WorkflowSpec::new("t")
            },
            map: SourceMap {
                file: "t.rwf".into(),
                ..SourceMap::default()
            },
            text: String::new(),
        };
        b.map.template = b.push("template t \"T\" version 1 {");
        b.newline();
        for p in ["release"].iter().chain(params) {
            b.push("param ");
            let span = b.push(p);
            b.newline();
            b.map.params.push(span);
            b.spec.params.push(ParamSpec {
                name: p.to_string(),
                ty: if *p == "release" {
                    ParamType::Datetime
                } else {
                    ParamType::String
                },
                default: None,
                description: None,
            });
        }
        b
    }

    fn push(&mut self, s: &str) -> std::ops::Range<usize> {
        let start = self.text.len();
        self.text.push_str(s);
        start..self.text.len()
    }

    fn newline(&mut self) {
        self.text.push('\n');
    }

    /// `kind key { after deps at schedule }` on one line.
    fn task(mut self, key: &str, step: Step, deps: &[&str], schedule: Option<Schedule>) -> Builder {
        let whole_start = self.text.len();
        self.push(step.kind().as_str());
        self.push(" ");
        let key_span = self.push(key);
        self.push(&format!(" \"{key} title\" {{"));
        let mut src = TaskSource {
            key: key_span,
            ..TaskSource::default()
        };
        if !deps.is_empty() {
            self.push(" after ");
            for (k, d) in deps.iter().enumerate() {
                if k > 0 {
                    self.push(", ");
                }
                src.deps.push(self.push(d));
            }
        }
        if let Some(Schedule::Relative { anchor, .. }) = &schedule {
            let s = self.push(" at ").end;
            let name = match anchor {
                Anchor::Release => "release".to_string(),
                Anchor::Task { task, .. } => task.clone(),
                Anchor::Param { param } => param.clone(),
            };
            src.anchor = Some(self.push(&name));
            src.schedule = Some(s..self.push(" + offsets").end);
        }
        if let Step::Approval { .. } = step {
            src.fields.insert("approvers", self.push(" approvers x"));
            src.fields.insert("quorum", self.push(" quorum n"));
        }
        self.push(" }");
        src.whole = whole_start..self.text.len();
        self.newline();
        self.spec.tasks.push(TaskSpec {
            title: format!("{key} title"),
            schedule,
            depends_on: deps
                .iter()
                .map(|d| Dependency {
                    task: d.to_string(),
                    outcome: EdgeOutcome::Success,
                })
                .collect(),
            ..TaskSpec::new(key, step)
        });
        self.map.tasks.push(src);
        self
    }

    fn checkpoint(self, key: &str, deps: &[&str]) -> Builder {
        self.task(key, Step::Checkpoint, deps, None)
    }

    fn lint(&self) -> Vec<Diagnostic> {
        let mut d = lint_spec("t.rwf", &self.text, &self.spec, &self.map);
        sort(&mut d);
        d
    }

    /// `(code, text at the primary span, message)` of every finding.
    fn findings(&self) -> Vec<(&'static str, String, String)> {
        self.lint()
            .into_iter()
            .map(|d| {
                let at = d
                    .span
                    .clone()
                    .map(|s| self.text[s].to_string())
                    .unwrap_or_default();
                (d.code, at, d.message)
            })
            .collect()
    }

    fn codes(&self) -> Vec<&'static str> {
        self.lint().into_iter().map(|d| d.code).collect()
    }
}

fn t(code: &'static str, at: &str, message: &str) -> (&'static str, String, String) {
    (code, at.to_string(), message.to_string())
}

#[test]
fn a_clean_template_has_no_findings() {
    let b = Builder::new(&[])
        .task(
            "a",
            Step::Checkpoint,
            &[],
            Some(rel(Anchor::Release, &["-3d"], None)),
        )
        .task(
            "b",
            approval(vec![Scope::Team("legal".into())], 1),
            &["a"],
            Some(rel(on("a"), &["1d"], None)),
        )
        .checkpoint("c", &["b"]);
    assert_eq!(b.findings(), []);
}

#[test]
fn duplicate_keys_unknown_and_self_dependencies() {
    let b = Builder::new(&[])
        .checkpoint("a", &[])
        .checkpoint("a", &["a", "kickof"])
        .checkpoint("kickoff", &["a", "a"]);
    assert_eq!(
        b.findings(),
        [
            t("RWF012", "a", "duplicate task key `a`"),
            t("RWF015", "a", "`a` depends on itself"),
            t("RWF013", "kickof", "`a` depends on unknown task `kickof`"),
            t("RWF032", "a", "`kickoff` lists `a` twice in `after`"),
        ]
    );
    let help = b
        .lint()
        .into_iter()
        .find(|d| d.code == "RWF013")
        .unwrap()
        .help;
    assert_eq!(help.as_deref(), Some("did you mean `kickoff`?"));
}

#[test]
fn a_dependency_cycle_labels_every_edge() {
    let b = Builder::new(&[])
        .checkpoint("a", &["c"])
        .checkpoint("b", &["a"])
        .checkpoint("c", &["b"])
        .checkpoint("d", &["a"]);
    let d = b.lint();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "RWF016");
    assert_eq!(d[0].message, "dependency cycle: a → c → b → a");
    let labels: Vec<_> = d[0]
        .labels
        .iter()
        .map(|l| (&b.text[l.span.clone()], l.message.as_str()))
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
fn anchor_cycles_and_unknown_anchors() {
    let b = Builder::new(&[])
        .task(
            "a",
            Step::Checkpoint,
            &[],
            Some(rel(on("b"), &["1d"], None)),
        )
        .task(
            "b",
            Step::Checkpoint,
            &[],
            Some(rel(on("a"), &["-1d"], None)),
        )
        .task("c", Step::Checkpoint, &[], Some(rel(on("c"), &[], None)))
        .task("d", Step::Checkpoint, &[], Some(rel(on("nope"), &[], None)));
    assert_eq!(
        b.findings(),
        [
            t("RWF017", "a", "anchor cycle: a → b → a"),
            t("RWF017", "c", "anchor cycle: c → c"),
            t("RWF014", "nope", "`d` is anchored to unknown task `nope`"),
        ]
    );
}

#[test]
fn params_unused_and_undefined() {
    let mut b = Builder::new(&["product", "budget"]);
    b.spec.tasks.push(TaskSpec {
        title: "Launch ${product} ${prodcut}".into(),
        ..TaskSpec::new("x", Step::Checkpoint)
    });
    b = b.checkpoint("y", &[]);
    let span = b.push("${kickoff}");
    b.map.param_refs.push(NameRef {
        name: "kickoff".into(),
        span,
    });
    b.map.param_refs.push(NameRef {
        name: "y.output.url".into(),
        span: 0..1,
    });
    let got = b.findings();
    assert_eq!(
        got.iter().map(|f| (f.0, f.2.as_str())).collect::<Vec<_>>(),
        [
            ("RWF018", "param `budget` is never used"),
            ("RWF019", "undefined param `prodcut`"),
            ("RWF019", "undefined param `kickoff`"),
        ]
    );
    let helps: Vec<_> = b.lint().into_iter().filter_map(|d| d.help).collect();
    assert!(
        helps.contains(&"did you mean `product`?".to_string()),
        "{helps:?}"
    );
}

#[test]
fn timezones_approvers_and_quorums() {
    let mut b = Builder::new(&[])
        .task(
            "a",
            Step::Checkpoint,
            &[],
            Some(Schedule::Pinned {
                at: "2026-10-01T16:00:00".parse().unwrap(),
                timezone: Some("Europe/Londn".into()),
            }),
        )
        .task("b", approval(vec![], 1), &[], None)
        .task(
            "c",
            approval(
                vec![
                    Scope::User("ann".into()),
                    Scope::User("ann".into()),
                    Scope::User("bob".into()),
                ],
                3,
            ),
            &[],
            None,
        )
        .task(
            "d",
            approval(
                vec![Scope::User("ann".into()), Scope::Team("eng".into())],
                5,
            ),
            &[],
            None,
        )
        .task(
            "e",
            approval(vec![Scope::Channel("#x".into())], 0),
            &[],
            None,
        )
        .checkpoint("z", &["b", "c", "d", "e"]);
    b.spec.target.timezone = TzRef::Literal("Mars/Olympus".into());
    assert_eq!(
        b.findings()
            .into_iter()
            .map(|f| (f.0, f.2))
            .collect::<Vec<_>>(),
        [
            ("RWF020", "unknown timezone `Mars/Olympus`".to_string()),
            ("RWF020", "unknown timezone `Europe/Londn`".to_string()),
            ("RWF021", "approval `b` has no approvers".to_string()),
            (
                "RWF022",
                "quorum 3 of approval `c` exceeds its 2 approvers".to_string()
            ),
            ("RWF021", "channel `#x` cannot approve `e`".to_string()),
            ("RWF022", "approval `e` has quorum 0".to_string()),
        ]
    );
}

#[test]
fn timing_warnings_follow_anchor_chains() {
    let b = Builder::new(&[])
        .task(
            "review",
            Step::Checkpoint,
            &[],
            Some(rel(Anchor::Release, &["-3d"], None)),
        )
        .task(
            "prep",
            Step::Checkpoint,
            &["review"],
            Some(rel(Anchor::Release, &["-5d"], None)),
        )
        .task(
            "later",
            Step::Checkpoint,
            &["review"],
            Some(rel(on("review"), &["-1h"], None)),
        )
        .task(
            "fine",
            Step::Checkpoint,
            &["review"],
            Some(rel(on("review"), &["1d"], None)),
        )
        .task(
            "far",
            Step::Checkpoint,
            &[],
            Some(rel(on("fine"), &["-2w", "-800d"], None)),
        )
        .task(
            "morning",
            Step::Checkpoint,
            &[],
            Some(rel(Anchor::Release, &["-1d"], Some("09:00"))),
        )
        .task(
            "evening",
            Step::Checkpoint,
            &["morning"],
            Some(rel(on("morning"), &[], Some("08:00"))),
        )
        .task(
            "same_day",
            Step::Checkpoint,
            &["review"],
            Some(rel(Anchor::Release, &["-3d"], Some("01:00"))),
        );
    assert_eq!(
        b.findings()
            .into_iter()
            .map(|f| (f.0, f.2))
            .collect::<Vec<_>>(),
        [
            (
                "RWF023",
                "`prep` is scheduled before `review`, which it depends on".to_string()
            ),
            (
                "RWF023",
                "`later` is scheduled before `review`, which it depends on".to_string()
            ),
            (
                "RWF024",
                "`far` is scheduled about 816 days before the release".to_string()
            ),
            (
                "RWF023",
                "`evening` is scheduled before `morning`, which it depends on".to_string()
            ),
        ]
    );
}

#[test]
fn outputs_must_be_upstream_and_exist() {
    let input = |task: &str| {
        BTreeMap::from([(
            "x".to_string(),
            Expr::Output {
                task: task.into(),
                path: vec!["url".into()],
            },
        )])
    };
    let agent = |task: &str| Step::Agent {
        uses: "w".into(),
        input: input(task),
        timeout: None,
    };
    let b = Builder::new(&[])
        .checkpoint("a", &[])
        .checkpoint("b", &["a"])
        .task("ok", agent("a"), &["b"], None)
        .task("bad", agent("ok"), &["a"], None)
        .task("ghost", agent("nope"), &[], None)
        .task(
            "tell",
            Step::Notification {
                to: vec![Scope::Channel("#x".into())],
                message: "${bad.output.url}".into(),
            },
            &["bad"],
            None,
        );
    assert_eq!(
        b.findings()
            .into_iter()
            .map(|f| (f.0, f.2))
            .collect::<Vec<_>>(),
        [
            (
                "RWF028",
                "`bad` reads the output of `ok`, which is not upstream of it".to_string()
            ),
            ("RWF033", "output of unknown task `nope`".to_string()),
        ]
    );
}

#[test]
fn approvals_waits_and_separation_of_duties() {
    let mut lonely = approval(vec![Scope::Team("legal".into())], 1);
    if let Step::Approval { not_author_of, .. } = &mut lonely {
        *not_author_of = Some("drfat".into());
    }
    let b = Builder::new(&[])
        .checkpoint("draft", &[])
        .task("legal", lonely, &["draft"], None)
        .task(
            "cool",
            Step::Wait {
                duration: None,
                until: None,
            },
            &[],
            None,
        );
    assert_eq!(
        b.codes(),
        ["RWF029", "RWF030", "RWF031"],
        "{:?}",
        b.findings()
    );
}

#[test]
fn limits() {
    let mut b = Builder::new(&[]);
    for i in 0..=10_000 {
        b = b.checkpoint(&format!("t{i}"), &[]);
    }
    assert_eq!(b.codes(), ["RWF025"]);

    let mut deep = Expr::Literal(serde_json::json!(1));
    for _ in 0..40 {
        deep = Expr::List(vec![deep]);
    }
    let big = Expr::Literal(serde_json::json!("x".repeat(70_000)));
    let b = Builder::new(&[])
        .task(
            "a",
            Step::Agent {
                uses: "w".into(),
                input: BTreeMap::from([("d".into(), deep)]),
                timeout: None,
            },
            &[],
            None,
        )
        .task(
            "b",
            Step::Agent {
                uses: "w".into(),
                input: BTreeMap::from([("d".into(), big)]),
                timeout: None,
            },
            &[],
            None,
        );
    assert_eq!(b.codes(), ["RWF027", "RWF026"]);
}

#[test]
fn every_lint_is_registered_once_in_codes() {
    let lint_codes: Vec<_> = lints::ALL.iter().map(|l| l.doc.code).collect();
    let codes: Vec<_> = CODES.iter().map(|d| d.code).skip(2).collect();
    assert_eq!(lint_codes, codes);
    for doc in CODES {
        assert!(("RWF010".."RWF050").contains(&doc.code), "{}", doc.code);
    }
}

#[test]
fn quorums_are_counted_against_a_known_directory() {
    use crate::config::{Directory, Team};
    let text = |approvers: &str, quorum: u32| {
        format!(
            "template t \"T\" {{\n  param release: datetime\n  target release in \"UTC\"\n  \
             approval a \"A\" {{ approvers {approvers} quorum {quorum} at release }}\n}}\n"
        )
    };
    let mut directory = Directory::default();
    directory.teams.insert(
        "legal".into(),
        Team {
            name: None,
            members: ["ann".to_string(), "bob".to_string()].into(),
        },
    );
    directory.org_admins.insert("root".into());
    let with = CheckOptions {
        directory: Some(directory),
        ..CheckOptions::default()
    };
    let codes = |src: &str, options: &CheckOptions| -> Vec<(&'static str, String)> {
        check_source("t.rwf", src, &crate::compile::FsLoader, options)
            .into_iter()
            .filter(|d| d.code == "RWF022")
            .map(|d| (d.code, d.message))
            .collect()
    };
    let over = "quorum 100000 of approval `a` exceeds the 2 people of team:legal in the directory";
    for (approvers, quorum, expected) in [
        ("team(\"legal\")", 2, vec![]),
        (
            "team(\"legal\")",
            100_000,
            vec![("RWF022", over.to_string())],
        ),
        // A user also in the team counts once; the org's admins add theirs.
        (
            "team(\"legal\"), user(\"ann\"), organization(\"acme\")",
            4,
            vec![(
                "RWF022",
                "quorum 4 of approval `a` exceeds the 3 people of team:legal, user:ann, \
                 organization:acme in the directory"
                    .to_string(),
            )],
        ),
        // A team the directory does not declare has an unknown size.
        ("team(\"ops\")", 100_000, vec![]),
    ] {
        assert_eq!(
            codes(&text(approvers, quorum), &with),
            expected,
            "{approvers} quorum {quorum}"
        );
    }
    // Without a directory, teams are not counted.
    assert_eq!(
        codes(&text("team(\"legal\")", 100_000), &CheckOptions::default()),
        []
    );
}
