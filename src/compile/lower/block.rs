//! Lowering `for each` and `repeat` blocks and the `when` of phases and blocks: the block's tasks are
//! lowered once, as prototypes, and recorded in `spec.flow.blocks` for binding to expand (or, over an
//! upstream's output, for the engine to expand at run time: the block's tasks then wait for that
//! upstream). A task in a repeat is scheduled at its occurrence (`at occurrence + 1 day`, or no `at`).

use super::Lower;
use crate::compile::condition::Reads;
use crate::spec::{Block, Condition, Expansion, Schedule, WorkflowSpec};
use crate::syntax::ast;

/// What encloses the task being lowered.
#[derive(Default)]
pub(super) struct Enclosing {
    /// Names a block binds (`for each` var, `n` in a repeat): not params.
    pub vars: Vec<String>,
    /// The same names typed (a list param's item type; `n` a number): a task's `when` may read them,
    /// decided per copy when the block is expanded.
    pub var_params: Vec<crate::spec::ParamSpec>,
    /// Conditions of the enclosing phases and block, outermost first, with the outputs they read.
    pub when: Vec<(Condition, Reads)>,
    /// Inside a repeat: the first occurrence, lowered, and where its `from` is written.
    pub occurrence: Option<Schedule>,
    pub occurrence_src: Option<std::ops::Range<usize>>,
    /// Inside a repeat: the tasks lowered at their occurrence.
    pub at_occurrence: Vec<String>,
}

impl Enclosing {
    /// The task's own condition conjoined with the enclosing ones.
    pub fn condition(&self, own: Option<Condition>) -> Option<Condition> {
        let mut all: Vec<Condition> = self
            .when
            .iter()
            .map(|(c, _)| c.clone())
            .chain(own)
            .collect();
        match all.len() {
            0 => None,
            1 => all.pop(),
            _ => Some(Condition::And { all }),
        }
    }
}

