//! A Postgres test rig: a fresh database, a store on a fixed virtual clock at `specs::base()`, and an
//! in-process worker with the built-in executor, plus accessors for workflow and task rows and events.
//! Needs `mod pg;` and `mod specs;` (tests/support/{pg,specs}.rs) beside it in the test crate.

#![allow(dead_code)]

use crate::pg;
use crate::specs::{base, create, spec_of, T};
use chrono::Duration;
use rwf::exec::builtin::BuiltinExecutor;
use rwf::store::worker::{Worker, WorkerConfig};
use rwf::store::{Clock, LifecycleVerb, Store};
use std::sync::Arc;
use uuid::Uuid;

pub struct Rig {
    pub db: pg::TestDb,
    pub store: Store,
    pub clock: Clock,
    pub worker: Arc<Worker>,
}

/// A worker `id` on `store`: fast polls, two claimers, the given lease, the built-in executor (its effects
/// recorded with each outcome), and Rhai hooks.
pub fn worker_on(store: &Store, id: &str, lease_secs: u64) -> Arc<Worker> {
    Worker::new(
        store.clone(),
        WorkerConfig {
            id: id.into(),
            poll: std::time::Duration::from_millis(200),
            grace: std::time::Duration::from_secs(2),
            lease: std::time::Duration::from_secs(lease_secs),
            concurrency: 2,
            max_in_flight: 16,
        },
        Arc::new(BuiltinExecutor),
        Arc::new(rwf::store::RhaiHooks::default()),
    )
}

/// A fresh database, its store on a clock fixed at `base()`, and worker `w1` with a 60 s lease.
pub async fn rig() -> Rig {
    let db = pg::TestDb::new().await;
    let clock = Clock::fixed(base());
    let store = db.store().await.with_clock(clock.clone());
    let worker = worker_on(&store, "w1", 60);
    Rig {
        db,
        store,
        clock,
        worker,
    }
}

impl Rig {
    /// Stores `tasks` as workflow `key` released at `base()` and starts it (the worker has not run yet).
    pub async fn started(&self, key: &str, tasks: Vec<T>) -> Uuid {
        let id = create(&self.store, spec_of(key, tasks), base()).await;
        self.store
            .transition(id, LifecycleVerb::Start, "ann")
            .await
            .unwrap();
        id
    }
    /// Runs the worker until nothing is due.
    pub async fn idle(&self) {
        self.worker.run_until_idle().await.expect("worker runs");
    }
    /// Moves the clock `hours` on, then runs the worker until nothing is due.
    pub async fn advance(&self, hours: i64) {
        self.clock.advance(Duration::hours(hours));
        self.idle().await;
    }
    /// The workflow's status.
    pub async fn status(&self, id: Uuid) -> String {
        self.store.workflow(id).await.unwrap().status
    }
    pub async fn task(&self, id: Uuid, key: &str) -> rwf::store::TaskRow {
        self.store
            .tasks(id)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.key == key)
            .unwrap_or_else(|| panic!("no task {key}"))
    }
    pub async fn task_status(&self, id: Uuid, key: &str) -> String {
        self.task(id, key).await.status
    }
    /// The kinds of the workflow's events, oldest first.
    pub async fn kinds(&self, id: Uuid) -> Vec<String> {
        self.store
            .events(id, 0)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }
}
