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
    /// Wall-clock time one call may take; only ever used to abort it.
    pub wall_clock: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 200_000,
            max_call_levels: 24,
            max_expr_depth: 64,
            max_function_expr_depth: 32,
            max_string_size: 64 * 1024,
            max_array_size: 4_096,
            max_map_size: 1_024,
            max_variables: 256,
            max_functions: 256,
            wall_clock: Duration::from_millis(250),
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
