//! Hooks for the worker: each workflow's spec embeds its rhai files; a compiled runtime is cached per set
//! of file hashes and handed to the engine as its `HookHost`.

use crate::engine::HookHost;
use crate::spec::{HookPoint, WorkflowSpec};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Gives the engine a hook host for a workflow's spec.
pub trait HookProvider: Send + Sync {
    fn host_for(&self, spec: &WorkflowSpec) -> Arc<dyn HookHost + Send + Sync>;
}

/// No hooks at all: any bound hook fails its task with a clear message.
impl HookProvider for crate::engine::NoHooks {
    fn host_for(&self, _spec: &WorkflowSpec) -> Arc<dyn HookHost + Send + Sync> {
        Arc::new(crate::engine::NoHooks)
    }
}

/// The rhai runtime of `hooks`, compiled once per distinct set of hook files.
#[derive(Default)]
pub struct RhaiHooks {
    cache: Mutex<HashMap<String, Arc<dyn HookHost + Send + Sync>>>,
}

struct Rhai(crate::hooks::Runtime);

impl HookHost for Rhai {
    fn call(&self, point: HookPoint, function: &str, context: &Value) -> Result<Value, String> {
        self.0.call_hook(point, function, context)
    }
}

/// Hook files that do not compile: every call fails with the reason (the task's failure policy applies).
struct Broken(String);

impl HookHost for Broken {
    fn call(&self, _point: HookPoint, function: &str, _context: &Value) -> Result<Value, String> {
        Err(format!("cannot run `{function}`: {}", self.0))
    }
}

impl HookProvider for RhaiHooks {
    fn host_for(&self, spec: &WorkflowSpec) -> Arc<dyn HookHost + Send + Sync> {
        if spec.hooks.is_empty() {
            return Arc::new(crate::engine::NoHooks);
        }
        let key: String = spec
            .hooks
            .iter()
            .map(|h| h.sha256.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(host) = cache.get(&key) {
            return host.clone();
        }
        let host: Arc<dyn HookHost + Send + Sync> = match crate::hooks::Runtime::new(spec) {
            Ok(runtime) => Arc::new(Rhai(runtime)),
            Err(diags) => Arc::new(Broken(
                diags
                    .iter()
                    .map(|d| format!("{} {}", d.code, d.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
        };
        cache.insert(key, host.clone());
        host
    }
}
