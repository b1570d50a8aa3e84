//! rhai hooks: custom policy at fixed points, sandboxed and deterministic (`now` is passed in).
//!
//! A template names hook files (`hooks "policy.rhai"`) and binds points to functions (`hook gate fn`);
//! the spec embeds each file's source and sha256. `check_spec` finds every problem before a release
//! runs; `Runtime` compiles the files once (ASTs cached by content hash) and answers the engine's
//! `HookHost::call` with a validated, canonical result. Hooks never decide an approval.
//!
//! Files: `sandbox` (engine, packages, limits, wall-clock abort), `contract` (per-point result shapes),
//! `context` (the `ctx` map), `convert` (JSON ↔ rhai), `check` (diagnostics), `codes` (RWF090–099),
//! `position` (rhai positions → byte spans), `cache` (compiled ASTs), `runtime` (implements
//! `engine::HookHost`).

mod cache;
mod check;
mod codes;
pub mod context;
pub mod contract;
mod convert;
mod position;
mod runtime;
mod sandbox;

/// The engine's hook host trait, implemented by `Runtime`.
pub use crate::engine::HookHost;
pub use cache::sha256_hex;
pub use check::{check_spec, check_spec_mapped, parse_point, suggest};
pub use codes::CODES;
pub use context::{build as build_context, ContextInput};
pub use convert::{to_dynamic, to_json};
pub use position::span_of;
pub use runtime::Runtime;
pub use sandbox::{Limits, DISABLED_SYMBOLS};
