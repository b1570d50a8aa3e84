//! A whole release in memory on a virtual clock: `reconcile` driven from the first planned start to the
//! end, with scripted outcomes standing in for agents and people. Pure: the clock is virtual, the
//! store is the in-memory `apply`, and the result is a timeline to print.
//!
//! Script: agents succeed `AGENT_MINUTES` after dispatch with output
//! `{"url": "https://example.invalid/<task>", "summary": ...}` unless listed in `fail` (then every
//! attempt fails, retryable). Approvals listed in `approve` (default all) are decided by simulated
//! people `APPROVAL_MINUTES` after opening: the first round of a task in `reject` is rejected, every
//! other round gets a quorum of distinct approvers. Simulated people are `<team>-1`, `<team>-2`, ... for
//! a team scope and the named user for a user scope; whoever did a `not_author_of` task is passed
//! over. Manual tasks are done by their assignee when they open, with no answer. `outputs` replaces
//! the output of the agents and the answer of the manual tasks it names (what run-time `when`
//! conditions read). External events are sent at the
//! instants `signals` gives (by `simulator`), so event waits take them or time out as they would.
//!
//! The run ends when the workflow is terminal, when nothing is left to happen (stalled), or at the
//! horizon (`HORIZON_DAYS` after the last planned instant): an approval nobody decides under
//! `on_expire remind` is reminded until then.

use super::action::{scope_str, Action, NotifyKind};
use super::actor::{HumanActor, Membership};
use super::hook::HookHost;
use super::human::{complete, decide, lifecycle, Lifecycle};
use super::model::{Snapshot, TaskStatus, Verdict, WorkflowStatus};
use super::outcome::settle_at;
use super::reconcile::{fmt_local, Reconciler};
use crate::exec::AgentOutcome;
use crate::spec::{Scope, Step, TaskSpec};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const AGENT_MINUTES: i64 = 10;
pub const APPROVAL_MINUTES: i64 = 30;
pub const HORIZON_DAYS: i64 = 30;
const MAX_STEPS: usize = 200_000;

/// Which approvals the simulated people decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApproveSet {
    All,
    Only(BTreeSet<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub approve: ApproveSet,
    /// Approvals whose first round is rejected.
    pub reject: BTreeSet<String>,
    /// Agent tasks that fail every attempt.
    pub fail: BTreeSet<String>,
    /// External events sent at chosen instants (`rwf simulate --signal`).
    pub signals: Vec<ScriptedSignal>,
    /// Task → its output (an agent's) or answer (a manual task's), instead of the default.
    pub outputs: BTreeMap<String, serde_json::Value>,
}

/// One event the script sends: `name` with payload `data` at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedSignal {
    pub at: DateTime<Utc>,
    pub name: String,
    pub data: serde_json::Value,
}

