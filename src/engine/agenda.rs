//! Which tasks `reconcile` must look at: those whose inputs changed since they were last found idle.
//!
//! A task is *dirty* when it may have something to do. The fixpoint evaluates the first dirty task in
//! spec order; one found idle leaves the set until something it reads changes:
//! - its own state or approval round: any action naming it (`touch`);
//! - an upstream's status: a `SetTaskStatus` of a task it depends on (the dependents index);
//! - the clock: one of its wake instants (planned start, missed window, retry, timer, reminder,
//!   deadline) falls due (a timer heap);
//! - a `gate` hook that said wait: asked again on every call, as a full pass would (`recheck`);
//! - the workflow becoming active: every task.
//!
//! Every task outside the set is idle, so the first dirty task with something to do is the first task
//! in spec order with something to do: the same decision as evaluating every task in every pass, at a
//! cost that grows with what changed instead of with the workflow. `reconcile` starts from a fresh
//! agenda (everything dirty); the simulator keeps one across its calls. Valid while the snapshot's task
//! list keeps its order and keys (no edit in between); an expansion, which changes them, starts it
//! over.

use super::action::Action;
use super::apply::{apply_at, ApplyError};
use super::model::{Snapshot, TaskState, WorkflowStatus};
use crate::spec::TaskSpec;
use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

/// Task positions by key: spec index and state index, so every lookup is O(1).
pub(super) struct Ix {
    by_key: HashMap<String, (usize, usize)>,
    /// State index by spec index (`None`: a spec task without state, which reconcile passes over).
    states: Vec<Option<usize>>,
}

impl Ix {
    pub(super) fn new(work: &Snapshot) -> Ix {
        let mut positions: HashMap<&str, usize> = HashMap::with_capacity(work.tasks.len());
        for (i, t) in work.tasks.iter().enumerate() {
            positions.entry(t.key.as_str()).or_insert(i);
        }
        let by_key: HashMap<String, (usize, usize)> = work
            .spec
            .tasks
            .iter()
            .enumerate()
            .filter_map(|(i, t)| Some((t.key.clone(), (i, *positions.get(t.key.as_str())?))))
            .collect();
        let mut states = vec![None; work.spec.tasks.len()];
        for &(i, s) in by_key.values() {
            states[i] = Some(s);
        }
        Ix { by_key, states }
    }
    pub(super) fn state<'a>(&self, work: &'a Snapshot, key: &str) -> Option<&'a TaskState> {
        self.by_key.get(key).and_then(|&(_, i)| work.tasks.get(i))
    }
    pub(super) fn spec<'a>(&self, work: &'a Snapshot, key: &str) -> Option<&'a TaskSpec> {
        self.by_key
            .get(key)
            .and_then(|&(i, _)| work.spec.tasks.get(i))
    }
    /// The spec task at `i` and its state.
    pub(super) fn at<'a>(
        &self,
        work: &'a Snapshot,
        i: usize,
    ) -> Option<(&'a TaskSpec, &'a TaskState)> {
        let state = work.tasks.get((*self.states.get(i)?)?)?;
        Some((work.spec.tasks.get(i)?, state))
    }
    /// The spec index of task `key`.
    pub(super) fn index(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).map(|&(i, _)| i)
    }
    /// Where task `key`'s state is in `Snapshot::tasks`.
    fn position(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).map(|&(_, s)| s)
    }
    fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.by_key.values().map(|&(i, _)| i)
    }
}

pub(super) struct Agenda {
    ix: Ix,
    /// Spec indices of the tasks that depend on each task.
    dependents: Vec<Vec<usize>>,
    dirty: BTreeSet<usize>,
    /// Wake instants by task; an entry that no longer is one of the task's wake instants is stale and
    /// dropped when met.
    wakes: BinaryHeap<Reverse<(DateTime<Utc>, usize)>>,
    /// Tasks whose wake instants may have changed since they were last put on the heap.
    moved: BTreeSet<usize>,
    /// Tasks looked at on every call (a `gate` hook that said wait).
    recheck: BTreeSet<usize>,
    /// Event waits: a received event may be the one any of them waits for.
    event_waits: Vec<usize>,
    /// Task states not yet terminal: the roll-up is due when none is left.
    unfinished: usize,
}