impl Lower<'_> {
    /// `when COND` of a phase or block: lowered against the params, with the outputs it reads; `None`
    /// when it has a problem.
    pub(super) fn block_when(
        &mut self,
        when: &Option<(ast::Cond, std::ops::Range<usize>)>,
        spec: &WorkflowSpec,
    ) -> Option<(Condition, Reads)> {
        let (c, _) = when.as_ref()?;
        let (mut problems, mut used, mut reads) = (Vec::new(), Vec::new(), Vec::new());
        let lowered =
            crate::compile::condition::lower(c, &spec.params, &mut problems, &mut used, &mut reads);
        for (name, span) in used {
            self.param_ref(&name, span);
        }
        for p in problems {
            self.main_err(p.code, p.span, p.message, p.help);
        }
        Some((lowered?, reads))
    }

    pub(super) fn block(
        &mut self,
        b: &ast::Block,
        phase: Option<&str>,
        defaults: &super::Layer,
        spec: &mut WorkflowSpec,
    ) {
        let when = self.block_when(&b.when, spec);
        let pushed = when.is_some();
        self.enclosing.when.extend(when);
        let expansion = match &b.kind {
            ast::BlockKind::ForEach { var, list } => self.for_each(var, list, spec),
            ast::BlockKind::Repeat {
                cadence,
                from,
                until,
            } => self.repeat(b, cadence, from, until.as_deref(), spec),
        };
        let (var, ty) = match &b.kind {
            ast::BlockKind::ForEach { var, list } => {
                let item = spec.params.iter().find_map(|p| match &p.ty {
                    crate::spec::ParamType::List(t) if p.name == list.name => Some((**t).clone()),
                    _ => None,
                });
                (
                    var.name.clone(),
                    item.unwrap_or(crate::spec::ParamType::String),
                )
            }
            ast::BlockKind::Repeat { .. } => ("n".to_string(), crate::spec::ParamType::Number),
        };
        self.enclosing.var_params.push(crate::spec::ParamSpec {
            name: var.clone(),
            ty,
            default: None,
            description: None,
        });
        self.enclosing.vars.push(var);
        if let Some(Expansion::Repeat { from, .. }) = &expansion {
            self.enclosing.occurrence = Some((**from).clone());
            if let ast::BlockKind::Repeat { from, .. } = &b.kind {
                self.enclosing.occurrence_src = Some(from.span());
            }
        }
        let first = spec.tasks.len();
        for t in &b.tasks {
            self.task(t, phase, defaults, spec);
        }
        // An include's tasks are prototypes of the block too: copied per item (`ios.build[de]`).
        for i in &b.includes {
            self.include(i, phase, spec);
        }
        self.enclosing.vars.pop();
        self.enclosing.var_params.pop();
        self.enclosing.occurrence = None;
        self.enclosing.occurrence_src = None;
        let at_occurrence = std::mem::take(&mut self.enclosing.at_occurrence);
        if pushed {
            self.enclosing.when.pop();
        }
        let Some(mut expansion) = expansion else {
            return;
        };
        if let Expansion::Repeat {
            at_occurrence: at, ..
        } = &mut expansion
        {
            *at = at_occurrence;
        }
        if let (Expansion::ForEachOutput { .. }, ast::BlockKind::ForEach { list, .. }) =
            (&expansion, &b.kind)
        {
            self.fanouts
                .push((spec.flow.blocks.len(), list.span.clone()));
        }
        spec.flow.blocks.push(Block {
            tasks: spec.tasks[first..].iter().map(|t| t.key.clone()).collect(),
            expansion,
        });
    }

    /// A `for each` over `task.output...`, once every task is lowered: `task` must be a task outside
    /// the block that does not wait for it; the block's tasks then wait for `task` to succeed.
    pub(super) fn fanout_source(
        &mut self,
        b: usize,
        span: std::ops::Range<usize>,
        spec: &mut WorkflowSpec,
    ) {
        let Some(block) = spec.flow.blocks.get(b) else {
            return;
        };
        let Expansion::ForEachOutput { task: source, .. } = &block.expansion else {
            return;
        };
        let (source, header, inside) = (source.clone(), block.header(), block.tasks.clone());
        let problem = if spec.task(&source).is_none() {
            let names = spec.tasks.iter().map(|t| t.key.as_str());
            Some((
                format!("`{header}`: there is no task `{source}`"),
                match crate::syntax::did_you_mean(&source, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "name a task outside the block whose output holds the list".into(),
                },
            ))
        } else if inside.contains(&source) {
            Some((
                format!("`{header}`: `{source}` is in the block itself"),
                "the list must come from a task that runs before the block: move it out".into(),
            ))
        } else {
            inside.iter().find(|k| depends_on(spec, &source, k)).map(|k| {
                (
                    format!("`{header}`: `{source}` waits for `{k}`, a task of the block, so its output cannot decide the block"),
                    format!("the block's tasks run after `{source}`: remove `{source}`'s dependency on `{k}`"),
                )
            })
        };
        if let Some((message, help)) = problem {
            self.main_err("RWF155", span, message, help);
            return;
        }
        for t in spec.tasks.iter_mut().filter(|t| inside.contains(&t.key)) {
            if !t.depends_on.iter().any(|d| d.task == source) {
                t.depends_on.push(crate::spec::Dependency {
                    task: source.clone(),
                    outcome: crate::spec::EdgeOutcome::Success,
                });
            }
        }
    }

    fn for_each(
        &mut self,
        var: &ast::Ident,
        list: &ast::Ident,
        spec: &WorkflowSpec,
    ) -> Option<Expansion> {
        if spec.params.iter().any(|p| p.name == var.name) {
            self.main_err(
                "RWF147",
                var.span.clone(),
                format!("`for each {}`: `{}` is already a param", var.name, var.name),
                "name the item differently: `for each item in ...`",
            );
            return None;
        }
        if list.name.contains('.') {
            return match crate::spec::output_path(&list.name) {
                Some((task, path)) => Some(Expansion::ForEachOutput {
                    var: var.name.clone(),
                    task: task.to_string(),
                    path: path.into_iter().map(str::to_string).collect(),
                }),
                None => {
                    let (task, rest) = list.name.split_once('.').unwrap_or((&list.name, ""));
                    self.main_err(
                        "RWF155",
                        list.span.clone(),
                        format!(
                            "`for each {} in {}`: a dotted list is an upstream task's output, `TASK.output.PATH`",
                            var.name, list.name
                        ),
                        format!("write `{task}.output.{rest}`"),
                    );
                    None
                }
            };
        }
        match spec.params.iter().find(|p| p.name == list.name) {
            Some(p) if matches!(p.ty, crate::spec::ParamType::List(_)) => {
                self.param_ref(&list.name, list.span.clone());
                Some(Expansion::ForEach {
                    var: var.name.clone(),
                    param: list.name.clone(),
                })
            }
            Some(p) => {
                self.param_ref(&list.name, list.span.clone());
                let ty = crate::compile::values::type_name(&p.ty);
                self.main_err(
                    "RWF143",
                    list.span.clone(),
                    format!(
                        "`for each {} in {}`: `{}` is a {ty}, not a list",
                        var.name, list.name, list.name
                    ),
                    format!("declare it as a list: `param {}: list<string>`", list.name),
                );
                None
            }
            None => {
                let names = spec.params.iter().map(|p| p.name.as_str());
                let help = match crate::syntax::did_you_mean(&list.name, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("declare it: `param {}: list<string>`", list.name),
                };
                self.main_err(
                    "RWF143",
                    list.span.clone(),
                    format!(
                        "`for each {} in {}`: `{}` is not a param",
                        var.name, list.name, list.name
                    ),
                    help,
                );
                None
            }
        }
    }

    fn repeat(
        &mut self,
        b: &ast::Block,
        cadence: &ast::Cadence,
        from: &ast::Schedule,
        until: Option<&ast::Schedule>,
        spec: &WorkflowSpec,
    ) -> Option<Expansion> {
        let Some(until) = until else {
            self.main_err(
                "RWF144",
                b.header.clone(),
                "this repeat has no end",
                "say until when: `repeat every 2 weeks from release until release + 6 months { ... }`",
            );
            return None;
        };
        let (every, on) = match cadence {
            ast::Cadence::Every(d) => {
                if d.amount <= 0 {
                    self.main_err(
                        "RWF144",
                        d.span.clone(),
                        "a repeat's interval must be positive",
                        "write e.g. `every 2 weeks`",
                    );
                    return None;
                }
                (Some(crate::compile::values::span(d)), Vec::new())
            }
            ast::Cadence::On(days) => {
                let mut on: Vec<chrono::Weekday> = Vec::new();
                for d in days {
                    let w = super::weekday(&d.name)?;
                    if on.contains(&w) {
                        self.main_err(
                            "RWF144",
                            d.span.clone(),
                            format!("`{}` is listed twice", d.name),
                            "list each weekday once",
                        );
                        return None;
                    }
                    on.push(w);
                }
                (None, on)
            }
        };
        let mut src = crate::compile::TaskSource::default();
        let target = spec.target.param.clone();
        let from_s = self.schedule(from, &mut src, &target, &spec.params)?;
        let until_s = self.schedule(until, &mut src, &target, &spec.params)?;
        let at = match &from_s {
            Schedule::Relative { then, .. } => then.len(),
            Schedule::Pinned { .. } => {
                self.main_err(
                    "RWF144",
                    from.span(),
                    "a repeat starts from an anchor, not a fixed date",
                    "anchor it: `from release - 30 days`, or to a `date` param: `from cycle_start`",
                );
                return None;
            }
        };
        Some(Expansion::Repeat {
            every,
            on,
            from: Box::new(from_s),
            until: Box::new(until_s),
            at_occurrence: Vec::new(),
            at,
        })
    }

    /// `at occurrence + 1 day at 10:00` inside a repeat: the first occurrence, then the task's own
    /// offsets, time of day and zone. `None` (with a diagnostic) when it aligns, which the occurrence's
    /// offset could not follow.
    pub(super) fn at_occurrence(
        &mut self,
        s: &ast::Schedule,
        params: &[crate::spec::ParamSpec],
    ) -> Option<Schedule> {
        let occurrence = self.enclosing.occurrence.clone()?;
        let ast::Schedule::Relative {
            words,
            align,
            offsets,
            time,
            tz,
            ..
        } = s
        else {
            return None;
        };
        if let Some(a) = align.first() {
            self.main_err(
                "RWF147",
                a.span.clone(),
                "a task in a repeat cannot align its occurrence",
                "align the repeat's `from` instead (`from first monday of release`), or use offsets: `at occurrence + 1 day`",
            );
            return None;
        }
        let Schedule::Relative {
            anchor,
            offsets: o,
            align: a,
            mut then,
            time_of_day,
            timezone,
        } = occurrence
        else {
            return None;
        };
        if let Some((d, before)) = words {
            let sp = self.amount(d, params)?;
            then.push(if *before { sp.negate() } else { sp });
        }
        for (minus, d) in offsets {
            let sp = self.amount(d, params)?;
            then.push(if *minus { sp.negate() } else { sp });
        }
        let own_time = time
            .as_ref()
            .and_then(|(t, span)| self.clock(t, span.clone()));
        let own_tz = tz.as_ref().map(|z| self.tz(z));
        Some(Schedule::Relative {
            anchor,
            offsets: o,
            align: a,
            then,
            time_of_day: own_time.or(time_of_day),
            timezone: own_tz.or(timezone),
        })
    }
}

/// True when `task` waits, directly or transitively, for `on`.
fn depends_on(spec: &WorkflowSpec, task: &str, on: &str) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![task];
    while let Some(k) = stack.pop() {
        for d in spec.task(k).map_or(&[][..], |t| &t.depends_on[..]) {
            if d.task == on {
                return true;
            }
            if seen.insert(d.task.as_str()) {
                stack.push(&d.task);
            }
        }
    }
    false
}
