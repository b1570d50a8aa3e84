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
use super::host::HookHost;
use super::sandbox::{self, DeadlineGuard, Limits};
use crate::diagnostic::Diagnostic;
use crate::spec::{HookPoint, WorkflowSpec};
use rhai::{CallFnOptions, Dynamic, Engine, EvalAltResult, Scope, AST};
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
            Ok(value) => convert::to_json(&value).map_err(|e| format!("returned a bad value: {e}")),
            Err(err) => Err(self.describe(*err)),
        }
    }

    /// `failed at 3:7: ...` in words a policy author can act on.
    fn describe(&self, err: EvalAltResult) -> String {
        let wall_clock = sandbox::is_wall_clock(&err);
        let mut inner = innermost(err);
        let pos = inner.take_position();
        let at = match pos.line() {
            Some(line) => format!(" at {line}:{}", pos.position().unwrap_or(1)),
            None => String::new(),
        };
        let l = &self.limits;
        let what = match &inner {
            _ if wall_clock => format!(
                "ran longer than its {} ms time budget and was stopped",
                l.wall_clock.as_millis()
            ),
            EvalAltResult::ErrorTooManyOperations(_) => format!(
                "ran more than {} operations and was stopped (an endless loop?)",
                l.max_operations
            ),
            EvalAltResult::ErrorStackOverflow(_) => format!(
                "nested calls deeper than {} and was stopped (endless recursion?)",
                l.max_call_levels
            ),
            EvalAltResult::ErrorDataTooLarge(what, _) => format!(
                "built a value over the limit: {} (strings {} bytes, arrays {} items, maps {} entries)",
                what.to_lowercase(),
                l.max_string_size,
                l.max_array_size,
                l.max_map_size
            ),
            EvalAltResult::ErrorFunctionNotFound(sig, _) => format!(
                "called `{sig}`, which does not exist in the hook sandbox (no files, clock, network or processes)"
            ),
            EvalAltResult::ErrorTerminated(..) => "was stopped".to_string(),
            other => other.to_string().to_lowercase_first(),
        };
        format!("failed{at}: {what}")
    }
}

/// The error that caused a chain of `ErrorInFunctionCall`s, with the deepest known position.
fn innermost(err: EvalAltResult) -> EvalAltResult {
    match err {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, pos) => {
            let mut inner = innermost(*inner);
            if inner.position().is_none() && !pos.is_none() {
                inner.set_position(pos);
            }
            inner
        }
        other => other,
    }
}

trait LowercaseFirst {
    fn to_lowercase_first(self) -> String;
}

impl LowercaseFirst for String {
    fn to_lowercase_first(self) -> String {
        let mut chars = self.chars();
        match chars.next() {
            Some(c) => c.to_lowercase().chain(chars).collect(),
            None => self,
        }
    }
}

impl HookHost for Runtime {
    fn call(&self, point: HookPoint, function: &str, context: &Value) -> Result<Value, String> {
        self.call_hook(point, function, context)
    }
}
