//! The sandboxed rhai engine: only pure packages, hard limits, and a wall-clock budget that can only abort.
//!
//! Invariants: no file, network, process, time or randomness function is registered (the packages below
//! have none: `LanguageCorePackage` with `sleep`/`exit` and `BasicTimePackage` are left out on purpose);
//! `eval` and `import` are disabled symbols, there is no module resolver, and `print`/`debug` have no
//! handler so their output goes nowhere. The clock is read only inside `on_progress`, to stop a call
//! that runs past its budget; it never reaches a script.

use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicIteratorPackage, BasicMapPackage, BasicMathPackage,
    BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{Dynamic, Engine, EvalAltResult, Module};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Symbols a hook may not use. `eval` would run text built at run time; `import` would load modules.
pub const DISABLED_SYMBOLS: &[&str] = &["eval", "import"];

/// What the wall-clock abort says; `Runtime` recognises it to phrase the error.
pub(crate) const WALL_CLOCK_TOKEN: &str = "rwf: hook wall-clock budget exceeded";

/// Limits on one hook call. Every limit that is hit ends the call with an error, never a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// rhai operations per call (a loop iteration, a call, an expression step each count).
    pub max_operations: u64,
    /// Nested function calls (recursion depth).
    pub max_call_levels: usize,
    /// Expression nesting at top level and inside functions (checked when compiling).
    pub max_expr_depth: usize,
    pub max_function_expr_depth: usize,
    /// Bytes in one string.
    pub max_string_size: usize,
    /// Items in one array.
    pub max_array_size: usize,
    /// Entries in one object map.
    pub max_map_size: usize,
    /// Variables alive at once.
    pub max_variables: usize,
    /// Functions defined in one hook file.
    pub max_functions: usize,
    /// Wall-clock time one call may take; only ever used to abort it. A backstop for a single slow
    /// operation, set far above what `max_operations` take even on a loaded machine, so that a
    /// runaway loop is stopped (and described) by the operation count, the same on every machine.
    pub wall_clock: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 200_000,
            max_call_levels: 24,
            max_expr_depth: 64,
            max_function_expr_depth: 32,
            max_string_size: 256 * 1024,
            max_array_size: 4_096,
            max_map_size: 1_024,
            max_variables: 256,
            max_functions: 256,
            wall_clock: Duration::from_secs(5),
        }
    }
}

thread_local! {
    /// Deadline of the hook call running on this thread, if any.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Sets this thread's deadline for the duration of one call; restores the previous one on drop.
pub(crate) struct DeadlineGuard {
    previous: Option<Instant>,
}

impl DeadlineGuard {
    pub(crate) fn start(budget: Duration) -> DeadlineGuard {
        let deadline = Instant::now().checked_add(budget);
        let previous = DEADLINE.with(|d| d.replace(deadline));
        DeadlineGuard { previous }
    }
}

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(self.previous));
    }
}

/// Operations between two looks at the clock (a look costs ~20 ns; an operation a few).
const CLOCK_EVERY: u64 = 512;

fn packages() -> &'static [Arc<Module>] {
    static PACKAGES: OnceLock<Vec<Arc<Module>>> = OnceLock::new();
    PACKAGES.get_or_init(|| {
        vec![
            ArithmeticPackage::new().as_shared_module(),
            LogicPackage::new().as_shared_module(),
            BasicStringPackage::new().as_shared_module(),
            MoreStringPackage::new().as_shared_module(),
            BasicArrayPackage::new().as_shared_module(),
            BasicMapPackage::new().as_shared_module(),
            BasicMathPackage::new().as_shared_module(),
            BasicIteratorPackage::new().as_shared_module(),
        ]
    })
}

/// A fresh sandboxed engine with these limits.
pub fn engine(limits: &Limits) -> Engine {
    let mut engine = Engine::new_raw();
    for package in packages() {
        engine.register_global_module(package.clone());
    }
    for symbol in DISABLED_SYMBOLS {
        engine.disable_symbol(*symbol);
    }
    engine
        .set_strict_variables(true)
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_levels)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_variables(limits.max_variables)
        .set_max_functions(limits.max_functions)
        .set_max_modules(0);
    engine.on_progress(|operations| {
        if operations % CLOCK_EVERY != 0 {
            return None;
        }
        let late = DEADLINE.with(|d| d.get().is_some_and(|deadline| Instant::now() >= deadline));
        late.then(|| Dynamic::from(WALL_CLOCK_TOKEN))
    });
    engine
}

/// True when the error is the wall-clock abort.
pub(crate) fn is_wall_clock(err: &EvalAltResult) -> bool {
    match err {
        EvalAltResult::ErrorTerminated(token, _) => {
            token.clone().into_immutable_string().ok().as_deref() == Some(WALL_CLOCK_TOKEN)
        }
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => is_wall_clock(inner),
        _ => false,
    }
}

/// `failed at 3:7: ...` (or `failed: ...` without a position) in words a policy author can act on.
pub(crate) fn describe(err: EvalAltResult, limits: &Limits) -> String {
    let wall_clock = is_wall_clock(&err);
    let mut inner = innermost(err);
    let pos = inner.take_position();
    let at = match pos.line() {
        Some(line) => format!(" at {line}:{}", pos.position().unwrap_or(1)),
        None => String::new(),
    };
    let l = limits;
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
        other => lowercase_first(&other.to_string()),
    };
    format!("failed{at}: {what}")
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

pub(crate) fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
