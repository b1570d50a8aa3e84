//! `HookHost`: how the engine asks for a hook decision. Defined here until the engine branch has it;
//! the signature is the one agreed with the engine (`crate::engine::HookHost`).

use crate::spec::HookPoint;
use serde_json::Value;

/// Calls one hook function with a read-only JSON context and returns its validated, canonical result.
/// `Err` is a clear message naming the function and point; the engine turns it into a task failure.
pub trait HookHost {
    fn call(&self, point: HookPoint, function: &str, context: &Value) -> Result<Value, String>;
}
