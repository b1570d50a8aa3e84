//! Read side of notification delivery, for `rwf notifications --deliveries`: each (notification, sink)
//! row with its state, and per sink how many are delivered, retrying or given up. The leasing and
//! recording live in `delivery.rs`.

use super::{Result, Store};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One notification's delivery to one sink.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeliveryRow {
    pub notification_id: Uuid,
    pub workflow_id: Uuid,
    pub kind: String,
    pub title: String,
    pub sink: String,
    /// `retrying`, `delivered`, `skipped` or `gave_up`.
    pub status: String,
    pub attempts: i32,
    pub retry_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Delivery rows, newest notification first (optionally one workflow's).
    pub async fn deliveries(&self, workflow: Option<Uuid>) -> Result<Vec<DeliveryRow>> {
        type Row = (
            Uuid,
            Uuid,
            String,
            String,
            String,
            String,
            i32,
            Option<DateTime<Utc>>,
            Option<String>,
            DateTime<Utc>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT d.notification_id, n.workflow_id, n.kind, n.title, d.sink, d.status, d.attempts,
                    d.retry_at, d.last_error, d.updated_at
             FROM rwf.deliveries d JOIN rwf.notifications n ON n.id = d.notification_id
             WHERE $1::uuid IS NULL OR n.workflow_id = $1
             ORDER BY n.created_at DESC, d.sink",
        )
        .bind(workflow)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| DeliveryRow {
                notification_id: r.0,
                workflow_id: r.1,
                kind: r.2,
                title: r.3,
                sink: r.4,
                status: r.5,
                attempts: r.6,
                retry_at: r.7,
                last_error: r.8,
                updated_at: r.9,
            })
            .collect())
    }
}
