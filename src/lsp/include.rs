//! Editor support for `include TEMPLATE as NAME { ... }`: the templates the document imports (read
//! through the loader, compiled for their title and params), completion of their names after
//! `include` and of their params inside the braces, hover on the template name, and go-to-definition
//! to its `template` line.

use super::document::Document;
use super::lex::{TokKind, Token};
use crate::compile::{includable, Includable, ModuleLoader};
use lsp_types::{CompletionItem, CompletionItemKind};
use std::ops::Range;

/// The templates the document may include.
pub fn templates(doc: &Document, loader: &dyn ModuleLoader) -> Vec<Includable> {
    includable(&doc.file, &doc.text, loader)
}

fn code(doc: &Document) -> Vec<&Token> {
    doc.index
        .tokens
        .iter()
        .filter(|t| t.kind != TokKind::Comment)
        .collect()
}

/// The template name written right after `include` under `offset`, with its span.
pub fn template_at(doc: &Document, offset: usize) -> Option<(String, Range<usize>)> {
    let toks = code(doc);
    let i = toks
        .iter()
        .position(|t| t.kind == TokKind::Ident && t.span.start <= offset && offset <= t.span.end)?;
    (i > 0 && toks[i - 1].text(&doc.text) == "include").then(|| {
        // `stores.app_store`: the whole dotted name.
        let mut end = i;
        while end + 2 < toks.len()
            && toks[end + 1].is_punct(&doc.text, ".")
            && toks[end + 2].kind == TokKind::Ident
        {
            end += 2;
        }
        let span = toks[i].span.start..toks[end].span.end;
        (doc.text[span.clone()].to_string(), span)
    })
}

/// The template of the `include TEMPLATE as NAME ["Title"] {` whose braces hold `offset`.
fn enclosing_include(doc: &Document, offset: usize) -> Option<String> {
    let toks: Vec<&Token> = code(doc)
        .into_iter()
        .filter(|t| t.span.end <= offset)
        .collect();
    let mut depth = 0usize;
    let open = toks.iter().rposition(|t| {
        if t.is_punct(&doc.text, "}") {
            depth += 1;
        } else if t.is_punct(&doc.text, "{") {
            if depth == 0 {
                return true;
            }
            depth -= 1;
        }
        false
    })?;
    let mut head = &toks[..open];
    if head.last().is_some_and(|t| t.kind == TokKind::Str) {
        head = &head[..head.len() - 1];
    }
    let words: Vec<&str> = head
        .iter()
        .rev()
        .take(3)
        .map(|t| t.text(&doc.text))
        .collect();
    if words.len() < 3 || words[1] != "as" {
        return None;
    }
    // `include a.b as x`: the template name may be dotted.
    let as_at = head.len() - 2;
    let mut start = as_at - 1;
    while start >= 2 && head[start - 1].is_punct(&doc.text, ".") {
        start -= 2;
    }
    (start >= 1 && head[start - 1].text(&doc.text) == "include").then(|| {
        head[start..as_at]
            .iter()
            .map(|t| t.text(&doc.text))
            .collect()
    })
}

/// Completion inside an include's braces: the params of its template not given yet, and `after`.
/// `None` outside an include, or where a value goes (after `=`).
pub fn complete_args(
    doc: &Document,
    offset: usize,
    rest: &[&Token],
    loader: &dyn ModuleLoader,
) -> Option<Vec<CompletionItem>> {
    let template = enclosing_include(doc, offset)?;
    if rest.last().is_some_and(|t| {
        t.is_punct(&doc.text, "=") || t.text(&doc.text) == "after" || t.is_punct(&doc.text, ",")
    }) {
        return None;
    }
    let found = templates(doc, loader)
        .into_iter()
        .find(|t| t.name == template)?;
    let given: Vec<&str> = rest
        .windows(2)
        .filter(|w| w[1].is_punct(&doc.text, "="))
        .map(|w| w[0].text(&doc.text))
        .collect();
    let mut items: Vec<CompletionItem> = found
        .params
        .iter()
        .filter(|p| !given.contains(&p.name.as_str()))
        .map(|p| CompletionItem {
            label: p.name.clone(),
            kind: Some(CompletionItemKind::FIELD),
            detail: Some(param_line(p)),
            insert_text: Some(format!("{} = ", p.name)),
            sort_text: Some(format!("0{}", p.name)),
            ..CompletionItem::default()
        })
        .collect();
    items.push(CompletionItem {
        label: "after".into(),
        kind: Some(CompletionItemKind::KEYWORD),
        detail: Some("what its tasks that wait for nothing wait for".into()),
        sort_text: Some("1after".into()),
        ..CompletionItem::default()
    });
    Some(items)
}

/// Completion after `include`: the templates the document imports.
pub fn complete_names(doc: &Document, loader: &dyn ModuleLoader) -> Vec<CompletionItem> {
    templates(doc, loader)
        .into_iter()
        .map(|t| CompletionItem {
            label: t.name.clone(),
            kind: Some(CompletionItemKind::CLASS),
            detail: Some(format!("template · {}", t.title)),
            sort_text: Some(format!("0{}", t.name)),
            ..CompletionItem::default()
        })
        .collect()
}

fn param_line(p: &crate::spec::ParamSpec) -> String {
    let ty = crate::compile::type_name(&p.ty);
    let default = match &p.default {
        Some(d) => format!(" = {d}"),
        None => " (required)".into(),
    };
    let description = p
        .description
        .as_ref()
        .map(|d| format!(" — {d}"))
        .unwrap_or_default();
    format!("{ty}{default}{description}")
}

/// Hover on the template name of an include: its title and params.
pub fn describe(t: &Includable) -> String {
    let params: Vec<String> = t
        .params
        .iter()
        .map(|p| format!("- `{}`: {}", p.name, param_line(p)))
        .collect();
    format!(
        "**template** `{}` — {}\n\nfrom `{}`; params:\n{}",
        t.name,
        t.title,
        t.file,
        params.join("\n")
    )
}
