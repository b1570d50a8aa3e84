//! Editing running releases on Postgres: draft replacement, paused edits that keep run state, the
//! refusals (evidence, frozen fields, stale versions) that leave the database exactly as it was,
//! approvals reopened when their packet changes, retargeting, a decision racing an edit, and the CLI.

#[path = "support/pg.rs"]
mod pg;
#[path = "support/rig.rs"]
mod rig;
#[path = "support/specs.rs"]
mod specs;

use chrono::Duration;
use rig::{rig, Rig};
use rwf::engine::edit_plan::{fixed_times, EditRefusal};
use rwf::engine::{Snapshot, Verdict};
use rwf::spec::{Schedule, WorkflowSpec};
use rwf::store::{EditOptions, EditResult, LifecycleVerb, StoreError};
use specs::*;
use std::process::Command;
use uuid::Uuid;

fn opts(dry_run: bool, expect: Option<i64>) -> EditOptions<'static> {
    EditOptions {
        actor: "ann",
        expect_version: expect,
        dry_run,
        allow_active: false,
        event: "workflow_edited",
        template: None,
    }
}

/// The spec changed by `f`, resolved the way the CLI does (tasks that ran keep their times).
fn edited(
    f: impl FnOnce(&mut WorkflowSpec) + Send,
) -> impl FnOnce(&Snapshot) -> Result<(WorkflowSpec, rwf::schedule::Plan), String> {
    move |snapshot| {
        let mut spec = (*snapshot.spec).clone();
        f(&mut spec);
        let target = rwf::schedule::target_of(&spec).map_err(|d| format!("{d:?}"))?;
        let plan = rwf::schedule::resolve(&spec, &target, &fixed_times(snapshot))
            .map_err(|d| format!("{d:?}"))?;
        Ok((spec, plan))
    }
}

impl Rig {
    /// Started, run until idle, then paused: where the edits of a running release start from.
    async fn started_and_paused(&self, key: &str, tasks: Vec<T>) -> Uuid {
        let id = self.started(key, tasks).await;
        self.worker.run_until_idle().await.unwrap();
        self.store
            .transition(id, LifecycleVerb::Pause, "ann")
            .await
            .unwrap();
        id
    }
    async fn edit(
        &self,
        id: Uuid,
        o: EditOptions<'_>,
        f: impl FnOnce(&mut WorkflowSpec) + Send,
    ) -> Result<Result<EditResult, Vec<EditRefusal>>, StoreError> {
        self.store.edit_workflow(id, o, edited(f)).await
    }
    /// Every row of every rwf.* table, as text, for before/after comparison.
    async fn dump(&self) -> String {
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'rwf' ORDER BY 1",
        )
        .fetch_all(self.store.pool())
        .await
        .unwrap();
        assert!(tables.len() >= 10, "all rwf tables are dumped: {tables:?}");
        let mut out = String::new();
        for (t,) in tables {
            let (rows,): (Option<String>,) = sqlx::query_as(&format!(
                "SELECT string_agg(x::text, E'\\n' ORDER BY x::text) FROM rwf.{t} x"
            ))
            .fetch_one(self.store.pool())
            .await
            .unwrap();
            out.push_str(&format!("== {t}\n{}\n", rows.unwrap_or_default()));
        }
        out
    }
    async fn approval_rounds(&self, id: Uuid, task: &str) -> Vec<(i32, String)> {
        sqlx::query_as(
            "SELECT round, status FROM rwf.approvals WHERE workflow_id = $1 AND task_key = $2 ORDER BY round",
        )
        .bind(id)
        .bind(task)
        .fetch_all(self.store.pool())
        .await
        .unwrap()
    }
    fn rwf(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_rwf"))
            .args(args)
            .arg("--database-url")
            .arg(&self.db.url)
            .output()
            .expect("run rwf");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn refusals(r: Result<Result<EditResult, Vec<EditRefusal>>, StoreError>) -> Vec<String> {
    match r.expect("no store error") {
        Ok(_) => panic!("the edit should be refused"),
        Err(v) => v.iter().map(|r| r.to_string()).collect(),
    }
}

fn applied(r: Result<Result<EditResult, Vec<EditRefusal>>, StoreError>) -> EditResult {
    match r.expect("no store error") {
        Ok(e) => e,
        Err(v) => panic!("refused: {v:?}"),
    }
}

/// A workflow of `template` at its defaults for `release`, created and started.
async fn started_from(
    r: &Rig,
    template: &WorkflowSpec,
    release: chrono::DateTime<chrono::Utc>,
) -> Uuid {
    let inputs = rwf::compile::Inputs {
        release: Some(release.to_rfc3339()),
        ..Default::default()
    };
    let (bound, plan) = rwf::ops::instantiate(template, &inputs).unwrap();
    let id = r
        .store
        .create_workflow(rwf::store::NewWorkflow {
            template,
            spec: &bound,
            plan: &plan,
            actor: "ann",
        })
        .await
        .unwrap();
    r.store
        .transition(id, LifecycleVerb::Start, "ann")
        .await
        .unwrap();
    id
}

fn draft_task(key: &str) -> T {
    agent(key, "builtin:succeed")
}

/// A succeeding draft at hour 0 and a manual review at hour 5 after it.
fn draft_then_review() -> Vec<T> {
    vec![
        draft_task("draft").at(0),
        manual("review").at(5).after("draft"),
    ]
}

/// A succeeding draft at hour 0, a legal sign-off by lea after it, and a manual ship step after that.
fn draft_legal_ship() -> Vec<T> {
    vec![
        draft_task("draft").at(0),
        approval("legal", &["lea"], 1).after("draft"),
        manual("ship").after("legal"),
    ]
}

#[tokio::test]
async fn a_draft_is_replaced_outright() {
    let r = rig().await;
    let id = create(
        &r.store,
        spec_of(
            "rel",
            vec![checkpoint("a").at(10), manual("b").at(20).after("a")],
        ),
        base(),
    )
    .await;
    let res = applied(
        r.edit(id, opts(false, None), |s| {
            s.tasks.retain(|t| t.key != "b");
            s.tasks[0].title = "Kickoff".into();
            s.tasks.push(manual("c").at(30).after("a").spec);
        })
        .await,
    );
    assert_eq!(res.plan.added, ["c"]);
    assert_eq!(res.plan.removed, ["b"]);
    assert_eq!(res.plan.changed[0].fields[0].field, "title");
    let tasks = r.store.tasks(id).await.unwrap();
    let keys: Vec<&str> = tasks.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["a", "c"]);
    assert_eq!(tasks[0].title, "Kickoff");
    assert_eq!(tasks[1].planned_start, Some(base() + Duration::hours(30)));
    let deps: Vec<(String, String)> =
        sqlx::query_as("SELECT task_key, upstream FROM rwf.dependencies WHERE workflow_id = $1")
            .bind(id)
            .fetch_all(r.store.pool())
            .await
            .unwrap();
    assert_eq!(deps, [("c".to_string(), "a".to_string())]);
    let wf = r.store.workflow(id).await.unwrap();
    assert_eq!(wf.lock_version, res.lock_version);
    let events = r.store.events(id, 0).await.unwrap();
    let edit = events
        .iter()
        .find(|e| e.kind == "workflow_edited")
        .expect("one edit event");
    assert_eq!(edit.data["diff"]["added"], serde_json::json!(["c"]));
    assert_eq!(edit.data["diff"]["removed"], serde_json::json!(["b"]));
}

#[tokio::test]
async fn a_paused_edit_keeps_run_state_and_allows_planning_fields() {
    let r = rig().await;
    let id = r.started_and_paused("rel", draft_then_review()).await;
    let before = r.task(id, "draft").await;
    assert_eq!((before.status.as_str(), before.attempts), ("succeeded", 1));
    let res = applied(
        r.edit(id, opts(false, None), |s| {
            s.tasks[0].title = "Draft the notes".into();
            s.tasks[0].labels = vec!["docs".into()];
            s.tasks[1].schedule = manual("review").at(8).spec.schedule;
            s.tasks.push(manual("announce").at(9).after("review").spec);
        })
        .await,
    );
    assert_eq!(res.plan.added, ["announce"]);
    assert_eq!(res.plan.moved.len(), 1, "{:?}", res.plan.moved);
    assert_eq!(res.plan.moved[0].task, "review");
    let after = r.task(id, "draft").await;
    assert_eq!(after.title, "Draft the notes");
    assert_eq!(after.attempts, 1, "attempts are kept");
    assert_eq!(after.status, "succeeded");
    assert_eq!(after.actual_start, before.actual_start);
    assert_eq!(after.output, before.output);
    assert_eq!(
        r.task(id, "review").await.planned_start,
        Some(base() + Duration::hours(8))
    );
    assert_eq!(r.task(id, "announce").await.status, "pending");
    assert_eq!(r.store.workflow(id).await.unwrap().status, "paused");
}

