//! The template-tier lints as a gate: every path that stores a spec (new, start, edit, task/dep edits,
//! templates push) refuses one with an error-level finding, so a spec that `rwf check` rejects never
//! reaches the engine (where a cycle or an unknown dependency would wait forever).

use crate::compile::SourceMap;
use crate::diagnostic::{Diagnostic, Severity};
use crate::spec::WorkflowSpec;

/// The error-level findings of `rwf check` on a spec that has no source text (a stored version, or one
/// built by a narrow edit): duplicate keys, unknown or self dependencies, cycles, and the other lints.
/// Diagnostics carry no span; their file is `key@version`.
pub fn spec_errors(spec: &WorkflowSpec) -> Vec<Diagnostic> {
    let file = format!("{}@{}", spec.key, spec.version);
    let mut errors: Vec<Diagnostic> = super::lint_spec(&file, "", spec, &SourceMap::default())
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    super::sort(&mut errors);
    errors
}

/// One line per finding: `RWF016 dependency cycle: a → b → a`.
pub fn one_line(errors: &[Diagnostic]) -> Vec<String> {
    errors
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{compile_source, MemLoader};

    fn spec(src: &str) -> WorkflowSpec {
        compile_source("t.rwf", src, &MemLoader::default())
            .spec
            .expect("the template compiles")
    }

    #[test]
    fn a_cycle_a_self_dependency_and_an_unknown_dependency_are_errors() {
        let s = spec(
            "template t \"T\" version 1 {\n  param release: datetime\n  target release in \"UTC\"\n\
             manual a \"A\" { at release after b }\n  manual b \"B\" { at release after a }\n\
             manual c \"C\" { at release after c }\n  manual d \"D\" { at release after nope }\n}\n",
        );
        let codes: Vec<&str> = spec_errors(&s).iter().map(|d| d.code).collect();
        for code in ["RWF013", "RWF015", "RWF016"] {
            assert!(codes.contains(&code), "{code} in {codes:?}");
        }
        assert!(one_line(&spec_errors(&s))
            .iter()
            .any(|l| l.contains("a → b → a") || l.contains("b → a → b")));
    }

    #[test]
    fn a_valid_spec_has_no_errors() {
        let s = spec(
            "template t \"T\" version 1 {\n  param release: datetime\n  target release in \"UTC\"\n\
             manual a \"A\" { at release }\n  manual b \"B\" { at release after a }\n}\n",
        );
        assert_eq!(spec_errors(&s), Vec::new());
    }
}
