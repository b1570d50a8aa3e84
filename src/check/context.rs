//! What every lint reads: the compiled spec, where each part came from, and indexes built once.

use super::timing::{nominal_starts, Nominal};
use crate::compile::SourceMap;
use crate::diagnostic::{CodeDoc, Diagnostic};
use crate::spec::{Anchor, Schedule, Step, TaskSpec, WorkflowSpec};
use std::cell::OnceCell;
use std::collections::HashMap;
use std::ops::Range;

pub(crate) struct Context<'a> {
    pub spec: &'a WorkflowSpec,
    pub map: &'a SourceMap,
    pub file: &'a str,
    pub text: &'a str,
    /// Task key → index of its first declaration.
    pub index: HashMap<&'a str, usize>,
    /// Per task: indexes of the tasks that list it in `after` (resolved edges only; `after t[de]`
    /// counts as an edge to `t` of a `for each` or `repeat`).
    pub downstream: Vec<Vec<usize>>,
    /// Per task: resolved upstream edges as `(upstream index, position in depends_on)`.
    pub upstream: Vec<Vec<(usize, usize)>>,
    nominal: OnceCell<Vec<Option<Nominal>>>,
}

impl<'a> Context<'a> {
    /// Each `for each` block whose list param has a default: the loop variable, the param, the
    /// default's items, and where to point (the block's first task).
    pub fn for_each_defaults(
        &self,
    ) -> impl Iterator<
        Item = (
            &'a str,
            &'a str,
            &'a [serde_json::Value],
            Option<Range<usize>>,
        ),
    > + '_ {
        self.spec.flow.blocks.iter().filter_map(move |b| {
            let crate::spec::Expansion::ForEach { var, param } = &b.expansion else {
                return None;
            };
            let items = self
                .spec
                .params
                .iter()
                .find(|p| &p.name == param)
                .and_then(|p| p.default.as_ref())
                .and_then(|d| d.as_array())?;
            let span = b
                .tasks
                .first()
                .and_then(|k| self.index.get(k.as_str()))
                .and_then(|&i| self.key_span(i));
            Some((var.as_str(), param.as_str(), items.as_slice(), span))
        })
    }

    /// The index of the block task `name` is one copy of (`translate[de]`, `bugfix[3]`).
    pub fn copy_of(&self, name: &str) -> Option<usize> {
        let (base, _) = name.split_once('[')?;
        self.spec.flow.block_of(base)?;
        self.index.get(base).copied()
    }

    pub fn new(file: &'a str, text: &'a str, spec: &'a WorkflowSpec, map: &'a SourceMap) -> Self {
        let mut index = HashMap::with_capacity(spec.tasks.len());
        for (i, task) in spec.tasks.iter().enumerate() {
            index.entry(task.key.as_str()).or_insert(i);
        }
        let mut downstream = vec![Vec::new(); spec.tasks.len()];
        let mut upstream = vec![Vec::new(); spec.tasks.len()];
        for (i, task) in spec.tasks.iter().enumerate() {
            for (pos, dep) in task.depends_on.iter().enumerate() {
                let copy_of = || {
                    let (base, _) = dep.task.split_once('[')?;
                    spec.flow.block_of(base)?;
                    index.get(base)
                };
                if let Some(&j) = index.get(dep.task.as_str()).or_else(copy_of) {
                    upstream[i].push((j, pos));
                    downstream[j].push(i);
                }
            }
        }
        Context {
            spec,
            map,
            file,
            text,
            index,
            downstream,
            upstream,
            nominal: OnceCell::new(),
        }
    }

    /// Each task's nominal start relative to the release (computed once).
    pub fn nominal(&self) -> &[Option<Nominal>] {
        self.nominal.get_or_init(|| nominal_starts(self))
    }

    /// A diagnostic of `doc`'s code and severity in this file, at `span` (else the template header).
    pub fn diag(
        &self,
        doc: &CodeDoc,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let d = Diagnostic::new(doc.code, doc.severity, message).in_file(self.file);
        match span.or_else(|| self.template_span()) {
            Some(span) => d.at(span),
            None => d,
        }
    }

    pub fn task(&self, i: usize) -> &'a TaskSpec {
        &self.spec.tasks[i]
    }

    pub fn template_span(&self) -> Option<Range<usize>> {
        non_empty(&self.map.template)
    }

    pub fn key_span(&self, i: usize) -> Option<Range<usize>> {
        self.map.tasks.get(i).and_then(|t| non_empty(&t.key))
    }

    pub fn whole_span(&self, i: usize) -> Option<Range<usize>> {
        self.map.tasks.get(i).and_then(|t| non_empty(&t.whole))
    }

    /// The `after NAME` of edge `pos`, else the task key.
    pub fn dep_span(&self, i: usize, pos: usize) -> Option<Range<usize>> {
        self.map
            .tasks
            .get(i)
            .and_then(|t| t.deps.get(pos))
            .and_then(non_empty)
            .or_else(|| self.key_span(i))
    }

    /// The anchor inside `at ...`, else the schedule, else the task key.
    pub fn anchor_span(&self, i: usize) -> Option<Range<usize>> {
        self.map
            .tasks
            .get(i)
            .and_then(|t| t.anchor.as_ref().and_then(non_empty))
            .or_else(|| self.schedule_span(i))
    }

    /// The whole `at ...`, else the task key.
    pub fn schedule_span(&self, i: usize) -> Option<Range<usize>> {
        self.map
            .tasks
            .get(i)
            .and_then(|t| t.schedule.as_ref().and_then(non_empty))
            .or_else(|| self.key_span(i))
    }

    /// A field by its keyword (`approvers`, `quorum`, `input`, ...), else the task key.
    pub fn field_span(&self, i: usize, field: &str) -> Option<Range<usize>> {
        self.map
            .tasks
            .get(i)
            .and_then(|t| t.fields.get(field))
            .and_then(non_empty)
            .or_else(|| self.key_span(i))
    }

    /// `name` inside a field (e.g. the task named by `not_author_of`), else the whole field.
    pub fn name_in_field(&self, i: usize, field: &str, name: &str) -> Option<Range<usize>> {
        let span = self.field_span(i, field)?;
        let hay = self.text.get(span.clone())?;
        match hay.rfind(name) {
            Some(at) if !name.is_empty() => Some(span.start + at..span.start + at + name.len()),
            _ => Some(span),
        }
    }

    /// The first occurrence of `needle` inside task `i`'s source, if the source map has it.
    pub fn find_in_task(&self, i: usize, needle: &str) -> Option<Range<usize>> {
        let whole = self.whole_span(i)?;
        let hay = self.text.get(whole.clone())?;
        hay.find(needle)
            .map(|at| whole.start + at..whole.start + at + needle.len())
    }

    /// Every schedule of a task with the field it sits in: its `at`, and a wait's `until`.
    pub fn schedules(&self, i: usize) -> impl Iterator<Item = (&'static str, &'a Schedule)> {
        let task = self.task(i);
        let until = match &task.step {
            Step::Wait {
                until: Some(until), ..
            } => Some(("until", until)),
            _ => None,
        };
        task.schedule.iter().map(|s| ("at", s)).chain(until)
    }

    /// The span of a schedule found by `schedules`: `at` maps to the schedule, others to their field.
    pub fn schedule_field_span(&self, i: usize, field: &str) -> Option<Range<usize>> {
        if field == "at" {
            self.schedule_span(i)
        } else {
            self.field_span(i, field)
        }
    }

    /// The anchor span of a schedule found by `schedules`.
    pub fn schedule_anchor_span(&self, i: usize, field: &str) -> Option<Range<usize>> {
        if field == "at" {
            self.anchor_span(i)
        } else {
            self.field_span(i, field)
        }
    }
}

