//! Per-person read state of the notifications feed: a person has read everything up to an instant.

use super::{Result, Store};
use chrono::{DateTime, Utc};

impl Store {
    /// Up to when `principal` has read the feed (`None`: nothing read yet).
    pub async fn feed_read_at(&self, principal: &str) -> Result<Option<DateTime<Utc>>> {
        let row: Option<(DateTime<Utc>,)> =
            sqlx::query_as("SELECT read_at FROM rwf.feed_reads WHERE principal = $1")
                .bind(principal)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.0))
    }

    /// Marks the feed read up to `at` (the store's now when `None`); never moves the mark backwards.
    pub async fn mark_feed_read(
        &self,
        principal: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<DateTime<Utc>> {
        let mut tx = self.begin().await?;
        let at = match at {
            Some(at) => at,
            None => self.clock.now(&mut tx).await?,
        };
        let (read_at,): (DateTime<Utc>,) = sqlx::query_as(
            "INSERT INTO rwf.feed_reads (principal, read_at) VALUES ($1, $2)
             ON CONFLICT (principal) DO UPDATE SET read_at = GREATEST(rwf.feed_reads.read_at, $2)
             RETURNING read_at",
        )
        .bind(principal)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(read_at)
    }
}