impl Agenda {
    /// Everything dirty: the first call looks at every task.
    pub(super) fn new(work: &Snapshot) -> Agenda {
        let ix = Ix::new(work);
        let mut dependents = vec![Vec::new(); work.spec.tasks.len()];
        for (i, spec) in work.spec.tasks.iter().enumerate() {
            for d in &spec.depends_on {
                if let Some(up) = ix.index(&d.task) {
                    dependents[up].push(i);
                }
            }
        }
        let all: BTreeSet<usize> = ix.indices().collect();
        let event_waits = (work.spec.tasks.iter().enumerate())
            .filter(|(_, t)| matches!(t.step, crate::spec::Step::Event { .. }))
            .map(|(i, _)| i)
            .collect();
        Agenda {
            event_waits,
            dependents,
            dirty: all.clone(),
            wakes: BinaryHeap::new(),
            moved: all,
            recheck: BTreeSet::new(),
            unfinished: work
                .tasks
                .iter()
                .filter(|t| !t.status.is_terminal())
                .count(),
            ix,
        }
    }

    pub(super) fn ix(&self) -> &Ix {
        &self.ix
    }

    pub(super) fn unfinished(&self) -> usize {
        self.unfinished
    }

    /// The first dirty task in spec order.
    pub(super) fn first_dirty(&self) -> Option<usize> {
        self.dirty.first().copied()
    }

    /// The task has nothing to do as things stand.
    pub(super) fn idle(&mut self, i: usize) {
        self.dirty.remove(&i);
    }

    fn touch(&mut self, i: usize) {
        self.dirty.insert(i);
        self.moved.insert(i);
    }

    /// Applies an action to `work` (by reconcile or from outside) and notes what it may change.
    pub(super) fn apply(
        &mut self,
        work: &mut Snapshot,
        action: &Action,
        now: DateTime<Utc>,
    ) -> Result<(), ApplyError> {
        let hint = action.task().and_then(|k| self.ix.position(k));
        apply_at(work, action, now, hint)?;
        self.applied(work, action);
        Ok(())
    }

    fn applied(&mut self, work: &Snapshot, action: &Action) {
        match action {
            // The task list changed: everything is looked at again.
            Action::Expand { .. } => *self = Agenda::new(work),
            Action::SetWorkflowStatus {
                to: WorkflowStatus::Active,
                ..
            } => {
                let all: Vec<usize> = self.ix.indices().collect();
                for i in all {
                    self.touch(i);
                }
            }
            Action::SetTaskStatus { task, from, to, .. } => {
                match (from.is_terminal(), to.is_terminal()) {
                    (false, true) => self.unfinished = self.unfinished.saturating_sub(1),
                    (true, false) => self.unfinished += 1,
                    _ => {}
                }
                if let Some(i) = self.ix.index(task) {
                    self.touch(i);
                    self.dirty.extend(self.dependents[i].iter().copied());
                }
            }
            Action::ReceiveEvent { .. } => {
                self.dirty.extend(self.event_waits.iter().copied());
            }
            other => {
                if let Some(i) = other.task().and_then(|t| self.ix.index(t)) {
                    self.touch(i);
                }
            }
        }
    }

    /// A new call at `now`: tasks with a wake instant due, and those rechecked every call, are dirty.
    pub(super) fn wake_up(&mut self, now: DateTime<Utc>) {
        while let Some(&Reverse((t, i))) = self.wakes.peek() {
            if t > now {
                break;
            }
            self.wakes.pop();
            self.dirty.insert(i);
        }
        self.dirty.extend(self.recheck.iter().copied());
    }

    /// The tasks to look at on every call from now on (their wake instants move with the clock).
    pub(super) fn set_recheck(&mut self, tasks: BTreeSet<usize>) {
        self.moved.extend(tasks.iter().copied());
        self.recheck = tasks;
    }

    /// The earliest wake instant after `now`. `wakes(ix, i, at)` calls `at` with each wake instant of
    /// the task at spec index `i` as things stand.
    pub(super) fn next_wake(
        &mut self,
        now: DateTime<Utc>,
        wakes: impl Fn(&Ix, usize, &mut dyn FnMut(DateTime<Utc>)),
    ) -> Option<DateTime<Utc>> {
        for i in std::mem::take(&mut self.moved) {
            wakes(&self.ix, i, &mut |t| {
                if t > now {
                    self.wakes.push(Reverse((t, i)));
                }
            });
        }
        while let Some(&Reverse((t, i))) = self.wakes.peek() {
            let mut live = false;
            if t > now {
                wakes(&self.ix, i, &mut |w| live |= w == t);
            }
            if live {
                return Some(t);
            }
            self.wakes.pop();
        }
        None
    }
}
