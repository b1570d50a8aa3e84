//! RWF018: a declared param that nothing uses.

use crate::check::context::Context;
use crate::check::refs::{classify, spec_refs, Ref};
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use std::collections::HashSet;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF018",
    severity: Severity::Warning,
    title: "unused-param",
    what: "A param is declared but no title, message, input, target or timezone uses it.",
    why:
        "Every `rwf new` must still supply it (or accept its default) for no effect; it is usually \
          a leftover or a typo in the place that meant to use it.",
    example: "param budget: number = 1000   // never referenced",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut used: HashSet<&str> = HashSet::new();
    for r in spec_refs(cx.spec) {
        if let Ref::Param(name) = r.what {
            used.insert(name);
        }
    }
    for r in &cx.map.param_refs {
        if let Ref::Param(name) = classify(&r.name) {
            used.insert(name);
        }
    }
    for (i, param) in cx.spec.params.iter().enumerate() {
        if used.contains(param.name.as_str()) {
            continue;
        }
        let span = cx.map.params.get(i).cloned();
        out.push(
            cx.diag(&DOC, span, format!("param `{}` is never used", param.name))
                .with_label("declared here")
                .help(format!(
                    "use it (`${{{}}}` in a title or message, or as an input value) or remove it",
                    param.name
                )),
        );
    }
}
