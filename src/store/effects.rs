//! The built-in executor's effect ledger in Postgres: at most one recorded side effect per idempotency key.

use crate::exec::builtin::EffectLedger;
use crate::exec::BoxFuture;
use serde_json::Value;
use sqlx::PgPool;

pub struct PgEffectLedger {
    pool: PgPool,
}

impl PgEffectLedger {
    pub fn new(pool: PgPool) -> PgEffectLedger {
        PgEffectLedger { pool }
    }

    async fn perform(&self, key: &str, agent: &str, output: &Value) -> Result<Value, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        // Serialise concurrent attempts on the same key; the check below sees the winner's row.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        let existing: Option<(Value,)> = sqlx::query_as(
            "SELECT output FROM rwf.builtin_effects WHERE idempotency_key = $1 ORDER BY id LIMIT 1",
        )
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((output,)) = existing {
            tx.commit().await?;
            return Ok(output);
        }
        sqlx::query(
            "INSERT INTO rwf.builtin_effects (idempotency_key, agent, output) VALUES ($1, $2, $3)",
        )
        .bind(key)
        .bind(agent)
        .bind(output)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(output.clone())
    }
}

impl EffectLedger for PgEffectLedger {
    fn perform_once<'a>(
        &'a self,
        key: &'a str,
        agent: &'a str,
        output: &'a Value,
    ) -> BoxFuture<'a, Result<Value, String>> {
        Box::pin(async move {
            self.perform(key, agent, output)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
