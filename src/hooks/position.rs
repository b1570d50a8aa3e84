//! rhai `Position` (1-based line, 1-based char column) → a byte span in the hook file's source.

use rhai::Position;
use std::ops::Range;

/// The byte span of the token at `pos`: an identifier or number is covered whole, anything else is one
/// char. `Position::NONE` (no position known) maps to `None`; positions past the end clamp to the end.
pub fn span_of(source: &str, pos: Position) -> Option<Range<usize>> {
    let line = pos.line()?;
    let col = pos.position().unwrap_or(1);
    let start = offset_of(source, line, col);
    let rest = &source[start..];
    let mut chars = rest.char_indices();
    let len = match chars.next() {
        None => 0,
        Some((_, c)) if is_word(c) => rest
            .char_indices()
            .find(|&(_, c)| !is_word(c))
            .map_or(rest.len(), |(i, _)| i),
        Some((_, c)) if c == '\n' || c == '\r' => 0,
        Some((_, c)) => c.len_utf8(),
    };
    Some(start..start + len)
}

/// Byte offset of a 1-based line and char column (clamped to the line's end, then the text's end).
pub fn offset_of(source: &str, line: usize, col: usize) -> usize {
    let mut line_start = 0;
    for _ in 1..line {
        match source[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return source.len(),
        }
    }
    let line_end = source[line_start..]
        .find('\n')
        .map_or(source.len(), |i| line_start + i);
    source[line_start..line_end]
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(line_end, |(i, _)| line_start + i)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Span of `fn NAME` for a function defined in `source` (the name itself), for labels.
pub fn fn_name_span(source: &str, name: &str) -> Option<Range<usize>> {
    let mut from = 0;
    while let Some(i) = source[from..].find("fn") {
        let at = from + i;
        from = at + 2;
        let before_ok = at == 0 || !source[..at].ends_with(is_word);
        let after = &source[at + 2..];
        let trimmed = after.trim_start();
        if before_ok
            && after.len() != trimmed.len()
            && trimmed.starts_with(name)
            && !trimmed[name.len()..].starts_with(is_word)
        {
            let start = source.len() - trimmed.len();
            return Some(start..start + name.len());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_line_and_column_to_bytes() {
        let src = "fn a(ctx) {\n  let é = 1;\n  bad_name + 1\n}\n";
        assert_eq!(offset_of(src, 1, 1), 0);
        assert_eq!(offset_of(src, 2, 7), 18); // `é`
        assert_eq!(offset_of(src, 2, 9), 21); // `=`, after the 2-byte `é`
        assert_eq!(span_of(src, Position::new(3, 3)), Some(28..36));
        assert_eq!(&src[28..36], "bad_name");
        assert_eq!(span_of(src, Position::NONE), None);
        assert_eq!(
            span_of(src, Position::new(99, 1)),
            Some(src.len()..src.len())
        );
    }

    #[test]
    fn finds_function_names() {
        let src = "// fn x\nfn gate_x(ctx) {}\nfn gate(ctx) { true }";
        assert_eq!(fn_name_span(src, "gate").map(|r| &src[r]), Some("gate"));
        assert_eq!(fn_name_span(src, "gate"), Some(29..33));
        assert_eq!(fn_name_span(src, "gate_x"), Some(11..17));
        assert_eq!(fn_name_span(src, "none"), None);
    }
}
