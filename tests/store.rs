//! The Postgres data model: migrations, immutability, append-only logs, human-only decisions, named
//! constraints mapped to domain errors, and lifecycle transitions with their refusals.

#[path = "support/pg.rs"]
mod pg;
#[path = "support/specs.rs"]
mod specs;

use rwf::store::{LifecycleVerb, StoreError};
use specs::*;

#[tokio::test]
async fn migrations_apply_twice_and_create_the_schema() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    store.migrate().await.expect("second migrate is a no-op");
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'rwf' ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
    for want in [
        "approval_decisions",
        "approvals",
        "artifacts",
        "attempts",
        "dependencies",
        "events",
        "gates",
        "notifications",
        "tasks",
        "template_versions",
        "workflows",
    ] {
        assert!(names.contains(&want), "missing table {want}: {names:?}");
    }
}

#[tokio::test]
async fn template_versions_are_immutable() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let spec = spec_of("tpl", vec![checkpoint("a")]);
    let hash = store.put_template(&spec).await.unwrap();
    assert_eq!(store.put_template(&spec).await.unwrap(), hash, "same spec is a no-op");
    let changed = spec_of("tpl", vec![checkpoint("a"), checkpoint("b")]);
    match store.put_template(&changed).await {
        Err(StoreError::TemplateChanged { key, version }) => {
            assert_eq!((key.as_str(), version), ("tpl", 1))
        }
        other => panic!("expected TemplateChanged, got {other:?}"),
    }
    let err = sqlx::query("UPDATE rwf.template_versions SET spec_hash = 'x'")
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(matches!(StoreError::from(err), StoreError::Immutable(_)));
    assert_eq!(store.template("tpl", 1).await.unwrap(), Some(spec));
}

#[tokio::test]
async fn events_are_append_only() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let id = create(&store, spec_of("t", vec![checkpoint("a")]), base()).await;
    let events = store.events(id, 0).await.unwrap();
    assert_eq!(events[0].kind, "workflow_created");
    for sql in ["UPDATE rwf.events SET actor = 'x'", "DELETE FROM rwf.events"] {
        let err = sqlx::query(sql).execute(store.pool()).await.unwrap_err();
        assert!(
            matches!(StoreError::from(err), StoreError::Immutable(_)),
            "{sql} must be refused"
        );
    }
}

#[tokio::test]
async fn approval_decisions_need_a_distinct_human_actor() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let id = create(&store, spec_of("t", vec![approval("ok", &["ann"], 1)]), base()).await;
    let (approval,): (i64,) = sqlx::query_as(
        "INSERT INTO rwf.approvals (workflow_id, task_key, round, status, approvers, quorum, opened_at)
         VALUES ($1, 'ok', 1, 'open', '[]', 1, now()) RETURNING id",
    )
    .bind(id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    let vote = |actor: &'static str| {
        sqlx::query(
            "INSERT INTO rwf.approval_decisions (approval_id, actor, verdict) VALUES ($1, $2, 'approve')",
        )
        .bind(approval)
        .bind(actor)
        .execute(store.pool())
    };
    for machine in ["system", "hook", "Executor", "  ", ""] {
        let err = vote(machine).await.unwrap_err();
        assert!(
            matches!(StoreError::from(err), StoreError::NotHuman(_)),
            "`{machine}` must be refused"
        );
    }
    vote("ann").await.unwrap();
    let err = vote("ann").await.unwrap_err();
    assert!(matches!(
        StoreError::from(err),
        StoreError::AlreadyDecided { .. }
    ));
    let err = sqlx::query("UPDATE rwf.approval_decisions SET verdict = 'reject'")
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(matches!(StoreError::from(err), StoreError::Immutable(_)));
}

