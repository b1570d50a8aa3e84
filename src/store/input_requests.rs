//! What an agent waiting for input asked: the prompt (and the JSON Schema of the answer, when it gave
//! one) of the task's latest attempt that ended `needs_input`.

use super::{Result, Store};
use serde_json::Value;
use uuid::Uuid;

/// An agent's question to a person.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InputRequest {
    pub prompt: String,
    /// A JSON Schema of the answer; none when the agent asked in plain text.
    pub schema: Option<Value>,
}

impl Store {
    /// The question of `task`'s latest attempt that asked for input, if any.
    pub async fn input_request(&self, workflow: Uuid, task: &str) -> Result<Option<InputRequest>> {
        let row: Option<(Option<Value>,)> = sqlx::query_as(
            "SELECT result FROM rwf.attempts
             WHERE workflow_id = $1 AND task_key = $2 AND status = 'needs_input'
             ORDER BY id DESC LIMIT 1",
        )
        .bind(workflow)
        .bind(task)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|(r,)| r).map(|r| InputRequest {
            prompt: r["prompt"].as_str().unwrap_or_default().to_string(),
            schema: r.get("schema").filter(|s| s.is_object()).cloned(),
        }))
    }
}
