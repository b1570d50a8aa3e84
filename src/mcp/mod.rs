//! `rwf mcp`: a proposal-only assistant interface over the Model Context Protocol.
//!
//! An assistant may read templates and workflows, validate and preview templates, draft a workflow
//! (a `draft` the worker never advances until a person starts it) and propose edits (applied only to
//! a draft). Nothing here starts, resumes, pauses, cancels, approves, rejects, completes a task or
//! delivers an event: the tool table (`tools`) simply has no such operation, and no file of this
//! module calls the store's lifecycle or decision operations (a test reads the sources to keep it so).
//!
//! `protocol` is the JSON-RPC 2.0 framing and the MCP methods; `tools` the table and its arguments;
//! `templates` where a template comes from; `drafts` drafting and edit proposals; `questions` the
//! read-only answers; `resources` the language reference and templates; `stdio` and `http` the two
//! transports. `Session` says who calls and what they may see.

pub mod drafts;
pub mod http;
pub mod protocol;
pub mod questions;
pub mod resources;
pub mod stdio;
pub mod templates;
pub mod tools;

use crate::server::auth::Principal;
use crate::server::authz::{Rules, WorkflowAccess};
use crate::store::{Store, StoreError};
use serde_json::{json, Value};
use uuid::Uuid;

/// A tool that could not do what it was asked: shown to the assistant as a tool error
/// (`isError: true`) with a message, how to fix it, and any structured details (diagnostics,
/// refusals).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolError {
    pub message: String,
    pub help: Option<String>,
    pub details: Option<Value>,
}

impl ToolError {
    pub fn new(message: impl Into<String>) -> ToolError {
        ToolError {
            message: message.into(),
            help: None,
            details: None,
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> ToolError {
        self.help = Some(help.into());
        self
    }
    pub fn details(mut self, details: Value) -> ToolError {
        self.details = Some(details);
        self
    }
    /// As the tool result's structured content.
    pub fn to_json(&self) -> Value {
        json!({"error": self.message, "help": self.help, "details": self.details})
    }
}

impl From<StoreError> for ToolError {
    fn from(e: StoreError) -> ToolError {
        match e {
            StoreError::WorkflowNotFound(_) => ToolError::new(e.to_string())
                .help("`list_workflows` lists the workflows you may see"),
            other => ToolError::new(other.to_string()),
        }
    }
}

/// Who calls: the local user of `rwf mcp` over stdio (the CLI's direct database path, as `rwf ls`
/// and `rwf new` are), or an authenticated principal of `rwf serve` under its rules.
pub enum Who<'a> {
    Local {
        actor: String,
    },
    Api {
        principal: Principal,
        rules: Rules<'a>,
    },
}

/// One caller's view of the system.
pub struct Session<'a> {
    /// `None` over stdio without a database: the tools on source text still work.
    pub store: Option<Store>,
    pub who: Who<'a>,
}

impl Session<'_> {
    pub fn store(&self) -> Result<&Store, ToolError> {
        self.store.as_ref().ok_or_else(|| {
            ToolError::new("this tool needs the database, and `rwf mcp` was started without one")
                .help("start it with DATABASE_URL set, or `rwf mcp --database-url postgres://...`")
        })
    }

    /// How the audit log names the caller.
    pub fn actor(&self) -> String {
        match &self.who {
            Who::Local { actor } => actor.clone(),
            Who::Api { principal, .. } => principal.actor(),
        }
    }

    async fn access(&self, id: Uuid) -> Result<WorkflowAccess, ToolError> {
        let store = self.store()?;
        let spec = store.workflow_spec(id).await?;
        let owner = store.workflow_owner(id).await?;
        Ok(WorkflowAccess::of(owner, &spec))
    }

    /// Whether the caller may see workflow `id` (an error naming the rule when not).
    pub async fn may_view(&self, id: Uuid) -> Result<(), ToolError> {
        let access = self.access(id).await?;
        match &self.who {
            Who::Local { .. } => Ok(()),
            Who::Api { principal, rules } => rules.view(principal, &access).map_err(ToolError::new),
        }
    }

    /// Whether the caller may change workflow `id` (its owner scope and organization admins).
    pub async fn may_operate(&self, id: Uuid) -> Result<(), ToolError> {
        let access = self.access(id).await?;
        match &self.who {
            Who::Local { .. } => Ok(()),
            Who::Api { principal, rules } => {
                rules.view(principal, &access).map_err(ToolError::new)?;
                rules.operate(principal, &access).map_err(ToolError::new)
            }
        }
    }

    /// The owner scope a new draft gets, once the caller may create it: over the API the caller's
    /// own `user:NAME` by default; over stdio none unless given (as `rwf new`).
    pub fn may_create(&self, owner: Option<String>) -> Result<Option<String>, ToolError> {
        match &self.who {
            Who::Local { .. } => {
                if let Some(o) = &owner {
                    if !matches!(
                        crate::engine::action::parse_scope(o),
                        Some(crate::spec::Scope::User(_) | crate::spec::Scope::Team(_))
                            | Some(crate::spec::Scope::Organization(_))
                    ) {
                        return Err(ToolError::new(format!("`{o}` is not an owner scope"))
                            .help("write `team:NAME` or `user:NAME`"));
                    }
                }
                Ok(owner)
            }
            Who::Api { principal, rules } => {
                let owner = owner.unwrap_or_else(|| format!("user:{}", principal.name));
                rules.create(principal, &owner).map_err(ToolError::new)?;
                Ok(Some(owner))
            }
        }
    }

    /// Whether the caller may store a new template version (a draft from source text stores one).
    pub fn may_push(&self) -> Result<(), ToolError> {
        match &self.who {
            Who::Local { .. } => Ok(()),
            Who::Api { principal, rules } => rules
                .push_templates(principal)
                .map_err(|r| ToolError::new(r).help("draft from a stored template instead")),
        }
    }

    /// The workflows the caller may see (all of them over stdio).
    pub async fn visible_workflows(
        &self,
        status: Option<&str>,
    ) -> Result<Vec<crate::store::WorkflowRow>, ToolError> {
        let rows = self.store()?.list_workflows(status, false).await?;
        let mut out = Vec::new();
        for w in rows {
            if self.may_view(w.id).await.is_ok() {
                out.push(w);
            }
        }
        Ok(out)
    }
}

/// A workflow id argument.
pub fn workflow_id(text: &str) -> Result<Uuid, ToolError> {
    Uuid::parse_str(text.trim()).map_err(|_| {
        ToolError::new(format!("`{text}` is not a workflow id (a UUID)"))
            .help("`list_workflows` gives the ids")
    })
}