impl Default for Script {
    fn default() -> Script {
        Script {
            approve: ApproveSet::All,
            reject: BTreeSet::new(),
            fail: BTreeSet::new(),
            signals: Vec::new(),
            outputs: BTreeMap::new(),
        }
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub at: DateTime<Utc>,
    /// `at` in the release zone: `2026-03-02 09:00 EST`.
    pub local: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    pub succeeded: usize,
    pub skipped: usize,
    pub failed: usize,
    pub cancelled: usize,
    pub unfinished: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub entries: Vec<Entry>,
    pub status: WorkflowStatus,
    pub counts: Counts,
    /// Why the run stopped before the workflow ended, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stalled: Option<String>,
    #[serde(skip)]
    pub actions: Vec<(DateTime<Utc>, Action)>,
    #[serde(skip)]
    pub snapshot: Option<Snapshot>,
}

impl Report {
    /// The one-line summary: `workflow completed: 12 succeeded, 1 skipped, 0 failed`.
    pub fn summary(&self) -> String {
        let c = self.counts;
        let mut s = match &self.stalled {
            Some(_) => format!("workflow {} (stalled)", self.status),
            None => format!("workflow {}", self.status),
        };
        s.push_str(&format!(
            ": {} succeeded, {} skipped, {} failed",
            c.succeeded, c.skipped, c.failed
        ));
        if c.cancelled > 0 {
            s.push_str(&format!(", {} cancelled", c.cancelled));
        }
        if c.unfinished > 0 {
            s.push_str(&format!(", {} unfinished", c.unfinished));
        }
        s
    }
}

/// Simulated people: `<team>-N` belongs to team `<team>` (and `<org>-N` to organization `<org>`).
pub struct SimDirectory;

impl Membership for SimDirectory {
    fn is_member(&self, person: &str, scope: &Scope) -> bool {
        let group = match scope {
            Scope::Team(t) | Scope::Organization(t) => t,
            Scope::User(u) => return u == person,
            Scope::Channel(_) => return false,
        };
        person
            .strip_prefix(group.as_str())
            .and_then(|r| r.strip_prefix('-'))
            .is_some_and(|n| n.parse::<u32>().is_ok())
    }
}

/// Simulated people per team or organisation: a quorum above what the scopes hold is never met (the
/// approval waits to the horizon, saying why), and a huge quorum costs no more than this.
pub const SIM_SCOPE_PEOPLE: u32 = 1_000;

/// Distinct simulated people in `scopes`, avoiding `exclude`, `count` of them if possible. Linear in
/// the answer: at most `SIM_SCOPE_PEOPLE` per scope.
fn people(scopes: &[Scope], count: usize, exclude: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for i in 1..=SIM_SCOPE_PEOPLE + 1 {
        for s in scopes {
            if out.len() >= count {
                return out;
            }
            let p = match s {
                Scope::User(u) if i == 1 => u.clone(),
                Scope::Team(t) | Scope::Organization(t) if i <= SIM_SCOPE_PEOPLE => {
                    format!("{t}-{i}")
                }
                _ => continue,
            };
            if Some(p.as_str()) != exclude && seen.insert(p.clone()) {
                out.push(p);
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
enum Event {
    AgentDone {
        task: String,
        attempt: u32,
    },
    Vote {
        task: String,
        round: u32,
        person: String,
        verdict: Verdict,
    },
    ManualDone {
        task: String,
        person: String,
    },
    Signal {
        name: String,
        data: serde_json::Value,
    },
}

struct Sim<'a> {
    snap: Snapshot,
    reconciler: Reconciler,
    hooks: &'a dyn HookHost,
    log: Log<'a>,
}

/// What the simulation records and what it has scheduled.
struct Log<'a> {
    script: &'a Script,
    /// Spec task positions by key (`describe` looks up every action's task).
    tasks: HashMap<String, usize>,
    queue: BTreeMap<(DateTime<Utc>, u64), Event>,
    seq: u64,
    report: Report,
}

impl Log<'_> {
    fn spec<'s>(&self, snap: &'s Snapshot, task: &str) -> Option<&'s TaskSpec> {
        self.tasks.get(task).and_then(|&i| snap.spec.tasks.get(i))
    }

    fn push(&mut self, at: DateTime<Utc>, e: Event) {
        self.seq += 1;
        self.queue.insert((at, self.seq), e);
    }

    fn entry(&mut self, snap: &Snapshot, at: DateTime<Utc>, task: Option<&str>, text: String) {
        self.report.entries.push(Entry {
            at,
            local: fmt_local(snap, at),
            task: task.map(str::to_string),
            text,
        });
    }

    /// Records an action just applied to `snap`: the timeline and the scripted reactions.
    fn record(&mut self, snap: &Snapshot, a: Action, now: DateTime<Utc>) {
        if let Action::Expand { .. } = a {
            // The spec's task list changed: copies in, prototypes out.
            self.tasks = task_positions(snap);
        }
        if let Some(text) = self.describe(snap, &a) {
            self.entry(snap, now, a.task(), text);
        }
        self.react(snap, &a, now);
        self.report.actions.push((now, a));
    }

