//! The instance tier and the other modules' checks: binding params and the release, the schedule
//! lints over the bound spec, and the hook files' own diagnostics.

use crate::compile::{self, Inputs};
use crate::diagnostic::Diagnostic;
use crate::schedule;
use crate::spec::WorkflowSpec;
use std::collections::BTreeMap;

/// Binds `inputs` (the bind diagnostics are the findings when it fails), then resolves the schedule:
/// resolver errors and its warnings (DST adjustments, calendar coverage, ...) are findings too.
pub(crate) fn check_instance(file: &str, spec: &WorkflowSpec, inputs: &Inputs) -> Vec<Diagnostic> {
    let bound = match compile::bind(spec, inputs) {
        Ok(bound) => bound,
        Err(diagnostics) => return in_file(file, diagnostics),
    };
    in_file(file, schedule_lints(&bound))
}

/// Integration point with `schedule`: every finding about a bound spec's resolved plan.
fn schedule_lints(bound: &WorkflowSpec) -> Vec<Diagnostic> {
    let target = match schedule::target_of(bound) {
        Ok(target) => target,
        Err(diagnostics) => return diagnostics,
    };
    match schedule::resolve(bound, &target, &BTreeMap::new()) {
        Ok(plan) => plan.warnings,
        Err(diagnostics) => diagnostics,
    }
}

/// Integration point with `hooks`: diagnostics inside the template's `.rhai` files. Calls
/// `crate::hooks::check_spec` once the hooks module provides it; until then there is nothing to add.
pub(crate) fn hook_diagnostics(spec: &WorkflowSpec) -> Vec<Diagnostic> {
    let _ = spec;
    Vec::new()
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
