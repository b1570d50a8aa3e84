//! Completion inside a `when` condition: after `when`, `and`, `or`, `not` or `(`, the params and the
//! task's upstream tasks (those it waits for, directly or through others: only their outputs are known
//! when the condition is decided); after `TASK.`, `output`; after `TASK.output.`, the fields its output
//! is known to have (an event wait's), else nothing.

use super::document::Document;
use super::index::DeclKind;
use super::lex::{TokKind, Token};
use lsp_types::{CompletionItem, CompletionItemKind};
use std::collections::{BTreeMap, BTreeSet};

/// What an event wait's output holds (`ci_green.output.data.url`).
const EVENT_OUTPUT: &[(&str, &str)] = &[
    ("id", "the event's id"),
    ("name", "the event's name"),
    ("data", "the event's payload"),
    ("sender", "who sent it"),
    ("received_at", "when it arrived"),
    (
        "timed_out",
        "true when the wait timed out (`then continue`)",
    ),
];

/// `None` outside a condition, or where the default completion fits (after a name or operator).
pub fn complete(doc: &Document, offset: usize, rest: &[&Token]) -> Option<Vec<CompletionItem>> {
    let text = doc.text.as_str();
    // Walk back over what a condition may hold, to its `when`.
    let mut in_condition = false;
    for t in rest.iter().rev() {
        let word = t.text(text);
        match t.kind {
            TokKind::Ident if word == "when" => {
                in_condition = true;
                break;
            }
            TokKind::Ident if super::keywords::is_field_keyword(word) => return None,
            TokKind::Ident | TokKind::Str | TokKind::Number => {}
            TokKind::Punct if matches!(word, "." | "=" | "!" | "(" | ")") => {}
            _ => return None,
        }
    }
    if !in_condition {
        return None;
    }
    let last = rest.last()?;
    if last.is_punct(text, ".") {
        // The dotted name before the dot: `build.` or `build.output.data.`.
        let mut chain = Vec::new();
        let mut i = rest.len() - 1;
        while i > 0 && rest[i].is_punct(text, ".") && rest[i - 1].kind == TokKind::Ident {
            chain.insert(0, rest[i - 1].text(text));
            if i < 2 {
                break;
            }
            i -= 2;
        }
        let task = doc
            .index
            .decls
            .iter()
            .find(|d| d.kind == DeclKind::Task && chain.first() == Some(&d.name.as_str()));
        let items: Vec<CompletionItem> = match (task, chain.as_slice()) {
            (Some(_), [_]) => vec![item(
                "output",
                CompletionItemKind::PROPERTY,
                "the task's output, read when the condition is decided",
            )],
            (Some(t), [_, "output"]) if t.step == Some("event") => EVENT_OUTPUT
                .iter()
                .map(|(f, what)| item(f, CompletionItemKind::FIELD, what))
                .collect(),
            // No schema is known for other outputs: nothing to offer (never the anchor points).
            _ => Vec::new(),
        };
        return Some(items);
    }
    if !(matches!(last.text(text), "when" | "and" | "or" | "not") || last.is_punct(text, "(")) {
        return None;
    }
    let mut items: Vec<CompletionItem> = doc
        .index
        .decls
        .iter()
        .filter(|d| d.kind == DeclKind::Param)
        .map(|d| CompletionItem {
            label: d.name.clone(),
            kind: Some(CompletionItemKind::VARIABLE),
            detail: d.detail.as_ref().map(|x| format!("param {x}")),
            sort_text: Some(format!("1{}", d.name)),
            ..CompletionItem::default()
        })
        .collect();
    for up in upstream(doc, offset) {
        items.push(CompletionItem {
            label: up.clone(),
            kind: Some(CompletionItemKind::EVENT),
            detail: Some(format!("upstream task: read `{up}.output.FIELD`")),
            insert_text: Some(format!("{up}.output.")),
            sort_text: Some(format!("0{up}")),
            ..CompletionItem::default()
        });
    }
    Some(items)
}

fn item(label: &str, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..CompletionItem::default()
    }
}

/// The tasks the task around `offset` waits for, directly or through others, by their `after`.
fn upstream(doc: &Document, offset: usize) -> BTreeSet<String> {
    let text = doc.text.as_str();
    let tasks: Vec<_> = doc
        .index
        .decls
        .iter()
        .filter(|d| d.kind == DeclKind::Task)
        .collect();
    let deps: BTreeMap<&str, Vec<String>> = tasks
        .iter()
        .map(|d| {
            let toks: Vec<&Token> = doc
                .index
                .tokens
                .iter()
                .filter(|t| t.span.start >= d.whole.start && t.span.end <= d.whole.end)
                .filter(|t| t.kind != TokKind::Comment)
                .collect();
            let mut out = Vec::new();
            let mut i = 0;
            while i < toks.len() {
                if toks[i].text(text) == "after" {
                    i += 1;
                    // `after a, b on any, c`: names separated by commas.
                    while i < toks.len() && toks[i].kind == TokKind::Ident {
                        out.push(toks[i].text(text).to_string());
                        i += 1;
                        if i + 1 < toks.len() && toks[i].text(text) == "on" {
                            i += 2;
                        }
                        if i < toks.len() && toks[i].is_punct(text, ",") {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
                i += 1;
            }
            (d.name.as_str(), out)
        })
        .collect();
    let Some(own) = tasks
        .iter()
        .filter(|d| d.whole.start < offset && offset <= d.whole.end)
        .max_by_key(|d| d.whole.start)
    else {
        return BTreeSet::new();
    };
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = deps.get(own.name.as_str()).cloned().unwrap_or_default();
    while let Some(k) = todo.pop() {
        if k != own.name && seen.insert(k.clone()) {
            todo.extend(deps.get(k.as_str()).cloned().unwrap_or_default());
        }
    }
    seen
}
