//! The one clock: Postgres `now()` in production, a settable virtual instant in tests.

use super::Result;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub enum Clock {
    /// `now()` of the transaction that asks.
    Database,
    /// A shared instant that only moves when a test moves it.
    Virtual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock::Virtual(Arc::new(Mutex::new(at)))
    }

    /// Moves a virtual clock forward; no effect on the database clock.
    pub fn advance(&self, by: chrono::Duration) {
        if let Clock::Virtual(at) = self {
            let mut at = at.lock().unwrap_or_else(|e| e.into_inner());
            *at += by;
        }
    }

    pub fn set(&self, to: DateTime<Utc>) {
        if let Clock::Virtual(at) = self {
            *at.lock().unwrap_or_else(|e| e.into_inner()) = to;
        }
    }

    pub fn is_virtual(&self) -> bool {
        matches!(self, Clock::Virtual(_))
    }

    /// The virtual instant, if any.
    pub fn peek(&self) -> Option<DateTime<Utc>> {
        match self {
            Clock::Database => None,
            Clock::Virtual(at) => Some(*at.lock().unwrap_or_else(|e| e.into_inner())),
        }
    }

    /// Now, as seen by the transaction on `conn`.
    pub async fn now(&self, conn: &mut PgConnection) -> Result<DateTime<Utc>> {
        match self.peek() {
            Some(at) => Ok(at),
            None => {
                let (now,): (DateTime<Utc>,) =
                    sqlx::query_as("SELECT now()").fetch_one(conn).await?;
                Ok(now)
            }
        }
    }
}
