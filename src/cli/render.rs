//! Renders diagnostics for people (miette: file, line:col, underlined spans with labels, help) and as
//! JSON records. Every command that reports diagnostics goes through here.

use crate::diagnostic::{Diagnostic, LineIndex, Severity};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::io::IsTerminal;
use std::ops::Range;

/// The text of each file diagnostics may point into, by the name diagnostics use, with its line index
/// (built once per file, so rendering many diagnostics costs what they show, not the file's length).
#[derive(Default)]
pub(crate) struct Sources {
    texts: BTreeMap<String, (String, Vec<usize>)>,
}

impl Sources {
    pub(crate) fn new() -> Sources {
        Sources::default()
    }
    pub(crate) fn insert(&mut self, file: impl Into<String>, text: impl Into<String>) {
        let text = text.into();
        let starts = LineIndex::starts(&text);
        self.texts.insert(file.into(), (text, starts));
    }
    pub(crate) fn get(&self, file: &str) -> Option<&str> {
        self.texts.get(file).map(|(text, _)| text.as_str())
    }
    /// The indexed text a diagnostic points into, if known.
    pub(crate) fn index_of(&self, d: &Diagnostic) -> Option<LineIndex<'_>> {
        let (text, starts) = self.texts.get(d.file.as_deref()?)?;
        Some(LineIndex::with_starts(text, starts))
    }
}

/// True when stderr is a terminal and `NO_COLOR` is not set.
pub(crate) fn stderr_color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// Prints every diagnostic to stderr, rich.
pub(crate) fn eprint_all(diagnostics: &[Diagnostic], sources: &Sources) {
    let color = stderr_color();
    for d in diagnostics {
        eprint!("{}", human_indexed(d, sources.index_of(d).as_ref(), color));
    }
}

/// Lines longer than this (in chars) are not drawn by miette: its underlines are formatted with a
/// `u16` width, and a snippet that wide helps nobody. Such diagnostics show a window of the line.
const SNIPPET_MAX_COLS: usize = 500;
/// Chars of context either side of the primary span in a long line's window.
const WINDOW_COLS: usize = 40;

/// One diagnostic for people: `error[RWF016]: message`, the source snippet with every label, `help:`.
/// A diagnostic on a very long line gets `at file:line:col` and a window of that line instead.
#[cfg(test)]
pub(crate) fn human(d: &Diagnostic, source: Option<&str>, color: bool) -> String {
    human_indexed(d, source.map(LineIndex::new).as_ref(), color)
}

