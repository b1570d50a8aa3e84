//! Templates over the API: list, show, push, check a source, and preview a plan for a release date.

use super::authz::Rules;
use super::endpoint::{Api, Cx, Json, NoBody, Op};
use super::problem::Problem;
use crate::compile::{Inputs, MemLoader};
use crate::ops;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Serialize, JsonSchema)]
pub struct TemplateVersion {
    pub key: String,
    pub version: i32,
    pub spec_hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, JsonSchema)]
pub struct TemplateSpec {
    pub key: String,
    pub version: u32,
    pub spec_hash: String,
    /// The canonical spec (`rwf schema` describes it).
    pub spec: Value,
    /// The `.rwf` text it was pushed from; null when unknown (stored before sources were kept, or
    /// saved from a release).
    pub source: Option<String>,
}

/// A template's source, as `rwf check` and `rwf templates push` read a file.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The `.rwf` text. `use std/...` modules resolve from the stdlib; `use ./PATH` modules and
    /// `hooks "PATH"` files from `files`.
    pub source: String,
    /// The name diagnostics give the file (default `template.rwf`).
    #[serde(default)]
    pub file: Option<String>,
    /// The files the template imports, by path relative to the template (`app_store.rwf`,
    /// `shared/common.rwf`, `policy.rhai`): no absolute paths, no `..`.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

impl Source {
    fn name(&self) -> String {
        self.file.clone().unwrap_or_else(|| "template.rwf".into())
    }

    fn loader(&self) -> Result<MemLoader, Problem> {
        MemLoader::sent(&self.files).map_err(Problem::bad_request)
    }

    /// Each diagnostic as JSON, positioned in the text of the file it is in (the template or one
    /// of `files`).
    fn located(&self, loader: &MemLoader, found: &[crate::diagnostic::Diagnostic]) -> Vec<Value> {
        let name = self.name();
        found
            .iter()
            .map(|d| {
                crate::cli::json_record(d, loader.text_of(d.file.as_deref(), &name, &self.source))
            })
            .collect()
    }
}

#[derive(Serialize, JsonSchema)]
pub struct Pushed {
    pub key: String,
    pub version: u32,
    pub spec_hash: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Checked {
    /// No errors (warnings may remain).
    pub ok: bool,
    /// Each finding as `rwf check --format json` writes it (code, severity, message, positions).
    pub diagnostics: Vec<Value>,
}

/// Params and the release to preview a plan for.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// A stored version (default: the newest).
    #[serde(default)]
    pub version: Option<u32>,
    /// The release instant, e.g. `2026-10-01T09:00`.
    #[serde(default)]
    pub release: Option<String>,
    /// The release time zone (IANA name).
    #[serde(default)]
    pub tz: Option<String>,
    /// Param values, as `--set name=value`.
    #[serde(default)]
    pub sets: BTreeMap<String, String>,
}

#[derive(Serialize, JsonSchema)]
pub struct PlannedTask {
    pub key: String,
    pub start: Option<DateTime<Utc>>,
    pub due: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// The zone its offsets were applied in.
    pub tz: String,
    pub pinned: bool,
}

#[derive(Serialize, JsonSchema)]
pub struct PlanPreview {
    pub key: String,
    pub version: u32,
    pub release: DateTime<Utc>,
    pub tz: String,
    pub tasks: Vec<PlannedTask>,
    /// Non-fatal findings (DST adjustments), as diagnostics.
    pub warnings: Vec<Value>,
}

pub fn diagnostics(d: &[crate::diagnostic::Diagnostic], text: Option<&str>) -> Vec<Value> {
    d.iter().map(|d| crate::cli::json_record(d, text)).collect()
}

fn rules(cx: &Cx) -> Rules<'_> {
    cx.state.rules()
}

async fn list(cx: Cx, _: NoBody) -> Result<Vec<TemplateVersion>, Problem> {
    rules(&cx)
        .read_templates(cx.who()?)
        .map_err(Problem::forbidden)?;
    Ok(cx
        .state
        .store
        .template_versions()
        .await?
        .into_iter()
        .map(|t| TemplateVersion {
            key: t.key,
            version: t.version,
            spec_hash: t.spec_hash,
            created_at: t.created_at,
        })
        .collect())
}

fn version_of(cx: &Cx) -> Result<Option<u32>, Problem> {
    cx.query("version")
        .map(|v| {
            v.parse::<u32>().map_err(|_| {
                Problem::bad_request(format!("`{v}` is not a template version number"))
            })
        })
        .transpose()
}

