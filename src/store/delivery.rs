//! The Postgres `DeliveryLog` of `exec::deliver` (tables `rwf.deliveries`, `rwf.delivery_attempts`),
//! and `LISTEN` on new notifications for `rwf notifications --follow` and the deliverer.

use super::{NotificationRow, Result, Store};
use crate::exec::deliver::{
    AttemptResult, DeliveryAttempt, DeliveryLog, PendingDelivery, DELIVERY_LEASE,
};
use crate::exec::{BoxFuture, Notification};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::time::Duration;
use uuid::Uuid;

/// `pg_notify` channel fired (by a trigger) for every new notification; payload: the workflow id.
pub const NOTIFICATION_CHANNEL: &str = "rwf_notifications";

/// Claims are leased like dispatches (migration 0007): `claimed_by` the worker id, a new
/// `claim_epoch` per claim, `claim_expires_at` pushed ahead by heartbeats.
pub struct PgDeliveryLog {
    store: Store,
    /// Notifications older than this are never started for a sink (`DeliveryPolicy::max_age`).
    max_age: Duration,
    /// The worker id claims are held under: the same id takes its claims back at once.
    holder: String,
}

impl PgDeliveryLog {
    pub fn new(store: Store, max_age: Duration, holder: impl Into<String>) -> PgDeliveryLog {
        PgDeliveryLog {
            store,
            max_age,
            holder: holder.into(),
        }
    }
}

fn lease_interval() -> String {
    format!("{} milliseconds", DELIVERY_LEASE.as_millis())
}

fn to_string(e: impl std::fmt::Display) -> String {
    e.to_string()
}

type Row = (
    Uuid,
    Uuid,
    String,
    Option<String>,
    Value,
    String,
    String,
    DateTime<Utc>,
    String,
    i32,
    i64,
);

