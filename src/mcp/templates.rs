//! Where a tool's template comes from — a stored version (`KEY` or `KEY@VERSION`), a template shipped
//! with rwf (`templates/*.rwf`, embedded in the binary), or `.rwf` source text given in the call — and
//! binding the two facts every release needs into it: its name, and its target date with its zone.

use super::{Session, ToolError};
use crate::compile::{self, Inputs, MemLoader, SourceMap};
use crate::diagnostic::{Diagnostic, LineIndex};
use crate::schedule::Plan;
use crate::spec::{ParamType, WorkflowSpec};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The templates shipped in `templates/`: name and source.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "compliance_filing",
        include_str!("../../templates/compliance_filing.rwf"),
    ),
    (
        "marketing_campaign",
        include_str!("../../templates/marketing_campaign.rwf"),
    ),
    (
        "mobile_app_release",
        include_str!("../../templates/mobile_app_release.rwf"),
    ),
    (
        "product_launch",
        include_str!("../../templates/product_launch.rwf"),
    ),
    (
        "security_patch",
        include_str!("../../templates/security_patch.rwf"),
    ),
];

/// A template ready to bind, with its text when it came from source (for positions).
pub struct Loaded {
    pub spec: WorkflowSpec,
    /// `stored product_launch@3`, `shipped product_launch`, `source`.
    pub origin: String,
    pub source: SourceMap,
    pub text: String,
    /// True when it came from the call's source text (drafting it stores a new template version).
    pub from_source: bool,
}

/// Diagnostics as data: code, severity, line and column (1-based, of the text given), message, help.
pub fn diagnostics(found: &[Diagnostic], text: Option<&str>) -> Value {
    located(found, |_| text)
}

