//! Go-to-definition and find-references for task keys, params, policies, calendars and phases. A
//! policy or calendar of the stdlib (`policies.standard`, `us_federal`) is found in its embedded
//! source, written once to a read-only copy under the temp directory so the editor can open it.

use super::document::Document;
use super::index::{DeclKind, Index};
use super::lex::TokKind;
use super::position::LineMap;
use lsp_types::{Location, Position};

/// Where the name under `pos` is declared: in the document, an included template's file, else in
/// the stdlib.
pub fn definition(
    doc: &Document,
    pos: Position,
    loader: &dyn crate::compile::ModuleLoader,
) -> Option<Location> {
    let offset = doc.offset(pos);
    if let Some((name, _)) = super::include::template_at(doc, offset) {
        let t = super::include::templates(doc, loader)
            .into_iter()
            .find(|t| t.name == name)?;
        let path = std::path::Path::new(&t.file);
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let uri: lsp_types::Uri = format!("file://{}", path.display()).parse().ok()?;
        return Some(Location::new(uri, LineMap::new(&t.text).range(&t.key_span)));
    }
    if let Some(decl) = doc
        .index
        .name_at(offset)
        .and_then(|(name, _)| doc.index.lookup(name))
    {
        return Some(Location::new(
            doc.uri.clone(),
            doc.lines().range(&decl.name_span),
        ));
    }
    // Any identifier under the cursor, members after `.` included (`policies.standard`).
    let word = doc
        .index
        .tokens
        .iter()
        .find(|t| t.kind == TokKind::Ident && t.span.start <= offset && offset <= t.span.end)?
        .text(&doc.text);
    stdlib_definition(word)
}

/// A policy or calendar of the stdlib named `name`, in a copy of its file.
fn stdlib_definition(name: &str) -> Option<Location> {
    for (path, src) in crate::compile::STDLIB {
        if !path.ends_with(".rwf") {
            continue;
        }
        let index = Index::build(src);
        let Some(decl) = index
            .decls
            .iter()
            .find(|d| d.name == name && matches!(d.kind, DeclKind::Policy | DeclKind::Calendar))
        else {
            continue;
        };
        let dir = std::env::temp_dir().join(format!("rwf-stdlib-{}", env!("CARGO_PKG_VERSION")));
        let file = dir.join(path);
        if std::fs::read_to_string(&file).ok().as_deref() != Some(*src) {
            std::fs::create_dir_all(file.parent()?).ok()?;
            std::fs::write(&file, src).ok()?;
        }
        let uri: lsp_types::Uri = format!("file://{}", file.display()).parse().ok()?;
        let range = LineMap::new(src).range(&decl.name_span);
        return Some(Location::new(uri, range));
    }
    None
}

/// Every use of the name under `pos`, with its declaration first when asked.
pub fn references(doc: &Document, pos: Position, include_declaration: bool) -> Vec<Location> {
    let Some((name, _)) = doc.index.name_at(doc.offset(pos)) else {
        return Vec::new();
    };
    let Some(decl) = doc.index.lookup(name) else {
        return Vec::new();
    };
    let lines = doc.lines();
    let mut out = Vec::new();
    if include_declaration {
        out.push(Location::new(doc.uri.clone(), lines.range(&decl.name_span)));
    }
    out.extend(
        doc.index
            .references_to(decl)
            .map(|r| Location::new(doc.uri.clone(), lines.range(&r.span))),
    );
    out
}
