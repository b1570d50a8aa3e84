//! A forgiving tokenizer for `.rwf` used by editor features: it never fails, so navigation, symbols
//! and completion keep working while a file is half-typed and does not parse.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    /// `[A-Za-z_][A-Za-z0-9_]*` (identifiers and keywords alike).
    Ident,
    /// Digits, with the `-`, `:` and `.` of dates, times and decimals glued on (`2026-08-01`, `09:00`).
    Number,
    /// A whole string literal, quotes included (unterminated strings run to the end of the line).
    Str,
    Comment,
    /// Any other single character (`{`, `}`, `.`, `,`, `+`, `-`, ...).
    Punct,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokKind,
    pub span: Range<usize>,
    /// Tokens inside `${...}` of a string; empty for other kinds.
    pub interpolated: Vec<Token>,
}

impl Token {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.span.clone()]
    }
    pub fn is_punct(&self, src: &str, c: &str) -> bool {
        self.kind == TokKind::Punct && self.text(src) == c
    }
}

/// Tokens of `src[range]` with absolute offsets.
pub fn tokenize(src: &str) -> Vec<Token> {
    lex_range(src, 0, src.len())
}

fn lex_range(src: &str, start: usize, end: usize) -> Vec<Token> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = start;
    while i < end {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'/' && i + 1 < end && bytes[i + 1] == b'/' {
            let stop = src[i..end].find('\n').map_or(end, |n| i + n);
            out.push(tok(TokKind::Comment, i..stop));
            i = stop;
        } else if c == b'"' {
            let (stop, interpolated) = lex_string(src, i, end);
            out.push(Token {
                kind: TokKind::Str,
                span: i..stop,
                interpolated,
            });
            i = stop;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let mut j = i + 1;
            while j < end && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            out.push(tok(TokKind::Ident, i..j));
            i = j;
        } else if c.is_ascii_digit() {
            let mut j = i + 1;
            while j < end
                && (bytes[j].is_ascii_digit()
                    || (matches!(bytes[j], b'-' | b':' | b'.')
                        && j + 1 < end
                        && bytes[j + 1].is_ascii_digit()))
            {
                j += 1;
            }
            out.push(tok(TokKind::Number, i..j));
            i = j;
        } else {
            let len = src[i..].chars().next().map_or(1, char::len_utf8);
            out.push(tok(TokKind::Punct, i..i + len));
            i += len;
        }
    }
    out
}

fn tok(kind: TokKind, span: Range<usize>) -> Token {
    Token {
        kind,
        span,
        interpolated: Vec::new(),
    }
}

/// Scans a string starting at the opening quote; returns its end and the tokens of its `${...}` parts.
fn lex_string(src: &str, open: usize, end: usize) -> (usize, Vec<Token>) {
    let bytes = src.as_bytes();
    let mut inner = Vec::new();
    let mut i = open + 1;
    while i < end {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return (i + 1, inner),
            b'\n' => return (i, inner),
            b'$' if i + 1 < end && bytes[i + 1] == b'{' => {
                let body = i + 2;
                let close = src[body..end]
                    .find(['}', '"', '\n'])
                    .map_or(end, |n| body + n);
                inner.extend(lex_range(src, body, close));
                i = if close < end && bytes[close] == b'}' {
                    close + 1
                } else {
                    close
                };
            }
            _ => i += 1,
        }
    }
    (end.min(src.len()), inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_of_a_line() {
        let src =
            "at release - 6 weeks at 09:00 // x\nmessage \"${product} is \\\"GA\\\"\" 2026-08-01";
        let toks = tokenize(src);
        let kinds: Vec<_> = toks.iter().map(|t| (t.kind, t.text(src))).collect();
        assert_eq!(kinds[0], (TokKind::Ident, "at"));
        assert_eq!(kinds[3], (TokKind::Number, "6"));
        assert_eq!(kinds[6], (TokKind::Number, "09:00"));
        assert_eq!(kinds[7], (TokKind::Comment, "// x"));
        assert_eq!(kinds[9].0, TokKind::Str);
        assert_eq!(toks[9].interpolated[0].text(src), "product");
        assert_eq!(kinds[10], (TokKind::Number, "2026-08-01"));
    }

    #[test]
    fn never_panics_on_broken_input() {
        for src in ["\"abc", "\"${x", "é\"${", "//", "1-", "\\", "\"\\"] {
            let _ = tokenize(src);
        }
    }
}