/// [`diagnostics`], each positioned in the text `text_of` gives for it (the template's or one of
/// the files sent with it).
fn located<'a>(found: &[Diagnostic], text_of: impl Fn(&Diagnostic) -> Option<&'a str>) -> Value {
    Value::Array(
        found
            .iter()
            .map(|d| {
                let index = text_of(d).map(LineIndex::new);
                let at = |o: usize| index.as_ref().map(|i| i.line_col(o));
                let start = d.span.as_ref().and_then(|s| at(s.start));
                let end = d.span.as_ref().and_then(|s| at(s.end));
                json!({
                    "code": d.code,
                    "severity": d.severity.as_str(),
                    "line": start.map(|p| p.line),
                    "column": start.map(|p| p.col),
                    "end_line": end.map(|p| p.line),
                    "end_column": end.map(|p| p.col),
                    "message": d.message,
                    "help": d.help,
                    "file": d.file,
                    "labels": d.labels.iter().map(|l| {
                        let s = at(l.span.start);
                        json!({"message": l.message, "line": s.map(|p| p.line), "column": s.map(|p| p.col)})
                    }).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// The loader over the files a call sends with its source (paths relative to the template).
fn sent(files: &BTreeMap<String, String>) -> Result<MemLoader, ToolError> {
    MemLoader::sent(files).map_err(|e| {
        ToolError::new(e).help("`files` maps paths like `lib/app_store.rwf` to their text")
    })
}

/// `rwf check` over source text: std modules resolve from the stdlib, local ones from `files`.
pub fn validate(
    file: &str,
    text: &str,
    files: &BTreeMap<String, String>,
) -> Result<Value, ToolError> {
    let loader = sent(files)?;
    let mut found =
        crate::check::check_source(file, text, &loader, &crate::check::CheckOptions::default());
    crate::check::sort(&mut found);
    let errors = found.iter().filter(|d| d.is_error()).count();
    Ok(json!({
        "ok": errors == 0,
        "errors": errors,
        "warnings": found.len() - errors,
        "diagnostics": located(&found, |d| loader.text_of(d.file.as_deref(), file, text)),
    }))
}

fn compile_text(
    file: &str,
    text: &str,
    origin: String,
    loader: &MemLoader,
) -> Result<Loaded, ToolError> {
    let compiled = compile::compile_source(file, text, loader);
    match compiled.spec {
        Some(spec) if !crate::diagnostic::has_errors(&compiled.diagnostics) => Ok(Loaded {
            spec,
            origin,
            source: compiled.source_map,
            text: text.to_string(),
            from_source: false,
        }),
        _ => Err(ToolError::new(format!("{file} does not compile"))
            .help("`validate` lists each error with its line and column")
            .details(located(&compiled.diagnostics, |d| {
                loader.text_of(d.file.as_deref(), file, text)
            }))),
    }
}

/// The template a call names: exactly one of `template` (stored, else shipped) or `source` (with
/// the `files` it imports).
pub async fn load(
    session: &Session<'_>,
    template: Option<&str>,
    source: Option<&str>,
    files: &BTreeMap<String, String>,
) -> Result<Loaded, ToolError> {
    let loaded = match (template, source) {
        (Some(_), Some(_)) | (None, None) => return Err(ToolError::new(
            "give exactly one of `template` (a stored or shipped template) or `source` (.rwf text)",
        )
        .help("`list_templates` lists the templates")),
        (None, Some(text)) => {
            let mut l = compile_text("template.rwf", text, "source".into(), &sent(files)?)?;
            l.from_source = true;
            l
        }
        (Some(name), None) => named(session, name).await?,
    };
    crate::spec::task_limit(&loaded.spec)
        .map_err(|e| ToolError::new(e).help("split the release into several templates"))?;
    Ok(loaded)
}

async fn named(session: &Session<'_>, name: &str) -> Result<Loaded, ToolError> {
    let (key, version) = crate::ops::parse_template_ref(name.trim()).map_err(ToolError::new)?;
    if let Some(store) = &session.store {
        if let Some(spec) = crate::ops::stored_template(store, &key, version).await? {
            return Ok(Loaded {
                origin: format!("stored {}@{}", spec.key, spec.version),
                spec,
                source: SourceMap::default(),
                text: String::new(),
                from_source: false,
            });
        }
    }
    if let Some((file, text)) = SHIPPED.iter().find(|(k, _)| *k == key) {
        let loaded = compile_text(
            &format!("{file}.rwf"),
            text,
            format!("shipped {file}"),
            &MemLoader::default(),
        )?;
        if version.is_none_or(|v| v == loaded.spec.version) {
            return Ok(loaded);
        }
    }
    Err(ToolError::new(format!("no template `{name}`"))
        .help("`list_templates` lists the stored and shipped templates"))
}

/// The release a call plans: its name, target date and zone (all required), and other params.
pub struct Release {
    pub name: String,
    pub release: String,
    pub tz: String,
    pub sets: BTreeMap<String, String>,
}

/// The string param the template's title interpolates first (`"Product launch: ${product}"`).
pub fn name_param(spec: &WorkflowSpec) -> Option<String> {
    let mut rest = spec.name.as_str();
    while let Some(at) = rest.find("${") {
        let after = &rest[at + 2..];
        let close = after.find('}')?;
        let name = after[..close].trim();
        if spec
            .params
            .iter()
            .any(|p| p.name == name && p.ty == ParamType::String)
        {
            return Some(name.to_string());
        }
        rest = &after[close..];
    }
    None
}

/// Binds the release into the template and resolves its plan. The name binds the string param the
/// title interpolates (else it becomes the title); the date binds the target param; the zone the
/// target zone. Returns the bound spec, its plan and the param the name bound (if any).
pub fn instantiate(
    loaded: &Loaded,
    release: &Release,
) -> Result<(WorkflowSpec, Plan, Option<String>), ToolError> {
    let required = [
        (
            "name",
            &release.name,
            "the release or product name, e.g. `Widget 2.0`",
        ),
        (
            "release",
            &release.release,
            "the target date, e.g. `2026-10-01` or `2026-10-01T09:00`",
        ),
        (
            "tz",
            &release.tz,
            "the target date's time zone (IANA), e.g. `Europe/Berlin`",
        ),
    ];
    for (arg, value, what) in required {
        if value.trim().is_empty() {
            return Err(
                ToolError::new(format!("`{arg}` is empty")).help(format!("give `{arg}`: {what}"))
            );
        }
    }
    if release.tz.trim().parse::<chrono_tz::Tz>().is_err() {
        return Err(
            ToolError::new(format!("`tz`: `{}` is not an IANA time zone", release.tz))
                .help("e.g. `Europe/Berlin`, `America/New_York`, `UTC`"),
        );
    }
    let mut sets = release.sets.clone();
    let param = name_param(&loaded.spec);
    if let Some(p) = &param {
        match sets.get(p) {
            Some(v) if v != &release.name => {
                return Err(ToolError::new(format!(
                    "`name` ({}) and `sets.{p}` ({v}) disagree: the template's title names the \
                     release by `{p}`",
                    release.name
                ))
                .help(format!("drop `sets.{p}` or give the same value")))
            }
            _ => {
                sets.insert(p.clone(), release.name.clone());
            }
        }
    }
    let inputs = Inputs {
        sets,
        release: Some(release.release.trim().to_string()),
        tz: Some(release.tz.trim().to_string()),
    };
    let (mut bound, plan) = crate::ops::instantiate(&loaded.spec, &inputs).map_err(|e| {
        let d = match &e {
            crate::ops::InstantiateError::Bind(d)
            | crate::ops::InstantiateError::Target(d)
            | crate::ops::InstantiateError::Schedule(d) => d.clone(),
        };
        let help = d.iter().find_map(|d| d.help.clone()).unwrap_or_else(|| {
            "give every param without a default in `sets`; `show_template` lists them".into()
        });
        ToolError::new(e.to_string())
            .help(help)
            .details(diagnostics(&d, None))
    })?;
    if param.is_none() {
        bound.name = release.name.clone();
    }
    Ok((bound, plan, param))
}

/// A plan as data: each task's times in UTC and on the release zone's wall clock.
pub fn plan_json(spec: &WorkflowSpec, plan: &Plan) -> Value {
    let tz = plan.target.tz;
    let tasks: Vec<Value> = plan
        .tasks
        .iter()
        .map(|t| {
            let title = spec
                .tasks
                .iter()
                .find(|s| s.key == t.key)
                .map(|s| s.title.clone());
            let local = |i: chrono::DateTime<chrono::Utc>| {
                i.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
            };
            json!({
                "key": t.key,
                "title": title,
                "start": t.times.map(|x| x.start.to_rfc3339()),
                "due": t.times.map(|x| x.due.to_rfc3339()),
                "end": t.times.map(|x| x.end.to_rfc3339()),
                "due_local": t.times.map(|x| local(x.due)),
                "tz": t.tz.name(),
                "pinned": t.pinned,
            })
        })
        .collect();
    json!({
        "name": spec.name,
        "template": format!("{}@{}", spec.key, spec.version),
        "release": plan.target.instant.to_rfc3339(),
        "release_local": plan.target.instant.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string(),
        "tz": tz.name(),
        "tasks": tasks,
        "warnings": diagnostics(&plan.warnings, None),
    })
}

/// A template's description as data: key, version, title, params (what `sets` may bind), tasks.
pub fn describe(loaded: &Loaded) -> Value {
    let spec = &loaded.spec;
    let name_param = name_param(spec);
    json!({
        "key": spec.key,
        "version": spec.version,
        "title": spec.name,
        "origin": loaded.origin,
        "description": spec.description,
        "target_param": spec.target.param,
        "name_param": name_param,
        "params": spec.params.iter().map(|p| json!({
            "name": p.name,
            "type": serde_json::to_value(&p.ty).unwrap_or(Value::Null),
            "default": p.default,
            "description": p.description,
        })).collect::<Vec<_>>(),
        "tasks": spec.tasks.iter().map(|t| json!({
            "key": t.key, "title": t.title, "phase": t.phase,
            "after": t.depends_on.iter().map(|d| serde_json::to_value(d).unwrap_or(Value::Null)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "spec": serde_json::to_value(spec).unwrap_or(Value::Null),
        "source": (!loaded.text.is_empty()).then_some(&loaded.text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(key: &str) -> Loaded {
        let (file, text) = SHIPPED.iter().find(|(k, _)| *k == key).unwrap();
        compile_text(
            &format!("{file}.rwf"),
            text,
            "shipped".into(),
            &MemLoader::default(),
        )
        .unwrap()
    }

    fn release(name: &str) -> Release {
        Release {
            name: name.into(),
            release: "2027-03-01T10:00".into(),
            tz: "Europe/Paris".into(),
            sets: BTreeMap::new(),
        }
    }

    #[test]
    fn the_name_binds_the_param_the_title_names_first() {
        for (key, param) in [
            ("compliance_filing", "filing"),
            ("marketing_campaign", "campaign"),
            ("mobile_app_release", "app_version"),
            ("product_launch", "product"),
            ("security_patch", "cve"),
        ] {
            let loaded = shipped(key);
            assert_eq!(name_param(&loaded.spec).as_deref(), Some(param), "{key}");
            let (bound, plan, bound_param) = instantiate(&loaded, &release("Named")).unwrap();
            assert_eq!(bound_param.as_deref(), Some(param));
            assert_eq!(bound.bindings[param], "Named", "{key}");
            assert_eq!(plan.target.tz.name(), "Europe/Paris");
        }
        // A title without a param: the name becomes the title.
        let text = "template t \"Fixed title\" version 1 {\n  param d: date\n  target d in \"UTC\"\n  checkpoint a \"A\" { at d }\n}\n";
        let loaded = compile_text("t.rwf", text, "source".into(), &MemLoader::default()).unwrap();
        let (bound, _, param) = instantiate(&loaded, &release("Spring 2027")).unwrap();
        assert_eq!((bound.name.as_str(), param), ("Spring 2027", None));
        // The name and a param it binds must agree.
        let mut r = release("One");
        r.sets.insert("product".into(), "Two".into());
        let e = instantiate(&shipped("product_launch"), &r).err().unwrap();
        assert!(e.message.contains("disagree"), "{}", e.message);
    }
}
