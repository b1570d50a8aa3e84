//! Completion: keywords, and the task keys, params, policies and calendars of the document. After
//! `after`, `at`, `not_author_of`, `before` or a `,` in such a list, names come first; after `.`, the
//! anchor points.

use super::document::Document;
use super::index::DeclKind;
use super::keywords;
use super::lex::TokKind;
use lsp_types::{CompletionItem, CompletionItemKind, Position};

pub fn completion(doc: &Document, pos: Position) -> Vec<CompletionItem> {
    let offset = doc.offset(pos);
    let before: Vec<_> = doc
        .index
        .tokens
        .iter()
        .filter(|t| t.span.end <= offset && t.kind != TokKind::Comment)
        .collect();
    // Skip the word being typed, if any.
    let mut rest = before.as_slice();
    if let Some(last) = rest.last() {
        if last.kind == TokKind::Ident && last.span.end == offset {
            rest = &rest[..rest.len() - 1];
        }
    }
    // `kickoff.` → the anchor points.
    if rest.last().is_some_and(|t| t.is_punct(&doc.text, ".")) {
        return keywords::ANCHOR_POINTS
            .iter()
            .map(|p| CompletionItem {
                label: p.to_string(),
                kind: Some(CompletionItemKind::PROPERTY),
                detail: Some(format!("the task's {p} instant")),
                ..CompletionItem::default()
            })
            .collect();
    }
    let wants_name = rest.last().is_some_and(|t| {
        matches!(
            t.text(&doc.text),
            "after" | "at" | "not_author_of" | "before" | "," | "until"
        )
    });
    let (names_rank, keywords_rank) = if wants_name { ("0", "1") } else { ("1", "0") };
    let mut items = Vec::new();
    for decl in &doc.index.decls {
        let kind = match decl.kind {
            DeclKind::Task => CompletionItemKind::EVENT,
            DeclKind::Param => CompletionItemKind::VARIABLE,
            DeclKind::Policy => CompletionItemKind::STRUCT,
            DeclKind::Calendar => CompletionItemKind::MODULE,
            DeclKind::Phase | DeclKind::Template => continue,
        };
        if items.iter().any(|i: &CompletionItem| i.label == decl.name) {
            continue;
        }
        let detail = match (decl.step, &decl.title, &decl.detail) {
            (Some(step), Some(title), _) => format!("{step} · {title}"),
            (_, _, Some(detail)) => format!("param {detail}"),
            _ => format!("{:?}", decl.kind).to_lowercase(),
        };
        items.push(CompletionItem {
            label: decl.name.clone(),
            kind: Some(kind),
            detail: Some(detail),
            sort_text: Some(format!("{names_rank}{}", decl.name)),
            ..CompletionItem::default()
        });
    }
    for word in keywords::all() {
        items.push(CompletionItem {
            label: word.to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            sort_text: Some(format!("{keywords_rank}{word}")),
            ..CompletionItem::default()
        });
    }
    items
}
