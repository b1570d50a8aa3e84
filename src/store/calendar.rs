//! Calendar subscriptions: secret ICS URLs for a workflow or for a person, stored as sha256 only.

use super::tokens::{token_hash, PrincipalKind};
use super::{Result, Store, StoreError};
use uuid::Uuid;

/// What a calendar secret opens: whose it is, and which workflow (`None`: the person's own feed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    pub principal: String,
    pub kind: PrincipalKind,
    pub workflow: Option<Uuid>,
}

impl Store {
    /// A new secret for a calendar feed; returned once, stored hashed.
    pub async fn create_calendar_feed(
        &self,
        principal: &str,
        kind: PrincipalKind,
        workflow: Option<Uuid>,
    ) -> Result<String> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| StoreError::Refused(format!("no randomness for a secret: {e}")))?;
        let secret = format!("cal_{}", hex::encode(bytes));
        sqlx::query(
            "INSERT INTO rwf.calendar_feeds (secret_hash, principal, kind, workflow_id)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash(&secret))
        .bind(principal)
        .bind(kind.as_str())
        .bind(workflow)
        .execute(self.pool())
        .await?;
        Ok(secret)
    }

    /// The feed a secret opens, unless unknown or revoked.
    pub async fn calendar_feed(&self, secret: &str) -> Result<Option<CalendarFeed>> {
        let row: Option<(String, String, Option<Uuid>)> = sqlx::query_as(
            "SELECT principal, kind, workflow_id FROM rwf.calendar_feeds
             WHERE secret_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash(secret))
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(principal, kind, workflow)| CalendarFeed {
            principal,
            kind: if kind == "service" {
                PrincipalKind::Service
            } else {
                PrincipalKind::Person
            },
            workflow,
        }))
    }
}