#[tokio::test]
async fn status_checks_are_named_constraints() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let id = create(&store, spec_of("t", vec![checkpoint("a")]), base()).await;
    let err = sqlx::query("UPDATE rwf.tasks SET status = 'bogus' WHERE workflow_id = $1")
        .bind(id)
        .execute(store.pool())
        .await
        .unwrap_err();
    match StoreError::from(err) {
        StoreError::Constraint { constraint, .. } => assert_eq!(constraint, "tasks_status_check"),
        other => panic!("{other:?}"),
    }
    let err = sqlx::query("UPDATE rwf.workflows SET status = 'running' WHERE id = $1")
        .bind(id)
        .execute(store.pool())
        .await
        .unwrap_err();
    match StoreError::from(err) {
        StoreError::Constraint { constraint, .. } => {
            assert_eq!(constraint, "workflows_status_check")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn create_stores_tasks_edges_and_plan() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let spec = spec_of(
        "t",
        vec![
            checkpoint("a").at(2),
            agent("b", "builtin:succeed").after("a"),
        ],
    );
    let id = create(&store, spec, base()).await;
    let wf = store.workflow(id).await.unwrap();
    assert_eq!(wf.status, "draft");
    assert_eq!(wf.next_wake_at, None);
    let tasks = store.tasks(id).await.unwrap();
    assert_eq!(
        tasks.iter().map(|t| (t.key.as_str(), t.kind.as_str(), t.status.as_str())).collect::<Vec<_>>(),
        vec![("a", "checkpoint", "pending"), ("b", "agent", "pending")]
    );
    assert_eq!(tasks[0].planned_start, Some(base() + chrono::Duration::hours(2)));
    assert_eq!(tasks[1].planned_start, None, "floating task");
    let edges: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT task_key, upstream, outcome FROM rwf.dependencies WHERE workflow_id = $1",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(edges, vec![("b".into(), "a".into(), "success".into())]);
}

#[tokio::test]
async fn lifecycle_transitions_and_refusals() {
    let db = pg::TestDb::new().await;
    let store = db.store().await;
    let id = create(&store, spec_of("t", vec![checkpoint("a").at(5)]), base()).await;
    let refused = |r: Result<rwf::store::WorkflowRow, StoreError>, verb: &str, status: &str| match r
    {
        Err(StoreError::IllegalTransition { verb: v, status: s }) => {
            assert_eq!((v.as_str(), s.as_str()), (verb, status))
        }
        other => panic!("expected refusal of {verb} in {status}, got {other:?}"),
    };
    refused(store.transition(id, LifecycleVerb::Pause, "ann").await, "pause", "draft");
    refused(store.transition(id, LifecycleVerb::Resume, "ann").await, "resume", "draft");
    let wf = store.transition(id, LifecycleVerb::Start, "ann").await.unwrap();
    assert_eq!(wf.status, "active");
    assert!(wf.next_wake_at.is_some(), "a started workflow is due at once");
    refused(store.transition(id, LifecycleVerb::Start, "ann").await, "start", "active");
    assert_eq!(store.transition(id, LifecycleVerb::Pause, "ann").await.unwrap().status, "paused");
    refused(store.transition(id, LifecycleVerb::Pause, "ann").await, "pause", "paused");
    assert_eq!(store.transition(id, LifecycleVerb::Resume, "ann").await.unwrap().status, "active");
    assert_eq!(store.transition(id, LifecycleVerb::Cancel, "ann").await.unwrap().status, "cancelled");
    refused(store.transition(id, LifecycleVerb::Resume, "ann").await, "resume", "cancelled");
    refused(store.transition(id, LifecycleVerb::Cancel, "ann").await, "cancel", "cancelled");
    let kinds: Vec<String> = store.events(id, 0).await.unwrap().into_iter().map(|e| e.kind).collect();
    for want in ["workflow_created", "workflow_started", "workflow_paused", "workflow_resumed", "workflow_cancelled"] {
        assert!(kinds.iter().any(|k| k == want), "missing {want} in {kinds:?}");
    }
    let tasks = store.tasks(id).await.unwrap();
    assert_eq!(tasks[0].status, "cancelled");
    let feed = store.notifications(Some(id)).await.unwrap();
    assert!(feed.iter().any(|n| n.kind == "workflow_cancelled"));
}
