//! A tolerant scan of the raw text: comments, braces and line-leading words. It never fails; the
//! parser uses it to split a file into items (for error recovery) and to guard nesting depth.

use super::ast::Comment;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    Word,
    Open,
    Close,
    /// A string with no closing quote on its line.
    Unterminated,
    Other,
}

#[derive(Debug, Clone)]
pub struct Tok {
    pub kind: TokKind,
    pub span: Range<usize>,
    /// First token on its line.
    pub line_start: bool,
    /// Byte column (0-based) of the token on its line.
    pub col: usize,
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
    let mut line_begin = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                line_start = true;
                i += 1;
                line_begin = i;
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
                TokKind::Other
            } else {
                TokKind::Unterminated
            }
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
            col: start - line_begin,
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
/// `starters` (or a near miss of one) that begins a line or follows a `}` closing back to depth 0.
/// A starter at the start of a line indented no deeper than the current item also starts a new item
/// when braces are unbalanced, so one unclosed `{` does not swallow the rest of the file.
pub fn split_items(text: &str, tokens: &[Tok], starters: &[&str]) -> Vec<Range<usize>> {
    let mut items: Vec<Range<usize>> = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<usize> = None;
    let mut current_col = 0usize;
    let mut prev_closed_to_zero = false;
    // For each `{`, its matching `}` in the region; an item whose first block closes properly is
    // never split inside that block.
    let mut matches = vec![None; tokens.len()];
    let mut stack = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            TokKind::Open => stack.push(i),
            TokKind::Close => {
                if let Some(o) = stack.pop() {
                    matches[o] = Some(i);
                }
            }
            _ => {}
        }
    }
    let mut protected_until: Option<usize> = None;
    for (i, tok) in tokens.iter().enumerate() {
        let word = &text[tok.span.clone()];
        let is_starter = tok.kind == TokKind::Word && starters.contains(&word);
        let near_starter = tok.kind == TokKind::Word
            && tok.line_start
            && word.len() > 3
            && super::errors::did_you_mean(word, starters.iter().copied()).is_some();
        let mut starts = depth == 0
            && (is_starter || near_starter)
            && (tok.line_start || prev_closed_to_zero || current.is_none());
        if depth > 0
            && is_starter
            && tok.line_start
            && tok.col <= current_col
            && current.is_some()
            && protected_until.is_none_or(|p| i > p)
        {
            starts = true;
            depth = 0;
        }
        if starts || current.is_none() {
            current_col = tok.col;
            protected_until = tokens[i..]
                .iter()
                .position(|t| t.kind == TokKind::Open)
                .and_then(|o| matches[i + o]);
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

/// Index of the `}` closing the block opened at `open`: the matching one, or else (braces inside are
/// unbalanced) the last `}` that starts a line at or left of the block's first token.
pub fn block_close(tokens: &[Tok], first: usize, open: usize) -> (Option<usize>, bool) {
    if let Some(c) = matching_close(tokens, open) {
        return (Some(c), true);
    }
    let col = tokens[first].col;
    let fallback = (open + 1..tokens.len()).rev().find(|&i| {
        tokens[i].kind == TokKind::Close && tokens[i].line_start && tokens[i].col <= col
    });
    (fallback, false)
}

/// The first `{` in `tokens` that is never closed.
pub fn unclosed_open(tokens: &[Tok]) -> Option<usize> {
    let mut stack = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            TokKind::Open => stack.push(i),
            TokKind::Close => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.first().copied()
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