impl DeliveryLog for PgDeliveryLog {
    /// Claims due pairs (pushing their `retry_at` ahead by the claim time) so concurrent deliverers do
    /// not send the same pair twice at once; a crashed deliverer's claims come due again.
    fn due<'a>(
        &'a self,
        sinks: &'a [String],
        now: DateTime<Utc>,
        limit: usize,
    ) -> BoxFuture<'a, std::result::Result<Vec<PendingDelivery>, String>> {
        Box::pin(async move {
            // Due: never attempted (and young enough), or retrying and due, and not claimed by
            // another holder whose lease still runs. The same holder (a restarted worker) takes its
            // own claims back at once. Each claim gets a new epoch.
            let rows: Vec<Row> = sqlx::query_as(
                "WITH candidates AS (
                    SELECT n.id, s.sink FROM rwf.notifications n
                    CROSS JOIN (SELECT DISTINCT sink FROM unnest($1::text[]) AS u(sink)) AS s
                    LEFT JOIN rwf.deliveries d ON d.notification_id = n.id AND d.sink = s.sink
                    WHERE (d.notification_id IS NULL AND n.created_at >= $2 - $4::interval)
                       OR (d.status = 'retrying' AND d.retry_at <= $2
                           AND (d.claimed_by IS NULL OR d.claimed_by = $5
                                OR d.claim_expires_at <= $2))
                    ORDER BY n.created_at, n.id LIMIT $3),
                 claimed AS (
                    INSERT INTO rwf.deliveries (notification_id, sink, attempts, status, retry_at,
                                                updated_at, claimed_by, claim_epoch, claim_expires_at)
                    SELECT id, sink, 0, 'retrying', $2, $2, $5, 1, $2 + $6::interval FROM candidates
                    ON CONFLICT (notification_id, sink) DO UPDATE
                      SET claimed_by = EXCLUDED.claimed_by,
                          claim_epoch = rwf.deliveries.claim_epoch + 1,
                          claim_expires_at = EXCLUDED.claim_expires_at,
                          updated_at = EXCLUDED.updated_at
                      WHERE rwf.deliveries.status = 'retrying' AND rwf.deliveries.retry_at <= $2
                        AND (rwf.deliveries.claimed_by IS NULL OR rwf.deliveries.claimed_by = $5
                             OR rwf.deliveries.claim_expires_at <= $2)
                    RETURNING notification_id, sink, attempts, claim_epoch)
                 SELECT n.id, n.workflow_id, n.kind, n.task_key, n.recipients, n.title, n.message,
                        n.created_at, c.sink, c.attempts, c.claim_epoch
                 FROM claimed c JOIN rwf.notifications n ON n.id = c.notification_id
                 ORDER BY n.created_at, n.id, c.sink",
            )
            .bind(sinks)
            .bind(now)
            .bind(limit as i64)
            .bind(format!("{} milliseconds", self.max_age.as_millis()))
            .bind(&self.holder)
            .bind(lease_interval())
            .fetch_all(self.store.pool())
            .await
            .map_err(to_string)?;
            rows.into_iter()
                .map(|r| {
                    Ok(PendingDelivery {
                        notification: Notification {
                            id: r.0,
                            workflow_id: r.1,
                            kind: r.2,
                            task_key: r.3,
                            recipients: serde_json::from_value(r.4).map_err(to_string)?,
                            title: r.5,
                            message: r.6,
                            created_at: r.7,
                        },
                        sink: r.8,
                        attempts: r.9.max(0) as u32,
                        epoch: r.10,
                    })
                })
                .collect()
        })
    }

    fn next_retry<'a>(
        &'a self,
        sinks: &'a [String],
    ) -> BoxFuture<'a, std::result::Result<Option<DateTime<Utc>>, String>> {
        Box::pin(async move {
            let (at,): (Option<DateTime<Utc>>,) = sqlx::query_as(
                "SELECT min(retry_at) FROM rwf.deliveries WHERE status = 'retrying' AND sink = ANY($1)",
            )
            .bind(sinks)
            .fetch_one(self.store.pool())
            .await
            .map_err(to_string)?;
            Ok(at)
        })
    }

    /// Fenced: the row is updated (and the attempt recorded) only while this holder's claim of
    /// `epoch` is still the row's; a late result of a claim taken over is dropped.
    fn record<'a>(
        &'a self,
        attempt: &'a DeliveryAttempt,
        epoch: i64,
    ) -> BoxFuture<'a, std::result::Result<bool, String>> {
        Box::pin(async move {
            let (status, outcome, retry_at, error) = match &attempt.result {
                AttemptResult::Delivered => ("delivered", "delivered", None, None),
                AttemptResult::Failed {
                    error,
                    retry_at: Some(at),
                } => ("retrying", "failed", Some(*at), Some(error.as_str())),
                AttemptResult::Failed {
                    error,
                    retry_at: None,
                } => ("gave_up", "gave_up", None, Some(error.as_str())),
                AttemptResult::Skipped { reason } => {
                    ("skipped", "skipped", None, Some(reason.as_str()))
                }
            };
            let mut tx = self.store.pool().begin().await.map_err(to_string)?;
            let updated = sqlx::query(
                "UPDATE rwf.deliveries SET attempts = $3, status = $4, retry_at = $5,
                   last_error = $6, updated_at = $7,
                   claimed_by = NULL, claim_expires_at = NULL
                 WHERE notification_id = $1 AND sink = $2 AND claimed_by = $8 AND claim_epoch = $9",
            )
            .bind(attempt.notification_id)
            .bind(&attempt.sink)
            .bind(attempt.attempt as i32)
            .bind(status)
            .bind(retry_at)
            .bind(error)
            .bind(attempt.at)
            .bind(&self.holder)
            .bind(epoch)
            .execute(&mut *tx)
            .await
            .map_err(to_string)?;
            if updated.rows_affected() == 0 {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO rwf.delivery_attempts (notification_id, sink, attempt, at, outcome, error)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(attempt.notification_id)
            .bind(&attempt.sink)
            .bind(attempt.attempt as i32)
            .bind(attempt.at)
            .bind(outcome)
            .bind(error)
            .execute(&mut *tx)
            .await
            .map_err(to_string)?;
            tx.commit().await.map_err(to_string)?;
            Ok(true)
        })
    }

    fn renew<'a>(&'a self, now: DateTime<Utc>) -> BoxFuture<'a, std::result::Result<(), String>> {
        Box::pin(async move {
            sqlx::query(
                "UPDATE rwf.deliveries SET claim_expires_at = $2 + $3::interval
                 WHERE claimed_by = $1 AND status = 'retrying'",
            )
            .bind(&self.holder)
            .bind(now)
            .bind(lease_interval())
            .execute(self.store.pool())
            .await
            .map_err(to_string)?;
            Ok(())
        })
    }
}

