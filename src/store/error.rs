//! Persistence errors as domain errors: named constraint violations and refused transitions.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("template {key} version {version} already exists with a different spec")]
    TemplateChanged { key: String, version: u32 },
    #[error("{spec} does not pass `rwf check`:\n  {}", .errors.join("\n  "))]
    InvalidSpec { spec: String, errors: Vec<String> },
    #[error("no workflow {0}")]
    WorkflowNotFound(String),
    #[error("workflow {id} has no task `{task}`")]
    TaskNotFound { id: String, task: String },
    #[error("cannot {verb} a workflow that is {status}")]
    IllegalTransition { verb: String, status: String },
    #[error("{0}")]
    Refused(String),
    #[error("the workflow changed concurrently (lock_version {expected}); try again")]
    Conflict { expected: i64 },
    #[error("{actor} has already decided this approval")]
    AlreadyDecided { actor: String },
    #[error("`{0}` is not a human actor; approvals are decided by people only")]
    NotHuman(String),
    #[error("{0} rows are append-only")]
    Immutable(String),
    #[error("value violates {constraint}: {message}")]
    Constraint { constraint: String, message: String },
    #[error("recording a group of agent outcomes failed: {0}")]
    Batch(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Db(sqlx::Error),
    /// The first connection failed: what happened and where (`connection refused at HOST:PORT`).
    #[error("{0}")]
    Unreachable(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        if let sqlx::Error::Database(db) = &e {
            if db.code().as_deref() == Some("RW001") {
                return StoreError::Immutable(db.message().to_string());
            }
            if let Some(constraint) = db.constraint() {
                return match constraint {
                    "approval_decisions_actor_uniq" => StoreError::AlreadyDecided {
                        actor: String::new(),
                    },
                    "approval_decisions_human_actor_check" => StoreError::NotHuman(String::new()),
                    other => StoreError::Constraint {
                        constraint: other.to_string(),
                        message: db.message().to_string(),
                    },
                };
            }
        }
        StoreError::Db(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> StoreError {
        StoreError::Corrupt(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;
