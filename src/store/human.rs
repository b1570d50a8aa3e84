//! The human paths on Postgres: approve/reject and done, decided by the engine under the workflow row
//! lock (the same lock the reconciler takes), then a wake hint so the worker moves on at once.

use super::glue::{self, Human};
use super::worker::mutate;
use super::{Result, Store, StoreError};
use crate::engine::{Snapshot, Verdict};
use serde_json::Value;
use uuid::Uuid;

impl Store {
    /// One person's vote on an open approval. Refusals (not an approver, a machine actor, a second
    /// vote, a closed round) come back as `StoreError::Refused` with the reason.
    pub async fn decide(
        &self,
        id: Uuid,
        task: &str,
        actor: &str,
        verdict: Verdict,
        reason: Option<String>,
    ) -> Result<Snapshot> {
        self.act(id, task, actor, Human::Decide { verdict, reason })
            .await
    }

    /// A manual task done, an agent waiting for input answered, or a missed-window decision (run it,
    /// or with `skip` skip it).
    pub async fn done(
        &self,
        id: Uuid,
        task: &str,
        actor: &str,
        output: Option<Value>,
    ) -> Result<Snapshot> {
        self.answer(id, task, actor, output, false).await
    }

    pub async fn answer(
        &self,
        id: Uuid,
        task: &str,
        actor: &str,
        output: Option<Value>,
        skip: bool,
    ) -> Result<Snapshot> {
        self.act(id, task, actor, Human::Done { output, skip })
            .await
    }

    /// A person's action, decided by the engine against the people directory (team and organization
    /// membership for approver scopes; users are matched by name), under the workflow's row lock.
    async fn act(&self, id: Uuid, task: &str, actor: &str, action: Human) -> Result<Snapshot> {
        let directory = self.directory.as_ref();
        mutate(self, id, actor, None, |snapshot, _now| {
            glue::human(snapshot, task, actor, action, directory).map_err(StoreError::Refused)
        })
        .await
    }
}