/// One recorded delivery attempt, for `rwf notifications --deliveries` and tests.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeliveryAttemptRow {
    pub notification_id: Uuid,
    pub sink: String,
    pub attempt: i32,
    pub at: DateTime<Utc>,
    pub outcome: String,
    pub error: Option<String>,
}

/// A `LISTEN` on new notifications.
pub struct NotificationListener {
    listener: sqlx::postgres::PgListener,
}

impl NotificationListener {
    /// Waits for the next new-notification hint, however long it takes.
    pub async fn recv(&mut self) -> Result<()> {
        self.listener.recv().await?;
        Ok(())
    }

    /// Waits for the next new-notification hint, at most `timeout`. `Ok(true)`: a hint came.
    pub async fn wait(&mut self, timeout: Duration) -> Result<bool> {
        match tokio::time::timeout(timeout, self.listener.recv()).await {
            Ok(r) => {
                r?;
                Ok(true)
            }
            Err(_) => Ok(false),
        }
    }
}

impl Store {
    /// Starts listening for new notifications (call before reading the feed, so none is missed).
    pub async fn listen_notifications(&self) -> Result<NotificationListener> {
        let mut listener = sqlx::postgres::PgListener::connect_with(self.pool()).await?;
        listener.listen(NOTIFICATION_CHANNEL).await?;
        Ok(NotificationListener { listener })
    }

    /// Feed notifications created at or after `since`, oldest first (optionally one workflow's).
    pub async fn notifications_since(
        &self,
        workflow: Option<Uuid>,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<NotificationRow>> {
        type Feed = (
            Uuid,
            Uuid,
            String,
            Option<String>,
            Value,
            String,
            String,
            DateTime<Utc>,
        );
        let rows: Vec<Feed> = sqlx::query_as(
            "SELECT id, workflow_id, kind, task_key, recipients, title, message, created_at
             FROM rwf.notifications
             WHERE ($1::uuid IS NULL OR workflow_id = $1)
               AND ($2::timestamptz IS NULL OR created_at >= $2)
             ORDER BY created_at, id",
        )
        .bind(workflow)
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(NotificationRow {
                    id: r.0,
                    workflow_id: r.1,
                    kind: r.2,
                    task_key: r.3,
                    recipients: serde_json::from_value(r.4)?,
                    title: r.5,
                    message: r.6,
                    created_at: r.7,
                })
            })
            .collect()
    }

    /// Every delivery attempt, oldest first (optionally one notification's).
    pub async fn delivery_attempts(
        &self,
        notification: Option<Uuid>,
    ) -> Result<Vec<DeliveryAttemptRow>> {
        type AttemptTuple = (Uuid, String, i32, DateTime<Utc>, String, Option<String>);
        let rows: Vec<AttemptTuple> = sqlx::query_as(
            "SELECT notification_id, sink, attempt, at, outcome, error FROM rwf.delivery_attempts
             WHERE $1::uuid IS NULL OR notification_id = $1 ORDER BY id",
        )
        .bind(notification)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| DeliveryAttemptRow {
                notification_id: r.0,
                sink: r.1,
                attempt: r.2,
                at: r.3,
                outcome: r.4,
                error: r.5,
            })
            .collect())
    }
}

/// Runs the deliverer on the feed, its claims held as `holder` (the worker id), until `stop` turns true: wakes on every new notification (LISTEN),
/// at the next retry, or every `idle`. Reads the store's clock (virtual in tests).
pub async fn deliver_feed(
    store: Store,
    deliverer: crate::exec::deliver::Deliverer,
    holder: &str,
    idle: Duration,
    stop: tokio::sync::watch::Receiver<bool>,
    on_error: &(dyn Fn(String) + Send + Sync),
) -> Result<()> {
    if deliverer.routes.is_empty() {
        return Ok(());
    }
    let log = PgDeliveryLog::new(store.clone(), deliverer.policy.max_age, holder);
    let hint = std::sync::Arc::new(tokio::sync::Notify::new());
    let mut listener = store.listen_notifications().await?;
    let relay = {
        let hint = hint.clone();
        tokio::spawn(async move {
            while listener.recv().await.is_ok() {
                hint.notify_one();
            }
        })
    };
    let clock = store.clock().clone();
    let now = move || clock.peek().unwrap_or_else(Utc::now);
    deliverer.run(&log, &now, &hint, idle, stop, on_error).await;
    relay.abort();
    Ok(())
}
