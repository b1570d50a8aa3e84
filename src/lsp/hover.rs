//! Hover on a task (declaration or use): its step type, title, schedule expression and the planned
//! start and due: with the template's release default, else with a preview release eight weeks from
//! today (said so in the hover). A task in a `for each` or `repeat`, and the block's `each` or
//! `repeat` word, say which copies it expands to with those defaults (or, over an upstream's output,
//! when it expands).

use super::document::Document;
use super::index::{Decl, DeclKind};
use super::server::isolate;
use crate::compile::{compile_source, preview, Inputs, ModuleLoader};
use crate::schedule::{resolve, target_of};
use crate::spec::WorkflowSpec;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};
use std::collections::BTreeMap;

pub fn hover(doc: &Document, pos: Position, loader: &dyn ModuleLoader) -> Option<Hover> {
    if let Some((name, span)) = super::include::template_at(doc, doc.offset(pos)) {
        let t = super::include::templates(doc, loader)
            .into_iter()
            .find(|t| t.name == name)?;
        return Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: super::include::describe(&t),
            }),
            range: Some(doc.lines().range(&span)),
        });
    }
    let (name, span) = doc.index.name_at(doc.offset(pos))?;
    let Some(decl) = doc.index.lookup(name) else {
        let mut text = super::word_doc::doc(name)?.to_string();
        if matches!(name, "each" | "repeat") {
            if let Ok(Some(copies)) = isolate(|| block_copies(doc, loader, span.start)) {
                text.push_str(&format!("\n\n{copies}"));
            }
        }
        return Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: text,
            }),
            range: Some(doc.lines().range(&span)),
        });
    };
    let mut text = describe(decl);
    if decl.kind == DeclKind::Task {
        // The resolver is optional here: if any stage fails (or panics), the hover still shows the
        // expression.
        if let Ok(Some(planned)) = isolate(|| planned(doc, loader, &decl.name)) {
            text.push_str(&format!("\n\n{planned}"));
        }
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(doc.lines().range(&span)),
    })
}

fn describe(decl: &Decl) -> String {
    let title = decl
        .title
        .as_ref()
        .map(|t| format!(" — {t}"))
        .unwrap_or_default();
    match decl.kind {
        DeclKind::Task => {
            let step = decl.step.unwrap_or("task");
            let schedule = match &decl.schedule {
                Some(s) => format!("schedule: `{s}`"),
                None => "schedule: none (due as soon as its dependencies allow)".to_string(),
            };
            format!("**{step}** `{}`{title}\n\n{schedule}", decl.name)
        }
        DeclKind::Param => format!(
            "**param** `{}`{}",
            decl.name,
            decl.detail
                .as_ref()
                .map(|d| format!(" `{d}`"))
                .unwrap_or_default()
        ),
        DeclKind::Policy => format!("**policy** `{}`", decl.name),
        DeclKind::Calendar => format!("**calendar** `{}`{title}", decl.name),
        DeclKind::Phase => match &decl.detail {
            // `include app_store as ios`: its tasks are `ios.KEY`.
            Some(include) => format!(
                "**phase** `{}`{title}\n\n`{include} as {}`: its tasks are `{}.KEY`",
                decl.name, decl.name, decl.name
            ),
            None => format!("**phase** `{}`{title}", decl.name),
        },
        DeclKind::Template => format!("**template** `{}`{title}", decl.name),
    }
}

/// The template bound with its own defaults (else a preview release eight weeks from today: `true`).
fn with_defaults(spec: &WorkflowSpec) -> Option<(WorkflowSpec, bool)> {
    match preview(spec, &Inputs::default()) {
        Ok(bound) => Some((bound, false)),
        Err(_) => {
            let day = chrono::Utc::now().date_naive() + chrono::Duration::weeks(8);
            let inputs = Inputs {
                release: Some(format!("{}T09:00", day.format("%Y-%m-%d"))),
                ..Inputs::default()
            };
            Some((preview(spec, &inputs).ok()?, true))
        }
    }
}

