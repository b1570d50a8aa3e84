//! Go-to-definition and find-references for task keys, params, policies, calendars and phases.

use super::document::Document;
use lsp_types::{Location, Position};

/// Where the name under `pos` is declared.
pub fn definition(doc: &Document, pos: Position) -> Option<Location> {
    let (name, _) = doc.index.name_at(doc.offset(pos))?;
    let decl = doc.index.lookup(name)?;
    Some(Location::new(
        doc.uri.clone(),
        doc.lines().range(&decl.name_span),
    ))
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
