//! Document symbols for the outline: the template, its phases (nested) and tasks, params, named
//! policies and calendars.

use super::document::Document;
use super::index::{Decl, DeclKind};
use lsp_types::{DocumentSymbol, SymbolKind};

pub fn document_symbols(doc: &Document) -> Vec<DocumentSymbol> {
    children(doc, None)
}

fn children(doc: &Document, parent: Option<usize>) -> Vec<DocumentSymbol> {
    let lines = doc.lines();
    doc.index
        .decls
        .iter()
        .enumerate()
        .filter(|(_, d)| d.parent == parent)
        .map(|(i, d)| {
            let nested = children(doc, Some(i));
            #[allow(deprecated)] // `deprecated` is a required field of the struct
            DocumentSymbol {
                name: d.name.clone(),
                detail: detail(d),
                kind: kind(d.kind),
                tags: None,
                deprecated: None,
                range: lines.range(&d.whole),
                selection_range: lines.range(&d.name_span),
                children: (!nested.is_empty()).then_some(nested),
            }
        })
        .collect()
}

fn kind(kind: DeclKind) -> SymbolKind {
    match kind {
        DeclKind::Template => SymbolKind::MODULE,
        DeclKind::Phase => SymbolKind::NAMESPACE,
        DeclKind::Task => SymbolKind::EVENT,
        DeclKind::Param => SymbolKind::VARIABLE,
        DeclKind::Policy => SymbolKind::STRUCT,
        DeclKind::Calendar => SymbolKind::OBJECT,
    }
}

fn detail(d: &Decl) -> Option<String> {
    match (d.step, &d.title, &d.detail) {
        (Some(step), Some(title), _) => Some(format!("{step} · {title}")),
        (Some(step), None, _) => Some(step.to_string()),
        (None, Some(title), _) => Some(title.clone()),
        (None, None, Some(detail)) if !detail.is_empty() => Some(detail.clone()),
        _ => None,
    }
}