/// The task an anchor names, if it names one.
pub(crate) fn anchor_task(schedule: &Schedule) -> Option<&str> {
    match schedule {
        Schedule::Relative {
            anchor: Anchor::Task { task, .. },
            ..
        } => Some(task),
        _ => None,
    }
}

fn non_empty(span: &Range<usize>) -> Option<Range<usize>> {
    (span.end > span.start).then(|| span.clone())
}

/// The names interpolated in a string: the trimmed text of each `${...}`.
pub(crate) fn interpolations(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let start = rest.find("${")?;
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        rest = &after[end + 1..];
        Some(after[..end].trim())
    })
}

/// Closest candidate by edit distance, for `did you mean` hints (only close ones).
pub(crate) fn suggest<'s>(
    name: &str,
    candidates: impl Iterator<Item = &'s str>,
) -> Option<&'s str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .filter(|c| *c != name)
        .map(|c| (crate::syntax::distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_interpolations_and_suggestions() {
        let names: Vec<_> = interpolations("a ${x} b ${ y.output.z }${").collect();
        assert_eq!(names, ["x", "y.output.z"]);
        assert_eq!(
            suggest("kickof", ["kickoff", "legal"].into_iter()),
            Some("kickoff")
        );
        assert_eq!(suggest("zzz", ["kickoff"].into_iter()), None);
    }
}
