//! Lowering `include TEMPLATE as NAME ["Title"] { ARGS  after DEPS }`: the included template is
//! compiled on its own (from the module that declares it), then its tasks are inlined as the phase
//! NAME, keys namespaced `NAME.KEY`, every internal reference renamed to match. Each param of the
//! included template is bound by the include: to a param of this template (renamed to it), to an
//! anchor (a date/datetime param: its schedules are re-anchored, offsets prepended), or to a literal
//! (kept as the param `NAME.PARAM` with that value as its default, so binding renders it like any).

use super::{Lower, Module};
use crate::compile::bind::{bind_scope, interpolate, task_texts, Text};
use crate::compile::values;
use crate::compile::TaskSource;
use crate::spec::{
    Amount, Anchor, Condition, Dependency, Expansion, Expr, ParamSpec, ParamType, PhaseSpec,
    Schedule, Step, TaskSpec, TzRef, WorkflowSpec,
};
use crate::syntax::ast;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// Deepest chain of includes (a template including one that includes another...).
const MAX_INCLUDE_DEPTH: usize = 8;

/// An include lowered into the spec: checked once every item of the template is lowered.
pub(super) struct Included {
    pub name: String,
    pub span: Range<usize>,
    /// Its tasks no other of its tasks waits for: what `after NAME` waits for.
    pub last: Vec<String>,
}

/// How one param of the included template is bound.
enum Binding {
    /// Renamed: a param of the including template, or the hidden `NAME.PARAM`.
    Name(String),
    /// A date/datetime param given an anchor: its schedules start from it, offsets prepended.
    Anchor(Anchor, Vec<Amount>),
}

/// A template the main file may include (for the editor: completion, hover, go-to-definition).
#[derive(Debug, Clone)]
pub struct Includable {
    /// The name as the file may write it after `include` (`app_store`, `stores.app_store`).
    pub name: String,
    /// The file that declares it, as the loader names it, and its text.
    pub file: String,
    pub text: String,
    /// Its key in that file.
    pub key_span: Range<usize>,
    pub title: String,
    pub params: Vec<ParamSpec>,
}

/// Every template the file imports (`use ./m { key }` or as `m.key`), each compiled for its title
/// and params. Templates that do not compile are listed with what could be read of them.
pub fn includable(
    file: &str,
    text: &str,
    loader: &dyn crate::compile::ModuleLoader,
) -> Vec<Includable> {
    let parsed = crate::syntax::parse(file, text);
    let mut l = Lower::new(file, loader, vec![file.to_string()]);
    l.add_module(file, text, &parsed.file, 0);
    let mut out = Vec::new();
    for (name, (mi, key)) in &l.modules[0].imports {
        let m = &l.modules[*mi];
        if !m.templates.contains(key) {
            continue;
        }
        let compiled = super::compile_in(
            &m.file,
            &m.text,
            loader,
            vec![file.to_string(), m.file.clone()],
        );
        let key_span = compiled.source_map.template.clone();
        let (title, params) = compiled
            .spec
            .map(|s| (s.name, s.params))
            .unwrap_or_else(|| (key.clone(), Vec::new()));
        out.push(Includable {
            name: name.clone(),
            file: m.file.clone(),
            text: m.text.clone(),
            key_span,
            title,
            params,
        });
    }
    out
}

