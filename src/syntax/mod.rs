//! The `.rwf` parser: pest grammar → AST with spans. Never panics; reports every error it can.

pub mod ast;
mod build;
mod errors;
mod format;
mod lexer;
mod parse;
mod words_after;

pub use errors::{did_you_mean, distance, step_fields, COMMON_TASK_FIELDS};
pub use format::format;
pub use parse::{parse, MAX_BYTES, MAX_DEPTH};

use crate::diagnostic::{CodeDoc, Diagnostic, Severity};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/rwf.pest"]
pub struct RwfParser;

/// A parsed file: the AST (possibly partial) and every syntax diagnostic.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub file: ast::File,
    pub diagnostics: Vec<Diagnostic>,
}

/// True when `text` is accepted whole by the grammar's `file` rule (the recovering parser is used
/// for real work; this checks that the two agree).
pub fn accepts_whole_file(text: &str) -> bool {
    use pest::Parser as _;
    RwfParser::parse(Rule::file, text).is_ok()
}

pub const CODES: &[CodeDoc] = &[
    CodeDoc {
        code: "RWF001",
        severity: Severity::Error,
        title: "syntax-error",
        what: "The parser expected something else at this point.",
        why: "The file does not follow the grammar in grammar/README.md, so the item cannot be compiled.",
        example: "checkpoint kickoff \"Kick-off\" { at release - 6 }",
    },
    CodeDoc {
        code: "RWF002",
        severity: Severity::Error,
        title: "unknown-keyword",
        what: "A word where a keyword (an item or a field) was expected is not one.",
        why: "Usually a typo; the help suggests the closest keyword.",
        example: "approval legal \"Legal\" { aprovers team(\"legal\") }",
    },
    CodeDoc {
        code: "RWF003",
        severity: Severity::Error,
        title: "unterminated-string",
        what: "A string has no closing `\"` on its line.",
        why: "Strings are single-line; write a line break as `\\n`.",
        example: "manual smoke \"Smoke test { }",
    },
    CodeDoc {
        code: "RWF004",
        severity: Severity::Error,
        title: "unclosed-brace",
        what: "A `{` is never closed.",
        why: "Everything after it would belong to the block; the item cannot be read.",
        example: "template t \"T\" {\n  checkpoint a \"A\" {",
    },
    CodeDoc {
        code: "RWF005",
        severity: Severity::Error,
        title: "nesting-too-deep",
        what: "Brackets nest more than 64 levels.",
        why: "Real templates never need it; the limit keeps the parser safe on hostile input.",
        example: "input { a: [[[[[[ ... ]]]]]] }",
    },
    CodeDoc {
        code: "RWF007",
        severity: Severity::Error,
        title: "bad-interpolation",
        what: "A `${...}` in a string is unclosed or does not hold a name.",
        why: "Interpolation takes a param (`${product}`) or an upstream output (`${draft.output.url}`).",
        example: "message \"${product is live\"",
    },
    CodeDoc {
        code: "RWF008",
        severity: Severity::Error,
        title: "several-templates",
        what: "A file declares more than one template.",
        why: "One file is one template version; modules hold policies and calendars.",
        example: "template a \"A\" { }\ntemplate b \"B\" { }",
    },
    CodeDoc {
        code: "RWF009",
        severity: Severity::Error,
        title: "file-too-large",
        what: "The file is larger than 16 MiB.",
        why: "A template that large is not a template; the limit keeps tools responsive.",
        example: "$ head -c 20000000 /dev/zero | tr '\\0' ' ' > big.rwf && rwf check big.rwf",
    },
];