    fn react(&mut self, snap: &Snapshot, a: &Action, now: DateTime<Utc>) {
        match a {
            Action::Dispatch { task, attempt, .. } => self.push(
                now + Duration::minutes(AGENT_MINUTES),
                Event::AgentDone {
                    task: task.clone(),
                    attempt: *attempt,
                },
            ),
            Action::OpenApproval {
                task,
                round,
                approvers,
                quorum,
                ..
            } => {
                let decides = match &self.script.approve {
                    ApproveSet::All => true,
                    ApproveSet::Only(s) => s.contains(task),
                } || (self.script.reject.contains(task) && *round == 1);
                if !decides {
                    return;
                }
                let exclude = match self.spec(snap, task).map(|t| &t.step) {
                    Some(Step::Approval {
                        not_author_of: Some(of),
                        ..
                    }) => super::human::author_of(snap, of),
                    _ => None,
                };
                let at = now + Duration::minutes(APPROVAL_MINUTES);
                if self.script.reject.contains(task) && *round == 1 {
                    for p in people(approvers, 1, exclude.as_deref()) {
                        self.push(
                            at,
                            Event::Vote {
                                task: task.clone(),
                                round: *round,
                                person: p,
                                verdict: Verdict::Reject,
                            },
                        );
                    }
                    return;
                }
                let n = (*quorum).max(1) as usize;
                let voters = people(approvers, n, exclude.as_deref());
                if voters.len() < n {
                    let text = format!(
                        "{task} needs {n} approvals; its scopes hold {} simulated people, so it \
                         is never decided",
                        voters.len()
                    );
                    self.entry(snap, now, Some(task), text);
                    return;
                }
                for p in voters {
                    self.push(
                        at,
                        Event::Vote {
                            task: task.clone(),
                            round: *round,
                            person: p,
                            verdict: Verdict::Approve,
                        },
                    );
                }
            }
            Action::SetTaskStatus {
                task,
                to: TaskStatus::WaitingInput,
                ..
            } => {
                if let Some(Step::Manual { assignee, .. }) = self.spec(snap, task).map(|t| &t.step)
                {
                    let person = match assignee {
                        Some(s) => people(std::slice::from_ref(s), 1, None)
                            .pop()
                            .unwrap_or_else(|| "assignee".into()),
                        None => "assignee".into(),
                    };
                    self.push(
                        now,
                        Event::ManualDone {
                            task: task.clone(),
                            person,
                        },
                    );
                }
            }
            _ => {}
        }
    }

    fn describe(&self, snap: &Snapshot, a: &Action) -> Option<String> {
        let kind = |t: &str| {
            self.spec(snap, t)
                .map_or("task", |s| s.step.kind().as_str())
        };
        Some(match a {
            Action::SetTaskStatus {
                task, to, reason, ..
            } => match to {
                // A granted approval already said so.
                TaskStatus::Succeeded if kind(task) == "approval" => return None,
                TaskStatus::Succeeded => format!("{} {task} succeeded: {reason}", kind(task)),
                TaskStatus::Failed => format!("{} {task} failed: {reason}", kind(task)),
                TaskStatus::Skipped => format!("{} {task} skipped: {reason}", kind(task)),
                TaskStatus::Cancelled => format!("{} {task} cancelled: {reason}", kind(task)),
                TaskStatus::AwaitingDecision => format!("{task} awaits a decision: {reason}"),
                TaskStatus::Pending => format!("{task} back to pending: {reason}"),
                TaskStatus::WaitingInput if kind(task) == "manual" => {
                    format!("manual {task} waiting for its assignee")
                }
                TaskStatus::WaitingInput if kind(task) == "agent" => {
                    format!("agent {task} waiting for input")
                }
                TaskStatus::Running if kind(task) == "event" => format!("event {task} {reason}"),
                _ => return None,
            },
            Action::Dispatch {
                task,
                attempt,
                agent,
                ..
            } => format!("dispatch {task} to agent `{agent}` (attempt {attempt})"),
            Action::StartTimer { task, at } => {
                if kind(task) == "event" {
                    format!("event {task} times out {}", fmt_local(snap, *at))
                } else if kind(task) == "checkpoint" {
                    let title = self
                        .spec(snap, task)
                        .map(|t| super::render::render_text(snap, &t.title))
                        .unwrap_or_default();
                    format!("checkpoint {task}: {title}")
                } else {
                    format!("wait {task} until {}", fmt_local(snap, *at))
                }
            }
            Action::OpenApproval {
                task,
                round,
                approvers,
                quorum,
                deadline_at,
                ..
            } => {
                let who: Vec<String> = approvers.iter().map(scope_str).collect();
                let deadline = deadline_at
                    .map(|d| format!(", deadline {}", fmt_local(snap, d)))
                    .unwrap_or_default();
                let round = if *round > 1 {
                    format!(" (round {round})")
                } else {
                    String::new()
                };
                format!(
                    "approval {task} opened{round}: {} (quorum {quorum}){deadline}",
                    who.join(", ")
                )
            }
            Action::RecordVote {
                task,
                actor,
                verdict,
                ..
            } => match verdict {
                Verdict::Approve => format!("{actor} approved {task}"),
                Verdict::Reject => format!("{actor} rejected {task}"),
            },
            Action::GrantApproval { task, .. } => format!("approval {task} granted"),
            Action::RejectApproval { task, reason, .. } => {
                format!("approval {task} rejected ({reason})")
            }
            Action::ExpireApproval { task, .. } => format!("approval {task} expired"),
            Action::InvalidateApproval {
                task,
                round,
                reason,
            } => format!("approval {task} round {round} invalidated: {reason}"),
            Action::SendReminder { task, round, .. } => {
                let n = snap
                    .approvals
                    .iter()
                    .find(|r| r.task == *task && r.round == *round)
                    .map_or(0, |r| r.reminders_sent);
                format!("reminder {n} sent for approval {task}")
            }
            Action::Escalate { task, add, .. } => format!(
                "approval {task} escalated to {}",
                add.iter().map(scope_str).collect::<Vec<_>>().join(", ")
            ),
            Action::MarkOverdue { task, .. } => format!("approval {task} is overdue"),
            Action::Notify {
                kind: NotifyKind::Notification,
                task: Some(_),
                recipients,
                message,
                ..
            } => format!("notify {}: {message}", recipients.join(", ")),
            Action::ScheduleRetry {
                task, attempt, at, ..
            } => format!(
                "{task} will retry (attempt {}) at {}",
                attempt + 1,
                fmt_local(snap, *at)
            ),
            Action::MarkMissed { task, policy } => {
                format!("{task} missed its window (on_missed {policy})")
            }
            Action::SetWorkflowStatus { to, reason, .. } => format!("workflow {to}: {reason}"),
            Action::StartDrain => "in-flight agents drain before the workflow stops".into(),
            Action::ReceiveEvent { event_id, name, .. } => {
                format!("event `{name}` received (id {event_id})")
            }
            Action::EventTimedOut { task, policy } => {
                format!("event {task} timed out (then {policy})")
            }
            Action::Expand {
                header, count: 0, ..
            } => format!("{header}: no item, its tasks are left out"),
            Action::Expand {
                header,
                count,
                labels,
                ..
            } => format!(
                "{header}: expanded to {count} item(s): {}",
                labels.join(", ")
            ),
            _ => return None,
        })
    }
}

