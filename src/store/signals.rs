//! External events on Postgres: `signal` decides under the workflow row lock (the lock the reconciler
//! takes), stores the event and its audit entry in one transaction, then wakes the worker.

use super::glue;
use super::worker::mutate;
use super::{Result, Store, StoreError};
use crate::engine::signal::{receive, Incoming};
use crate::engine::ExternalEvent;
use uuid::Uuid;

/// What a signal did: the stored event (the first one, for a repeat) and whether it was a repeat.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalReceipt {
    pub event: ExternalEvent,
    pub repeat: bool,
}

impl Store {
    /// Delivers one external event to a workflow. Refusals (finished workflow, unknown name, an id
    /// reused for another event) come back as `StoreError::Refused` and change nothing.
    pub async fn signal(&self, id: Uuid, event: Incoming) -> Result<SignalReceipt> {
        let fresh = Uuid::new_v4().to_string();
        let mut decided = None;
        let after = mutate(self, id, &event.sender.clone(), None, |snapshot, _now| {
            let receipt = receive(snapshot, &event, &fresh).map_err(StoreError::Refused)?;
            decided = Some((receipt.event_id, receipt.repeat));
            Ok(glue::actions_only(receipt.actions))
        })
        .await?;
        let (event_id, repeat) =
            decided.ok_or_else(|| StoreError::Corrupt("signal decided nothing".into()))?;
        let event = after
            .events
            .iter()
            .find(|e| e.id == event_id)
            .cloned()
            .ok_or_else(|| StoreError::Corrupt(format!("event `{event_id}` was not stored")))?;
        Ok(SignalReceipt { event, repeat })
    }

    /// Every event a workflow received, oldest first.
    pub async fn external_events(&self, id: Uuid) -> Result<Vec<ExternalEvent>> {
        super::snapshot::load_events(&self.pool, id).await
    }
}
