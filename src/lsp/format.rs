//! Formatting through the same formatter as `rwf fmt`: one edit replacing the whole document.

use super::document::Document;
use lsp_types::{Position, Range, TextEdit};

/// `Ok(None)` when the document is already formatted; `Err` says why it cannot be formatted.
pub fn format(doc: &Document) -> Result<Option<Vec<TextEdit>>, String> {
    let formatted = format_text(&doc.file, &doc.text)?;
    if formatted == doc.text {
        return Ok(None);
    }
    let end = doc.lines().position(doc.text.len());
    Ok(Some(vec![TextEdit::new(
        Range::new(Position::new(0, 0), end),
        formatted,
    )]))
}

/// `rwf fmt`'s transformation: parse, refuse files with syntax errors (formatting would lose text),
/// print the canonical layout.
fn format_text(file: &str, text: &str) -> Result<String, String> {
    let parsed = crate::syntax::parse(file, text);
    if let Some(first) = parsed.diagnostics.iter().find(|d| d.is_error()) {
        let at = first
            .span
            .as_ref()
            .map(|s| {
                let lc = crate::diagnostic::LineIndex::new(text).line_col(s.start);
                format!(" at {}:{}", lc.line, lc.col)
            })
            .unwrap_or_default();
        return Err(format!(
            "cannot format: the file has syntax errors ({}{at}: {})",
            first.code, first.message
        ));
    }
    let formatted = crate::syntax::format(text, &parsed.file);
    if formatted.trim().is_empty() && !text.trim().is_empty() {
        return Err(
            "cannot format: the formatter produced nothing for a non-empty file".to_string(),
        );
    }
    Ok(formatted)
}