/// Spec task positions by key.
fn task_positions(snap: &Snapshot) -> HashMap<String, usize> {
    snap.spec
        .task_index()
        .into_iter()
        .map(|(k, i)| (k.to_string(), i))
        .collect()
}

impl Sim<'_> {
    /// Applies actions decided outside `reconcile` (an outcome, a vote, a lifecycle change).
    fn run(&mut self, actions: Vec<Action>, now: DateTime<Utc>) -> Result<(), String> {
        for a in actions {
            self.reconciler
                .apply(&mut self.snap, &a, now)
                .map_err(|e| format!("{e} (applying {a:?})"))?;
            self.log.record(&self.snap, a, now);
        }
        Ok(())
    }

    /// Reconciles at `now` (recording each action as it is applied); the next instant worth a call.
    fn reconcile(&mut self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let Sim {
            snap,
            reconciler,
            hooks,
            log,
        } = self;
        reconciler.run(snap, now, *hooks, &mut |snap, a| log.record(snap, a, now))
    }
    fn handle(&mut self, e: Event, now: DateTime<Utc>) -> Result<(), String> {
        let result = match &e {
            Event::AgentDone { task, attempt } => {
                let outcome =
                    if self.log.script.fail.contains(task) {
                        AgentOutcome::Failed {
                            reason: "simulated failure".into(),
                            retryable: true,
                        }
                    } else {
                        AgentOutcome::Succeeded {
                            output: self.log.script.outputs.get(task).cloned().unwrap_or_else(
                                || {
                                    json!({
                                        "url": format!("https://example.invalid/{task}"),
                                        "summary": format!("simulated output of {task}"),
                                    })
                                },
                            ),
                        }
                    };
                let hint = self.log.tasks.get(task).copied();
                settle_at(&self.snap, task, hint, *attempt, &outcome, now, self.hooks)
                    .map_err(|e| e.to_string())
            }
            Event::Vote {
                task,
                round,
                person,
                verdict,
            } => {
                if self.snap.approval(task).map(|a| a.round) != Some(*round) {
                    return Ok(());
                }
                let actor = HumanActor::person(person).map_err(|e| e.to_string())?;
                decide(&self.snap, task, &actor, *verdict, None, &SimDirectory)
                    .map_err(|r| r.to_string())
            }
            Event::ManualDone { task, person } => {
                let actor = HumanActor::person(person).map_err(|e| e.to_string())?;
                let answer = self.log.script.outputs.get(task).cloned();
                complete(&self.snap, task, &actor, answer, &SimDirectory).map_err(|r| r.to_string())
            }
            Event::Signal { name, data } => {
                let incoming = super::signal::Incoming {
                    name: name.clone(),
                    id: None,
                    data: data.clone(),
                    sender: "simulator".into(),
                };
                let id = format!("sim-{}", self.snap.events.len() + 1);
                super::signal::receive(&self.snap, &incoming, &id).map(|r| r.actions)
            }
        };
        match result {
            Ok(actions) => self.run(actions, now),
            Err(why) => {
                let task = match &e {
                    Event::AgentDone { task, .. }
                    | Event::Vote { task, .. }
                    | Event::ManualDone { task, .. } => Some(task.as_str()),
                    Event::Signal { .. } => None,
                };
                self.log
                    .entry(&self.snap, now, task, format!("refused: {why}"));
                Ok(())
            }
        }
    }
}

