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

    /// One statement: the first attempt with a key inserts its effect; a repeat (a takeover running the
    /// same attempt again) finds the row under the unique key and gets the first output back.
    async fn perform(&self, key: &str, agent: &str, output: &Value) -> Result<Value, sqlx::Error> {
        let (output,): (Value,) = sqlx::query_as(
            "INSERT INTO rwf.builtin_effects (idempotency_key, agent, output) VALUES ($1, $2, $3)
             ON CONFLICT (idempotency_key) DO UPDATE SET output = rwf.builtin_effects.output
             RETURNING output",
        )
        .bind(key)
        .bind(agent)
        .bind(output)
        .fetch_one(&self.pool)
        .await?;
        Ok(output)
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