#[tokio::test]
async fn refused_edits_and_dry_runs_leave_the_database_exactly_as_before() {
    let r = rig().await;
    let id = r.started_and_paused("rel", draft_then_review()).await;
    let before = r.dump().await;

    let why = refusals(
        r.edit(id, opts(false, None), |s| {
            s.tasks.retain(|t| t.key != "draft")
        })
        .await,
    );
    assert!(
        why.iter()
            .any(|w| w.contains("`draft`") && w.contains("1 attempt")),
        "{why:?}"
    );
    assert_eq!(r.dump().await, before, "removal refused: nothing written");

    let why = refusals(
        r.edit(id, opts(false, None), |s| {
            if let rwf::spec::Step::Agent { uses, .. } = &mut s.tasks[0].step {
                *uses = "builtin:fail".into();
            }
            s.tasks[0].policy.retry.max_attempts = 7;
        })
        .await,
    );
    assert!(
        why.iter().any(|w| w.contains("`step.uses` is frozen")),
        "{why:?}"
    );
    assert!(
        why.iter().any(|w| w.contains("`policy` is frozen")),
        "{why:?}"
    );
    assert_eq!(
        r.dump().await,
        before,
        "frozen field refused: nothing written"
    );

    let version = r.store.workflow(id).await.unwrap().lock_version;
    let stale = r
        .edit(id, opts(false, Some(version - 1)), |s| {
            s.tasks[1].title = "x".into()
        })
        .await;
    match stale {
        Err(StoreError::Refused(m)) => assert!(m.contains("changed since you loaded it"), "{m}"),
        _ => panic!("a stale version must be refused"),
    }
    assert_eq!(r.dump().await, before, "stale version: nothing written");

    let dry = applied(
        r.edit(id, opts(true, Some(version)), |s| {
            s.tasks[1].title = "Review it".into();
            s.tasks.push(manual("extra").at(7).spec);
        })
        .await,
    );
    assert!(!dry.applied);
    assert_eq!(dry.plan.added, ["extra"]);
    assert_eq!(
        dry.plan.changed[0].fields[0].new,
        serde_json::json!("Review it")
    );
    assert_eq!(r.dump().await, before, "dry run: nothing written");

    // With the right version it applies and bumps the version.
    let res = applied(
        r.edit(id, opts(false, Some(version)), |s| {
            s.tasks[1].title = "Review it".into()
        })
        .await,
    );
    assert_eq!(res.lock_version, version + 1);
    assert_ne!(r.dump().await, before);
}

#[tokio::test]
async fn an_opened_approval_reopens_only_when_its_packet_changes() {
    let r = rig().await;
    let id = r.started_and_paused("rel", draft_legal_ship()).await;
    assert_eq!(r.task(id, "legal").await.status, "waiting_input");
    assert_eq!(
        r.approval_rounds(id, "legal").await,
        [(1, "open".to_string())]
    );

    // Labels are not in the review packet: the open round stands.
    let res = applied(
        r.edit(id, opts(false, None), |s| {
            s.tasks[1].labels = vec!["legal".into()]
        })
        .await,
    );
    assert!(res.plan.reopened.is_empty());
    assert_eq!(
        r.approval_rounds(id, "legal").await,
        [(1, "open".to_string())]
    );

    // The upstream's title is: the round is invalidated and the approver told.
    let res = applied(
        r.edit(id, opts(false, None), |s| {
            s.tasks[0].title = "Draft v2 notes".into()
        })
        .await,
    );
    assert_eq!(res.plan.reopened, ["legal"]);
    assert_eq!(
        r.approval_rounds(id, "legal").await,
        [(1, "invalidated".to_string())]
    );
    assert_eq!(r.task(id, "legal").await.status, "pending");
    let notes = r.store.notifications(Some(id)).await.unwrap();
    let reopened = notes
        .iter()
        .find(|n| n.kind == "approval_reopened")
        .expect("the approvers are notified");
    assert!(
        reopened.recipients.iter().any(|r| r == "user:lea"),
        "{:?}",
        reopened.recipients
    );

    // On resume it opens again with the new packet; a vote on the old round is impossible.
    r.store
        .transition(id, LifecycleVerb::Resume, "ann")
        .await
        .unwrap();
    r.worker.run_until_idle().await.unwrap();
    let rounds = r.approval_rounds(id, "legal").await;
    assert_eq!(
        rounds.last().unwrap(),
        &(2, "open".to_string()),
        "{rounds:?}"
    );
}

#[tokio::test]
async fn a_decision_and_an_edit_serialise() {
    for _ in 0..3 {
        let r = rig().await;
        let id = r.started_and_paused("rel", draft_legal_ship()).await;
        let (s1, s2) = (r.store.clone(), r.store.clone());
        let decide = tokio::spawn(async move {
            s1.decide(id, "legal", "lea", Verdict::Approve, None)
                .await
                .is_ok()
        });
        let edit = tokio::spawn(async move {
            s2.edit_workflow(
                id,
                opts(false, None),
                edited(|s| s.tasks[1].title = "Sign v2".into()),
            )
            .await
        });
        let decided = decide.await.unwrap();
        let res = applied(edit.await.unwrap());
        // Whichever came first, no sign-off stands on the changed content.
        let rounds = r.approval_rounds(id, "legal").await;
        assert!(
            rounds.iter().all(|(_, s)| s != "granted"),
            "{rounds:?} (decided: {decided})"
        );
        assert_eq!(res.plan.reopened, ["legal"]);
        assert_eq!(r.task(id, "legal").await.status, "pending");
        assert_eq!(r.task(id, "ship").await.status, "pending");
    }
}

