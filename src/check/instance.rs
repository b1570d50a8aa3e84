//! The instance tier and the other modules' checks: binding params and the release, the schedule
//! lints over the resolved plan of the bound spec, and the hook files' own diagnostics.

use crate::compile::{self, Inputs, SourceMap};
use crate::diagnostic::Diagnostic;
use crate::hooks;
use crate::schedule;
use crate::spec::WorkflowSpec;
use std::collections::BTreeMap;

/// What the instance tier found.
pub(crate) struct Instance {
    pub diagnostics: Vec<Diagnostic>,
    /// True when a plan was resolved, so the schedule lints ran on real instants.
    pub resolved: bool,
}

/// Binds `inputs` (the bind diagnostics are the findings when it fails), resolves the schedule and runs
/// `schedule::lint` on the plan (DST adjustments, due before a dependency, pre-release after release,
/// past the horizon); resolver errors are findings too.
pub(crate) fn check_instance(
    file: &str,
    spec: &WorkflowSpec,
    map: &SourceMap,
    inputs: &Inputs,
) -> Instance {
    let unresolved = |diagnostics| Instance {
        diagnostics: in_file(file, diagnostics),
        resolved: false,
    };
    let bound = match compile::bind(spec, inputs) {
        Ok(bound) => bound,
        Err(diagnostics) => return unresolved(diagnostics),
    };
    let target = match schedule::target_of(&bound) {
        Ok(target) => target,
        Err(diagnostics) => return unresolved(diagnostics),
    };
    let map = &compile::source_for(map, spec, &bound);
    match schedule::resolve_located(&bound, &target, &BTreeMap::new(), map) {
        Ok(plan) => Instance {
            diagnostics: in_file(file, schedule::lint(&bound, &plan, map)),
            resolved: true,
        },
        Err(diagnostics) => unresolved(diagnostics),
    }
}

/// Diagnostics inside the template's `.rhai` hook files (and hook bindings, located at the task).
pub(crate) fn hook_diagnostics(spec: &WorkflowSpec, map: &SourceMap) -> Vec<Diagnostic> {
    if spec.hooks.is_empty() && spec.tasks.iter().all(|t| t.hooks.is_empty()) {
        return Vec::new();
    }
    hooks::check_spec_mapped(spec, map)
}

/// Diagnostics without a file are about this one.
fn in_file(file: &str, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .map(|mut d| {
            d.file.get_or_insert_with(|| file.to_string());
            d
        })
        .collect()
}
