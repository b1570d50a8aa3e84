//! Calendar subscriptions: secret ICS URLs for a workflow or for a person, stored as sha256 only.

use super::tokens::{token_hash, PrincipalKind};
use super::{Result, Store, StoreError};
use uuid::Uuid;

/// A live calendar link as its creator sees it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarLinkRow {
    pub id: i64,
    pub workflow: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// What a calendar secret opens: whose it is, and which workflow (`None`: the person's own feed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    pub principal: String,
    pub kind: PrincipalKind,
    pub workflow: Option<Uuid>,
}

impl Store {
    /// A new secret for a calendar feed; returned once, stored hashed. Returns the link's id too.
    pub async fn create_calendar_feed(
        &self,
        principal: &str,
        kind: PrincipalKind,
        workflow: Option<Uuid>,
    ) -> Result<(i64, String)> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| StoreError::Refused(format!("no randomness for a secret: {e}")))?;
        let secret = format!("cal_{}", hex::encode(bytes));
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO rwf.calendar_feeds (secret_hash, principal, kind, workflow_id)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(token_hash(&secret))
        .bind(principal)
        .bind(kind.as_str())
        .bind(workflow)
        .fetch_one(self.pool())
        .await?;
        Ok((id, secret))
    }

    /// The live calendar links `principal` created, oldest first.
    pub async fn calendar_links(&self, principal: &str) -> Result<Vec<CalendarLinkRow>> {
        let rows: Vec<(i64, Option<Uuid>, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
            "SELECT id, workflow_id, created_at FROM rwf.calendar_feeds
             WHERE principal = $1 AND revoked_at IS NULL ORDER BY id",
        )
        .bind(principal)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, workflow, created_at)| CalendarLinkRow {
                id,
                workflow,
                created_at,
            })
            .collect())
    }

    /// Revokes link `id` if `principal` created it and it is live; whether it did.
    pub async fn revoke_calendar_link(&self, id: i64, principal: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE rwf.calendar_feeds SET revoked_at = now()
             WHERE id = $1 AND principal = $2 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(principal)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
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
