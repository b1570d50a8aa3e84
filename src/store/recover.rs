//! Reopening a failed workflow and retrying a failed task on Postgres: decided by `engine::recover`
//! under the workflow row lock, audited as the person's action (`workflow_reopened`, `task_retried`),
//! then a wake hint. A refusal writes nothing.

use super::glue::actions_only;
use super::worker::mutate;
use super::{Result, Store, StoreError};
use crate::engine::{recover, HumanActor, Snapshot};
use uuid::Uuid;

fn person(actor: &str) -> Result<HumanActor> {
    HumanActor::person(actor).map_err(|e| StoreError::Refused(e.to_string()))
}

impl Store {
    /// A failed workflow back to `paused` (see `engine::recover::reopen`).
    pub async fn reopen(&self, id: Uuid, actor: &str) -> Result<Snapshot> {
        let who = person(actor)?;
        mutate(
            self,
            id,
            actor,
            Some("workflow_reopened"),
            |snapshot, _now| {
                recover::reopen(snapshot, &who)
                    .map(actions_only)
                    .map_err(|e| StoreError::Refused(e.to_string()))
            },
        )
        .await
    }

    /// A failed task pending again for a fresh attempt (see `engine::recover::retry`).
    pub async fn retry_task(&self, id: Uuid, task: &str, actor: &str) -> Result<Snapshot> {
        let who = person(actor)?;
        mutate(self, id, actor, Some("task_retried"), |snapshot, _now| {
            recover::retry(snapshot, task, &who)
                .map(actions_only)
                .map_err(|e| StoreError::Refused(e.to_string()))
        })
        .await
    }
}