/// [`human`] over a text already indexed.
pub(crate) fn human_indexed(d: &Diagnostic, source: Option<&LineIndex>, color: bool) -> String {
    if let Some(index) = source.filter(|index| touches_long_line(d, index)) {
        return windowed(d, index, color);
    }
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let report = Report::new(d, source);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = plain(d, source);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// True when a line a label is on (or next to, which miette shows as context) is too long to draw.
fn touches_long_line(d: &Diagnostic, index: &LineIndex) -> bool {
    let spans = d.span.iter().chain(d.labels.iter().map(|l| &l.span));
    spans.into_iter().any(|span| {
        let first = index.line_col(span.start).line.saturating_sub(1).max(1);
        let last = index.line_col(span.end.max(span.start)).line + 1;
        (first..=last).any(|line| index.line_text(line).len() > SNIPPET_MAX_COLS)
    })
}

/// A diagnostic on a long line: the message and help drawn by miette without the source, then the
/// location and a window of the primary span's line.
fn windowed(d: &Diagnostic, index: &LineIndex, color: bool) -> String {
    let mut out = human_indexed(d, None, color);
    let Some(file) = &d.file else { return out };
    let span = d.span.clone().unwrap_or(0..0);
    let at = index.line_col(span.start);
    let line: Vec<char> = index.line_text(at.line).chars().collect();
    let start = (at.col - 1).min(line.len());
    let from = start.saturating_sub(WINDOW_COLS);
    let to = (start + WINDOW_COLS).min(line.len());
    let excerpt: String = line[from..to].iter().collect();
    let (open, close) = (
        if from > 0 { "…" } else { "" },
        if to < line.len() { "…" } else { "" },
    );
    let pad = open.chars().count() + start - from;
    let caret = if d.label.is_empty() { "here" } else { &d.label };
    out.push_str(&format!(
        "  at {file}:{}:{} (line of {} chars)\n   │ {open}{excerpt}{close}\n   │ {}^ {caret}\n",
        at.line,
        at.col,
        line.len(),
        " ".repeat(pad)
    ));
    for l in &d.labels {
        let at = index.line_col(l.span.start);
        out.push_str(&format!("  {file}:{}:{}: {}\n", at.line, at.col, l.message));
    }
    out
}

/// A fallback without graphics: `file:line:col: error[CODE]: message` and `help:`.
pub(crate) fn plain(d: &Diagnostic, source: Option<&LineIndex>) -> String {
    let mut out = String::new();
    if let Some(file) = &d.file {
        out.push_str(file);
        if let (Some(span), Some(index)) = (&d.span, source) {
            let at = index.line_col(span.start);
            out.push_str(&format!(":{}:{}", at.line, at.col));
        }
        out.push_str(": ");
    }
    out.push_str(&format!(
        "{}[{}]: {}\n",
        d.severity.as_str(),
        d.code,
        d.message
    ));
    if let Some(help) = &d.help {
        out.push_str(&format!("  help: {help}\n"));
    }
    out
}

/// One diagnostic as a JSON record: code, severity, message, help, file, 1-based start/end line:col,
/// and the secondary labels likewise.
pub(crate) fn json_record(d: &Diagnostic, source: Option<&str>) -> Value {
    json_record_indexed(d, source.map(LineIndex::new).as_ref())
}

/// [`json_record`] over a text already indexed.
pub(crate) fn json_record_indexed(d: &Diagnostic, index: Option<&LineIndex>) -> Value {
    let position = |span: &Range<usize>| match index {
        Some(index) => {
            let (s, e) = (index.line_col(span.start), index.line_col(span.end));
            (
                json!({"line": s.line, "col": s.col}),
                json!({"line": e.line, "col": e.col}),
            )
        }
        None => (Value::Null, Value::Null),
    };
    let (start, end) = d.span.as_ref().map_or((Value::Null, Value::Null), position);
    let labels: Vec<Value> = d
        .labels
        .iter()
        .map(|l| {
            let (start, end) = position(&l.span);
            json!({"message": l.message, "start": start, "end": end})
        })
        .collect();
    json!({
        "code": d.code,
        "severity": d.severity.as_str(),
        "message": d.message,
        "help": d.help,
        "file": d.file,
        "start": start,
        "end": end,
        "labels": labels,
    })
}

/// A named, indexed text that miette reads from the span's line on: a snippet costs its own lines,
/// not a scan from the top of the file (which made many diagnostics on a long file quadratic).
struct Indexed<'a> {
    name: &'a str,
    index: &'a LineIndex<'a>,
}

impl SourceCode for Indexed<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let text = self.index.text();
        if span.offset() > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        // 0-based line of the span, and of the first context line: miette reads from there on.
        let line = self.index.line_col(span.offset()).line - 1;
        let first = line.saturating_sub(context_lines_before);
        let start = self.index.line_start(first + 1);
        let local = SourceSpan::new((span.offset() - start).into(), span.len());
        let inner = text[start..].read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + start).into(), inner.span().len()),
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )))
    }
}

/// Adapts a `Diagnostic` to miette.
struct Report<'a> {
    d: &'a Diagnostic,
    source: Option<Indexed<'a>>,
    text: &'a str,
}

