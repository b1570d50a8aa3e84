//! The decision core: `reconcile(snapshot, now, hooks)` → a `Decision` (actions, next wake, gate
//! ledger). Pure: no IO, no clock. The store persists `model` types and applies `Action`s; the
//! simulator drives the same core over a virtual clock.
//!
//! Files: `model` (snapshot, task and approval state), `status` (the state machines), `action`
//! (decided changes, gate rows), `reconcile` (gates, missed windows, skips, roll-up), `outcome`
//! (agent results, retries with deterministic backoff), `human` (approve/reject, done, missed-window
//! decisions, lifecycle), `actor` (human actors, directory), `hook` (the hook host contract),
//! `render` (agent input and `${...}` strings), `clock` (span arithmetic in a timezone and calendar),
//! `apply` (actions applied to an in-memory snapshot), `simulator` (a whole release on a virtual clock).

pub mod action;
pub mod actor;
pub mod apply;
pub mod clock;
pub mod edit;
pub mod hook;
pub mod human;
pub mod model;
pub mod outcome;
pub mod reconcile;
pub mod render;
pub mod simulator;
pub mod status;

pub use action::{Action, Decision, GateKind, GateRow, GateState, NotifyKind};
pub use actor::{HumanActor, Membership, Refusal, StaticDirectory};
pub use hook::{HookHost, NoHooks};
pub use human::{complete, decide, lifecycle, resolve_missed, Lifecycle};
pub use model::{
    ApprovalState, ApprovalStatus, Planned, Snapshot, TaskState, TaskStatus, Verdict, Vote,
    WorkflowId, WorkflowStatus,
};
pub use outcome::{settle, Stale};
pub use reconcile::reconcile;
pub use status::{approval_transition, task_transition, workflow_transition, IllegalTransition};
