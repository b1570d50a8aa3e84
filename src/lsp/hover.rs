//! Hover on a task (declaration or use): its step type, title, schedule expression and the planned
//! start and due: with the template's release default, else with a preview release eight weeks from
//! today (said so in the hover).

use super::document::Document;
use super::index::{Decl, DeclKind};
use super::server::isolate;
use crate::compile::{compile_source, preview, Inputs, ModuleLoader};
use crate::schedule::{resolve, target_of};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};
use std::collections::BTreeMap;

pub fn hover(doc: &Document, pos: Position, loader: &dyn ModuleLoader) -> Option<Hover> {
    let (name, span) = doc.index.name_at(doc.offset(pos))?;
    let Some(decl) = doc.index.lookup(name) else {
        let text = super::word_doc::doc(name)?;
        return Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: text.to_string(),
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
        DeclKind::Phase => format!("**phase** `{}`{title}", decl.name),
        DeclKind::Template => format!("**template** `{}`{title}", decl.name),
    }
}

/// `planned: start … · due …` in the task's zone, with the template's own defaults bound.
fn planned(doc: &Document, loader: &dyn ModuleLoader, key: &str) -> Option<String> {
    let compiled = compile_source(&doc.file, &doc.text, loader);
    let spec = compiled.spec?;
    // No release default (none of the shipped templates has one): preview against a release eight
    // weeks from today, and say so.
    let (bound, previewed) = match preview(&spec, &Inputs::default()) {
        Ok(bound) => (bound, false),
        Err(_) => {
            let day = chrono::Utc::now().date_naive() + chrono::Duration::weeks(8);
            let inputs = Inputs {
                release: Some(format!("{}T09:00", day.format("%Y-%m-%d"))),
                ..Inputs::default()
            };
            (preview(&spec, &inputs).ok()?, true)
        }
    };
    if let Some(e) = bound.flow.excluded.iter().find(|e| e.key == key) {
        return Some(format!(
            "left out with the template's defaults: {}",
            e.reason
        ));
    }
    let target = target_of(&bound).ok()?;
    let plan = resolve(&bound, &target, &BTreeMap::new()).ok()?;
    let task = plan.tasks.iter().find(|t| t.key == key)?;
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
    let when = match task.times {
        Some(times) if times.start == times.due => {
            format!("planned: {} ({release})", fmt(times.start))
        }
        Some(times) => format!(
            "planned: start {} · due {} ({release})",
            fmt(times.start),
            fmt(times.due)
        ),
        None => format!("planned: when its dependencies allow ({release})"),
    };
    // An event wait ends when its event comes: say which.
    Some(match bound.task(key).and_then(|t| t.step.event_summary()) {
        Some(wait) => format!("{when}\n\nthen waits for event {wait}"),
        None => when,
    })
}