impl<'a> Report<'a> {
    fn new(d: &'a Diagnostic, source: Option<&'a LineIndex<'a>>) -> Report<'a> {
        let source = match (&d.file, source) {
            (Some(file), Some(index)) => Some(Indexed { name: file, index }),
            _ => None,
        };
        Report {
            d,
            text: source.as_ref().map_or("", |s| s.index.text()),
            source,
        }
    }

    /// Clamps a byte range into the text, on char boundaries (miette must never index out of bounds).
    fn span(&self, span: &Range<usize>) -> SourceSpan {
        let floor = |mut at: usize| {
            at = at.min(self.text.len());
            while !self.text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let start = floor(span.start);
        let end = floor(span.end.max(start));
        SourceSpan::from(start..end)
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.d.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let help = self.d.help.as_ref()?;
        Some(Box::new(help))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let primary = self.d.span.as_ref().map(|span| {
            let text = (!self.d.label.is_empty()).then(|| self.d.label.clone());
            LabeledSpan::new_primary_with_span(text, self.span(span))
        });
        let secondary = self
            .d
            .labels
            .iter()
            .map(|l| LabeledSpan::new_with_span(Some(l.message.clone()), self.span(&l.span)));
        Some(Box::new(primary.into_iter().chain(secondary)))
    }
}

/// Diagnostics in one line each (`CODE message (file)`), for an error message that points elsewhere
/// (`rwf check`) for the full report.
pub(crate) fn brief(diags: &[Diagnostic]) -> String {
    crate::ops::brief(diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_labels_and_help() {
        let text = "manual a \"A\" { after b }\nmanual b \"B\" { after a }\n";
        let d = Diagnostic::error("RWF016", "dependency cycle: a → b → a")
            .in_file("t.rwf")
            .at(7..8)
            .with_label("part of the cycle")
            .label(21..22, "`a` waits for `b`")
            .label(46..47, "`b` waits for `a`")
            .help("remove one edge");
        let out = human(&d, Some(text), false);
        for needle in [
            "RWF016",
            "dependency cycle: a → b → a",
            "[t.rwf:1:8]",
            "`a` waits for `b`",
            "`b` waits for `a`",
            "help: remove one edge",
        ] {
            assert!(out.contains(needle), "missing {needle:?} in\n{out}");
        }
        let record = json_record(&d, Some(text));
        assert_eq!(record["start"], json!({"line": 1, "col": 8}));
        assert_eq!(record["labels"][1]["start"], json!({"line": 2, "col": 22}));
        // Out-of-range spans and missing sources never panic.
        let wild = Diagnostic::warning("RWF018", "x")
            .in_file("t.rwf")
            .at(500..900);
        assert!(human(&wild, Some(text), false).contains("RWF018"));
        assert!(human(&wild, None, true).contains("RWF018"));
    }

    #[test]
    fn snippets_deep_in_a_file_show_their_own_lines() {
        // miette reads from the span's context line on (the indexed source), not from the top: the
        // line numbers, the neighbours and the labels must be those of a scan from the top.
        let text: String = (1..=200)
            .map(|i| format!("checkpoint c{i} \"C{i}\" {{ at release - {i} days }}\n"))
            .collect();
        let at = text.find("c150 ").unwrap();
        let up = text.find("c20 ").unwrap();
        let d = Diagnostic::warning("RWF024", "too far")
            .in_file("t.rwf")
            .at(at..at + 4)
            .with_label("here")
            .label(up..up + 3, "and there")
            .help("move it");
        let out = human(&d, Some(&text), false);
        for needle in [
            "[t.rwf:150:12]",
            "149 │ checkpoint c149",
            "150 │ checkpoint c150",
            "151 │ checkpoint c151",
            " 20 │ checkpoint c20 ",
            "here",
            "and there",
        ] {
            assert!(out.contains(needle), "missing {needle:?} in\n{out}");
        }
        assert!(
            !out.contains("c100 "),
            "only the labels' lines and their neighbours:\n{out}"
        );
        // The cached index of `Sources` renders the same.
        let mut sources = Sources::new();
        sources.insert("t.rwf", text.clone());
        let index = sources.index_of(&d).expect("indexed");
        assert_eq!(human_indexed(&d, Some(&index), false), out);
        // A span at the very end of the text, and one past it, still render.
        let end = Diagnostic::warning("RWF024", "end")
            .in_file("t.rwf")
            .at(text.len()..text.len());
        assert!(human(&end, Some(&text), false).contains("RWF024"));
    }

    #[test]
    fn long_lines_render_a_window_not_a_panic() {
        let text = format!(
            "template x {{{}bogus }}\nmanual a \"A\" {{}}\n",
            " ".repeat(70_000)
        );
        let at = text.find("bogus").unwrap();
        let d = Diagnostic::error("RWF001", "unexpected `bogus`")
            .in_file("t.rwf")
            .at(at..at + 5)
            .label(text.len() - 3..text.len() - 2, "the next line")
            .help("remove it");
        let out = human(&d, Some(&text), false);
        for needle in ["RWF001", "at t.rwf:1:70013", "bogus }", "help: remove it"] {
            assert!(out.contains(needle), "missing {needle:?} in\n{out}");
        }
        assert!(out.len() < 2_000, "the window is short:\n{out}");
        // Every line length around miette's limit renders.
        for width in [499, 500, 501, 65_534, 65_535, 65_536, 65_537] {
            let text = format!("{}x\n", " ".repeat(width));
            let d = Diagnostic::error("RWF001", "x")
                .in_file("t.rwf")
                .at(width..width + 1);
            assert!(human(&d, Some(&text), false).contains("RWF001"));
        }
    }
}
