//! Renderers of a resolved plan: table, terminal Gantt, JSON, CSV, Mermaid, ICS, SVG. Pure: each
//! returns a String; "today" is an argument, never read from a clock.

mod gantt;
mod ics;
mod svg;
mod text;

pub use gantt::gantt;
pub use ics::{calendar, ics, vtimezone};
pub use svg::svg;
pub use text::{csv, json, mermaid, shifts_table, table};

use super::{critical_path, Plan};
use crate::spec::{Anchor, Schedule, WorkflowSpec};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// What every renderer reads.
pub struct View<'a> {
    pub spec: &'a WorkflowSpec,
    pub plan: &'a Plan,
    /// Keys on the critical path, upstream first.
    pub critical: Vec<String>,
    /// The calendar day the CLI says it is (in the release zone).
    pub today: NaiveDate,
}

impl<'a> View<'a> {
    pub fn new(spec: &'a WorkflowSpec, plan: &'a Plan, today: NaiveDate) -> View<'a> {
        View {
            spec,
            plan,
            critical: critical_path(spec, plan),
            today,
        }
    }
    pub fn tz(&self) -> Tz {
        self.plan.target.tz
    }
    pub fn release_local(&self) -> chrono::NaiveDateTime {
        self.plan
            .target
            .instant
            .with_timezone(&self.tz())
            .naive_local()
    }
    pub fn local(&self, t: DateTime<Utc>) -> chrono::NaiveDateTime {
        t.with_timezone(&self.tz()).naive_local()
    }
    /// The local days the chart spans — every task's start to due, and the release day — and whether
    /// today is near enough (within two weeks) to be drawn, in which case the span includes it too.
    pub fn day_span(&self) -> (chrono::NaiveDate, chrono::NaiveDate, bool) {
        let release = self.release_local().date();
        let (mut first, mut last) = (release, release);
        for t in &self.plan.tasks {
            if let Some(x) = t.times {
                first = first.min(self.local(x.start).date());
                last = last.max(self.local(x.due).date());
            }
        }
        let near = chrono::Duration::days(14);
        let today_in = self.today >= first - near && self.today <= last + near;
        if today_in {
            first = first.min(self.today);
            last = last.max(self.today);
        }
        (first, last, today_in)
    }
    pub fn is_critical(&self, key: &str) -> bool {
        self.critical.iter().any(|k| k == key)
    }
    /// Task indices grouped by phase (spec phase order, then tasks with no phase), each group in
    /// dependency order (upstream first; ties by start, then spec order).
    pub fn groups(&self) -> Vec<(Option<String>, Vec<usize>)> {
        let order = dependency_order(self.spec, self.plan);
        let mut groups: Vec<(Option<String>, Vec<usize>)> = self
            .spec
            .phases
            .iter()
            .map(|p| (Some(p.key.clone()), Vec::new()))
            .collect();
        let mut none = Vec::new();
        for i in order {
            let phase = &self.spec.tasks[i].phase;
            match groups.iter_mut().find(|(k, _)| k.is_some() && k == phase) {
                Some((_, v)) => v.push(i),
                None => none.push(i),
            }
        }
        groups.retain(|(_, v)| !v.is_empty());
        if !none.is_empty() {
            groups.push((None, none));
        }
        groups
    }
    pub fn phase_title(&self, key: &str) -> String {
        self.spec
            .phases
            .iter()
            .find(|p| p.key == key)
            .map_or_else(|| key.to_string(), |p| p.title.clone())
    }
}

/// `after a, b` as text.
pub fn depends_on(spec: &WorkflowSpec, i: usize) -> String {
    spec.tasks[i]
        .depends_on
        .iter()
        .map(|d| d.task.clone())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `release`, `kickoff.due`, `pinned`, or empty.
pub fn anchored_to(spec: &WorkflowSpec, i: usize) -> String {
    match &spec.tasks[i].schedule {
        Some(Schedule::Relative { anchor, .. }) => match anchor {
            Anchor::Release => "release".into(),
            Anchor::Param { param } => param.clone(),
            Anchor::Task { task, point } => {
                format!("{task}.{}", super::resolve::point_name(*point))
            }
        },
        Some(Schedule::Pinned { .. }) => "pinned".into(),
        None => String::new(),
    }
}

/// Topological order of `depends_on` (Kahn), ready tasks taken by earliest start then spec order;
/// tasks on a dependency cycle come last in spec order.
pub fn dependency_order(spec: &WorkflowSpec, plan: &Plan) -> Vec<usize> {
    let n = spec.tasks.len();
    let index = spec.task_index();
    let mut indeg = vec![0usize; n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, t) in spec.tasks.iter().enumerate() {
        for d in &t.depends_on {
            if let Some(&j) = index.get(d.task.as_str()) {
                if j != i {
                    indeg[i] += 1;
                    down[j].push(i);
                }
            }
        }
    }
    let key = |i: usize| (plan.tasks.get(i).and_then(|t| t.times).map(|t| t.start), i);
    let mut ready: std::collections::BTreeSet<(Option<DateTime<Utc>>, usize)> =
        (0..n).filter(|&i| indeg[i] == 0).map(key).collect();
    let mut out = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    while let Some(first) = ready.iter().next().copied() {
        ready.remove(&first);
        let i = first.1;
        seen[i] = true;
        out.push(i);
        for &j in &down[i] {
            indeg[j] -= 1;
            if indeg[j] == 0 {
                ready.insert(key(j));
            }
        }
    }
    out.extend((0..n).filter(|&i| !seen[i]));
    out
}

pub(crate) fn fmt_local(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}
