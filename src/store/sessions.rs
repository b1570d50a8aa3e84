//! Browser sessions for the web console: a valid API token is exchanged for a session secret (the
//! cookie) and a CSRF token (sent back in a header on every mutating request). Both are stored as
//! sha256; a session authenticates only while it, and the token it came from, are valid.

use super::tokens::{new_token, token_hash, Authenticated, PrincipalKind};
use super::{Result, Store};

/// A session just opened: the two secrets, shown once, and who it authenticates.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf: String,
    pub who: Authenticated,
}

/// A session that authenticated, with the hash of its CSRF token to compare against.
#[derive(Debug, Clone)]
pub struct SessionAuth {
    pub who: Authenticated,
    pub csrf_hash: String,
}

fn kind_of(text: &str) -> PrincipalKind {
    if text == "service" {
        PrincipalKind::Service
    } else {
        PrincipalKind::Person
    }
}

impl Store {
    /// Opens a session for a presented API token valid for `valid_for`; `None` when the token does
    /// not authenticate. Expired sessions are swept on the way.
    pub async fn open_session(
        &self,
        token: &str,
        valid_for: chrono::Duration,
    ) -> Result<Option<NewSession>> {
        let Some(who) = self.authenticate(token).await? else {
            return Ok(None);
        };
        let (secret, csrf) = (new_token()?, new_token()?);
        let mut tx = self.begin().await?;
        let now = self.clock.now(&mut tx).await?;
        sqlx::query("DELETE FROM rwf.web_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO rwf.web_sessions (session_hash, csrf_hash, token_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(&secret))
        .bind(token_hash(&csrf))
        .bind(who.token_id)
        .bind(now)
        .bind(now + valid_for)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(NewSession { secret, csrf, who }))
    }

    /// Who a session cookie authenticates: `None` for an unknown or expired session, or one whose
    /// token was revoked or has expired.
    pub async fn session(&self, secret: &str) -> Result<Option<SessionAuth>> {
        let row: Option<(i64, String, String, String)> = sqlx::query_as(
            "SELECT t.id, t.principal, t.kind, s.csrf_hash
             FROM rwf.web_sessions s JOIN rwf.api_tokens t ON t.id = s.token_id
             WHERE s.session_hash = $1 AND s.expires_at > COALESCE($2, now())
               AND t.revoked_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > COALESCE($2, now()))",
        )
        .bind(token_hash(secret))
        .bind(self.clock.peek())
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            row.map(|(token_id, principal, kind, csrf_hash)| SessionAuth {
                who: Authenticated {
                    token_id,
                    principal,
                    kind: kind_of(&kind),
                },
                csrf_hash,
            }),
        )
    }

    /// Ends a session (logout); `false` when there was none.
    pub async fn close_session(&self, secret: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM rwf.web_sessions WHERE session_hash = $1")
            .bind(token_hash(secret))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
