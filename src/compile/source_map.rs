//! Where each part of a compiled spec came from, so lints and the schedule explainer can point at source.

use std::collections::BTreeMap;
use std::ops::Range;

#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    /// The file as the user named it.
    pub file: String,
    /// The `template KEY "Name" version N` header.
    pub template: Range<usize>,
    /// The `target ...` line.
    pub target: Option<Range<usize>>,
    /// Parallel to `spec.params`: each declaration's name.
    pub params: Vec<Range<usize>>,
    /// Parallel to `spec.tasks` (duplicates kept, in source order).
    pub tasks: Vec<TaskSource>,
    /// Every use of a bare name that should be a param (`${x}`, an input value `x`, the target, a tz).
    pub param_refs: Vec<NameRef>,
    /// `// rwf-ignore CODE: reason` comments.
    pub suppressions: Vec<Suppression>,
}

#[derive(Debug, Clone, Default)]
pub struct TaskSource {
    /// The task key after the step keyword.
    pub key: Range<usize>,
    /// The whole task, keyword to closing brace.
    pub whole: Range<usize>,
    /// The whole `at ...` expression.
    pub schedule: Option<Range<usize>>,
    /// The anchor inside the schedule (`release`, `kickoff.end`).
    pub anchor: Option<Range<usize>>,
    /// Parallel to `spec.tasks[i].depends_on`: each upstream name in `after`.
    pub deps: Vec<Range<usize>>,
    /// Any other field by its keyword (`approvers`, `quorum`, `input`, `window`, `deadline`, ...).
    pub fields: BTreeMap<&'static str, Range<usize>>,
    /// The name the enclosing `for each` or `repeat` binds (`locale`, `n`), not a param.
    pub bound: Option<String>,
    /// For a task of an included template: `include app_store as ios` (its spans are the include's).
    pub include: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRef {
    pub name: String,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// e.g. `RWF012`.
    pub code: String,
    /// `None` when the comment gives no reason (itself a diagnostic).
    pub reason: Option<String>,
    /// 1-based line the comment is on; it applies to diagnostics on this line and the next.
    pub line: usize,
    pub span: Range<usize>,
}
