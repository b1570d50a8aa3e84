//! RWF018: a declared param that nothing uses.

use crate::check::context::Context;
use crate::check::refs::{classify, spec_refs, Ref};
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use std::collections::HashSet;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF018",
    severity: Severity::Warning,
    title: "unused-param",
    what: "A param is declared but no title, message, input, target, timezone or hook file \
           (`ctx.params.NAME`) uses it.",
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
        // `ios.platform`: an included template's param, bound by the include (its own file's
        // check reports it when that template does not use it).
        if used.contains(param.name.as_str())
            || param.name.contains('.')
            || read_by_hooks(cx, &param.name)
        {
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

/// Hooks read params from their context (`ctx.params.NAME` or `ctx.params["NAME"]`).
fn read_by_hooks(cx: &Context, name: &str) -> bool {
    let dotted = format!("params.{name}");
    let indexed = format!("params[\"{name}\"]");
    cx.spec.hooks.iter().any(|hook| {
        hook.source.match_indices(&dotted).any(|(i, m)| {
            !hook.source[i + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        }) || hook.source.contains(&indexed)
    })
}
