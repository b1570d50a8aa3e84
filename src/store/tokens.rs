//! API tokens for `rwf serve`: created (shown once, stored as sha256), revoked, and resolved to the
//! principal they authenticate. Expiry and revocation are decided against the store's clock.

use super::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Who a token authenticates: a person of the directory, or a service account (CI, an agent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    Person,
    Service,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Person => "person",
            PrincipalKind::Service => "service",
        }
    }
}

/// A token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TokenRow {
    pub id: i64,
    pub principal: String,
    pub kind: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token that authenticated: its row id, the principal and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub token_id: i64,
    pub principal: String,
    pub kind: PrincipalKind,
}

/// The stored form of a token: hex sha256.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token: `rwf_` and 32 random bytes in hex.
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| StoreError::Refused(format!("no randomness for a token: {e}")))?;
    Ok(format!("rwf_{}", hex::encode(bytes)))
}

type TokenTuple = (
    i64,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

impl Store {
    /// Creates a token for `principal`, valid for `valid_for` (forever with `None`). Returns its id and
    /// the token, which is not stored and cannot be shown again.
    pub async fn create_token(
        &self,
        principal: &str,
        kind: PrincipalKind,
        label: &str,
        valid_for: Option<chrono::Duration>,
    ) -> Result<(i64, String)> {
        let token = new_token()?;
        let mut tx = self.begin().await?;
        let now = self.clock.now(&mut tx).await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO rwf.api_tokens (principal, kind, token_hash, label, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(principal)
        .bind(kind.as_str())
        .bind(token_hash(&token))
        .bind(label)
        .bind(now)
        .bind(valid_for.map(|d| now + d))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((id, token))
    }

    /// Revokes a token; `false` when there is no such token or it was already revoked.
    pub async fn revoke_token(&self, id: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let now = self.clock.now(&mut tx).await?;
        let done = sqlx::query(
            "UPDATE rwf.api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every token, newest first.
    pub async fn tokens(&self) -> Result<Vec<TokenRow>> {
        let rows: Vec<TokenTuple> = sqlx::query_as(
            "SELECT id, principal, kind, label, created_at, expires_at, revoked_at
             FROM rwf.api_tokens ORDER BY id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|t| TokenRow {
                id: t.0,
                principal: t.1,
                kind: t.2,
                label: t.3,
                created_at: t.4,
                expires_at: t.5,
                revoked_at: t.6,
            })
            .collect())
    }

    /// The principal a presented token authenticates: `None` for an unknown, expired or revoked one.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Authenticated>> {
        // One round trip: the database's clock unless the store's clock is fixed.
        let row: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT id, principal, kind FROM rwf.api_tokens
             WHERE token_hash = $1 AND revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > COALESCE($2, now()))",
        )
        .bind(token_hash(token))
        .bind(self.clock.peek())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(token_id, principal, kind)| Authenticated {
            token_id,
            principal,
            kind: if kind == "service" {
                PrincipalKind::Service
            } else {
                PrincipalKind::Person
            },
        }))
    }

    /// A workflow's owner scope (`team:release`), if it has one.
    pub async fn workflow_owner(&self, id: uuid::Uuid) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT owner FROM rwf.workflow_owners WHERE workflow_id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.0))
    }
}
