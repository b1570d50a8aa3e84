//! Inline suppression: `// rwf-ignore RWF023: reason` silences that warning on the comment's line or
//! the next. The reason is mandatory (RWF010); a suppression that silences nothing is reported (RWF011).
//! Errors cannot be suppressed: an invalid template stays invalid.

use crate::compile::Suppression;
use crate::diagnostic::{CodeDoc, Diagnostic, LineIndex, Severity};
use std::collections::HashSet;
use std::ops::Range;

pub(crate) const MALFORMED: CodeDoc = CodeDoc {
    code: "RWF010",
    severity: Severity::Error,
    title: "suppression-without-reason",
    what: "An `// rwf-ignore` comment gives no code or no reason (`// rwf-ignore RWF023: why`).",
    why: "A silenced warning is a decision someone made; the reason is what lets the next reader \
          judge whether it still holds.",
    example: "// rwf-ignore RWF023\nmanual prep \"Prepare\" { at release - 5 days  after review }",
};

pub(crate) const UNUSED: CodeDoc = CodeDoc {
    code: "RWF011",
    severity: Severity::Warning,
    title: "unused-suppression",
    what: "An `// rwf-ignore CODE: reason` comment silences nothing: no such warning on its line or the \
           next, an unknown code, or an error (errors cannot be suppressed).",
    why: "Stale suppressions hide the next real finding at that place and mislead readers.",
    example: "// rwf-ignore RWF018: kept for later\ncheckpoint kickoff \"Kick-off\" { at release }",
};

/// Finds `// rwf-ignore ...` comments outside strings.
pub(crate) fn scan(text: &str) -> Vec<Suppression> {
    let mut found = Vec::new();
    for (line_no, (line_start, line)) in lines(text).enumerate() {
        let Some(at) = comment_start(line) else {
            continue;
        };
        let comment = &line[at + 2..];
        let trimmed = comment.trim_start();
        let Some(rest) = trimmed.strip_prefix("rwf-ignore") else {
            continue;
        };
        if rest.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') {
            continue;
        }
        let span = line_start + at..line_start + line.trim_end().len();
        let (codes, reason) = match rest.split_once(':') {
            Some((codes, reason)) => (codes, Some(reason.trim())),
            None => (rest, None),
        };
        let reason = reason.filter(|r| !r.is_empty()).map(str::to_string);
        let mut any = false;
        for code in codes.split([',', ' ', '\t']).filter(|c| !c.is_empty()) {
            any = true;
            found.push(Suppression {
                code: code.to_ascii_uppercase(),
                reason: reason.clone(),
                line: line_no + 1,
                span: span.clone(),
            });
        }
        if !any {
            found.push(Suppression {
                code: String::new(),
                reason,
                line: line_no + 1,
                span,
            });
        }
    }
    found
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split('\n').map(move |line| {
        let at = start;
        start += line.len() + 1;
        (at, line)
    })
}