impl Lower<'_> {
    /// Finds a template by the name used in the main file (imported by `use ./m { key }`, or `m.key`).
    fn lookup_template(&self, name: &str) -> Option<usize> {
        let (mi, n) = self.modules[0].imports.get(name)?;
        self.modules[*mi].templates.contains(n).then_some(*mi)
    }

    fn template_names(&self) -> Vec<String> {
        self.modules[0]
            .imports
            .iter()
            .filter(|(_, (mi, n))| self.modules[*mi].templates.contains(n))
            .map(|(k, _)| k.clone())
            .collect()
    }

    pub(super) fn include(
        &mut self,
        inc: &ast::Include,
        parent: Option<&str>,
        spec: &mut WorkflowSpec,
    ) {
        let tname = &inc.template;
        let Some(mi) = self.lookup_template(&tname.name) else {
            let is_self = spec.key == tname.name;
            let names = self.template_names();
            let help = if is_self {
                "a template cannot include itself; move the shared tasks into their own template file"
                    .to_string()
            } else {
                match crate::syntax::did_you_mean(&tname.name, names.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "import it first: `use ./{0} {{ {0} }}` (a template file next to this one)",
                        tname.name
                    ),
                }
            };
            let code = if is_self { "RWF161" } else { "RWF160" };
            let msg = if is_self {
                format!("template `{}` includes itself", tname.name)
            } else {
                format!("unknown template `{}`", tname.name)
            };
            return self.main_err(code, tname.span.clone(), msg, help);
        };
        let Module { file, text, .. } = &self.modules[mi];
        let (file, text) = (file.clone(), text.clone());
        if self.including.contains(&file) || self.including.len() > MAX_INCLUDE_DEPTH {
            return self.main_err(
                "RWF161",
                tname.span.clone(),
                format!(
                    "including `{}` closes a loop: {} includes it already",
                    tname.name, file
                ),
                "a template may not include itself, directly or through others; move the shared tasks into a third template",
            );
        }
        let mut chain = self.including.clone();
        chain.push(file.clone());
        let compiled = super::compile_in(&file, &text, self.loader, chain);
        let errors: Vec<_> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::diagnostic::Severity::Error)
            .cloned()
            .collect();
        if !errors.is_empty() {
            self.main_err(
                "RWF162",
                tname.span.clone(),
                format!("the included template `{}` has errors", tname.name),
                format!("fix the errors in `{file}` (reported below); `rwf check {file}` shows them alone"),
            );
            // A module's syntax errors are reported once, where it is imported.
            let fresh: Vec<_> = errors
                .into_iter()
                .filter(|e| {
                    !self
                        .diags
                        .iter()
                        .any(|d| format!("{d:?}") == format!("{e:?}"))
                })
                .take(20)
                .collect();
            self.diags.extend(fresh);
            return;
        }
        let Some(inner) = compiled.spec else { return };
        if !self.enclosing.vars.is_empty() && !inner.flow.blocks.is_empty() {
            return self.main_err(
                "RWF166",
                tname.span.clone(),
                format!(
                    "`{}` has a `for each` or `repeat` of its own, and blocks do not nest",
                    tname.name
                ),
                "include it outside the `for each`, once per item, or flatten one of the two blocks",
            );
        }
        let ns = inc.name.name.clone();
        let Some(bindings) = self.include_params(inc, &inner, spec) else {
            return;
        };
        let after = inc.after.iter().map(super::dependency).collect::<Vec<_>>();
        let keys: BTreeSet<&str> = inner.tasks.iter().map(|t| t.key.as_str()).collect();
        let rename = |k: &str| keys.contains(k).then(|| format!("{ns}.{k}"));
        let params = |p: &str| match bindings.get(p) {
            Some(Binding::Name(q)) => Some(q.clone()),
            _ => None,
        };
        let title_of = |s: &str| rename_text(s, &bindings);
        spec.phases.push(PhaseSpec {
            key: ns.clone(),
            title: inc
                .title
                .as_ref()
                .map(|t| t.value.clone())
                .unwrap_or_else(|| title_of(&inner.name)),
            parent: parent.map(str::to_string),
        });
        if let Some(t) = &inc.title {
            self.str_refs(t);
        }
        for ph in &inner.phases {
            spec.phases.push(PhaseSpec {
                key: format!("{ns}.{}", ph.key),
                title: title_of(&ph.title),
                parent: Some(
                    ph.parent
                        .as_ref()
                        .map_or(ns.clone(), |p| format!("{ns}.{p}")),
                ),
            });
        }
        let waited: BTreeSet<&str> = inner
            .tasks
            .iter()
            .flat_map(|t| t.depends_on.iter().map(|d| d.task.as_str()))
            .collect();
        let last = inner
            .tasks
            .iter()
            .filter(|t| !waited.contains(t.key.as_str()))
            .map(|t| format!("{ns}.{}", t.key))
            .collect();
        let origin = format!("include {} as {ns}", tname.name);
        for t in &inner.tasks {
            let mut t = t.clone();
            t.key = format!("{ns}.{}", t.key);
            crate::compile::expand::rename_refs(&mut t, &keys, &rename);
            rename_task_params(&mut t, &bindings, &inner);
            if let Some(c) = &mut t.when {
                c.rename_params(&params);
            }
            t.phase = Some(t.phase.map_or(ns.clone(), |p| format!("{ns}.{p}")));
            // The included template's own calendar and blackout rule stay with its tasks.
            if t.calendar.is_none() && inner.calendar != spec.calendar {
                t.calendar = inner.calendar.clone();
            }
            if t.on_blackout.is_none() && inner.on_blackout != spec.on_blackout {
                t.on_blackout = Some(inner.on_blackout);
            }
            if t.depends_on.is_empty() {
                t.depends_on = after.clone();
            }
            // Conditions: the enclosing phases', the included task's own (on params, or run time).
            let own = inner
                .flow
                .when
                .get(&t.key[ns.len() + 1..])
                .cloned()
                .map(|mut c| {
                    c.rename_params(&params);
                    c
                });
            let run_time = t.when.take();
            let mut all: Vec<Condition> = self
                .enclosing
                .when
                .iter()
                .map(|(c, _)| c.clone())
                .chain(own)
                .chain(run_time)
                .collect();
            let cond = match all.len() {
                0 => None,
                1 => all.pop(),
                _ => Some(Condition::And { all }),
            };
            match cond {
                Some(c) if c.reads_outputs() => t.when = Some(c),
                Some(c) => {
                    spec.flow.when.insert(t.key.clone(), c);
                }
                None => {}
            }
            self.map.tasks.push(TaskSource {
                key: inc.name.span.clone(),
                whole: inc.span.clone(),
                deps: vec![inc.header.clone(); t.depends_on.len()],
                include: Some(origin.clone()),
                bound: self.enclosing.vars.last().cloned(),
                ..TaskSource::default()
            });
            spec.tasks.push(t);
        }
        for b in &inner.flow.blocks {
            let mut b = b.clone();
            b.tasks = b.tasks.iter().map(|k| format!("{ns}.{k}")).collect();
            match &mut b.expansion {
                Expansion::ForEach { param, .. } => {
                    if let Some(q) = params(param) {
                        *param = q;
                    }
                }
                Expansion::ForEachOutput { task, .. } => *task = format!("{ns}.{task}"),
                Expansion::Repeat {
                    from,
                    until,
                    at_occurrence,
                    ..
                } => {
                    for s in [&mut **from, &mut **until] {
                        rename_schedule(s, &bindings, &inner, &rename);
                    }
                    for k in at_occurrence.iter_mut() {
                        *k = format!("{ns}.{k}");
                    }
                }
            }
            spec.flow.blocks.push(b);
        }
        for (key, cal) in inner.calendars {
            spec.calendars.entry(key).or_insert(cal);
        }
        for h in inner.hooks {
            if !spec.hooks.iter().any(|x| x.path == h.path) {
                spec.hooks.push(h);
            }
        }
        self.included.push(Included {
            name: ns,
            span: inc.name.span.clone(),
            last,
        });
    }

    /// Binds every param of the included template from the include's arguments (RWF164 for a value
    /// of the wrong type, RWF165 for a missing or unknown one). `None` when any is wrong.
    fn include_params(
        &mut self,
        inc: &ast::Include,
        inner: &WorkflowSpec,
        spec: &mut WorkflowSpec,
    ) -> Option<BTreeMap<String, Binding>> {
        let ns = &inc.name.name;
        let tname = &inc.template.name;
        let mut ok = true;
        let mut seen = BTreeSet::new();
        for a in &inc.args {
            if !seen.insert(a.param.name.clone()) {
                ok = false;
                self.main_err(
                    "RWF165",
                    a.param.span.clone(),
                    format!("`{}` is given twice", a.param.name),
                    "give each param once",
                );
            } else if !inner.params.iter().any(|p| p.name == a.param.name) {
                ok = false;
                let names = inner.params.iter().map(|p| p.name.as_str());
                let help = match crate::syntax::did_you_mean(&a.param.name, names.clone()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("`{tname}` takes: {}", names.collect::<Vec<_>>().join(", ")),
                };
                self.main_err(
                    "RWF165",
                    a.param.span.clone(),
                    format!("template `{tname}` has no param `{}`", a.param.name),
                    help,
                );
            }
        }
        let mut out = BTreeMap::new();
        let zone_param = match &inner.target.timezone {
            TzRef::Param(z) => Some(z.as_str()),
            TzRef::Literal(_) => None,
        };
        for p in &inner.params {
            let arg = inc.args.iter().find(|a| a.param.name == p.name);
            let dated = matches!(p.ty, ParamType::Date | ParamType::Datetime);
            let binding = match arg.map(|a| &a.value) {
                Some(ast::IncludeValue::Anchor(s)) if dated => self.include_anchor(s, spec),
                Some(ast::IncludeValue::Anchor(s)) => {
                    self.main_err(
                        "RWF164",
                        s.span(),
                        format!(
                            "`{}` is a {}; only a date or datetime param takes an anchor",
                            p.name,
                            values::type_name(&p.ty)
                        ),
                        format!("give {}", values::example(&p.ty)),
                    );
                    None
                }
                Some(ast::IncludeValue::Value(v)) => match &v.kind {
                    ast::ValueKind::Name(path) if dated => {
                        let s = ast::Schedule::Relative {
                            anchor: ast::Ident {
                                name: path.join("."),
                                span: v.span.clone(),
                            },
                            words: None,
                            align: Vec::new(),
                            offsets: Vec::new(),
                            time: None,
                            tz: None,
                            span: v.span.clone(),
                        };
                        self.include_anchor(&s, spec)
                    }
                    ast::ValueKind::Name(path) => self.include_name(p, path, v.span.clone(), spec),
                    _ => match values::typed(v, &p.ty) {
                        Ok(j) => Some(self.hidden(ns, p, j, v.span.clone(), spec)),
                        Err(found) => {
                            self.main_err(
                                "RWF164",
                                v.span.clone(),
                                format!(
                                    "`{}` of `{tname}` is a {}: {found}",
                                    p.name,
                                    values::type_name(&p.ty)
                                ),
                                format!("give {}", values::example(&p.ty)),
                            );
                            None
                        }
                    },
                },
                None if p.name == inner.target.param => {
                    Some(Binding::Anchor(Anchor::Release, Vec::new()))
                }
                None if Some(p.name.as_str()) == zone_param && p.default.is_none() => {
                    Some(match &spec.target.timezone {
                        TzRef::Param(q) => Binding::Name(q.clone()),
                        TzRef::Literal(z) => {
                            self.hidden(ns, p, Json::String(z.clone()), inc.name.span.clone(), spec)
                        }
                    })
                }
                None => match &p.default {
                    Some(d) => Some(self.hidden(ns, p, d.clone(), inc.name.span.clone(), spec)),
                    None => {
                        self.main_err(
                            "RWF165",
                            inc.header.clone(),
                            format!(
                                "`include {tname} as {ns}` does not give `{}`, which has no default",
                                p.name
                            ),
                            format!(
                                "add `{} = ...` inside the braces ({})",
                                p.name,
                                values::example(&p.ty)
                            ),
                        );
                        None
                    }
                },
            };
            match binding {
                Some(b) => {
                    out.insert(p.name.clone(), b);
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A date/datetime param bound to an anchor of the including template (`release - 2 weeks`,
    /// `kickoff.end`, `cycle_start`): offsets only (RWF164 for an alignment, time or zone).
    fn include_anchor(&mut self, s: &ast::Schedule, spec: &WorkflowSpec) -> Option<Binding> {
        let mut src = TaskSource::default();
        let target = spec.target.param.clone();
        match self.schedule(s, &mut src, &target, &spec.params)? {
            Schedule::Relative {
                anchor,
                offsets,
                align,
                then,
                time_of_day: None,
                timezone: None,
            } if align.is_empty() && then.is_empty() => Some(Binding::Anchor(anchor, offsets)),
            _ => {
                self.main_err(
                    "RWF164",
                    s.span(),
                    "an anchor given to an include is an anchor and offsets only",
                    "write e.g. `release = release - 2 weeks`; set times of day and alignments in the included template",
                );
                None
            }
        }
    }

    /// A non-date param bound to a param of the including template of the same type.
    fn include_name(
        &mut self,
        p: &ParamSpec,
        path: &[String],
        span: Range<usize>,
        spec: &WorkflowSpec,
    ) -> Option<Binding> {
        let name = path.join(".");
        // Inside a `for each`: the item (`platform = locale`), copied per item.
        let item = self
            .enclosing
            .var_params
            .iter()
            .find(|q| q.name == name)
            .cloned();
        match item
            .as_ref()
            .or_else(|| spec.params.iter().find(|q| q.name == name))
        {
            Some(q) if q.ty == p.ty => {
                self.param_ref(&name, span);
                Some(Binding::Name(name))
            }
            Some(q) => {
                self.param_ref(&name, span.clone());
                self.main_err(
                    "RWF164",
                    span,
                    format!(
                        "`{name}` is a {}, but `{}` takes a {}",
                        values::type_name(&q.ty),
                        p.name,
                        values::type_name(&p.ty)
                    ),
                    format!(
                        "give a {} param, or a literal: {}",
                        values::type_name(&p.ty),
                        values::example(&p.ty)
                    ),
                );
                None
            }
            None => {
                let names = spec
                    .params
                    .iter()
                    .filter(|q| q.ty == p.ty)
                    .map(|q| q.name.as_str());
                let help = match crate::syntax::did_you_mean(&name, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "give a param of this template, or a literal: {}",
                        values::example(&p.ty)
                    ),
                };
                self.main_err(
                    "RWF164",
                    span,
                    format!("`{name}` is not a param of this template"),
                    help,
                );
                None
            }
        }
    }

    /// The param `NAME.PARAM`, declared with `value` as its default (a `--set` may still change it).
    fn hidden(
        &mut self,
        ns: &str,
        p: &ParamSpec,
        value: Json,
        span: Range<usize>,
        spec: &mut WorkflowSpec,
    ) -> Binding {
        let name = format!("{ns}.{}", p.name);
        spec.params.push(ParamSpec {
            name: name.clone(),
            ty: p.ty.clone(),
            default: Some(value),
            description: Some(match &p.description {
                Some(d) => format!("{d} (of `{ns}`)"),
                None => format!("`{}` of the included `{ns}`", p.name),
            }),
        });
        self.map.params.push(span);
        Binding::Name(name)
    }

    /// After every item: the include's name may not be a task's or another include's (RWF163), and
    /// `after NAME` waits for the include's last tasks.
    pub(super) fn finish_includes(&mut self, spec: &mut WorkflowSpec) {
        let included = std::mem::take(&mut self.included);
        let mut names = BTreeSet::new();
        for inc in &included {
            let clash = if !names.insert(inc.name.as_str()) {
                Some(format!("another include is named `{}`", inc.name))
            } else if spec.tasks.iter().any(|t| t.key == inc.name) {
                Some(format!("a task is named `{}`", inc.name))
            } else if spec.phases.iter().filter(|p| p.key == inc.name).count()
                > included.iter().filter(|i| i.name == inc.name).count()
            {
                Some(format!("a phase is named `{}`", inc.name))
            } else {
                None
            };
            if let Some(why) = clash {
                self.main_err(
                    "RWF163",
                    inc.span.clone(),
                    format!("the include `{}` clashes with another name: {why}", inc.name),
                    "rename the include (`as ios_app`) or the task: `after NAME` and the keys `NAME.KEY` must mean one thing",
                );
            }
        }
        for (i, t) in spec.tasks.iter_mut().enumerate() {
            if !t
                .depends_on
                .iter()
                .any(|d| included.iter().any(|inc| inc.name == d.task))
            {
                continue;
            }
            let spans = self
                .map
                .tasks
                .get(i)
                .map(|s| s.deps.clone())
                .unwrap_or_default();
            let mut deps = Vec::new();
            let mut dep_spans = Vec::new();
            for (j, d) in std::mem::take(&mut t.depends_on).into_iter().enumerate() {
                let span = spans.get(j).cloned().unwrap_or_default();
                match included.iter().find(|inc| inc.name == d.task) {
                    Some(inc) => {
                        for k in &inc.last {
                            deps.push(Dependency {
                                task: k.clone(),
                                outcome: d.outcome,
                            });
                            dep_spans.push(span.clone());
                        }
                    }
                    None => {
                        deps.push(d);
                        dep_spans.push(span);
                    }
                }
            }
            t.depends_on = deps;
            if let Some(s) = self.map.tasks.get_mut(i) {
                s.deps = dep_spans;
            }
        }
    }
}

/// The names of a template's includes, in its body and its phases.
pub(super) fn names(t: &ast::Template) -> BTreeSet<String> {
    fn block(b: &ast::Block, out: &mut BTreeSet<String>) {
        out.extend(b.includes.iter().map(|i| i.name.name.clone()));
    }
    fn phase(p: &ast::Phase, out: &mut BTreeSet<String>) {
        for i in &p.items {
            match i {
                ast::PhaseItem::Include(inc) => {
                    out.insert(inc.name.name.clone());
                }
                ast::PhaseItem::Phase(inner) => phase(inner, out),
                ast::PhaseItem::Block(b) => block(b, out),
                ast::PhaseItem::Task(_) => {}
            }
        }
    }
    let mut out = BTreeSet::new();
    for i in &t.items {
        match i {
            ast::TemplateItem::Include(inc) => {
                out.insert(inc.name.name.clone());
            }
            ast::TemplateItem::Phase(p) => phase(p, &mut out),
            ast::TemplateItem::Block(b) => block(b, &mut out),
            _ => {}
        }
    }
    out
}

/// `${p}` → `${q}` for each param renamed.
fn rename_text(s: &str, bindings: &BTreeMap<String, Binding>) -> String {
    interpolate(s, &renamed_values(bindings))
}

fn renamed_values(bindings: &BTreeMap<String, Binding>) -> BTreeMap<String, Json> {
    bindings
        .iter()
        .filter_map(|(p, b)| match b {
            Binding::Name(q) => Some((p.clone(), Json::String(format!("${{{q}}}")))),
            Binding::Anchor(..) => None,
        })
        .collect()
}

fn rename_expr(
    e: &mut Expr,
    bindings: &BTreeMap<String, Binding>,
    values: &BTreeMap<String, Json>,
) {
    match e {
        Expr::Param(p) => {
            if let Some(Binding::Name(q)) = bindings.get(p.as_str()) {
                *p = q.clone();
            }
        }
        Expr::Template(s) => *s = interpolate(s, values),
        Expr::List(items) => items
            .iter_mut()
            .for_each(|i| rename_expr(i, bindings, values)),
        Expr::Object(map) => map
            .values_mut()
            .for_each(|i| rename_expr(i, bindings, values)),
        Expr::Literal(_) | Expr::Output { .. } => {}
    }
}

/// Renames the params a task reads, and re-anchors its schedules.
fn rename_task_params(
    t: &mut TaskSpec,
    bindings: &BTreeMap<String, Binding>,
    inner: &WorkflowSpec,
) {
    let values = renamed_values(bindings);
    task_texts(t, &mut |x| match x {
        Text::Str(s) => *s = interpolate(s, &values),
        Text::Scope(s) => *s = bind_scope(s, &values),
        Text::Expr(e) => rename_expr(e, bindings, &values),
    });
    let none = |_: &str| None;
    if let Some(s) = &mut t.schedule {
        rename_schedule(s, bindings, inner, &none);
    }
    let mut amounts: Vec<&mut Amount> = t.window.iter_mut().collect();
    match &mut t.step {
        Step::Agent { timeout, .. } | Step::Event { timeout, .. } => {
            amounts.extend(timeout.iter_mut())
        }
        Step::Approval {
            deadline,
            remind_every,
            ..
        } => amounts.extend(deadline.iter_mut().chain(remind_every.iter_mut())),
        Step::Wait { duration, until } => {
            amounts.extend(duration.iter_mut());
            if let Some(s) = until {
                rename_schedule(s, bindings, inner, &none);
            }
        }
        _ => {}
    }
    for a in amounts {
        rename_amount(a, bindings);
    }
}

fn rename_amount(a: &mut Amount, bindings: &BTreeMap<String, Binding>) {
    if let Amount::Param { param, .. } = a {
        if let Some(Binding::Name(q)) = bindings.get(param.as_str()) {
            *param = q.clone();
        }
    }
}

/// A schedule of the included template read in the including one: its anchor param (or release)
/// replaced by what the include binds it to, its duration params renamed.
fn rename_schedule(
    s: &mut Schedule,
    bindings: &BTreeMap<String, Binding>,
    inner: &WorkflowSpec,
    rename_task: &dyn Fn(&str) -> Option<String>,
) {
    let Schedule::Relative {
        anchor,
        offsets,
        then,
        ..
    } = s
    else {
        return;
    };
    for a in offsets.iter_mut().chain(then.iter_mut()) {
        rename_amount(a, bindings);
    }
    let param = match anchor {
        Anchor::Release => inner.target.param.clone(),
        Anchor::Param { param } => param.clone(),
        Anchor::Task { task, .. } => {
            if let Some(k) = rename_task(task) {
                *task = k;
            }
            return;
        }
    };
    match bindings.get(&param) {
        Some(Binding::Anchor(a, before)) => {
            *anchor = a.clone();
            let mut all = before.clone();
            all.append(offsets);
            *offsets = all;
        }
        Some(Binding::Name(q)) => *anchor = Anchor::Param { param: q.clone() },
        None => {}
    }
}
