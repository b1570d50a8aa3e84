//! The append-only event log and the notifications feed: writes (inside the caller's transaction) and reads.

use super::followers::Presence;
use super::{Result, Store, Tx, EVENT_CHANNEL};
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventRow {
    pub id: i64,
    pub workflow_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub task_key: Option<String>,
    pub data: Value,
}

/// A notification as the feed holds it.
pub type NotificationRow = crate::exec::Notification;

type EventTuple = (
    i64,
    Uuid,
    DateTime<Utc>,
    String,
    String,
    Option<String>,
    Value,
);

fn event_of(t: EventTuple) -> EventRow {
    EventRow {
        id: t.0,
        workflow_id: t.1,
        at: t.2,
        actor: t.3,
        kind: t.4,
        task_key: t.5,
        data: t.6,
    }
}

/// Appends one event and hints `rwf log --follow` (delivered on commit).
pub(crate) async fn append(
    tx: &mut Tx<'_>,
    workflow: Uuid,
    at: DateTime<Utc>,
    actor: &str,
    kind: &str,
    task: Option<&str>,
    data: Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO rwf.events (workflow_id, at, actor, kind, task_key, data)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(workflow)
    .bind(at)
    .bind(actor)
    .bind(kind)
    .bind(task)
    .bind(data)
    .execute(&mut **tx)
    .await?;
    sqlx::query("SELECT pg_notify($1, $2) WHERE rwf.followed()")
        .bind(EVENT_CHANNEL)
        .bind(workflow.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Appends the same event to each workflow and hints each, in one round trip (delivered on commit).
pub(crate) async fn append_each(
    tx: &mut Tx<'_>,
    workflows: &[Uuid],
    at: DateTime<Utc>,
    actor: &str,
    kind: &str,
    data: Value,
) -> Result<()> {
    sqlx::query(
        "WITH logged AS (
            INSERT INTO rwf.events (workflow_id, at, actor, kind, data)
            SELECT w, $2, $3, $4, $5 FROM UNNEST($1::uuid[]) WITH ORDINALITY AS x(w, n) ORDER BY n)
         SELECT pg_notify($6, w::text) FROM UNNEST($1::uuid[]) AS x(w) WHERE rwf.followed()",
    )
    .bind(workflows)
    .bind(at)
    .bind(actor)
    .bind(kind)
    .bind(data)
    .bind(EVENT_CHANNEL)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes one notification to the feed; its id is fixed here and never changes.
pub(crate) async fn notify(tx: &mut Tx<'_>, n: &crate::exec::Notification) -> Result<()> {
    sqlx::query(
        "INSERT INTO rwf.notifications (id, workflow_id, kind, task_key, recipients, title, message, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
    )
    .bind(n.id)
    .bind(n.workflow_id)
    .bind(&n.kind)
    .bind(&n.task_key)
    .bind(serde_json::to_value(&n.recipients)?)
    .bind(&n.title)
    .bind(&n.message)
    .bind(n.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Events of one workflow after `after_id`, oldest first.
    pub async fn events(&self, workflow: Uuid, after_id: i64) -> Result<Vec<EventRow>> {
        let rows: Vec<EventTuple> = sqlx::query_as(
            "SELECT id, workflow_id, at, actor, kind, task_key, data FROM rwf.events
             WHERE workflow_id = $1 AND id > $2 ORDER BY id",
        )
        .bind(workflow)
        .bind(after_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(event_of).collect())
    }

    /// The notifications feed, oldest first (optionally one workflow's).
    pub async fn notifications(&self, workflow: Option<Uuid>) -> Result<Vec<NotificationRow>> {
        self.notifications_since(workflow, None).await
    }
}

/// A `LISTEN` on the event channel, registered as a follower: wakes `rwf log --follow` when any event
/// is written.
pub struct Follower {
    listener: sqlx::postgres::PgListener,
    presence: Presence,
}

impl Follower {
    /// Waits for the next event hint, at most `timeout` (keeping the registration fresh).
    pub async fn wait(&mut self, timeout: std::time::Duration) -> Result<()> {
        self.presence.refresh_if_due().await?;
        let timeout = timeout.min(self.presence.due_in());
        if let Ok(r) = tokio::time::timeout(timeout, self.listener.recv()).await {
            r?;
        }
        Ok(())
    }
}

impl Store {
    pub async fn follow(&self) -> Result<Follower> {
        let presence = Presence::register(&self.pool).await?;
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(EVENT_CHANNEL).await?;
        Ok(Follower { listener, presence })
    }
}
