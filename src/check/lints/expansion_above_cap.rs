//! RWF035: a `for each` whose list param's default has more items than an expansion may make copies.

use crate::check::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::EXPANSION_CAP;

pub(crate) const DOC: CodeDoc = CodeDoc {
    code: "RWF035",
    severity: Severity::Error,
    title: "expansion-above-cap",
    what: "A `for each` runs over a list param whose default holds more than 500 items.",
    why:
        "An expansion makes at most 500 copies of its tasks; binding the default would be refused \
          (RWF145), so every workflow would need the list overridden.",
    example: "param shards: list<number> = [1, 2, 3, /* ... 501 items */]\n\
              for each shard in shards { manual migrate \"Migrate ${shard}\" {} }",
};

pub(crate) fn run(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (var, param, items, span) in cx.for_each_defaults() {
        if items.len() <= EXPANSION_CAP {
            continue;
        }
        out.push(
            cx.diag(
                &DOC,
                span,
                format!(
                    "`for each {var} in {param}`: the default of `{param}` has {} items, more than {EXPANSION_CAP}",
                    items.len()
                ),
            )
            .with_label("expanded once per item")
            .help(format!("shorten the default of `{param}`, or split the work across templates")),
        );
    }
}
