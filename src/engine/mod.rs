//! The decision core: `reconcile(snapshot, now, hooks)` → a `Decision` (actions, next wake, gate
//! ledger). Pure: no IO, no clock. The store persists `model` types and applies `Action`s under its
//! per-workflow lock; the simulator drives the same core over a virtual clock.
//!
//! Files: `model` (snapshot, task and approval state), `status` (the three state machines), `action`
//! (decided changes, gate rows), `reconcile` (gates, missed windows, skips, approval clocks, roll-up),
//! `agenda` (which tasks a reconcile pass must look at: dirty set, dependents, wake heap),
//! `outcome` (agent results, retries with deterministic backoff, dead-letter), `human` (approve/reject,
//! done, missed-window decisions, lifecycle), `edit` (approvals reopened when their content changed),
//! `actor` (human actors, the directory, refusals), `hook` (the hook host contract), `render` (agent
//! input and `${...}` strings), `clock` (span arithmetic in a zone and calendar), `apply` (actions on an
//! in-memory snapshot, with CAS and state-machine checks), `simulator` (a release on a virtual clock),
//! `edit_expansions` (an edit keeps the copies of a block the workflow has already expanded).
//!
//! Who calls what:
//! - worker: `reconcile` → persist actions (`apply` semantics) → perform `Dispatch`/`Notify` after
//!   commit → `outcome::settle(snapshot, task, attempt, outcome)` when an executor reports (a late or
//!   duplicate outcome is `Stale` and dropped) → sleep until `next_wake` or a NOTIFY.
//! - CLI (through the store): `human::decide` (approve/reject), `human::complete` (`rwf done`),
//!   `human::resolve_missed`, `human::lifecycle` (start/pause/resume/cancel), `edit::revalidate_approvals`.
//!
//! Decisions worth knowing:
//! - A task starts when timing, dependency and approval gates pass (and its `gate` hook). An edge from an
//!   approval task is the approval gate: met only when granted. An edge that can never be met skips
//!   the task; skips propagate.
//! - Missed window: a task not started by its planned `due` (by `start + 1 h` when `due == start`,
//!   `reconcile::MISSED_GRACE_MINUTES`) gets `on_missed` once (or the `missed` hook's answer).
//! - Retries: agents only; attempts count across revisions (`attempt` only grows, so the idempotency
//!   key `{workflow}:{task}:{attempt}` is never reused); backoff in nominal seconds, jitter from
//!   sha256 of the key. Out of attempts → `on_failure` (block: failed; skip: skipped) and an event.
//! - Approvals: quorum counts distinct people; one vote per person per round; any rejection closes the
//!   round. `on_expire escalate` adds scopes and restarts the deadline once; after that (and under
//!   `remind`) the approval is marked overdue once and reminders go on. `on_reject needs_revision`
//!   sends the approval's succeeded upstream tasks back to pending (new attempts, a fresh retry
//!   budget: `TaskState::attempts_before`) and reopens a new round when they finish. Decisions are accepted while paused, not in draft or terminal workflows.
//! - Roll-up: all tasks terminal → completed, or failed when a required task failed (`block`).
//!   Cancel: pending and waiting work is cancelled; running agents by `on_cancel` (abort now, drain
//!   lets them finish: `Snapshot::draining`).
//! - A `gate` hook that says wait without `until_unix` is asked again after an hour.
//! - Event waits (`signal`): events are stored on receipt, idempotent by id, latched (one that arrives
//!   before its wait opens is taken when it opens), each taken by at most one wait; a wait takes the
//!   oldest matching event received by its deadline, else its `timeout ... then` applies.

pub mod action;
pub mod actor;
mod agenda;
pub mod apply;
pub mod clock;
pub mod edit;
pub mod edit_expansions;
pub mod edit_plan;
pub mod hook;
pub mod human;
pub mod model;
pub mod outcome;
pub mod reconcile;
pub mod recover;
pub mod render;
pub mod signal;
pub mod simulator;
pub mod status;

pub use action::{Action, Decision, GateKind, GateRow, GateState, NotifyKind};
pub use actor::{HumanActor, Membership, Refusal, StaticDirectory};
pub use hook::{HookHost, NoHooks};
pub use human::{complete, decide, lifecycle, resolve_missed, Lifecycle};
pub use model::{
    ApprovalState, ApprovalStatus, ExternalEvent, Planned, Snapshot, TaskState, TaskStatus,
    Verdict, Vote, WorkflowId, WorkflowStatus,
};
pub use outcome::{settle, Stale};
pub use reconcile::reconcile;
pub use status::{approval_transition, task_transition, workflow_transition, IllegalTransition};