/// Byte offset of `//` outside a string literal on one line.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Removes suppressed warnings from `diagnostics` and adds RWF010/RWF011 findings about the comments.
/// `known` says whether a code exists at all.
pub(crate) fn apply(
    file: &str,
    text: &str,
    suppressions: &[Suppression],
    diagnostics: Vec<Diagnostic>,
    known: impl Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    if suppressions.is_empty() {
        return diagnostics;
    }
    let index = LineIndex::new(text);
    let mut used = vec![false; suppressions.len()];
    let mut on_error = vec![false; suppressions.len()];
    let mut kept = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        let line = match (&d.file, &d.span) {
            (Some(f), Some(span))
                if f == file && d.code != MALFORMED.code && d.code != UNUSED.code =>
            {
                index.line_col(span.start).line
            }
            _ => {
                kept.push(d);
                continue;
            }
        };
        let mut silenced = false;
        for (k, s) in suppressions.iter().enumerate() {
            if s.code != d.code || !(s.line == line || s.line + 1 == line) {
                continue;
            }
            if d.severity == Severity::Warning {
                used[k] = true;
                silenced = true;
            } else {
                on_error[k] = true;
            }
        }
        if !silenced {
            kept.push(d);
        }
    }
    let finding = |doc: &CodeDoc, span: &Range<usize>, message: String| {
        Diagnostic::new(doc.code, doc.severity, message)
            .in_file(file)
            .at(span.clone())
    };
    for (k, s) in suppressions.iter().enumerate() {
        if s.code.is_empty() {
            kept.push(
                finding(&MALFORMED, &s.span, "suppression names no code".into())
                    .with_label("which finding?")
                    .help("write `// rwf-ignore RWF023: why this is fine`"),
            );
            continue;
        }
        if s.reason.is_none() {
            kept.push(
                finding(
                    &MALFORMED,
                    &s.span,
                    format!("suppression of {} gives no reason", s.code),
                )
                .with_label("reason missing")
                .help(format!(
                    "write `// rwf-ignore {}: why this is fine`",
                    s.code
                )),
            );
        }
        if used[k] {
            continue;
        }
        let (message, help) = if !known(&s.code) {
            (
                format!("suppression names unknown code {}", s.code),
                "see `rwf check --explain CODE` for the codes".to_string(),
            )
        } else if on_error[k] {
            (
                format!("{} is an error and cannot be suppressed", s.code),
                "fix the error; only warnings can be silenced".to_string(),
            )
        } else {
            (
                format!("unused suppression of {}", s.code),
                "no such warning on this line or the next; remove the comment".to_string(),
            )
        };
        kept.push(
            finding(&UNUSED, &s.span, message)
                .with_label("silences nothing")
                .help(help),
        );
    }
    kept
}

/// Suppressions from scanning the text (string-aware, several codes per comment), plus any the source
/// map has on lines the scan found none on.
pub(crate) fn gather(from_map: &[Suppression], text: &str) -> Vec<Suppression> {
    let mut all = scan(text);
    let lines: HashSet<usize> = all.iter().map(|s| s.line).collect();
    all.extend(
        from_map
            .iter()
            .filter(|s| !lines.contains(&s.line))
            .cloned(),
    );
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_comments_not_strings() {
        let text = "a \"// rwf-ignore RWF018: no\"\n  // rwf-ignore RWF023, rwf030: why\n// rwf-ignore RWF018\n// rwf-ignored x";
        let found = scan(text);
        let codes: Vec<_> = found
            .iter()
            .map(|s| (s.code.as_str(), s.line, s.reason.is_some()))
            .collect();
        assert_eq!(
            codes,
            [
                ("RWF023", 2, true),
                ("RWF030", 2, true),
                ("RWF018", 3, false)
            ]
        );
        assert_eq!(
            &text[found[0].span.clone()],
            "// rwf-ignore RWF023, rwf030: why"
        );
    }

    #[test]
    fn silences_warnings_on_the_line_or_next_and_reports_the_rest() {
        let text =
            "// rwf-ignore RWF023: ok\nx\n// rwf-ignore RWF012: no\ny\n// rwf-ignore RWF099\n";
        let sups = scan(text);
        let diags = vec![
            Diagnostic::warning("RWF023", "w").in_file("f").at(25..26),
            Diagnostic::error("RWF012", "e").in_file("f").at(52..53),
        ];
        let out = apply("f", text, &sups, diags, |c| c != "RWF099");
        let got: Vec<_> = out.iter().map(|d| (d.code, d.message.as_str())).collect();
        assert_eq!(
            got,
            [
                ("RWF012", "e"),
                ("RWF011", "RWF012 is an error and cannot be suppressed"),
                ("RWF010", "suppression of RWF099 gives no reason"),
                ("RWF011", "suppression names unknown code RWF099"),
            ]
        );
    }
}
