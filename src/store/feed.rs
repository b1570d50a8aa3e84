//! The notifications feed as a resumable stream: rows in (writing transaction, sequence) order, each
//! handed out only once no older transaction can still commit a row before it. A cursor taken from
//! the last row read therefore never skips one committed late, and never repeats one.

use super::followers::Presence;
use super::{NotificationRow, Result, Store};
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// Where a reader of the feed stands: the last row's transaction id and sequence number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct FeedCursor {
    pub xid: i64,
    pub seq: i64,
}

impl FeedCursor {
    /// `XID-SEQ`, as an SSE event id.
    pub fn encode(self) -> String {
        format!("{}-{}", self.xid, self.seq)
    }
    pub fn decode(text: &str) -> Option<FeedCursor> {
        let (xid, seq) = text.trim().split_once('-')?;
        Some(FeedCursor {
            xid: xid.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }
}

type Row = (
    String,
    i64,
    Uuid,
    Uuid,
    String,
    Option<String>,
    Value,
    String,
    String,
    DateTime<Utc>,
);

impl Store {
    /// Settled feed rows after `after` (from the start with `None`), oldest first, at most `limit`.
    pub async fn feed_after(
        &self,
        after: Option<FeedCursor>,
        limit: i64,
    ) -> Result<Vec<(FeedCursor, NotificationRow)>> {
        let after = after.unwrap_or_default();
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT xid::text, seq, id, workflow_id, kind, task_key, recipients, title, message, created_at
             FROM rwf.notifications
             WHERE (xid, seq) > ($1::text::xid8, $2)
               AND xid < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY xid, seq
             LIMIT $3",
        )
        .bind(after.xid.to_string())
        .bind(after.seq)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                let xid = r.0.parse::<i64>().map_err(|e| {
                    super::StoreError::Corrupt(format!("notification xid `{}`: {e}", r.0))
                })?;
                Ok((
                    FeedCursor { xid, seq: r.1 },
                    NotificationRow {
                        id: r.2,
                        workflow_id: r.3,
                        kind: r.4,
                        task_key: r.5,
                        recipients: serde_json::from_value(r.6)?,
                        title: r.7,
                        message: r.8,
                        created_at: r.9,
                    },
                ))
            })
            .collect()
    }
}

/// A change another process (or this one) committed: a workflow's new events, or new feed rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Events(Uuid),
    Feed,
}

/// One `LISTEN` on the event and feed channels, registered as a follower, for a server to fan out to
/// its streams.
pub struct ChangeListener {
    listener: sqlx::postgres::PgListener,
    presence: Presence,
}

impl ChangeListener {
    /// The next change (keeping the registration fresh meanwhile). An `Err` means the connection
    /// dropped (sqlx reconnects on the next call; hints sent meanwhile are lost, so readers re-read on
    /// their own timer too).
    pub async fn recv(&mut self) -> Result<Change> {
        loop {
            let n = tokio::select! {
                n = self.listener.recv() => n?,
                _ = tokio::time::sleep(self.presence.due_in()) => {
                    self.presence.refresh_if_due().await?;
                    continue;
                }
            };
            if n.channel() == super::delivery::NOTIFICATION_CHANNEL {
                return Ok(Change::Feed);
            }
            if let Ok(id) = Uuid::parse_str(n.payload()) {
                return Ok(Change::Events(id));
            }
        }
    }
}

impl Store {
    pub async fn listen_changes(&self) -> Result<ChangeListener> {
        let presence = Presence::register(self.pool()).await?;
        let mut listener = sqlx::postgres::PgListener::connect_with(self.pool()).await?;
        listener
            .listen_all([super::EVENT_CHANNEL, super::delivery::NOTIFICATION_CHANNEL])
            .await?;
        Ok(ChangeListener { listener, presence })
    }
}