#[tokio::test]
async fn retarget_moves_only_what_has_not_run_and_is_not_pinned() {
    let r = rig().await;
    let mut pinned = manual("freeze");
    pinned.spec.schedule = Some(Schedule::Pinned {
        at: (base() + Duration::hours(30)).naive_utc(),
        timezone: None,
    });
    let id = r
        .started_and_paused(
            "rel",
            vec![
                draft_task("draft").at(0),
                pinned,
                manual("launch").at(48).after("draft"),
            ],
        )
        .await;
    let before_draft = r.task(id, "draft").await;
    let before_freeze = r.task(id, "freeze").await;
    let db_before = r.dump().await;
    let id_s = id.to_string();
    let new_release = (base() + Duration::hours(24)).to_rfc3339();
    let (code, out, err) = r.rwf(&["retarget", &id_s, "--release", &new_release]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("> launch due"), "{out}");
    assert!(
        !out.contains("> draft") && !out.contains("> freeze"),
        "{out}"
    );
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(r.dump().await, db_before, "without --yes nothing moves");

    let (code, out, err) = r.rwf(&["retarget", &id_s, "--release", &new_release, "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("applied"), "{out}");
    assert_eq!(
        r.task(id, "launch").await.planned_start,
        Some(base() + Duration::hours(72))
    );
    assert_eq!(
        r.task(id, "draft").await.planned_start,
        before_draft.planned_start
    );
    assert_eq!(
        r.task(id, "freeze").await.planned_start,
        before_freeze.planned_start
    );
    let wf = r.store.workflow(id).await.unwrap();
    assert_eq!(wf.target_at, base() + Duration::hours(24));
    let kinds = r.kinds(id).await;
    assert!(kinds.contains(&"workflow_retargeted".to_string()));
}

#[tokio::test]
async fn narrow_edits_and_templates_through_the_cli() {
    let r = rig().await;
    let id = r
        .started_and_paused(
            "rel",
            vec![draft_task("draft").at(0), manual("review").at(5)],
        )
        .await;
    let id_s = id.to_string();

    // A frozen field through a narrow edit: refused, named, nothing written.
    let before = r.dump().await;
    let (code, _, err) = r.rwf(&[
        "task",
        "set",
        &id_s,
        "draft",
        "--pin",
        "2026-01-01T00:00:00Z",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("`schedule` is frozen"), "{err}");
    let (code, _, err) = r.rwf(&["dep", "add", &id_s, "draft", "review"]);
    assert_eq!(code, 2);
    assert!(err.contains("`depends_on` is frozen"), "{err}");
    assert_eq!(r.dump().await, before);

    // A planning field on a task that ran; edges and dates on one that has not.
    let (code, out, err) = r.rwf(&["task", "set", &id_s, "draft", "--title", "Draft it"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("title: \"Task draft\" → \"Draft it\""),
        "{out}"
    );
    let (code, _, err) = r.rwf(&["dep", "add", &id_s, "review", "draft", "--on", "any"]);
    assert_eq!(code, 0, "{err}");
    let due = (base() + Duration::hours(12)).to_rfc3339();
    let (code, out, err) = r.rwf(&["task", "set", &id_s, "review", "--due", &due]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("> review due"), "{out}");
    assert_eq!(
        r.task(id, "review").await.planned_due,
        Some(base() + Duration::hours(12))
    );
    let (code, _, err) = r.rwf(&["dep", "add", &id_s, "draft", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no task `nope`"), "{err}");

    // Templates: a new version stored, edited onto the workflow by key@version.
    let mut v2 = r.store.workflow_spec(id).await.unwrap();
    v2.version = 2;
    v2.bindings.clear();
    v2.tasks.push(manual("announce").at(9).after("review").spec);
    r.store.put_template(&v2).await.unwrap();
    let (code, out, _) = r.rwf(&["templates", "ls"]);
    assert_eq!(code, 0);
    assert!(out.contains("rel@1") && out.contains("rel@2"), "{out}");
    let (code, out, _) = r.rwf(&["templates", "show", "rel"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"announce\""), "newest version shown: {out}");
    let mut changed = v2.clone();
    changed.name = "something else".into();
    assert!(matches!(
        r.store.put_template(&changed).await,
        Err(StoreError::TemplateChanged { .. })
    ));

    let before = r.dump().await;
    let (code, out, err) = r.rwf(&["edit", &id_s, "--from", "rel@2", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("+ announce") && out.contains("dry run"),
        "{out}"
    );
    assert_eq!(r.dump().await, before);
    let v = r.store.workflow(id).await.unwrap().lock_version.to_string();
    let (code, out, err) = r.rwf(&["edit", &id_s, "--from", "rel@2", "--expect-version", &v]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("applied"), "{out}");
    let wf = r.store.workflow(id).await.unwrap();
    assert_eq!(wf.template_version, 2);
    assert_eq!(r.task(id, "announce").await.status, "pending");
    // The old version is stale now.
    let (code, _, err) = r.rwf(&["edit", &id_s, "--from", "rel@2", "--expect-version", &v]);
    assert_eq!(code, 2);
    assert!(err.contains("changed since you loaded it"), "{err}");
}

#[tokio::test]
async fn edit_from_a_template_file_and_immutable_pushes() {
    let r = rig().await;
    let original = "templates/compliance_filing.rwf";
    let (code, out, err) = r.rwf(&["new", original, "--set", "deadline=2026-11-13"]);
    assert_eq!(code, 0, "{err}");
    let id_s = out.trim().to_string();
    let id: Uuid = id_s.parse().unwrap();

    let text = std::fs::read_to_string(original).unwrap();
    let dir = std::env::temp_dir().join(format!("rwf_edit_{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    // Version 1 with a changed body: refused by push and by edit, nothing stored.
    let same_version = dir.join("v1.rwf");
    std::fs::write(
        &same_version,
        text.replace("Tie out the numbers", "Tie out every number"),
    )
    .unwrap();
    let before = r.dump().await;
    let (code, _, err) = r.rwf(&["templates", "push", same_version.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("already exists with a different spec"),
        "{err}"
    );
    let (code, _, err) = r.rwf(&["edit", &id_s, "--from", same_version.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("already exists with a different spec"),
        "{err}"
    );
    assert_eq!(r.dump().await, before);

    // Version 2: a retitled task, one removed, a param rebound; the other bindings carry over.
    let v2 = dir.join("v2.rwf");
    let body = text
        .replace("version 1 {", "version 2 {")
        .replace("Tie out the numbers", "Tie out every number")
        .replace(
            "  checkpoint audit_window \"External audit window opens\" { at 2027-02-01 09:00 in \"America/Chicago\" }\n",
            "",
        );
    std::fs::write(&v2, body).unwrap();
    let (code, out, err) = r.rwf(&[
        "edit",
        &id_s,
        "--from",
        v2.to_str().unwrap(),
        "--set",
        "period=Q4 2026",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("- audit_window"), "{out}");
    assert!(
        out.contains("\"Tie out the numbers\" → \"Tie out every number\""),
        "{out}"
    );
    let wf = r.store.workflow(id).await.unwrap();
    assert_eq!(wf.template_version, 2);
    assert!(wf.name.contains("Q4 2026"), "{}", wf.name);
    let spec = r.store.workflow_spec(id).await.unwrap();
    assert_eq!(spec.bindings["deadline"], serde_json::json!("2026-11-13"));
    assert!(spec.task("audit_window").is_none());
    let (code, out, _) = r.rwf(&["templates", "ls"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("compliance_filing@1") && out.contains("compliance_filing@2"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The `// expect: CODE LINE:COL message` lines of a `tests/fixtures/check` file, as `(code, file:line:col)`.
fn expected_findings(path: &str) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("// expect: "))
        .map(|e| {
            let mut parts = e.split_whitespace();
            let code = parts.next().unwrap().to_string();
            let at = format!("{path}:{}", parts.next().unwrap());
            (code, at)
        })
        .collect()
}

#[tokio::test]
async fn every_path_that_stores_a_spec_runs_the_checks_of_rwf_check() {
    let r = rig().await;
    let before = r.dump().await;
    for name in [
        "dependency_cycle",
        "self_dependency",
        "unknown_dependency",
        "duplicate_task",
    ] {
        let path = format!("tests/fixtures/check/{name}.rwf");
        let expected = expected_findings(&path);
        assert!(!expected.is_empty(), "{path} states its findings");
        let runs: [&[&str]; 2] = [
            &["new", &path, "--release", "2026-09-01T09:00:00Z"],
            &["templates", "push", &path],
        ];
        for args in runs {
            let (code, out, err) = r.rwf(args);
            assert_eq!(code, 2, "{args:?} is refused: {out}{err}");
            for (code, at) in &expected {
                assert!(
                    err.contains(code.as_str()),
                    "{args:?} reports {code}: {err}"
                );
                assert!(err.contains(at.as_str()), "{args:?} points at {at}: {err}");
            }
            assert!(err.contains("does not pass `rwf check`"), "{err}");
        }
    }
    assert_eq!(r.dump().await, before, "nothing was stored");

    // The store refuses them too, whoever calls it (a stored template, a narrow edit's spec).
    let mut cyclic = spec_of("cyc", vec![manual("a").at(0), manual("b").at(1).after("a")]);
    cyclic.tasks[0].depends_on = cyclic.tasks[1].depends_on.clone();
    cyclic.tasks[0].depends_on[0].task = "b".into();
    match r.store.put_template(&cyclic).await {
        Err(StoreError::InvalidSpec { errors, .. }) => {
            assert!(errors.iter().any(|e| e.starts_with("RWF016")), "{errors:?}")
        }
        other => panic!("a cycle is refused: {other:?}"),
    }
    assert_eq!(r.dump().await, before, "nothing was stored");

    // An edit to a cycle: refused in the dry run and in the real edit, with the same words.
    let id = r
        .started_and_paused("rel", vec![manual("a").at(0), manual("b").at(1)])
        .await;
    let before = r.dump().await;
    let cycle = |spec: &mut WorkflowSpec| {
        let a = spec.tasks[0].key.clone();
        let b = spec.tasks[1].key.clone();
        spec.tasks[0].depends_on = vec![rwf::spec::Dependency {
            task: b,
            outcome: rwf::spec::EdgeOutcome::Success,
        }];
        spec.tasks[1].depends_on = vec![rwf::spec::Dependency {
            task: a,
            outcome: rwf::spec::EdgeOutcome::Success,
        }];
    };
    let dry = refusals(r.edit(id, opts(true, None), cycle).await);
    let real = refusals(r.edit(id, opts(false, None), cycle).await);
    assert_eq!(dry, real);
    assert!(
        dry.iter()
            .any(|m| m.contains("fails `rwf check`: RWF016 dependency cycle")),
        "{dry:?}"
    );
    assert_eq!(r.dump().await, before);
}

#[tokio::test]
async fn removing_a_task_others_depend_on_is_refused_naming_them() {
    let r = rig().await;
    let id = r
        .started_and_paused(
            "rel",
            vec![
                manual("prep").at(40),
                manual("a").at(41).after("prep"),
                manual("b").at(42).after("prep"),
                manual("c").at(43),
            ],
        )
        .await;
    let before = r.dump().await;
    let drop_prep = |spec: &mut WorkflowSpec| spec.tasks.retain(|t| t.key != "prep");
    let dry = refusals(r.edit(id, opts(true, None), drop_prep).await);
    let real = refusals(r.edit(id, opts(false, None), drop_prep).await);
    assert_eq!(dry, real, "the dry run and the edit agree");
    assert_eq!(
        dry,
        vec!["task `prep`: cannot be removed: `a`, `b` depend on it (remove those edges first)"]
    );
    assert_eq!(r.dump().await, before);
}

#[tokio::test]
async fn a_no_op_edit_keeps_the_lock_version() {
    let r = rig().await;
    let id = r.started_and_paused("rel", vec![manual("a").at(40)]).await;
    let v = r.store.workflow(id).await.unwrap().lock_version;
    let before = r.dump().await;
    let result = applied(r.edit(id, opts(false, Some(v)), |_| {}).await);
    assert!(!result.applied && result.plan.is_empty());
    assert_eq!(result.lock_version, v);
    assert_eq!(r.dump().await, before, "no version bump, no event");
    // So an editor who loaded version v still edits without a false conflict.
    let result = applied(
        r.edit(id, opts(false, Some(v)), |s| s.tasks[0].title = "A!".into())
            .await,
    );
    assert!(result.applied);
    assert_eq!(result.lock_version, v + 1);
    let (code, out, err) = r.rwf(&["task", "set", &id.to_string(), "a", "--title", "A!"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("no changes") && out.contains("stays at lock version"),
        "{out}"
    );
}

#[tokio::test]
async fn a_skipped_task_without_evidence_can_be_removed() {
    let r = rig().await;
    let id = r
        .started(
            "rel",
            vec![
                manual("m").at(0).on_missed(rwf::spec::MissedPolicy::Skip),
                manual("later").at(24 * 30),
            ],
        )
        .await;
    r.advance(24 * 7).await;
    assert_eq!(r.task(id, "m").await.status, "skipped");
    r.store
        .transition(id, LifecycleVerb::Pause, "ann")
        .await
        .unwrap();
    let result = applied(
        r.edit(id, opts(false, None), |s| s.tasks.retain(|t| t.key != "m"))
            .await,
    );
    assert_eq!(result.plan.removed, vec!["m".to_string()]);
}

#[tokio::test]
async fn a_dry_run_refuses_a_changed_spec_under_an_existing_version() {
    let r = rig().await;
    let original = "templates/compliance_filing.rwf";
    let (code, out, err) = r.rwf(&["new", original, "--set", "deadline=2026-11-13"]);
    assert_eq!(code, 0, "{err}");
    let id_s = out.trim().to_string();
    let dir = std::env::temp_dir().join(format!("rwf_dry_{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let same_version = dir.join("v1.rwf");
    let text = std::fs::read_to_string(original).unwrap();
    std::fs::write(
        &same_version,
        text.replace("Tie out the numbers", "Tie out every number"),
    )
    .unwrap();
    let path = same_version.to_str().unwrap();
    let (dry, _, dry_err) = r.rwf(&["edit", &id_s, "--from", path, "--dry-run"]);
    let (real, _, real_err) = r.rwf(&["edit", &id_s, "--from", path]);
    assert_eq!((dry, real), (2, 2));
    assert_eq!(dry_err, real_err, "the dry run and the edit agree");
    assert!(
        dry_err.contains("already exists with a different spec"),
        "{dry_err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// What a release manager asks of `status` and `ls --stuck`, on the database clock: a manual task
/// waiting for its assignee past its window is stuck and overdue, with its assignee, progress and the
/// lock version shown; the JSON carries RFC 3339 times.
#[tokio::test]
async fn status_and_ls_stuck_answer_a_release_manager() {
    let r = rig().await;
    let store = r.db.store().await; // the database clock, as the CLI has
    let release = chrono::Utc::now() - Duration::days(3);
    let id = create(
        &store,
        spec_of(
            "late",
            vec![
                checkpoint("kickoff").at(0),
                manual("review").at(1).after("kickoff"),
                manual("ship").at(24 * 30).after("review"),
            ],
        ),
        release,
    )
    .await;
    store
        .transition(id, LifecycleVerb::Start, "ann")
        .await
        .unwrap();
    rig::worker_on(&store, "w-db", 60)
        .run_until_idle()
        .await
        .unwrap();
    let id_s = id.to_string();

    let (code, out, err) = r.rwf(&["ls", "--stuck"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&id_s), "{out}");
    assert!(out.contains("stuck: review (waiting_input)"), "{out}");
    let (code, out, _) = r.rwf(&["ls", "--stuck", "--format", "json"]);
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows[0]["stuck_tasks"][0]["task"], "review", "{rows}");

    let (code, out, err) = r.rwf(&["status", &id_s]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("lock version"), "{out}");
    assert!(out.contains("progress 1/3 done, 1 overdue"), "{out}");
    let review = out.lines().find(|l| l.contains(" review ")).unwrap();
    assert!(
        review.contains("assignee user:ann") && review.contains("OVERDUE"),
        "{review}"
    );
    let kickoff = out.lines().find(|l| l.contains(" kickoff ")).unwrap();
    assert!(
        kickoff.contains("started 2") && kickoff.contains("ended 2"),
        "actual times shown: {kickoff}"
    );

    let (code, out, _) = r.rwf(&["status", &id_s, "--format", "json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["progress"]["done"], 1);
    let task = |k: &str| {
        doc["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == k)
            .unwrap()
            .clone()
    };
    assert_eq!(task("review")["overdue"], true);
    assert_eq!(task("review")["assignee"], "user:ann");
    let started = task("kickoff")["actual_start"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        chrono::DateTime::parse_from_rfc3339(&started).is_ok(),
        "RFC 3339: {started}"
    );

    // `rwf plan WF`: the stored plan's table and Gantt, then planned against actual.
    let (code, out, err) = r.rwf(&["plan", &id_s]);
    assert_eq!(code, 0, "{err}");
    let (gantt, actual) = out
        .split_once("planned against actual")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        gantt.contains("review") && gantt.contains("ship"),
        "{gantt}"
    );
    let kickoff = actual
        .lines()
        .find(|l| l.trim_start().starts_with("kickoff "))
        .unwrap_or_else(|| panic!("{actual}"));
    assert!(
        kickoff.contains("succeeded") && kickoff.contains("+3 d"),
        "started three days after its plan: {kickoff}"
    );
    let (code, out, _) = r.rwf(&["plan", &id_s, "--format", "json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let review = doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "review")
        .unwrap();
    assert!(
        review["start_slip_minutes"].as_i64().unwrap() > 24 * 60,
        "{review}"
    );
}

/// The owner hears of each decided approval (granted or rejected, not each vote) and of each pause
/// and resume, through the notifications feed every sink reads.
#[tokio::test]
async fn decisions_pauses_and_resumes_are_notified() {
    let r = rig().await;
    let id = r
        .started(
            "rel",
            vec![
                approval("legal", &["lea", "lou"], 2).at(0),
                approval("brand", &["bea"], 1).at(0),
                manual("ship").at(24 * 30).after_any("legal"),
            ],
        )
        .await;
    r.idle().await;
    let kinds = |ns: Vec<rwf::store::NotificationRow>| -> Vec<(String, String)> {
        ns.into_iter()
            .filter(|n| {
                matches!(
                    n.kind.as_str(),
                    "approval_decided" | "workflow_paused" | "workflow_resumed"
                )
            })
            .map(|n| (n.kind, n.title))
            .collect()
    };
    r.store
        .decide(id, "legal", "lea", Verdict::Approve, None)
        .await
        .unwrap();
    assert_eq!(
        kinds(r.store.notifications(Some(id)).await.unwrap()),
        vec![],
        "one vote of two decides nothing yet"
    );
    r.store
        .decide(id, "legal", "lou", Verdict::Approve, None)
        .await
        .unwrap();
    r.store
        .decide(
            id,
            "brand",
            "bea",
            Verdict::Reject,
            Some("off-brand".into()),
        )
        .await
        .unwrap();
    r.store
        .transition(id, LifecycleVerb::Pause, "ann")
        .await
        .unwrap();
    r.store
        .transition(id, LifecycleVerb::Resume, "ann")
        .await
        .unwrap();
    // The virtual clock stands still, so the feed's order among these is not asserted.
    let mut got = kinds(r.store.notifications(Some(id)).await.unwrap());
    got.sort();
    let want: Vec<(String, String)> = [
        ("approval_decided", "Approval granted: Task legal"),
        ("approval_decided", "Approval rejected: Task brand"),
        ("workflow_paused", "Release rel paused"),
        ("workflow_resumed", "Release rel resumed"),
    ]
    .iter()
    .map(|(k, t)| (k.to_string(), t.to_string()))
    .collect();
    assert_eq!(got, want);

    // The log reads as sentences in the release's zone; the raw payload is under --format json.
    let (code, out, err) = r.rwf(&["log", &id.to_string()]);
    assert_eq!(code, 0, "{err}");
    for want in [
        "lea      legal: approve by lea (round 1)",
        "legal: round 1 granted",
        "legal: waiting_input → succeeded (approval granted (2 of 2))",
        "notified the feed (approval_decided): Approval granted: Task legal",
        "workflow active → paused (paused by ann)",
    ] {
        assert!(out.contains(want), "no {want:?} in\n{out}");
    }
    assert!(!out.contains("{\""), "no raw JSON in the text log:\n{out}");
    let (code, out, _) = r.rwf(&["log", &id.to_string(), "--format", "json"]);
    assert_eq!(code, 0);
    let events: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON Lines"))
        .collect();
    assert!(events
        .iter()
        .any(|e| e["kind"] == "approval_vote" && e["data"]["verdict"] == "approve"));
}

/// A mistake is not final: a task whose agent failed (no retries left, `on_failure block`) fails the
/// workflow; a person reopens it into paused, retries the task (a fresh attempt with a new key) and
/// resumes, and the release finishes. The failed attempt stays as evidence; both acts are audited.
#[tokio::test]
async fn a_failed_workflow_is_reopened_and_its_failed_task_retried() {
    let r = rig().await;
    let id = r
        .started(
            "rel",
            vec![
                agent("draft", "builtin:fail_then_succeed:1")
                    .at(0)
                    .retry(1, 1)
                    .on_failure(rwf::spec::FailurePolicy::Block),
                manual("review").at(1).after("draft"),
            ],
        )
        .await;
    r.idle().await;
    assert_eq!(r.status(id).await, "failed");
    assert_eq!(r.task(id, "draft").await.status, "failed");
    let id_s = id.to_string();

    // Nothing but reopen gets it back; a retry first says so.
    let (code, _, err) = r.rwf(&["retry", &id_s, "draft", "--as", "ann"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("reopen it first"), "{err}");
    let (code, _, err) = r.rwf(&["reopen", &id_s, "--as", "ann"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(r.status(id).await, "paused");
    assert_eq!(
        r.task(id, "review").await.status,
        "skipped",
        "skipped when draft failed"
    );
    let (code, _, err) = r.rwf(&["reopen", &id_s, "--as", "ann"]);
    assert_eq!(code, 1, "only a failed workflow: {err}");
    let (code, _, err) = r.rwf(&["retry", &id_s, "review", "--as", "ann"]);
    assert_eq!(code, 1);
    assert!(err.contains("only a failed task is retried"), "{err}");
    let (code, _, err) = r.rwf(&["retry", &id_s, "draft", "--as", "ann"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("fresh run"), "{err}");
    assert_eq!(r.task(id, "draft").await.status, "pending");
    assert_eq!(
        r.task(id, "review").await.status,
        "pending",
        "decided again downstream of the retried task"
    );
    r.store
        .transition(id, LifecycleVerb::Resume, "ann")
        .await
        .unwrap();
    r.idle().await;
    let draft = r.task(id, "draft").await;
    assert_eq!(draft.status, "succeeded");
    assert_eq!(
        draft.attempts, 2,
        "attempt 1 failed, attempt 2 is the fresh run"
    );
    let keys: Vec<(i32, String, String)> = sqlx::query_as(
        "SELECT attempt, idempotency_key, status FROM rwf.attempts WHERE workflow_id = $1 ORDER BY attempt",
    )
    .bind(id)
    .fetch_all(r.store.pool())
    .await
    .unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_ne!(keys[0].1, keys[1].1, "a new idempotency key");
    assert_eq!(keys[0].2, "failed", "the failed attempt is kept");
    r.advance(2).await; // review is planned an hour after the release base
    r.store.done(id, "review", "ann", None).await.unwrap();
    r.idle().await;
    assert_eq!(r.status(id).await, "completed");
    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, actor FROM rwf.events WHERE workflow_id = $1 AND kind IN ('workflow_reopened', 'task_retried') ORDER BY id",
    )
    .bind(id)
    .fetch_all(r.store.pool())
    .await
    .unwrap();
    assert_eq!(
        events,
        [
            ("workflow_reopened".to_string(), "ann".to_string()),
            ("task_retried".to_string(), "ann".to_string())
        ]
    );
}

/// A plan that worked is kept: `rwf templates save WF --as KEY` stores what the release became (its
/// edits included) as the next version of KEY, and `rwf new KEY@V` starts the next release from it.
#[tokio::test]
async fn a_workflow_is_saved_as_a_template_and_the_next_release_starts_from_it() {
    let r = rig().await;
    let (code, out, err) = r.rwf(&[
        "new",
        "templates/compliance_filing.rwf",
        "--set",
        "deadline=2026-11-13",
    ]);
    assert_eq!(code, 0, "{err}");
    let id_s = out.trim().to_string();
    let (code, _, err) = r.rwf(&["task", "set", &id_s, "tie_out", "--title", "Tie out, twice"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = r.rwf(&["templates", "save", &id_s, "--as", "filing_plan"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "filing_plan@1");
    let (code, out, _) = r.rwf(&["templates", "save", &id_s, "--as", "filing_plan"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "filing_plan@2", "each save is a new version");
    let (code, _, err) = r.rwf(&["templates", "save", &id_s, "--as", "no spaces"]);
    assert_eq!(code, 2, "{err}");

    let (code, out, err) = r.rwf(&["new", "filing_plan@1", "--release", "2027-02-12"]);
    assert_eq!(code, 0, "{err}");
    let next: Uuid = out.trim().parse().unwrap();
    let spec = r.store.workflow_spec(next).await.unwrap();
    assert_eq!((spec.key.as_str(), spec.version), ("filing_plan", 1));
    assert_eq!(spec.task("tie_out").unwrap().title, "Tie out, twice");
    assert_eq!(spec.bindings["deadline"], serde_json::json!("2027-02-12"));
    let (code, _, err) = r.rwf(&["new", "filing_plan@9", "--release", "2027-02-12"]);
    assert_eq!(code, 2);
    assert!(err.contains("no stored template filing_plan@9"), "{err}");
}

/// A worker that is not running is noticed: `start` and `status` warn until one beats, and again
/// once it stopped.
#[tokio::test]
async fn start_and_status_say_when_no_worker_runs() {
    let r = rig().await;
    let (code, out, err) = r.rwf(&[
        "new",
        "templates/compliance_filing.rwf",
        "--set",
        "deadline=2026-11-13",
    ]);
    assert_eq!(code, 0, "{err}");
    let id = out.trim().to_string();
    let (code, _, err) = r.rwf(&["start", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: no worker has run on this database yet"),
        "{err}"
    );
    let (_, _, err) = r.rwf(&["status", &id]);
    assert!(err.contains("no worker has run"), "{err}");

    let store = r.db.store().await; // the database clock, as the CLI and a real worker have
    store.beat("w-test", chrono::Utc::now()).await.unwrap();
    let (code, _, err) = r.rwf(&["status", &id]);
    assert_eq!(code, 0);
    assert!(!err.contains("warning"), "a worker beat just now: {err}");

    store.worker_stopped("w-test").await.unwrap();
    let (_, out, err) = r.rwf(&["status", &id, "--format", "json"]);
    assert!(err.is_empty(), "JSON keeps stderr quiet: {err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        doc["no_worker"]
            .as_str()
            .is_some_and(|w| w.contains("worker w-test") && w.contains("stopped")),
        "{doc}"
    );
}

/// `rwf retarget --set` moves a second anchor (a `date` param), with the cascade preview first; the
/// task that already ran stays, and only date and datetime params can be moved this way.
#[tokio::test]
async fn retarget_moves_an_anchor_param() {
    use rwf::spec::{Align, Anchor, Edge, ParamSpec, ParamType, Period, Span, Unit};
    let r = rig().await;
    let id = r
        .started_and_paused(
            "rel",
            vec![draft_task("draft").at(0), manual("kickoff").at(48)],
        )
        .await;
    // `kickoff` becomes `at start of week of cycle_start + 7 days at 09:00`.
    r.edit(id, opts(false, None), |spec| {
        spec.params.push(ParamSpec {
            name: "cycle_start".into(),
            ty: ParamType::Date,
            default: None,
            description: None,
        });
        spec.bindings
            .insert("cycle_start".into(), serde_json::json!("2030-03-06"));
        let k = spec.tasks.iter_mut().find(|t| t.key == "kickoff").unwrap();
        k.schedule = Some(Schedule::Relative {
            anchor: Anchor::Param {
                param: "cycle_start".into(),
            },
            offsets: vec![Span::new(7, Unit::Days).into()],
            align: vec![Align::Edge {
                edge: Edge::Start,
                period: Period::Week,
                next: false,
            }],
            then: vec![],
            time_of_day: chrono::NaiveTime::from_hms_opt(9, 0, 0),
            timezone: None,
        });
    })
    .await
    .unwrap()
    .unwrap();
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    // Wed 2030-03-06 + 7 days is Wed the 13th; its week starts Monday the 11th.
    assert_eq!(
        r.task(id, "kickoff").await.planned_start,
        Some(at("2030-03-11T09:00:00Z"))
    );
    let before_draft = r.task(id, "draft").await;
    let db_before = r.dump().await;
    let id_s = id.to_string();
    let (code, out, err) = r.rwf(&["retarget", &id_s, "--set", "cycle_start=2030-03-20"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("> kickoff due"), "{out}");
    assert!(!out.contains("> draft"), "{out}");
    assert_eq!(r.dump().await, db_before, "without --yes nothing moves");

    for (bad, why) in [
        ("nope=2030-03-20", "not a param"),
        ("cycle_start=soon", "not a date"),
    ] {
        let (code, _, err) = r.rwf(&["retarget", &id_s, "--set", bad, "--yes"]);
        assert_ne!(code, 0, "{bad}");
        assert!(err.contains(why), "{bad}: {err}");
    }
    assert_eq!(r.dump().await, db_before, "a refusal changes nothing");

    // A release in the past warns (RWF088) until confirmed; the preview still changes nothing.
    let past = ["retarget", &id_s, "--release", "2020-01-06T09:00"];
    let (code, _, err) = r.rwf(&past);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("RWF088") && err.contains("--allow-past"),
        "{err}"
    );
    let (code, _, err) = r.rwf(&[&past[..], &["--allow-past"]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("RWF088"), "{err}");
    assert_eq!(r.dump().await, db_before);

    let (code, _, err) = r.rwf(&[
        "retarget",
        &id_s,
        "--set",
        "cycle_start=2030-03-20",
        "--yes",
    ]);
    assert_eq!(code, 0, "{err}");
    // Wed the 20th + 7 days is Wed the 27th; Monday of that week is the 25th.
    assert_eq!(
        r.task(id, "kickoff").await.planned_start,
        Some(at("2030-03-25T09:00:00Z"))
    );
    assert_eq!(
        r.task(id, "draft").await.planned_start,
        before_draft.planned_start
    );
    let wf = r.store.workflow(id).await.unwrap();
    assert_eq!(wf.target_at, base(), "the release did not move");
}

/// `rwf retarget --set lead=5d` moves every offset and window read from a `duration` param, with the
/// same cascade preview as an anchor param; the task that already ran stays, and a negative, endless
/// or malformed lead is refused without changing anything.
#[tokio::test]
async fn retarget_moves_a_duration_param() {
    use rwf::spec::{Amount, ParamSpec, ParamType};
    let r = rig().await;
    let id = r
        .started_and_paused(
            "rel",
            vec![draft_task("draft").at(0), manual("kickoff").at(48)],
        )
        .await;
    // `kickoff` becomes `at release + lead` with `window lead` (`draft` ran: its schedule is frozen).
    r.edit(id, opts(false, None), |spec| {
        spec.params.push(ParamSpec {
            name: "lead".into(),
            ty: ParamType::Duration,
            default: Some("1d".into()),
            description: None,
        });
        spec.bindings.insert("lead".into(), serde_json::json!("2d"));
        let k = spec.tasks.iter_mut().find(|t| t.key == "kickoff").unwrap();
        if let Some(Schedule::Relative { offsets, .. }) = &mut k.schedule {
            *offsets = vec![Amount::param("lead")];
        }
        k.window = Some(Amount::param("lead"));
    })
    .await
    .unwrap()
    .unwrap();
    let hours = |h: i64| Some(base() + chrono::Duration::hours(h));
    let kickoff = r.task(id, "kickoff").await;
    assert_eq!(kickoff.planned_start, hours(48));
    assert_eq!(kickoff.planned_due, hours(96), "window lead = 2 days");
    let before_draft = r.task(id, "draft").await;
    let db_before = r.dump().await;
    let id_s = id.to_string();
    let (code, out, err) = r.rwf(&["retarget", &id_s, "--set", "lead=5d"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("> kickoff due"), "{out}");
    assert!(!out.contains("> draft"), "{out}");
    assert_eq!(r.dump().await, db_before, "without --yes nothing moves");

    for (bad, why) in [
        ("lead=-2d", "negative"),
        ("lead=9999w", "ten years"),
        ("lead=soon", "not a duration"),
    ] {
        let (code, _, err) = r.rwf(&["retarget", &id_s, "--set", bad, "--yes"]);
        assert_ne!(code, 0, "{bad}");
        assert!(err.contains(why), "{bad}: {err}");
    }
    assert_eq!(r.dump().await, db_before, "a refusal changes nothing");

    let (code, _, err) = r.rwf(&["retarget", &id_s, "--set", "lead=5 days", "--yes"]);
    assert_eq!(code, 0, "{err}");
    let kickoff = r.task(id, "kickoff").await;
    assert_eq!(kickoff.planned_start, hours(120));
    assert_eq!(kickoff.planned_due, hours(240), "the window moved with it");
    assert_eq!(
        r.task(id, "draft").await.planned_start,
        before_draft.planned_start,
        "a task that ran keeps its time"
    );
    let wf = r.store.workflow(id).await.unwrap();
    assert_eq!(wf.target_at, base(), "the release did not move");
    let spec = r.store.workflow_spec(id).await.unwrap();
    assert_eq!(spec.bindings["lead"], serde_json::json!("5d"));
}

/// `rwf edit --set lead=10d` rebinds a lead time from the template: the reference stays in the
/// spec, the value changes, and the offsets written with it move (a negative lead is refused).
#[tokio::test]
async fn edit_set_rebinds_a_duration_param() {
    let r = rig().await;
    let file = "tests/fixtures/schedule/lead.rwf";
    let (code, out, err) = r.rwf(&["new", file, "--release", "2028-06-06T10:00"]);
    assert_eq!(code, 0, "{err}");
    let id_s = out.trim().to_string();
    let id: Uuid = id_s.parse().unwrap();
    let at = |s: &str| {
        Some(
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&chrono::Utc),
        )
    };
    // Tue 2028-06-06 - 3 weeks, at 18:00 New York.
    assert_eq!(
        r.task(id, "freeze").await.planned_start,
        at("2028-05-16T22:00:00Z")
    );
    let before = r.dump().await;
    let edit = |set: &str, dry: bool| {
        let mut args = vec!["edit", &id_s, "--from", file, "--set", set];
        if dry {
            args.push("--dry-run");
        }
        r.rwf(&args)
    };
    let (code, _, err) = edit("lead=-1w", false);
    assert_ne!(code, 0);
    assert!(err.contains("RWF085") && err.contains("negative"), "{err}");
    let (code, out, err) = edit("lead=10d", true);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("freeze"), "{out}");
    assert_eq!(
        r.dump().await,
        before,
        "a dry run and a refusal change nothing"
    );
    let (code, _, err) = edit("lead=10d", false);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        r.task(id, "freeze").await.planned_start,
        at("2028-05-27T22:00:00Z")
    );
    let spec = r.store.workflow_spec(id).await.unwrap();
    assert_eq!(spec.bindings["lead"], serde_json::json!("10d"));
    let text = rwf::spec::canonical_json(&spec);
    assert!(text.contains(r#""offsets":["-${lead}"]"#), "{text}");
}

/// `rwf new --closed` records the closures in the workflow's spec: the stored plan skips them, a
/// retarget keeps them, and a malformed one is a usage error that stores nothing.
#[tokio::test]
async fn closures_given_at_creation_are_recorded_and_used() {
    let r = rig().await;
    let file = "tests/fixtures/schedule/calendars.rwf";
    let before = r.dump().await;
    let (code, _, err) = r.rwf(&["new", file, "--release", "2027-03-10", "--closed", "03/05"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`--closed 03/05`"), "{err}");
    assert_eq!(r.dump().await, before, "nothing stored");
    let (code, out, err) = r.rwf(&[
        "new",
        file,
        "--release",
        "2027-03-10",
        "--closed",
        "2027-03-05:Office move",
        "--closed",
        "2027-02-19",
    ]);
    assert_eq!(code, 0, "{err}");
    let id: Uuid = out.trim().parse().unwrap();
    let spec = r.store.workflow_spec(id).await.unwrap();
    let closures: Vec<String> = spec
        .closures
        .iter()
        .map(|c| format!("{} {}", c.date, c.name))
        .collect();
    assert_eq!(closures, ["2027-02-19 closed", "2027-03-05 Office move"]);
    // Ten business days back from Wed 03-10 skip both closures and the freeze week: Mon 02-15 is
    // Washington's Birthday, so Fri 02-12, 09:00 New York.
    let docs = r.task(id, "docs").await;
    assert_eq!(
        docs.planned_start.unwrap().to_rfc3339(),
        "2027-02-12T14:00:00+00:00"
    );
    // `freeze_check` moves before the freeze: Fri 02-19 is closed for this workflow → Thu 02-18.
    let freeze = r.task(id, "freeze_check").await;
    assert_eq!(
        freeze.planned_start.unwrap().to_rfc3339(),
        "2027-02-18T15:00:00+00:00"
    );
    // A retarget keeps the closures.
    let (code, _, err) = r.rwf(&[
        "retarget",
        &id.to_string(),
        "--release",
        "2027-03-17",
        "--yes",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_ne!(
        r.task(id, "docs").await.planned_start,
        docs.planned_start,
        "the retarget applied"
    );
    assert_eq!(
        r.store.workflow_spec(id).await.unwrap().closures.len(),
        2,
        "closures survive a retarget"
    );
}

/// Conditions (`when`) on Postgres: the left-out tasks are named with their reason by `rwf status`,
/// and `rwf edit --set beta=true` adds them to the workflow while every other task keeps its key and
/// row; setting it back removes them again.
#[tokio::test]
async fn conditional_tasks_are_left_out_and_edited_in_by_a_param() {
    let r = rig().await;
    let dir = std::env::temp_dir().join(format!("rwf_when_{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("beta.rwf");
    std::fs::write(
        &file,
        r#"template beta_rel "Beta release" version 1 {
  param release: datetime
  param beta: bool = false
  target release in "UTC" at 09:00
  checkpoint freeze "Freeze" { at release - 3 weeks }
  manual beta_build "Beta build" { when beta  after freeze }
  checkpoint ship "Ship" { at release  after beta_build }
}
"#,
    )
    .unwrap();
    let (code, out, err) = r.rwf(&["new", file.to_str().unwrap(), "--release", "2030-06-03"]);
    assert_eq!(code, 0, "{err}");
    let id_s = out.trim().to_string();
    let id: Uuid = id_s.parse().unwrap();
    let keys = |tasks: Vec<rwf::store::TaskRow>| -> Vec<String> {
        let mut k: Vec<String> = tasks.into_iter().map(|t| t.key).collect();
        k.sort();
        k
    };
    assert_eq!(keys(r.store.tasks(id).await.unwrap()), ["freeze", "ship"]);
    let (code, out, err) = r.rwf(&["status", &id_s]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("left out: beta_build — condition `beta` is false (beta = false)"),
        "{out}"
    );
    let (_, out, _) = r.rwf(&["status", &id_s, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["excluded"][0]["key"], "beta_build", "{doc}");
    let before = r.task(id, "ship").await;

    let (code, out, err) = r.rwf(&[
        "edit",
        &id_s,
        "--from",
        file.to_str().unwrap(),
        "--set",
        "beta=true",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("+ beta_build"), "{out}");
    assert_eq!(
        keys(r.store.tasks(id).await.unwrap()),
        ["beta_build", "freeze", "ship"]
    );
    let spec = r.store.workflow_spec(id).await.unwrap();
    assert_eq!(spec.task("ship").unwrap().depends_on[0].task, "beta_build");
    assert!(spec.flow.excluded.is_empty());
    assert_eq!(r.task(id, "ship").await.planned_start, before.planned_start);
    let (_, out, _) = r.rwf(&["status", &id_s]);
    assert!(!out.contains("left out"), "{out}");

    let (code, out, err) = r.rwf(&[
        "edit",
        &id_s,
        "--from",
        file.to_str().unwrap(),
        "--set",
        "beta=false",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("- beta_build"), "{out}");
    assert_eq!(keys(r.store.tasks(id).await.unwrap()), ["freeze", "ship"]);
    let spec = r.store.workflow_spec(id).await.unwrap();
    assert_eq!(
        spec.task("ship").unwrap().depends_on[0].task,
        "freeze",
        "bridged"
    );
}

/// Expansions on Postgres, on the virtual clock: the copies of a `for each` and a `repeat` are real
/// tasks the worker runs at their own dates; rebinding the list on the paused workflow (as `rwf edit
/// --set locales=...` does) removes only the dropped item's copies, and is refused while one of them
/// has evidence.
#[tokio::test]
async fn expanded_tasks_run_and_a_removed_item_removes_only_its_copies() {
    let r = rig().await;
    let text = r#"template l10n "L10n" version 1 {
  param release: datetime
  param locales: list<string> = ["de", "fr", "ja"]
  target release in "UTC"
  for each locale in locales {
    manual translate "Translate ${locale}" { at release - 1 day }
  }
  repeat every 1 day from release - 3 days until release - 1 day {
    checkpoint daily "Daily ${n}" {}
  }
  checkpoint ship "Ship" { at release  after translate }
}
"#;
    let template =
        rwf::compile::compile_source("l10n.rwf", text, &rwf::compile::MemLoader::default())
            .spec
            .unwrap();
    let release = base() + Duration::days(10);
    let id = started_from(&r, &template, release).await;
    r.idle().await;
    r.advance(24 * 8).await;
    assert_eq!(r.task_status(id, "daily[1]").await, "succeeded", "day 7");
    assert_eq!(r.task_status(id, "daily[2]").await, "succeeded", "day 8");
    for k in [
        "daily[3]",
        "translate[de]",
        "translate[fr]",
        "translate[ja]",
    ] {
        assert_eq!(
            r.task_status(id, k).await,
            "pending",
            "{k}: day 9 is still ahead"
        );
    }
    r.store
        .transition(id, LifecycleVerb::Pause, "ann")
        .await
        .unwrap();
    let rebind = |locales: &str| {
        let (template, sets) = (
            template.clone(),
            std::collections::BTreeMap::from([("locales".to_string(), locales.to_string())]),
        );
        move |snapshot: &Snapshot| {
            let spec = rwf::ops::rebind(&template, &snapshot.spec, &sets)?;
            let target = rwf::schedule::target_of(&spec).map_err(|d| format!("{d:?}"))?;
            let plan = rwf::schedule::resolve(&spec, &target, &fixed_times(snapshot))
                .map_err(|d| format!("{d:?}"))?;
            Ok((spec, plan))
        }
    };
    let result = applied(
        r.store
            .edit_workflow(id, opts(false, None), rebind("de,fr"))
            .await,
    );
    assert_eq!(result.plan.removed, vec!["translate[ja]".to_string()]);
    let mut keys: Vec<String> = r
        .store
        .tasks(id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.key)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "daily[1]",
            "daily[2]",
            "daily[3]",
            "ship",
            "translate[de]",
            "translate[fr]"
        ]
    );
    let spec = r.store.workflow_spec(id).await.unwrap();
    let deps: Vec<&str> = spec
        .task("ship")
        .unwrap()
        .depends_on
        .iter()
        .map(|d| d.task.as_str())
        .collect();
    assert_eq!(deps, ["translate[de]", "translate[fr]"]);
    assert_eq!(
        r.task_status(id, "daily[2]").await,
        "succeeded",
        "run state kept"
    );
    // Day 9: the remaining copies run; `de` is done.
    r.store
        .transition(id, LifecycleVerb::Resume, "ann")
        .await
        .unwrap();
    r.advance(24).await;
    assert_eq!(r.task_status(id, "daily[3]").await, "succeeded");
    for k in ["translate[de]", "translate[fr]"] {
        assert_eq!(r.task_status(id, k).await, "waiting_input", "{k}");
    }
    r.store
        .done(id, "translate[de]", "ann", None)
        .await
        .unwrap();
    assert_eq!(r.task_status(id, "translate[de]").await, "succeeded");
    r.store
        .transition(id, LifecycleVerb::Pause, "ann")
        .await
        .unwrap();
    // Dropping `de`, whose copy ran, is refused and changes nothing.
    let before = r.dump().await;
    let refused = refusals(
        r.store
            .edit_workflow(id, opts(false, None), rebind("fr"))
            .await,
    );
    assert!(
        refused.iter().any(|m| m.contains("translate[de]")),
        "{refused:?}"
    );
    assert_eq!(r.dump().await, before);
}

/// A workflow made from a template with includes, edited with a new version whose included template
/// gained a task and whose include binds a param differently: the namespaced tasks diff like any.
#[tokio::test]
async fn an_edit_diffs_the_tasks_of_an_include_like_any_task() {
    let r = rig().await;
    let dir = std::env::temp_dir().join(format!("rwf_edit_inc_{}", Uuid::new_v4().simple()));
    let v2_dir = dir.join("v2");
    std::fs::create_dir_all(&v2_dir).unwrap();
    let app_store = std::fs::read_to_string("examples/app_store.rwf").unwrap();
    let release = std::fs::read_to_string("examples/store_release.rwf").unwrap();
    std::fs::write(dir.join("app_store.rwf"), &app_store).unwrap();
    std::fs::write(dir.join("store_release.rwf"), &release).unwrap();
    let v1 = dir.join("store_release.rwf");
    let (code, out, err) = r.rwf(&["new", v1.to_str().unwrap(), "--release", "2027-03-01T10:00"]);
    assert_eq!(code, 0, "{err}");
    let id_s = out.trim().to_string();
    let id: Uuid = id_s.parse().unwrap();
    assert_eq!(r.task(id, "ios.build").await.status, "pending");
    assert_eq!(r.task(id, "android.review").await.status, "pending");

    // v2: the included template gains `screenshots`; the android include reviews for 7 days.
    std::fs::write(
        v2_dir.join("app_store.rwf"),
        app_store.replace(
            "  manual testflight",
            "  manual screenshots \"Store screenshots\" { after build }\n  manual testflight",
        ),
    )
    .unwrap();
    std::fs::write(
        v2_dir.join("store_release.rwf"),
        release
            .replace("version 1 {", "version 2 {")
            .replace("review_days = 5 days", "review_days = 7 days"),
    )
    .unwrap();
    let v2 = v2_dir.join("store_release.rwf");
    let (code, out, err) = r.rwf(&["edit", &id_s, "--from", v2.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("+ ios.screenshots") && out.contains("+ android.screenshots"),
        "{out}"
    );
    let spec = r.store.workflow_spec(id).await.unwrap();
    assert_eq!(
        spec.bindings["android.review_days"],
        serde_json::json!("7d")
    );
    assert_eq!(r.task(id, "android.screenshots").await.status, "pending");
    assert_eq!(r.task(id, "ios.build").await.status, "pending");
    let wf = r.store.workflow(id).await.unwrap();
    assert_eq!(wf.template_version, 2);
    std::fs::remove_dir_all(&dir).ok();
}

/// A paused workflow whose event wait has not opened yet but already holds its event (latched:
/// delivered before the wait opened) is edited — the wait's title and timeout changed, a task added —
/// and the event is kept and taken by the wait after resume; removing the wait once it has consumed
/// its event is refused, naming it, and changes nothing.
#[tokio::test]
async fn an_edit_keeps_a_latched_event_and_a_consumed_wait_is_evidence() {
    let r = rig().await;
    let text = |version: u32, title: &str, timeout: &str, extra: &str, has_wait: bool| {
        let wait = if has_wait {
            format!(
                "  event ci_green \"{title}\" {{\n    on \"ci.finished\" where {{ status: \"success\" }}\n    after freeze\n    timeout {timeout} then fail\n  }}\n"
            )
        } else {
            String::new()
        };
        let after = if has_wait { "  after ci_green" } else { "" };
        format!(
            "template gate \"Gate\" version {version} {{\n  param release: datetime\n  target release in \"UTC\"\n  checkpoint freeze \"Freeze\" {{ at release - 2 days }}\n{wait}  manual publish \"Publish\" {{ at release - 1 day{after} }}\n{extra}}}\n"
        )
    };
    let compile = |t: &str| {
        let c = rwf::compile::compile_source("gate.rwf", t, &rwf::compile::MemLoader::default());
        assert!(
            !rwf::diagnostic::has_errors(&c.diagnostics),
            "{t}\n{:?}",
            c.diagnostics
        );
        c.spec.unwrap()
    };
    let template = compile(&text(1, "CI is green", "2 days", "", true));
    let release = base() + Duration::days(10);
    let id = started_from(&r, &template, release).await;
    r.idle().await;
    // CI finishes a week before the freeze: the event is latched, the wait has not opened.
    r.store
        .signal(
            id,
            rwf::engine::signal::Incoming {
                name: "ci.finished".into(),
                id: Some("run-1".into()),
                data: serde_json::json!({"status": "success", "url": "https://ci.invalid/1"}),
                sender: "service:ci".into(),
            },
        )
        .await
        .unwrap();
    r.idle().await;
    assert_eq!(r.task_status(id, "ci_green").await, "pending");
    r.store
        .transition(id, LifecycleVerb::Pause, "ann")
        .await
        .unwrap();
    let rebuilt = |t: WorkflowSpec| {
        move |snapshot: &Snapshot| {
            let spec = rwf::ops::rebind(&t, &snapshot.spec, &Default::default())?;
            let target = rwf::schedule::target_of(&spec).map_err(|d| format!("{d:?}"))?;
            let plan = rwf::schedule::resolve(&spec, &target, &fixed_times(snapshot))
                .map_err(|d| format!("{d:?}"))?;
            Ok((spec, plan))
        }
    };
    let v2 = compile(&text(
        2,
        "CI green on the release branch",
        "3 days",
        "  manual notes \"Release notes\" { at release - 3 days }\n",
        true,
    ));
    let result = applied(
        r.store
            .edit_workflow(id, opts(false, None), rebuilt(v2.clone()))
            .await,
    );
    assert_eq!(result.plan.added, vec!["notes".to_string()]);
    let events = r.store.external_events(id).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0].consumed_by, None,
        "kept, not consumed by the edit"
    );
    let spec = r.store.workflow_spec(id).await.unwrap();
    assert_eq!(
        spec.task("ci_green").unwrap().title,
        "CI green on the release branch"
    );
    // Resumed: at the freeze the wait opens and takes the latched event.
    r.store
        .transition(id, LifecycleVerb::Resume, "ann")
        .await
        .unwrap();
    r.advance(24 * 8 + 1).await;
    assert_eq!(r.task_status(id, "ci_green").await, "succeeded");
    let events = r.store.external_events(id).await.unwrap();
    assert_eq!(events[0].consumed_by.as_deref(), Some("ci_green"));
    let out = r.task(id, "ci_green").await.output.unwrap();
    assert_eq!(out["data"]["url"], "https://ci.invalid/1", "{out}");
    assert_eq!(out["id"], "run-1", "{out}");
    assert!(r.kinds(id).await.contains(&"event_consumed".to_string()));
    // Removing the wait that consumed its event: refused, naming it; nothing changes.
    r.store
        .transition(id, LifecycleVerb::Pause, "ann")
        .await
        .unwrap();
    let before = r.dump().await;
    let v3 = compile(&text(
        3,
        "",
        "",
        "  manual notes \"Release notes\" { at release - 3 days }\n",
        false,
    ));
    let refused = refusals(
        r.store
            .edit_workflow(id, opts(false, None), rebuilt(v3))
            .await,
    );
    assert!(
        refused.iter().any(|m| m.contains("ci_green")),
        "{refused:?}"
    );
    assert_eq!(r.dump().await, before);
    assert_eq!(
        r.store.external_events(id).await.unwrap()[0]
            .consumed_by
            .as_deref(),
        Some("ci_green")
    );
}
