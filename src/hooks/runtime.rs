//! `Runtime`: a spec's hook files compiled once, called by the engine through `HookHost`.
//!
//! A call converts the JSON context to rhai, runs the bound function in the sandbox under its limits
//! and wall-clock budget, converts the result back and validates it against the point's contract.
//! Every failure (a limit, a script error, a wrong shape, even a panic) is an `Err` naming the
//! function, the point and, when known, the file and line:col.

use super::cache;
use super::check;
use super::contract;
use super::convert;
use super::sandbox::{self, DeadlineGuard, Limits};
use crate::diagnostic::Diagnostic;
use crate::engine::HookHost;
use crate::spec::{HookPoint, WorkflowSpec};
use rhai::{CallFnOptions, Dynamic, Engine, Scope, AST};
use serde_json::Value;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

struct LoadedFile {
    path: String,
    ast: Arc<AST>,
}

pub struct Runtime {
    engine: Engine,
    limits: Limits,
    files: Vec<LoadedFile>,
    /// Function name (taking `ctx`) → index into `files`.
    functions: HashMap<String, usize>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field(
                "files",
                &self.files.iter().map(|l| &l.path).collect::<Vec<_>>(),
            )
            .field("limits", &self.limits)
            .finish()
    }
}

impl Runtime {
    /// Compiles every hook file of `spec` with the default limits. Errors are the same diagnostics
    /// `check_spec` reports (only the errors; warnings do not stop a runtime).
    pub fn new(spec: &WorkflowSpec) -> Result<Runtime, Vec<Diagnostic>> {
        Runtime::with_limits(spec, Limits::default())
    }

    pub fn with_limits(spec: &WorkflowSpec, limits: Limits) -> Result<Runtime, Vec<Diagnostic>> {
        let engine = sandbox::engine(&limits);
        let errors: Vec<Diagnostic> = check::check_with(spec, &engine, &limits)
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut files = Vec::with_capacity(spec.hooks.len());
        let mut functions = HashMap::new();
        for (index, file) in spec.hooks.iter().enumerate() {
            // Compiled (and verified) by the check above: this is a cache hit.
            let ast = cache::compile(&engine, &limits, &file.path, &file.source)
                .map_err(|e| vec![check::syntax_diagnostic(&file.path, &file.source, &e)])?;
            for f in ast.iter_functions() {
                if f.params.len() == contract::ARITY {
                    functions.entry(f.name.to_string()).or_insert(index);
                }
            }
            files.push(LoadedFile {
                path: file.path.clone(),
                ast,
            });
        }
        Ok(Runtime {
            engine,
            limits,
            files,
            functions,
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// True when a hook function of this name (taking `ctx`) exists.
    pub fn has_function(&self, function: &str) -> bool {
        self.functions.contains_key(function)
    }

    /// Runs `function` for `point` with `context`; the result is validated and canonical
    /// (see `contract`). Same inputs, same output: nothing but `context` reaches the script.
    pub fn call_hook(
        &self,
        point: HookPoint,
        function: &str,
        context: &Value,
    ) -> Result<Value, String> {
        let who = format!("{} hook `{function}`", point.as_str());
        let Some(&index) = self.functions.get(function) else {
            return Err(format!(
                "{who} is not defined: no hook file has `fn {function}(ctx)`"
            ));
        };
        let file = &self.files[index];
        let raw = catch_unwind(AssertUnwindSafe(|| self.run(file, function, context)))
            .unwrap_or_else(|_| Err(format!("{who} crashed the hook runtime (a bug in rwf)")))
            .map_err(|e| format!("{who} in {} {e}", file.path))?;
        contract::validate(point, raw).map_err(|e| format!("{who} in {} {e}", file.path))
    }

    fn run(&self, file: &LoadedFile, function: &str, context: &Value) -> Result<Value, String> {
        let arg = convert::to_dynamic(context);
        let mut scope = Scope::new();
        let options = CallFnOptions::new().eval_ast(true).rewind_scope(true);
        let result = {
            let _deadline = DeadlineGuard::start(self.limits.wall_clock);
            self.engine.call_fn_with_options::<Dynamic>(
                options,
                &mut scope,
                &file.ast,
                function,
                (arg,),
            )
        };
        match result {
            Ok(value) => {
                let sizes = convert::Sizes {
                    string: self.limits.max_string_size,
                    array: self.limits.max_array_size,
                    map: self.limits.max_map_size,
                };
                convert::to_json_within(&value, &sizes)
                    .map_err(|e| format!("returned a value it may not: {e}"))
            }
            Err(err) => Err(sandbox::describe(*err, &self.limits)),
        }
    }
}

impl HookHost for Runtime {
    fn call(&self, point: HookPoint, function: &str, context: &Value) -> Result<Value, String> {
        self.call_hook(point, function, context)
    }
}
