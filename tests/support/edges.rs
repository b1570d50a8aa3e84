//! A bound spec's task keys and the edges each task waits for, as plain strings for assertions.

#![allow(dead_code)]

use rwf::spec::WorkflowSpec;

/// The task keys, in order.
pub fn keys(spec: &WorkflowSpec) -> Vec<&str> {
    spec.tasks.iter().map(|t| t.key.as_str()).collect()
}

/// The keys `key` waits for, in order.
pub fn deps<'a>(spec: &'a WorkflowSpec, key: &str) -> Vec<&'a str> {
    spec.task(key)
        .unwrap_or_else(|| panic!("no task {key}"))
        .depends_on
        .iter()
        .map(|d| d.task.as_str())
        .collect()
}
