//! Lints over a compiled template: one lint per file, stable codes, documented.
//!
//! Two tiers. Template-valid (always): syntax and compile diagnostics, then every lint in `lints/`
//! over the compiled spec and its source map. Instance-valid (when `CheckOptions.inputs` gives params
//! or a release): `compile::bind`, then the schedule lints on the bound spec. Inline suppressions
//! (`suppress.rs`) apply last. Pure: files come through the `ModuleLoader`.

mod against_config;
mod context;
mod explain;
mod graph;
mod instance;
pub(crate) mod lints;
pub(crate) mod refs;
mod suppress;
mod timing;
mod validate;

pub use against_config::check_against_config;
pub use explain::{all_codes, lookup};
pub use validate::{one_line, spec_errors};

use crate::compile::{self, Compiled, Inputs, ModuleLoader, SourceMap};
use crate::diagnostic::{CodeDoc, Diagnostic};
use crate::spec::WorkflowSpec;
use context::Context;
use lints::*;

#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// With params/release given, instance-level checks (binding, schedule lints) run too.
    pub inputs: Inputs,
    /// The people directory of the `rwf.toml` beside the template, when there is one: quorums over
    /// teams are counted against it (RWF022).
    pub directory: Option<crate::config::Directory>,
}

impl CheckOptions {
    /// True when the instance tier runs: some param, the release or its zone is given.
    pub fn is_instance(&self) -> bool {
        let i = &self.inputs;
        !i.sets.is_empty() || i.release.is_some() || i.tz.is_some()
    }
}

/// The codes this module emits (RWF010–049).
pub const CODES: &[CodeDoc] = &[
    suppress::MALFORMED,
    suppress::UNUSED,
    duplicate_task::DOC,
    unknown_dependency::DOC,
    unknown_anchor::DOC,
    self_dependency::DOC,
    dependency_cycle::DOC,
    anchor_cycle::DOC,
    unused_param::DOC,
    undefined_param::DOC,
    invalid_timezone::DOC,
    approval_without_approvers::DOC,
    invalid_quorum::DOC,
    anchored_before_dependency::DOC,
    offset_beyond_horizon::DOC,
    too_many_tasks::DOC,
    input_too_large::DOC,
    nesting_too_deep::DOC,
    output_not_upstream::DOC,
    not_author_of_unknown::DOC,
    approval_gates_nothing::DOC,
    wait_without_end::DOC,
    duplicate_dependency::DOC,
    output_of_unknown_task::DOC,
    relies_on_conditional::DOC,
    event_without_timeout::DOC,
    event_wait_shared::DOC,
    expansion_above_cap::DOC,
    item_not_key_safe::DOC,
    reaches_into_expansion::DOC,
    fanout_without_list::DOC,
    copy_of_run_time_expansion::DOC,
];

/// Template-tier timing lints that compare nominal offsets; superseded by the schedule lints once a
/// plan resolves.
const NOMINAL_TIMING: [&str; 2] = [
    anchored_before_dependency::DOC.code,
    offset_beyond_horizon::DOC.code,
];

/// Lint codes whose finding the compiler may already report with its own code, at the same place.
/// The compiler's diagnostic wins (it is what `rwf compile` shows too); the lint still serves specs that
/// did not come through the compiler (`lint_spec`).
const SUPERSEDED_BY: &[(&str, &str)] = &[
    (invalid_timezone::DOC.code, "RWF056"),
    (invalid_quorum::DOC.code, "RWF059"),
    (wait_without_end::DOC.code, "RWF059"),
];

fn superseded(lint: &Diagnostic, earlier: &[Diagnostic]) -> bool {
    let overlaps = |a: &std::ops::Range<usize>, b: &std::ops::Range<usize>| {
        a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1)
    };
    SUPERSEDED_BY
        .iter()
        .filter(|(code, _)| *code == lint.code)
        .any(|(_, by)| {
            earlier.iter().any(|d| {
                d.code == *by
                    && d.file == lint.file
                    && match (&d.span, &lint.span) {
                        (Some(a), Some(b)) => overlaps(a, b),
                        _ => false,
                    }
            })
        })
}

/// Everything `rwf check` reports for one file: syntax, compile, lints, hooks, schedule. Sorted by position.
pub fn check_source(
    file: &str,
    text: &str,
    loader: &dyn ModuleLoader,
    options: &CheckOptions,
) -> Vec<Diagnostic> {
    let compiled = compile::compile_source(file, text, loader);
    check_compiled(file, text, compiled, options)
}

/// `check_source` after compiling: for callers that compiled already (the LSP, benchmarks).
pub fn check_compiled(
    file: &str,
    text: &str,
    compiled: Compiled,
    options: &CheckOptions,
) -> Vec<Diagnostic> {
    let Compiled {
        spec,
        source_map,
        mut diagnostics,
    } = compiled;
    if let Some(spec) = &spec {
        let lints = lint_spec(file, text, spec, &source_map);
        let lints = lints
            .into_iter()
            .filter(|d| !superseded(d, &diagnostics))
            .collect::<Vec<_>>();
        diagnostics.extend(lints);
        if let Some(directory) = &options.directory {
            let cx = Context::new(file, text, spec, &source_map);
            invalid_quorum::run_with_directory(&cx, directory, &mut diagnostics);
        }
        diagnostics.extend(instance::hook_diagnostics(spec, &source_map));
        if options.is_instance() && !crate::diagnostic::has_errors(&diagnostics) {
            let instance = instance::check_instance(file, spec, &source_map, &options.inputs);
            if instance.resolved {
                // The schedule lints measured the real plan: they replace the nominal estimates.
                diagnostics.retain(|d| !NOMINAL_TIMING.contains(&d.code));
            }
            diagnostics.extend(instance.diagnostics);
        }
    }
    let suppressions = suppress::gather(&source_map.suppressions, text);
    let mut diagnostics = suppress::apply(file, text, &suppressions, diagnostics, |code| {
        lookup(code).is_some()
    });
    sort(&mut diagnostics);
    diagnostics
}

/// `diagnostics` without the warnings an inline `// rwf-ignore CODE: reason` silences (for `rwf plan`,
/// which reports the schedule lints but not the comments' own findings).
pub fn without_suppressed(
    file: &str,
    text: &str,
    source_map: &compile::SourceMap,
    diagnostics: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let suppressions = suppress::gather(&source_map.suppressions, text);
    suppress::apply(file, text, &suppressions, diagnostics, |code| {
        lookup(code).is_some()
    })
    .into_iter()
    .filter(|d| d.code != suppress::MALFORMED.code && d.code != suppress::UNUSED.code)
    .collect()
}

/// The template-tier lints alone, over a compiled spec (no syntax/compile diagnostics, no suppression).
pub fn lint_spec(
    file: &str,
    text: &str,
    spec: &WorkflowSpec,
    source_map: &SourceMap,
) -> Vec<Diagnostic> {
    let cx = Context::new(file, text, spec, source_map);
    let mut out = Vec::new();
    for lint in ALL {
        let before = out.len();
        (lint.run)(&cx, &mut out);
        debug_assert!(
            out[before..].iter().all(|d| d.code == lint.doc.code),
            "a lint reports only its own code ({})",
            lint.doc.code
        );
    }
    out
}

/// By file (none first), then position, then code.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    fn key(d: &Diagnostic) -> (Option<&str>, Option<(usize, usize)>, &'static str) {
        (
            d.file.as_deref(),
            d.span.as_ref().map(|s| (s.start, s.end)),
            d.code,
        )
    }
    diagnostics.sort_by(|a, b| key(a).cmp(&key(b)));
}

#[cfg(test)]
mod tests;
