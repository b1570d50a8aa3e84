//! The tool table: each tool's name, description, JSON input schema (from its argument type) and
//! what it runs. The table is the whole of what an assistant can do, and it has no operation that
//! starts, pauses, resumes, cancels, approves, rejects, completes a task or delivers an event: there
//! is nothing to name that would. Arguments are strict (unknown fields are refused), and the release
//! facts — name, target date and its zone — are required wherever a release is planned or created.

use super::drafts::{self, Proposal};
use super::templates::{self, Release};
use super::{questions, Session, ToolError};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Every tool there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    ListTemplates,
    ShowTemplate,
    Validate,
    PreviewPlan,
    ExplainDate,
    ExplainWorkflowDate,
    DraftWorkflow,
    ProposeEdit,
    ListWorkflows,
    Status,
    Blocked,
    DueNext,
    WaitingOn,
    AuditLog,
}

/// One row of the table.
pub struct Entry {
    pub tool: Tool,
    pub name: &'static str,
    pub description: &'static str,
    /// Reads only (drafting and applying an edit to a draft are the only writes).
    pub read_only: bool,
    schema: fn() -> Value,
}

fn schema<T: JsonSchema>() -> Value {
    let settings = schemars::gen::SchemaSettings::draft07().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
    });
    let root = settings.into_generator().into_root_schema_for::<T>();
    let mut value = serde_json::to_value(root).unwrap_or(json!({}));
    if let Some(map) = value.as_object_mut() {
        map.remove("title");
        map.entry("properties").or_insert(json!({}));
    }
    value
}

pub const TABLE: &[Entry] = &[
    Entry { tool: Tool::ListTemplates, name: "list_templates", read_only: true,
        description: "List the templates: versions stored in the database and the ones shipped with rwf.",
        schema: schema::<NoArgs> },
    Entry { tool: Tool::ShowTemplate, name: "show_template", read_only: true,
        description: "Show a template: its params (what `sets` binds, which param names the release), tasks and canonical spec.",
        schema: schema::<TemplateArgs> },
    Entry { tool: Tool::Validate, name: "validate", read_only: true,
        description: "Validate .rwf source as `rwf check` does: diagnostics with code, severity, line, column, message and help.",
        schema: schema::<ValidateArgs> },
    Entry { tool: Tool::PreviewPlan, name: "preview_plan", read_only: true,
        description: "Preview a template's plan for a release: every task's start, due and end for the given name, target date and time zone. Stores nothing.",
        schema: schema::<PlanArgs> },
    Entry { tool: Tool::ExplainDate, name: "explain_date", read_only: true,
        description: "Explain how one task's date is produced for a release: its anchor chain, offsets, skipped days, DST adjustments.",
        schema: schema::<ExplainArgs> },
    Entry { tool: Tool::ExplainWorkflowDate, name: "explain_workflow_date", read_only: true,
        description: "Explain how one task's planned date in an existing workflow is produced, with the tasks that already ran kept at their times.",
        schema: schema::<ExplainWorkflowArgs> },
    Entry { tool: Tool::DraftWorkflow, name: "draft_workflow", read_only: false,
        description: "Create a DRAFT workflow from a template for a release (name, target date, time zone). A draft runs nothing until a person starts it.",
        schema: schema::<DraftArgs> },
    Entry { tool: Tool::ProposeEdit, name: "propose_edit", read_only: false,
        description: "Propose an edit to a draft or paused workflow (a new template or source, params, release date or zone): returns the diff and every refusal. Applied only to a draft; a paused workflow is left for a person to edit.",
        schema: schema::<EditArgs> },
    Entry { tool: Tool::ListWorkflows, name: "list_workflows", read_only: true,
        description: "List the workflows you may see, with status, template and target date.",
        schema: schema::<ListArgs> },
    Entry { tool: Tool::Status, name: "status", read_only: true,
        description: "A workflow's status: each task's state, planned and actual dates, assignee, and the gates it waits on.",
        schema: schema::<WorkflowArgs> },
    Entry { tool: Tool::Blocked, name: "blocked", read_only: true,
        description: "What is blocked and why: blocked gates, failed tasks and missed windows, in one workflow or all open ones.",
        schema: schema::<ScopeArgs> },
    Entry { tool: Tool::DueNext, name: "due_next", read_only: true,
        description: "What is due next: open tasks by planned due date, soonest first, overdue ones flagged.",
        schema: schema::<DueArgs> },
    Entry { tool: Tool::WaitingOn, name: "waiting_on", read_only: true,
        description: "Who is waiting on whom: approvals, manual tasks and questions waiting on people, and tasks waiting on other tasks.",
        schema: schema::<ScopeArgs> },
    Entry { tool: Tool::AuditLog, name: "audit_log", read_only: true,
        description: "A workflow's audit log: who did what, when, and through which surface.",
        schema: schema::<LogArgs> },
];

