//! Expected diagnostics written inside fixtures: `// expect: RWF012 4:3 fragment of the message`.
//! Shared by the language and check tests.
#![allow(dead_code)]

use rwf::diagnostic::{Diagnostic, LineIndex};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    pub code: String,
    pub line: usize,
    pub col: usize,
    /// Must occur in the message (may be empty).
    pub fragment: String,
}

/// Every `// expect: CODE LINE:COL fragment` in `text`, in order.
pub fn expectations(text: &str) -> Vec<Expect> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(at) = line.find("// expect:") else {
            continue;
        };
        let rest = line[at + "// expect:".len()..].trim();
        let mut parts = rest.splitn(3, ' ');
        let code = parts.next().unwrap_or("").to_string();
        let pos = parts.next().unwrap_or("");
        let fragment = parts.next().unwrap_or("").trim().to_string();
        let (l, c) = pos
            .split_once(':')
            .unwrap_or_else(|| panic!("bad expect line: {line}"));
        out.push(Expect {
            code,
            line: l.parse().unwrap_or_else(|_| panic!("bad line in: {line}")),
            col: c
                .parse()
                .unwrap_or_else(|_| panic!("bad column in: {line}")),
            fragment,
        });
    }
    out
}

/// A diagnostic in the same shape as an expectation (for messages).
pub fn describe(text: &str, d: &Diagnostic) -> String {
    let (line, col) = match &d.span {
        Some(s) => {
            let lc = LineIndex::new(text).line_col(s.start);
            (lc.line, lc.col)
        }
        None => (0, 0),
    };
    format!("{} {line}:{col} {}", d.code, d.message)
}

/// Compares diagnostics of `file` (others, e.g. from imported modules, are ignored) with the
/// expectations in `text`. Every expectation must be met by one diagnostic and every diagnostic
/// must be expected. Returns a readable report on mismatch.
pub fn verify(file: &str, text: &str, diagnostics: &[Diagnostic]) -> Result<(), String> {
    let index = LineIndex::new(text);
    let mut expected = expectations(text);
    let mut unexpected = Vec::new();
    for d in diagnostics
        .iter()
        .filter(|d| d.file.as_deref().unwrap_or(file) == file)
    {
        let lc = d.span.as_ref().map(|s| index.line_col(s.start));
        let found = expected.iter().position(|e| {
            e.code == d.code
                && lc.is_some_and(|lc| lc.line == e.line && lc.col == e.col)
                && d.message.contains(&e.fragment)
        });
        match found {
            Some(i) => {
                expected.remove(i);
            }
            None => unexpected.push(describe(text, d)),
        }
    }
    if expected.is_empty() && unexpected.is_empty() {
        return Ok(());
    }
    let mut report = format!("{file}:\n");
    for e in &expected {
        report.push_str(&format!(
            "  missing:    {} {}:{} {}\n",
            e.code, e.line, e.col, e.fragment
        ));
    }
    for u in &unexpected {
        report.push_str(&format!("  unexpected: {u}\n"));
    }
    Err(report)
}
