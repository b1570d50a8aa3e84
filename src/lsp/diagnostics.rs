//! `rwf check` findings as LSP diagnostics: same checker, byte spans mapped to UTF-16 ranges.

use super::document::Document;
use crate::check::{check_source, CheckOptions};
use crate::compile::ModuleLoader;
use crate::diagnostic::{Diagnostic, Severity};
use lsp_types::{
    Diagnostic as LspDiagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range,
};

/// Everything `rwf check` reports for the document, as the editor shows it.
pub fn diagnostics(doc: &Document, loader: &dyn ModuleLoader) -> Vec<LspDiagnostic> {
    let found = check_source(&doc.file, &doc.text, loader, &CheckOptions::default());
    found.iter().map(|d| to_lsp(doc, d)).collect()
}

/// One diagnostic. Findings in other files (an imported module) are shown at the top of this one,
/// naming the file, since the editor can only mark the document it publishes for.
pub fn to_lsp(doc: &Document, d: &Diagnostic) -> LspDiagnostic {
    let lines = doc.lines();
    let here = d.file.as_deref().is_none_or(|f| f == doc.file);
    let range = match (&d.span, here) {
        (Some(span), true) => lines.range(span),
        _ => Range::new(Position::new(0, 0), Position::new(0, 0)),
    };
    let mut message = if here {
        d.message.clone()
    } else {
        format!("{}: {}", d.file.as_deref().unwrap_or("?"), d.message)
    };
    if !d.label.is_empty() && d.label != d.message {
        message.push_str(&format!(" ({})", d.label));
    }
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<_> = d
        .labels
        .iter()
        .filter(|_| here)
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(doc.uri.clone(), lines.range(&l.span)),
            message: l.message.clone(),
        })
        .collect();
    LspDiagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("rwf".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..LspDiagnostic::default()
    }
}

/// Shown when the checker itself failed, so the user knows the silence is not a clean bill.
pub fn internal_error(message: &str) -> LspDiagnostic {
    LspDiagnostic {
        range: Range::new(Position::new(0, 0), Position::new(0, 0)),
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some("rwf".to_string()),
        message: format!("internal error in the checker: {message}\nhelp: please report this with the file that triggers it"),
        ..LspDiagnostic::default()
    }
}
