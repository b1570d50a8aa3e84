//! RWF036: a `for each` whose list param's default holds an item that cannot name a task copy.

use crate::check::context::Context;
use crate::compile::expand::key_safe;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use std::collections::BTreeSet;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF036",
    severity: Severity::Error,
    title: "item-not-key-safe",
    what: "A `for each` list param's default holds an item that is not key-safe (letters, digits, \
           `_`, `-`, `.`; at most 64) or is listed twice.",
    why: "Each item names its copies (`translate[de]`); binding the default would be refused (RWF146).",
    example: "param locales: list<string> = [\"de\", \"pt BR\"]\n\
              for each locale in locales { manual t \"Translate ${locale}\" {} }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (var, param, items, span) in cx.for_each_defaults() {
        let mut seen = BTreeSet::new();
        for item in items {
            let label = match item {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let problem = if !key_safe(&label) {
                "cannot name a task copy"
            } else if !seen.insert(label.clone()) {
                "is listed twice"
            } else {
                continue;
            };
            out.push(
                cx.diag(
                    &DOC,
                    span.clone(),
                    format!("`for each {var} in {param}`: the default item {item} {problem}"),
                )
                .with_label("expanded once per item")
                .help("items name their copies (`task[item]`): use letters, digits, `_`, `-` and `.`, each once"),
            );
        }
    }
}
