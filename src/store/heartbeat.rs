//! Worker heartbeats: a running `rwf worker` moves its row's `seen_at` every few seconds, so `start`
//! and `status` can say when no worker has been seen lately (nothing would run).

use super::{Result, Store};
use chrono::{DateTime, Utc};

/// A worker not seen for this long is not counted as running.
pub const STALE_AFTER: chrono::Duration = chrono::Duration::seconds(60);

impl Store {
    /// Worker `id` is alive now (started at `started_at`).
    pub async fn beat(&self, id: &str, started_at: DateTime<Utc>) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        let now = self.clock.now(&mut conn).await?;
        sqlx::query(
            "INSERT INTO rwf.worker_heartbeats (worker_id, started_at, seen_at) VALUES ($1, $2, $3)
             ON CONFLICT (worker_id) DO UPDATE SET started_at = EXCLUDED.started_at,
                seen_at = EXCLUDED.seen_at, stopped_at = NULL",
        )
        .bind(id)
        .bind(started_at)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Worker `id` stopped cleanly.
    pub async fn worker_stopped(&self, id: &str) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        let now = self.clock.now(&mut conn).await?;
        sqlx::query(
            "UPDATE rwf.worker_heartbeats SET stopped_at = $2, seen_at = $2 WHERE worker_id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// `None` when a worker was seen within `STALE_AFTER` (and has not stopped); else why not, for
    /// people: "no worker has ever run on this database", "... last seen 2026-... (stopped)".
    pub async fn no_worker_warning(&self) -> Result<Option<String>> {
        let mut conn = self.pool.acquire().await?;
        let now = self.clock.now(&mut conn).await?;
        let row: Option<(String, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT worker_id, seen_at, stopped_at FROM rwf.worker_heartbeats
             ORDER BY (stopped_at IS NULL) DESC, seen_at DESC LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await?;
        Ok(match row {
            None => Some("no worker has run on this database yet".into()),
            Some((id, seen, None)) if now - seen <= STALE_AFTER => {
                let _ = id;
                None
            }
            Some((id, seen, stopped)) => Some(format!(
                "no worker has been seen for {} (worker {id}, last seen {}{})",
                human(now - seen),
                seen.to_rfc3339(),
                if stopped.is_some() { ", stopped" } else { "" }
            )),
        })
    }
}

fn human(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        _ if s < 172_800 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}
