//! Expected diagnostics written inside fixtures: `// expect: RWF012 4:3 fragment` means a diagnostic
//! with that code whose primary span starts at line 4, column 3 and whose message contains the fragment.
//! `0:0` stands for a diagnostic without a span. Golden files: `assert_golden` (UPDATE_EXPECT=1 rewrites).

#![allow(dead_code)]

use rwf::diagnostic::{Diagnostic, LineIndex};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub code: String,
    pub line: usize,
    pub col: usize,
    pub fragment: String,
}

/// Every `// expect: CODE L:C fragment` in `text`.
pub fn expectations(text: &str) -> Vec<Expected> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(at) = line.find("// expect:") else {
            continue;
        };
        let rest = line[at + "// expect:".len()..].trim();
        let mut parts = rest.splitn(3, ' ');
        let code = parts.next().unwrap_or_default().to_string();
        let pos = parts.next().unwrap_or_default();
        let fragment = parts.next().unwrap_or_default().trim().to_string();
        let (l, c) = pos
            .split_once(':')
            .unwrap_or_else(|| panic!("line {}: bad position `{pos}` in `{line}`", n + 1));
        out.push(Expected {
            code,
            line: l.parse().expect("line number"),
            col: c.parse().expect("column number"),
            fragment,
        });
    }
    out
}

/// `CODE L:C message` of a diagnostic against the text it points into.
pub fn describe(d: &Diagnostic, text: &str) -> (String, usize, usize, String) {
    let (line, col) = match &d.span {
        Some(span) => {
            let at = LineIndex::new(text).line_col(span.start);
            (at.line, at.col)
        }
        None => (0, 0),
    };
    (d.code.to_string(), line, col, d.message.clone())
}

/// Asserts that `diagnostics` are exactly the expectations written in `text`.
pub fn assert_expected(name: &str, text: &str, diagnostics: &[Diagnostic]) {
    let mut expected = expectations(text);
    let mut unexpected = Vec::new();
    for d in diagnostics {
        let (code, line, col, message) = describe(d, text);
        match expected.iter().position(|e| {
            e.code == code && e.line == line && e.col == col && message.contains(&e.fragment)
        }) {
            Some(k) => {
                expected.remove(k);
            }
            None => unexpected.push(format!("// expect: {code} {line}:{col} {message}")),
        }
    }
    if expected.is_empty() && unexpected.is_empty() {
        return;
    }
    let missing: Vec<String> = expected
        .iter()
        .map(|e| format!("// expect: {} {}:{} {}", e.code, e.line, e.col, e.fragment))
        .collect();
    panic!(
        "{name}: diagnostics differ\n  missing:\n    {}\n  unexpected:\n    {}",
        missing.join("\n    "),
        unexpected.join("\n    ")
    );
}

/// Compares `actual` with the golden file at `path`; `UPDATE_EXPECT=1` writes it instead.
pub fn assert_golden(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create golden dir");
        }
        std::fs::write(path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with UPDATE_EXPECT=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        panic!(
            "{} differs (UPDATE_EXPECT=1 regenerates):\n{diff}",
            path.display()
        );
    }
}

/// Like `assert_expected`, but only for diagnostics in `file` (those of imported modules are left
/// out) and returning a report instead of panicking, so one test can check many fixtures.
pub fn verify(file: &str, text: &str, diagnostics: &[Diagnostic]) -> Result<(), String> {
    let mut expected = expectations(text);
    let mut unexpected = Vec::new();
    for d in diagnostics
        .iter()
        .filter(|d| d.file.as_deref().unwrap_or(file) == file)
    {
        let (code, line, col, message) = describe(d, text);
        match expected.iter().position(|e| {
            e.code == code && e.line == line && e.col == col && message.contains(&e.fragment)
        }) {
            Some(k) => {
                expected.remove(k);
            }
            None => unexpected.push(format!("  unexpected: {code} {line}:{col} {message}")),
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
        report.push_str(u);
        report.push('\n');
    }
    Err(report)
}
