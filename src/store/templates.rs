//! Immutable template versions: stored once per key+version; a changed spec under an existing version is refused.

use super::{Result, Store, StoreError, Tx};
use crate::spec::{content_hash, WorkflowSpec};

impl Store {
    /// Stores `spec` as its key+version (a no-op when the same spec is already there). Returns its hash.
    pub async fn put_template(&self, spec: &WorkflowSpec) -> Result<String> {
        self.put_template_source(spec, None).await
    }

    /// [`Store::put_template`] with the `.rwf` text it was compiled from, kept beside the spec (an
    /// already stored version keeps what it has: versions are immutable).
    pub async fn put_template_source(
        &self,
        spec: &WorkflowSpec,
        source: Option<&str>,
    ) -> Result<String> {
        let mut tx = self.begin().await?;
        let hash = put_template_tx(&mut tx, spec, source).await?;
        tx.commit().await?;
        Ok(hash)
    }

    /// Saves workflow `id`'s current spec (what the release became, edits included, with its bound
    /// values as the template's bindings) as the next version of template `key`. Returns the version.
    pub async fn save_as_template(&self, id: uuid::Uuid, key: &str) -> Result<u32> {
        let mut tx = self.begin().await?;
        let row: Option<(serde_json::Value,)> =
            sqlx::query_as("SELECT spec FROM rwf.workflows WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((spec,)) = row else {
            return Err(StoreError::WorkflowNotFound(id.to_string()));
        };
        let mut spec: WorkflowSpec = serde_json::from_value(spec)?;
        let (latest,): (Option<i32>,) =
            sqlx::query_as("SELECT max(version) FROM rwf.template_versions WHERE key = $1")
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
        spec.key = key.to_string();
        spec.version = latest.map_or(1, |v| v.max(0) as u32 + 1);
        put_template_tx(&mut tx, &spec, None).await?;
        tx.commit().await?;
        Ok(spec.version)
    }

    /// The stored spec of a template version.
    pub async fn template(&self, key: &str, version: u32) -> Result<Option<WorkflowSpec>> {
        let row: Option<(serde_json::Value,)> = sqlx::query_as(
            "SELECT spec FROM rwf.template_versions WHERE key = $1 AND version = $2",
        )
        .bind(key)
        .bind(version as i32)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((spec,)) => Ok(Some(serde_json::from_value(spec)?)),
            None => Ok(None),
        }
    }

    /// The `.rwf` text a template version was pushed from; `None` when unknown (or no such version).
    pub async fn template_source(&self, key: &str, version: u32) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT source FROM rwf.template_versions WHERE key = $1 AND version = $2",
        )
        .bind(key)
        .bind(version as i32)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|(s,)| s))
    }
}

pub(crate) async fn put_template_tx(
    tx: &mut Tx<'_>,
    spec: &WorkflowSpec,
    source: Option<&str>,
) -> Result<String> {
    valid(spec)?;
    let hash = content_hash(spec);
    let json = serde_json::to_value(spec)?;
    // A stored version never changes, its source included (a table trigger refuses updates).
    sqlx::query(
        "INSERT INTO rwf.template_versions (key, version, spec, spec_hash, source)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (key, version) DO NOTHING",
    )
    .bind(&spec.key)
    .bind(spec.version as i32)
    .bind(&json)
    .bind(&hash)
    .bind(source)
    .execute(&mut **tx)
    .await?;
    let (stored,): (String,) = sqlx::query_as(
        "SELECT spec_hash FROM rwf.template_versions WHERE key = $1 AND version = $2",
    )
    .bind(&spec.key)
    .bind(spec.version as i32)
    .fetch_one(&mut **tx)
    .await?;
    if stored != hash {
        return Err(StoreError::TemplateChanged {
            key: spec.key.clone(),
            version: spec.version,
        });
    }
    Ok(hash)
}

/// Refuses a spec with an error-level `rwf check` finding (a cycle, an unknown dependency...).
pub(crate) fn valid(spec: &WorkflowSpec) -> Result<()> {
    let errors = crate::check::spec_errors(spec);
    if errors.is_empty() {
        return Ok(());
    }
    Err(StoreError::InvalidSpec {
        spec: format!("{}@{}", spec.key, spec.version),
        errors: crate::check::one_line(&errors),
    })
}