/// `expands to 3 copies with the template's defaults: translate[de], …` for a task of a block.
fn copies_of(bound: &WorkflowSpec, key: &str) -> Option<String> {
    let prefix = format!("{key}[");
    let copies: Vec<&str> = bound
        .tasks
        .iter()
        .map(|t| t.key.as_str())
        .filter(|k| k.starts_with(&prefix))
        .collect();
    if copies.is_empty() {
        return None;
    }
    let shown: Vec<String> = copies.iter().take(6).map(|k| format!("`{k}`")).collect();
    let more = if copies.len() > 6 { ", …" } else { "" };
    Some(format!(
        "expands to {} {} with the template's defaults: {}{more}",
        copies.len(),
        if copies.len() == 1 { "copy" } else { "copies" },
        shown.join(", ")
    ))
}

/// For the `each` / `repeat` word at `offset`: the copies its block makes with the defaults.
fn block_copies(doc: &Document, loader: &dyn ModuleLoader, offset: usize) -> Option<String> {
    let compiled = compile_source(&doc.file, &doc.text, loader);
    let spec = compiled.spec?;
    let first = spec
        .tasks
        .iter()
        .zip(&compiled.source_map.tasks)
        .find(|(_, src)| src.whole.start > offset)
        .map(|(t, _)| t.key.clone())?;
    let block = spec.flow.block_of(&first)?.clone();
    if let Some(note) = spec.flow.expands_at_run_time(&first) {
        return Some(note);
    }
    let (bound, _) = with_defaults(&spec)?;
    if let Some(e) = bound.flow.excluded.iter().find(|e| e.key == first) {
        return Some(format!(
            "left out with the template's defaults: {}",
            e.reason
        ));
    }
    let lines: Vec<String> = block
        .tasks
        .iter()
        .filter_map(|k| copies_of(&bound, k).map(|c| format!("- `{k}` {c}")))
        .collect();
    Some(lines.join("\n"))
}

/// `planned: start … · due …` in the task's zone, with the template's own defaults bound.
fn planned(doc: &Document, loader: &dyn ModuleLoader, key: &str) -> Option<String> {
    let compiled = compile_source(&doc.file, &doc.text, loader);
    let spec = compiled.spec?;
    // No release default (none of the shipped templates has one): preview against a release eight
    // weeks from today, and say so.
    let (bound, previewed) = with_defaults(&spec)?;
    if let Some(e) = bound.flow.excluded.iter().find(|e| e.key == key) {
        return Some(format!(
            "left out with the template's defaults: {}",
            e.reason
        ));
    }
    let target = target_of(&bound).ok()?;
    let plan = resolve(&bound, &target, &BTreeMap::new()).ok()?;
    // A task of a block: its copies, and the first copy's dates.
    let copies = copies_of(&bound, key);
    let first = copies.as_ref().and_then(|_| {
        let prefix = format!("{key}[");
        plan.tasks.iter().find(|t| t.key.starts_with(&prefix))
    });
    let task = plan.tasks.iter().find(|t| t.key == key).or(first)?;
    let fmt = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&task.tz)
            .format("%a %Y-%m-%d %H:%M %Z")
            .to_string()
    };
    let release = target
        .instant
        .with_timezone(&target.tz)
        .format("%Y-%m-%d %H:%M %Z");
    let release = if previewed {
        format!(
            "preview: the template has no release default, so release {release} is assumed; \
             `rwf plan FILE --release DATE` for real dates"
        )
    } else {
        format!("release {release}")
    };
    let which = if copies.is_some() {
        format!(" (`{}`)", task.key)
    } else {
        String::new()
    };
    let planned = match task.times {
        Some(times) if times.start == times.due => {
            format!("planned{which}: {} ({release})", fmt(times.start))
        }
        Some(times) => format!(
            "planned{which}: start {} · due {} ({release})",
            fmt(times.start),
            fmt(times.due)
        ),
        None => format!("planned{which}: when its dependencies allow ({release})"),
    };
    // An event wait ends when its event comes: say which.
    let planned = match bound.task(key).and_then(|t| t.step.event_summary()) {
        Some(wait) => format!("{planned}\n\nthen waits for event {wait}"),
        None => planned,
    };
    let planned = match bound.task(&task.key).and_then(|t| t.runs_only_if()) {
        Some(note) => format!("{planned}\n\n{note}"),
        None => planned,
    };
    let planned = match bound.flow.expands_at_run_time(key) {
        Some(note) => format!("{planned}\n\n{note}: one copy per item"),
        None => planned,
    };
    Some(match copies {
        Some(c) => format!("{c}\n\n{planned}"),
        None => planned,
    })
}
