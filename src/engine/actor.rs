//! Who may decide: human actors, the people directory, and the refusals of the human-only paths.
//!
//! Approvals, manual completions and missed-window decisions take a `HumanActor`. Hooks return JSON
//! and executors return `AgentOutcome`s; neither path reaches `decide`, so neither can approve.
//! `HumanActor` is built from a person's name given on the command line (`--as`) or by the simulator's
//! scripted people; names that look like machine principals are refused.

use crate::spec::Scope;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A person acting through a human surface (the CLI's `--as`, the simulator's scripted people).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HumanActor(String);

impl HumanActor {
    /// A person's name (`ann`, or `user:ann`). Refuses empty names and machine principals
    /// (`hook:`, `agent:`, `system`, `rwf`, `team:`, `channel:`...).
    pub fn person(name: &str) -> Result<HumanActor, Refusal> {
        let name = name.trim();
        let name = name.strip_prefix("user:").unwrap_or(name);
        let machine = [
            "hook", "agent", "executor", "system", "rwf", "worker", "engine",
        ];
        let bad = name.is_empty()
            || name.contains(':')
            || name.chars().any(char::is_whitespace)
            || machine.contains(&name.to_ascii_lowercase().as_str());
        if bad {
            return Err(Refusal::NotAPerson(name.to_string()));
        }
        Ok(HumanActor(name.to_string()))
    }
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HumanActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The people directory (`rwf.toml`): is this person in this scope?
pub trait Membership {
    /// Whether `person` belongs to the team / organization. `User` and `Channel` scopes are
    /// handled by the engine (a user scope is that person; a channel holds no voters).
    fn is_member(&self, person: &str, scope: &Scope) -> bool;
}

/// A directory from a map: team or organization name → members.
#[derive(Debug, Clone, Default)]
pub struct StaticDirectory {
    pub teams: BTreeMap<String, BTreeSet<String>>,
    pub organizations: BTreeMap<String, BTreeSet<String>>,
}

impl StaticDirectory {
    pub fn with_team(mut self, team: &str, people: &[&str]) -> StaticDirectory {
        self.teams
            .entry(team.to_string())
            .or_default()
            .extend(people.iter().map(|p| p.to_string()));
        self
    }
}

impl Membership for StaticDirectory {
    fn is_member(&self, person: &str, scope: &Scope) -> bool {
        match scope {
            Scope::Team(t) => self.teams.get(t).is_some_and(|m| m.contains(person)),
            Scope::Organization(o) => self
                .organizations
                .get(o)
                .is_some_and(|m| m.contains(person)),
            Scope::User(u) => u == person,
            Scope::Channel(_) => false,
        }
    }
}

/// Whether a person is within any of the scopes.
pub fn in_scope(person: &str, scopes: &[Scope], directory: &dyn Membership) -> bool {
    scopes.iter().any(|s| match s {
        Scope::User(u) => u == person,
        Scope::Channel(_) => false,
        other => directory.is_member(person, other),
    })
}

/// Why a human action was refused. Messages are lowercase and say what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotAPerson(String),
    UnknownTask(String),
    NotAnApproval(String),
    WorkflowNotActive(String),
    /// Not open yet; `when` says when it opens (its planned time, what it waits for).
    NotOpenYet {
        task: String,
        when: String,
    },
    Closed {
        task: String,
        status: String,
    },
    Invalidated(String),
    NotInScope {
        person: String,
        task: String,
        approvers: String,
    },
    /// `done` on a manual task by someone outside its `assignee` scope.
    NotAssignee {
        person: String,
        task: String,
        assignee: String,
    },
    AlreadyVoted {
        person: String,
        task: String,
    },
    Author {
        person: String,
        task: String,
        of: String,
    },
    NotWaiting {
        task: String,
        status: String,
    },
    NotAwaitingDecision {
        task: String,
        status: String,
    },
    Illegal(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotAPerson(n) => write!(f, "`{n}` is not a person's name; only people decide"),
            Refusal::UnknownTask(t) => write!(f, "no task `{t}` in this workflow"),
            Refusal::NotAnApproval(t) => write!(f, "task `{t}` is not an approval"),
            Refusal::WorkflowNotActive(s) => write!(f, "the workflow is {s}, not active"),
            Refusal::NotOpenYet { task, when } => {
                write!(f, "approval `{task}` is not open yet: {when}")
            }
            Refusal::Closed { task, status } => write!(f, "approval `{task}` is already {status}"),
            Refusal::Invalidated(t) => {
                write!(
                    f,
                    "approval `{t}` was invalidated; its content changed and it will reopen"
                )
            }
            Refusal::NotInScope {
                person,
                task,
                approvers,
            } => write!(
                f,
                "{person} is not among the approvers of `{task}` ({approvers})"
            ),
            Refusal::NotAssignee {
                person,
                task,
                assignee,
            } => write!(f, "{person} is not the assignee of `{task}` ({assignee})"),
            Refusal::AlreadyVoted { person, task } => {
                write!(
                    f,
                    "{person} already voted on `{task}`; quorum counts distinct people"
                )
            }
            Refusal::Author { person, task, of } => write!(
                f,
                "{person} acted on `{of}` and may not approve `{task}` (separation of duties)"
            ),
            Refusal::NotWaiting { task, status } => {
                write!(f, "task `{task}` is {status}, not waiting for a person")
            }
            Refusal::NotAwaitingDecision { task, status } => {
                write!(f, "task `{task}` is {status}, not awaiting a decision")
            }
            Refusal::Illegal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Refusal {}