/// `tools/list`'s answer.
pub fn list() -> Value {
    let tools: Vec<Value> = TABLE
        .iter()
        .map(|e| {
            json!({
                "name": e.name,
                "description": e.description,
                "inputSchema": (e.schema)(),
                "annotations": {
                    "readOnlyHint": e.read_only,
                    "destructiveHint": false,
                    "idempotentHint": e.read_only,
                    "openWorldHint": false,
                },
            })
        })
        .collect();
    json!({ "tools": tools })
}

/// The table row of a tool name, if there is one.
pub fn find(name: &str) -> Option<&'static Entry> {
    TABLE.iter().find(|e| e.name == name)
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateArgs {
    /// A stored template `KEY` (newest version) or `KEY@VERSION`, or a shipped template's key.
    pub template: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateArgs {
    /// The .rwf text. `use std/...` modules resolve from the stdlib, `use ./PATH` from `files`.
    pub source: String,
    /// The file name diagnostics give (default `template.rwf`).
    #[serde(default)]
    pub file: Option<String>,
    /// The files the source imports (`use ./lib/app_store`, `hooks "policy.rhai"`), by path
    /// relative to it: `{"lib/app_store.rwf": "..."}`. No absolute paths, no `..`.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanArgs {
    /// A stored (`KEY`, `KEY@VERSION`) or shipped template; or give `source` instead.
    #[serde(default)]
    pub template: Option<String>,
    /// .rwf text to plan instead of a named template.
    #[serde(default)]
    pub source: Option<String>,
    /// The files `source` imports, by path relative to it (as `validate` takes them).
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// REQUIRED. The release or product name, e.g. `Widget 2.0` (binds the param the template's title names).
    pub name: String,
    /// REQUIRED. The target date: `2026-10-01`, `2026-10-01T09:00` (read in `tz`), or RFC 3339.
    pub release: String,
    /// REQUIRED. The target date's time zone (IANA), e.g. `Europe/Berlin`.
    pub tz: String,
    /// Other param values, by name (as `rwf new --set name=value`).
    #[serde(default)]
    pub sets: BTreeMap<String, String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainArgs {
    /// A stored (`KEY`, `KEY@VERSION`) or shipped template; or give `source` instead.
    #[serde(default)]
    pub template: Option<String>,
    /// .rwf text to explain instead of a named template.
    #[serde(default)]
    pub source: Option<String>,
    /// The files `source` imports, by path relative to it (as `validate` takes them).
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// REQUIRED. The release or product name.
    pub name: String,
    /// REQUIRED. The target date.
    pub release: String,
    /// REQUIRED. The target date's time zone (IANA).
    pub tz: String,
    /// Other param values, by name (as `rwf new --set name=value`).
    #[serde(default)]
    pub sets: BTreeMap<String, String>,
    /// The task key to explain.
    pub task: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainWorkflowArgs {
    /// The workflow id.
    pub workflow: String,
    /// The task key to explain.
    pub task: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftArgs {
    /// A stored (`KEY`, `KEY@VERSION`) or shipped template; or give `source` instead.
    #[serde(default)]
    pub template: Option<String>,
    /// .rwf text (drafting from it stores it as a new template version).
    #[serde(default)]
    pub source: Option<String>,
    /// The files `source` imports, by path relative to it (as `validate` takes them).
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// REQUIRED. The release or product name.
    pub name: String,
    /// REQUIRED. The target date.
    pub release: String,
    /// REQUIRED. The target date's time zone (IANA).
    pub tz: String,
    /// Other param values, by name (as `rwf new --set name=value`).
    #[serde(default)]
    pub sets: BTreeMap<String, String>,
    /// The scope that will operate it (`team:release`); over the API the default is you (`user:NAME`).
    #[serde(default)]
    pub owner: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditArgs {
    /// The workflow id.
    pub workflow: String,
    /// A new stored or shipped template for it (its params keep their values unless in `sets`).
    #[serde(default)]
    pub template: Option<String>,
    /// New .rwf text for it.
    #[serde(default)]
    pub source: Option<String>,
    /// The files `source` imports, by path relative to it (as `validate` takes them).
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Params to rebind (without a template: date/datetime params only).
    #[serde(default)]
    pub sets: BTreeMap<String, String>,
    /// A new target date.
    #[serde(default)]
    pub release: Option<String>,
    /// A new target time zone (IANA).
    #[serde(default)]
    pub tz: Option<String>,
    /// Refuse unless the workflow is still at this `lock_version`.
    #[serde(default)]
    pub expect_version: Option<i64>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Only this status: draft, active, paused, completed, failed, cancelled.
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowArgs {
    /// The workflow id.
    pub workflow: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeArgs {
    /// One workflow id; default: every open workflow you may see.
    #[serde(default)]
    pub workflow: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DueArgs {
    /// One workflow id; default: every open workflow you may see.
    #[serde(default)]
    pub workflow: Option<String>,
    /// At most this many tasks (default 10).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogArgs {
    /// The workflow id.
    pub workflow: String,
    /// Only events after this id.
    #[serde(default)]
    pub after: Option<i64>,
    /// At most this many events (default 200).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// The arguments as `T`, with a clear error for a missing required argument (named, with what it
/// is) or anything else wrong.
fn args<T: DeserializeOwned>(entry: &Entry, arguments: &Value) -> Result<T, ToolError> {
    let given = match arguments {
        Value::Null => json!({}),
        Value::Object(_) => arguments.clone(),
        _ => return Err(ToolError::new("the arguments are not a JSON object")),
    };
    let schema = (entry.schema)();
    if let Some(required) = schema["required"].as_array() {
        for r in required.iter().filter_map(Value::as_str) {
            if given.get(r).is_none_or(Value::is_null) {
                let what = schema["properties"][r]["description"]
                    .as_str()
                    .unwrap_or("")
                    .trim_start_matches("REQUIRED. ");
                return Err(
                    ToolError::new(format!("`{}` needs the argument `{r}`", entry.name))
                        .help(format!("give `{r}`: {what}")),
                );
            }
        }
    }
    serde_json::from_value(given).map_err(|e| {
        ToolError::new(format!("bad arguments to `{}`: {e}", entry.name))
            .help("`tools/list` gives each tool's input schema")
    })
}

fn release(name: String, date: String, tz: String, sets: BTreeMap<String, String>) -> Release {
    Release {
        name,
        release: date,
        tz,
        sets,
    }
}

/// Runs a tool of the table.
pub async fn call(
    session: &Session<'_>,
    entry: &Entry,
    arguments: &Value,
) -> Result<Value, ToolError> {
    match entry.tool {
        Tool::ListTemplates => {
            let _: NoArgs = args(entry, arguments)?;
            let stored = match &session.store {
                Some(store) => store
                    .template_versions()
                    .await?
                    .into_iter()
                    .map(|t| {
                        json!({"template": format!("{}@{}", t.key, t.version),
                        "key": t.key, "version": t.version, "spec_hash": t.spec_hash,
                        "stored_at": t.created_at.to_rfc3339()})
                    })
                    .collect(),
                None => Vec::new(),
            };
            let shipped: Vec<Value> = templates::SHIPPED
                .iter()
                .map(|(k, _)| json!({"template": k, "resource": format!("rwf://templates/shipped/{k}.rwf")}))
                .collect();
            Ok(json!({"stored": stored, "shipped": shipped}))
        }
        Tool::ShowTemplate => {
            let a: TemplateArgs = args(entry, arguments)?;
            let loaded =
                templates::load(session, Some(&a.template), None, &BTreeMap::new()).await?;
            Ok(templates::describe(&loaded))
        }
        Tool::Validate => {
            let a: ValidateArgs = args(entry, arguments)?;
            templates::validate(
                a.file.as_deref().unwrap_or("template.rwf"),
                &a.source,
                &a.files,
            )
        }
        Tool::PreviewPlan => {
            let a: PlanArgs = args(entry, arguments)?;
            let loaded = templates::load(
                session,
                a.template.as_deref(),
                a.source.as_deref(),
                &a.files,
            )
            .await?;
            let (bound, plan, _) =
                templates::instantiate(&loaded, &release(a.name, a.release, a.tz, a.sets))?;
            Ok(templates::plan_json(&bound, &plan))
        }
        Tool::ExplainDate => {
            let a: ExplainArgs = args(entry, arguments)?;
            let loaded = templates::load(
                session,
                a.template.as_deref(),
                a.source.as_deref(),
                &a.files,
            )
            .await?;
            let (bound, plan, _) =
                templates::instantiate(&loaded, &release(a.name, a.release, a.tz, a.sets))?;
            let ex = crate::schedule::explain(&bound, &plan.target, &BTreeMap::new(), &a.task)
                .map_err(|d| {
                    ToolError::new(d.message)
                        .help("`show_template` or `preview_plan` lists the task keys")
                })?;
            let chain: Vec<Value> = ex
                .chain
                .iter()
                .map(|l| {
                    json!({
                        "task": l.task.key,
                        "title": bound.tasks[l.index].title,
                        "start": l.task.times.map(|t| t.start.to_rfc3339()),
                        "due": l.task.times.map(|t| t.due.to_rfc3339()),
                        "end": l.task.times.map(|t| t.end.to_rfc3339()),
                        "tz": l.task.tz.name(),
                    })
                })
                .collect();
            Ok(json!({
                "task": a.task,
                "explanation": ex.render(&bound, &crate::compile::source_for(&loaded.source, &loaded.spec, &bound), &loaded.text),
                "chain": chain,
                "findings": templates::diagnostics(&ex.findings, Some(&loaded.text).filter(|t| !t.is_empty()).map(String::as_str)),
            }))
        }
        Tool::ExplainWorkflowDate => {
            let a: ExplainWorkflowArgs = args(entry, arguments)?;
            questions::explain(session, &a.workflow, &a.task).await
        }
        Tool::DraftWorkflow => {
            let a: DraftArgs = args(entry, arguments)?;
            let loaded = templates::load(
                session,
                a.template.as_deref(),
                a.source.as_deref(),
                &a.files,
            )
            .await?;
            drafts::draft(
                session,
                &loaded,
                &release(a.name, a.release, a.tz, a.sets),
                a.owner,
            )
            .await
        }
        Tool::ProposeEdit => {
            let a: EditArgs = args(entry, arguments)?;
            let id = super::workflow_id(&a.workflow)?;
            let template = match (&a.template, &a.source) {
                (None, None) => None,
                (t, s) => {
                    Some(templates::load(session, t.as_deref(), s.as_deref(), &a.files).await?)
                }
            };
            drafts::propose_edit(
                session,
                id,
                Proposal {
                    template,
                    sets: a.sets,
                    release: a.release,
                    tz: a.tz,
                    expect_version: a.expect_version,
                },
            )
            .await
        }
        Tool::ListWorkflows => {
            let a: ListArgs = args(entry, arguments)?;
            questions::list_workflows(session, a.status.as_deref()).await
        }
        Tool::Status => {
            let a: WorkflowArgs = args(entry, arguments)?;
            questions::status(session, &a.workflow).await
        }
        Tool::Blocked => {
            let a: ScopeArgs = args(entry, arguments)?;
            questions::blocked(session, a.workflow.as_deref()).await
        }
        Tool::DueNext => {
            let a: DueArgs = args(entry, arguments)?;
            questions::due_next(session, a.workflow.as_deref(), a.limit.unwrap_or(10)).await
        }
        Tool::WaitingOn => {
            let a: ScopeArgs = args(entry, arguments)?;
            questions::waiting_on(session, a.workflow.as_deref()).await
        }
        Tool::AuditLog => {
            let a: LogArgs = args(entry, arguments)?;
            questions::audit_log(
                session,
                &a.workflow,
                a.after.unwrap_or(0),
                a.limit.unwrap_or(200),
            )
            .await
        }
    }
}