/// The first instant worth simulating: the earliest planned start (else the release instant).
pub fn first_instant(snapshot: &Snapshot) -> DateTime<Utc> {
    snapshot
        .tasks
        .iter()
        .filter_map(|t| t.planned.map(|p| p.start))
        .min()
        .unwrap_or(snapshot.target.instant)
        .min(snapshot.target.instant)
}

/// Runs a draft snapshot to its end. Errors only when an action does not fit the snapshot (a bug).
pub fn simulate(
    snapshot: Snapshot,
    script: &Script,
    hooks: &dyn HookHost,
) -> Result<Report, String> {
    crate::spec::task_limit(&snapshot.spec)?;
    let start = first_instant(&snapshot);
    let last = snapshot
        .tasks
        .iter()
        .filter_map(|t| t.planned.map(|p| p.end))
        .max()
        .unwrap_or(snapshot.target.instant)
        .max(snapshot.target.instant);
    let horizon = last + Duration::days(HORIZON_DAYS);
    let tasks = task_positions(&snapshot);
    let mut sim = Sim {
        reconciler: Reconciler::new(&snapshot),
        snap: snapshot,
        hooks,
        log: Log {
            script,
            tasks,
            queue: BTreeMap::new(),
            seq: 0,
            report: Report {
                entries: Vec::new(),
                status: WorkflowStatus::Draft,
                counts: Counts::default(),
                stalled: None,
                actions: Vec::new(),
                snapshot: None,
            },
        },
    };
    let mut now = start;
    let started =
        lifecycle(&sim.snap, Lifecycle::Start, "simulator", now).map_err(|r| r.to_string())?;
    sim.run(started, now)?;
    for s in &script.signals {
        let e = Event::Signal {
            name: s.name.clone(),
            data: s.data.clone(),
        };
        sim.log.push(s.at.max(now), e);
    }
    let mut steps = 0;
    loop {
        steps += 1;
        if steps > MAX_STEPS {
            sim.log.report.stalled = Some("the simulation did not settle".into());
            break;
        }
        let next_wake = sim.reconcile(now);
        let next_event = sim.log.queue.keys().next().map(|(t, _)| *t);
        if sim.snap.status.is_terminal() {
            // Drain: in-flight agents still report.
            if let Some(((t, _), e)) = sim.log.queue.pop_first() {
                now = now.max(t);
                sim.handle(e, now)?;
                continue;
            }
            break;
        }
        let next = match (next_wake, next_event) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let Some(next) = next else {
            sim.log.report.stalled = Some(waiting_for(&sim.snap));
            break;
        };
        if next > horizon {
            sim.log.report.stalled = Some(format!(
                "{} at the simulation horizon ({} days after the last planned instant)",
                waiting_for(&sim.snap),
                HORIZON_DAYS
            ));
            break;
        }
        now = now.max(next);
        while let Some(entry) = sim.log.queue.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let e = entry.remove();
            sim.handle(e, now)?;
        }
    }
    let Sim { snap, mut log, .. } = sim;
    if let Some(why) = log.report.stalled.clone() {
        log.entry(&snap, now, None, format!("stopped: {why}"));
    }
    let count = |s: TaskStatus| snap.tasks.iter().filter(|t| t.status == s).count();
    log.report.counts = Counts {
        succeeded: count(TaskStatus::Succeeded),
        skipped: count(TaskStatus::Skipped),
        failed: count(TaskStatus::Failed),
        cancelled: count(TaskStatus::Cancelled),
        unfinished: snap
            .tasks
            .iter()
            .filter(|t| !t.status.is_terminal())
            .count(),
    };
    log.report.status = snap.status;
    log.report.snapshot = Some(snap);
    Ok(log.report)
}

fn waiting_for(snap: &Snapshot) -> String {
    let waiting: Vec<String> = snap
        .tasks
        .iter()
        .filter(|t| !t.status.is_terminal())
        .map(|t| format!("{} ({})", t.key, t.status))
        .collect();
    if waiting.is_empty() {
        "nothing left to happen".into()
    } else {
        format!("still waiting: {}", waiting.join(", "))
    }
}
