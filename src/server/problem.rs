//! Errors of `rwf serve` as `application/problem+json` (RFC 9457), each carrying its RWF code. Detail
//! text says what was refused and why; a database failure says only that it happened (the server log
//! has the rest), so no secret can leak through an error.

use crate::diagnostic::{CodeDoc, Severity};
use crate::store::StoreError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;

pub const BAD_REQUEST: &str = "RWF400";
pub const UNAUTHENTICATED: &str = "RWF401";
pub const FORBIDDEN: &str = "RWF403";
pub const NOT_FOUND: &str = "RWF404";
pub const CONFLICT: &str = "RWF409";
pub const TOO_LARGE: &str = "RWF413";
pub const INVALID: &str = "RWF422";
pub const INTERNAL: &str = "RWF500";
pub const UNAVAILABLE: &str = "RWF503";
pub const TIMEOUT: &str = "RWF504";

/// An error response (boxed: handlers return it in every `Err`).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem(Box<Body>);

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "Problem")]
pub struct Body {
    /// `about:blank`: the `code` says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What happened, for a person: the reason of a refusal, the field that is wrong.
    pub detail: String,
    /// The RWF code (`rwf check --explain RWF403`).
    pub code: String,
    /// Structured findings: compile diagnostics, the rules an edit breaks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<serde_json::Value>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
        Problem(Box::new(Body {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.into(),
            errors: None,
        }))
    }
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, BAD_REQUEST, detail)
    }
    pub fn unauthenticated(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, UNAUTHENTICATED, detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, FORBIDDEN, detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, NOT_FOUND, detail)
    }
    pub fn conflict(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::CONFLICT, CONFLICT, detail)
    }
    pub fn invalid(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, INVALID, detail)
    }
    pub fn with_errors(mut self, errors: serde_json::Value) -> Problem {
        self.0.errors = Some(errors);
        self
    }
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl std::ops::Deref for Problem {
    type Target = Body;
    fn deref(&self) -> &Body {
        &self.0
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match e {
            StoreError::WorkflowNotFound(_) | StoreError::TaskNotFound { .. } => {
                Problem::not_found(e.to_string())
            }
            StoreError::IllegalTransition { .. }
            | StoreError::Conflict { .. }
            | StoreError::TemplateChanged { .. } => Problem::conflict(e.to_string()),
            StoreError::Refused(ref m) if m.contains("changed since you loaded it") => {
                Problem::conflict(e.to_string())
            }
            StoreError::Refused(_)
            | StoreError::AlreadyDecided { .. }
            | StoreError::NotHuman(_) => Problem::forbidden(e.to_string()),
            StoreError::Constraint { .. } => Problem::invalid(e.to_string()),
            // SQLSTATE class 22 (data exception): a value Postgres cannot take, e.g. a NUL character.
            StoreError::Db(sqlx::Error::Database(ref db))
                if db.code().is_some_and(|c| c.starts_with("22")) =>
            {
                Problem::bad_request(format!("a value cannot be stored: {}", db.message()))
            }
            StoreError::Db(ref db) if is_unavailable(db) => {
                eprintln!("{}", log_line("database unavailable", &e));
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    UNAVAILABLE,
                    "the database is unavailable; try again",
                )
            }
            other => {
                eprintln!("{}", log_line("internal error", &other));
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    INTERNAL,
                    "internal error; the server log has the details",
                )
            }
        }
    }
}

fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
    )
}

fn log_line(what: &str, e: &StoreError) -> String {
    serde_json::json!({ "level": "error", "msg": what, "error": e.to_string() }).to_string()
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&*self.0).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

const fn doc(code: &'static str, title: &'static str, what: &'static str) -> CodeDoc {
    CodeDoc {
        code,
        severity: Severity::Error,
        title,
        what,
        why: "Returned by `rwf serve` as application/problem+json with this code; nothing was changed.",
        example: "curl -H 'Authorization: Bearer $RWF_TOKEN' http://127.0.0.1:8080/api/v1/workflows",
    }
}

/// The codes of `rwf serve` (RWF400–504), documented for `rwf check --explain`.
pub const CODES: &[CodeDoc] = &[
    doc(BAD_REQUEST, "api-bad-request", "The request is malformed: a body that is not the JSON the endpoint takes, an id that is not a UUID."),
    doc(UNAUTHENTICATED, "api-unauthenticated", "No credentials, or a token that is unknown, expired or revoked. `rwf admin token create` makes one."),
    doc(FORBIDDEN, "api-forbidden", "The authenticated person or service account may not do this: the detail names the rule (owner scope, approver scope, people only, separation of duties)."),
    doc(NOT_FOUND, "api-not-found", "No such workflow, task, template or route."),
    doc(CONFLICT, "api-conflict", "The action does not fit the current state: an illegal lifecycle transition, a workflow edited since the caller loaded it (expected version), a changed template under an existing version."),
    doc(TOO_LARGE, "api-too-large", "The request body is larger than `rwf serve --max-body`."),
    doc(INVALID, "api-invalid", "The request is well-formed but cannot be applied: a template that does not compile, a param that does not bind, an edit the engine refuses. `errors` lists each finding."),
    doc(INTERNAL, "api-internal", "The server failed; its log has the details."),
    doc(UNAVAILABLE, "api-unavailable", "The database cannot be reached; the request may be retried."),
    doc(TIMEOUT, "api-timeout", "The request took longer than `rwf serve --timeout` and was abandoned; its transaction, if any, was rolled back."),
];
