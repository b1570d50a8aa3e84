//! rwf: release workflows as code.
//!
//! ```text
//!  .rwf text ──syntax::parse──▶ ast (spans) ──check──▶ diagnostics
//!                                   │
//!                          compile (+ stdlib, params)
//!                                   ▼
//!                      spec::WorkflowSpec (canonical JSON, sha256)   ◀── the only serde boundary
//!                                   │
//!                      schedule::resolve (tz, calendars)
//!                                   ▼
//!                resolved plan ──▶ rwf plan / explain / Gantt / ICS
//!                                   │
//!               engine::reconcile(snapshot, now) -> decisions   (pure, no IO)
//!                                   │
//!       store (Postgres via sqlx)   exec (command, http, sinks)   hooks (rhai)
//! ```
//!
//! Invariants: the core (`syntax`, `check`, `compile`, `schedule`, `engine`, `hooks`) does no IO and
//! reads no clock; only `spec` types are serialised; Postgres is the single source of truth for
//! running workflows; approvals are decided by humans only; only `cli` prints.

pub mod check;
pub mod cli;
pub mod compile;
pub mod config;
pub mod diagnostic;
pub mod engine;
pub mod exec;
pub mod hooks;
pub mod lsp;
pub mod mcp;
pub mod ops;
pub mod schedule;
pub mod server;
pub mod spec;
pub mod store;
pub mod syntax;
pub mod web;
