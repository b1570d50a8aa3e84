//! Follower presence: a row in `rwf.followers` kept fresh while `rwf log --follow` or a server's live
//! streams listen for event hints; writers send the `rwf_events` hint only while one is fresh
//! (`rwf.followed()`, see migration 0016_hot_path).

use super::Result;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a registration holds without a refresh.
const FRESH_SECS: i64 = 60;
/// How often a follower refreshes its row (well within `FRESH_SECS`).
const REFRESH: Duration = Duration::from_secs(20);

/// One follower's registration.
pub(crate) struct Presence {
    pool: PgPool,
    id: Uuid,
    refreshed: Instant,
}

impl Presence {
    /// Registers a follower (sweeping stale rows); register before `LISTEN`, then read the backlog.
    pub(crate) async fn register(pool: &PgPool) -> Result<Presence> {
        let id = Uuid::new_v4();
        sqlx::query(
            "WITH swept AS (DELETE FROM rwf.followers WHERE until <= now())
             INSERT INTO rwf.followers (id, until) VALUES ($1, now() + make_interval(secs => $2))",
        )
        .bind(id)
        .bind(FRESH_SECS as f64)
        .execute(pool)
        .await?;
        Ok(Presence {
            pool: pool.clone(),
            id,
            refreshed: Instant::now(),
        })
    }

    /// Time until the next refresh is due.
    pub(crate) fn due_in(&self) -> Duration {
        REFRESH.saturating_sub(self.refreshed.elapsed())
    }

    /// Extends the registration if a refresh is due (re-creating it if it was swept meanwhile).
    pub(crate) async fn refresh_if_due(&mut self) -> Result<()> {
        if !self.due_in().is_zero() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO rwf.followers (id, until) VALUES ($1, now() + make_interval(secs => $2))
             ON CONFLICT (id) DO UPDATE SET until = EXCLUDED.until",
        )
        .bind(self.id)
        .bind(FRESH_SECS as f64)
        .execute(&self.pool)
        .await?;
        self.refreshed = Instant::now();
        Ok(())
    }
}
