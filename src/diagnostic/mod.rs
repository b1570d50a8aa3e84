//! Diagnostics as data: a code, a severity, a message, where (file + byte span), labels and help.
//!
//! Every stage (syntax, compile, check, schedule, hooks, config) reports with these; only the CLI
//! renders them (miette for humans, JSON and SARIF for machines).

mod line_index;

pub use line_index::{LineCol, LineIndex};

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A secondary location with its own short message (e.g. each edge of a cycle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Range<usize>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, `RWF` + three digits. Documented by `rwf check --explain CODE`.
    pub code: &'static str,
    pub severity: Severity,
    /// Lowercase, says what is wrong.
    pub message: String,
    /// The file as the user named it (or `std/...` for stdlib). `None` for diagnostics with no source.
    pub file: Option<String>,
    /// Primary byte span in `file`.
    pub span: Option<Range<usize>>,
    /// What to put at the primary span (short). Empty: the message is used.
    pub label: String,
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            file: None,
            span: None,
            label: String::new(),
            labels: Vec::new(),
            help: None,
        }
    }
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, message)
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, message)
    }
    pub fn in_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }
    pub fn at(mut self, span: Range<usize>) -> Diagnostic {
        self.span = Some(span);
        self
    }
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }
    pub fn label(mut self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// True when any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// The documentation of one code, shown by `rwf check --explain CODE`. Every module that emits codes
/// exports `pub const CODES: &[CodeDoc]`; `check` gathers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeDoc {
    pub code: &'static str,
    pub severity: Severity,
    /// Short name, e.g. `dependency-cycle`.
    pub title: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    /// A small `.rwf` snippet that triggers it.
    pub example: &'static str,
}
