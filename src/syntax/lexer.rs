//! A tolerant scan of the raw text: comments, braces and line-leading words. It never fails; the
//! parser uses it to split a file into items (for error recovery) and to guard nesting depth.

use super::ast::Comment;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    Word,
    Open,
    Close,
    Other,
}

#[derive(Debug, Clone)]
pub struct Tok {
    pub kind: TokKind,
    pub span: Range<usize>,
    /// First token on its line.
    pub line_start: bool,
}

pub struct Lexed {
    pub tokens: Vec<Tok>,
    pub comments: Vec<Comment>,
    /// Deepest nesting of `{`, `[` and `(` and where it was first reached.
    pub max_depth: usize,
    pub deepest_at: usize,
}

pub fn lex(text: &str) -> Lexed {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut comments = Vec::new();
    let (mut depth, mut max_depth, mut deepest_at) = (0usize, 0usize, 0usize);
    let mut line_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map(|n| i + n).unwrap_or(text.len());
                let body = text[i..end].trim_end_matches('\r');
                comments.push(Comment {
                    text: body.to_string(),
                    span: i..i + body.len(),
                });
                i = end;
                continue;
            }
            _ => {}
        }
        let start = i;
        let kind = if b == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += if bytes[i] == b'\\' && i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                    2
                } else {
                    1
                };
            }
            if i < bytes.len() && bytes[i] == b'"' {
                i += 1;
            }
            TokKind::Other
        } else if b.is_ascii_alphanumeric() || b == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            TokKind::Word
        } else {
            // One char (UTF-8 aware).
            i += text[i..].chars().next().map(char::len_utf8).unwrap_or(1);
            match b {
                b'{' | b'[' | b'(' => {
                    depth += 1;
                    if depth > max_depth {
                        max_depth = depth;
                        deepest_at = start;
                    }
                    if b == b'{' {
                        TokKind::Open
                    } else {
                        TokKind::Other
                    }
                }
                b'}' | b']' | b')' => {
                    depth = depth.saturating_sub(1);
                    if b == b'}' {
                        TokKind::Close
                    } else {
                        TokKind::Other
                    }
                }
                _ => TokKind::Other,
            }
        };
        tokens.push(Tok {
            kind,
            span: start..i,
            line_start,
        });
        line_start = false;
    }
    Lexed {
        tokens,
        comments,
        max_depth,
        deepest_at,
    }
}

/// Splits `tokens` (a region at relative brace depth 0) into items: a new item starts at a word in
/// `starters` that begins a line or follows a `}` closing back to depth 0.
pub fn split_items(text: &str, tokens: &[Tok], starters: &[&str]) -> Vec<Range<usize>> {
    let mut items: Vec<Range<usize>> = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<usize> = None;
    let mut prev_closed_to_zero = false;
    for (i, tok) in tokens.iter().enumerate() {
        let starts = depth == 0
            && tok.kind == TokKind::Word
            && (tok.line_start || prev_closed_to_zero || current.is_none())
            && starters.contains(&&text[tok.span.clone()]);
        if starts || current.is_none() {
            if let Some(s) = current {
                items.push(s..i);
            }
            current = Some(i);
        }
        prev_closed_to_zero = false;
        match tok.kind {
            TokKind::Open => depth += 1,
            TokKind::Close => {
                depth = depth.saturating_sub(1);
                prev_closed_to_zero = depth == 0;
            }
            _ => {}
        }
    }
    if let Some(s) = current {
        items.push(s..tokens.len());
    }
    items
}

/// Index of the `}` matching the `{` at `open` (relative to `tokens`), if any.
pub fn matching_close(tokens: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, tok) in tokens.iter().enumerate().skip(open) {
        match tok.kind {
            TokKind::Open => depth += 1,
            TokKind::Close => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}