async fn show(cx: Cx, _: NoBody) -> Result<TemplateSpec, Problem> {
    rules(&cx)
        .read_templates(cx.who()?)
        .map_err(Problem::forbidden)?;
    let key = cx.path("key")?;
    let spec = ops::stored_template(&cx.state.store, key, version_of(&cx)?)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no stored template `{key}`")))?;
    let source = cx
        .state
        .store
        .template_source(&spec.key, spec.version)
        .await?;
    Ok(TemplateSpec {
        key: spec.key.clone(),
        version: spec.version,
        spec_hash: crate::spec::content_hash(&spec),
        spec: serde_json::to_value(&spec).unwrap_or(Value::Null),
        source,
    })
}

async fn push(cx: Cx, Json(src): Json<Source>) -> Result<Pushed, Problem> {
    rules(&cx)
        .push_templates(cx.who()?)
        .map_err(Problem::forbidden)?;
    let name = src.name();
    let loader = src.loader()?;
    let spec = ops::compile_template(&name, &src.source, &loader).map_err(|d| {
        Problem::invalid(format!("{name} does not compile"))
            .with_errors(Value::Array(src.located(&loader, &d)))
    })?;
    let hash = cx
        .state
        .store
        .put_template_source(&spec, Some(&src.source))
        .await?;
    Ok(Pushed {
        key: spec.key,
        version: spec.version,
        spec_hash: hash,
    })
}

async fn check(cx: Cx, Json(src): Json<Source>) -> Result<Checked, Problem> {
    rules(&cx)
        .read_templates(cx.who()?)
        .map_err(Problem::forbidden)?;
    let name = src.name();
    let loader = src.loader()?;
    let mut found = crate::check::check_source(
        &name,
        &src.source,
        &loader,
        &crate::check::CheckOptions::default(),
    );
    crate::check::sort(&mut found);
    Ok(Checked {
        ok: !crate::diagnostic::has_errors(&found),
        diagnostics: src.located(&loader, &found),
    })
}

async fn plan(cx: Cx, Json(req): Json<PlanRequest>) -> Result<PlanPreview, Problem> {
    rules(&cx)
        .read_templates(cx.who()?)
        .map_err(Problem::forbidden)?;
    let key = cx.path("key")?;
    let template = ops::stored_template(&cx.state.store, key, req.version)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no stored template `{key}`")))?;
    let inputs = Inputs {
        sets: req.sets,
        release: req.release,
        tz: req.tz,
    };
    let (_, plan) = ops::instantiate(&template, &inputs).map_err(instantiate_problem)?;
    Ok(PlanPreview {
        key: template.key.clone(),
        version: template.version,
        release: plan.target.instant,
        tz: plan.target.tz.name().to_string(),
        tasks: plan
            .tasks
            .iter()
            .map(|t| PlannedTask {
                key: t.key.clone(),
                start: t.times.map(|x| x.start),
                due: t.times.map(|x| x.due),
                end: t.times.map(|x| x.end),
                tz: t.tz.name().to_string(),
                pinned: t.pinned,
            })
            .collect(),
        warnings: diagnostics(&plan.warnings, None),
    })
}

/// A template that cannot be instantiated: 422 with each diagnostic.
pub fn instantiate_problem(e: ops::InstantiateError) -> Problem {
    let d = match &e {
        ops::InstantiateError::Bind(d)
        | ops::InstantiateError::Target(d)
        | ops::InstantiateError::Schedule(d) => d.clone(),
    };
    Problem::invalid(e.to_string()).with_errors(Value::Array(diagnostics(&d, None)))
}

pub fn routes(api: Api) -> Api {
    api.op(
        Op::get("/api/v1/templates", "List stored template versions"),
        list,
    )
    .op(
        Op::get("/api/v1/templates/{key}", "Show a stored template's spec")
            .query(&[("version", "a version number (default: the newest)")]),
        show,
    )
    .op(
        Op::post(
            "/api/v1/templates",
            "Compile and store a template version (immutable)",
        )
        .role("organization admins and [server] pushers")
        .created(),
        push,
    )
    .op(
        Op::post("/api/v1/check", "Lint a template source, as `rwf check`"),
        check,
    )
    .op(
        Op::post(
            "/api/v1/templates/{key}/plan",
            "Preview a stored template's plan for a release",
        ),
        plan,
    )
}
