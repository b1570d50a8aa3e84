//! AST → `WorkflowSpec`: modules and imports, named policies, calendars, params, phases and tasks,
//! with every position recorded in the `SourceMap`.

use super::policy::{self, Layer};
use super::values::{self, classify, NameUse};
use super::{Compiled, ModuleLoader, NameRef, SourceMap, Suppression, TaskSource};
use crate::diagnostic::Diagnostic;
use crate::spec::{
    Amount, Anchor, AnchorPoint, Backoff, Blackout, BlackoutRule, CalendarSpec, DateRange,
    Dependency, EdgeOutcome, ExpirePolicy, Holiday, HookFile, ParamSpec, ParamType, PhaseSpec,
    RejectPolicy, Risk, Schedule, Step, TaskSpec, TimeoutPolicy, TzRef, WorkflowSpec,
};
use crate::syntax::ast::{self, FieldKind, Item, PolicyItem, TemplateItem};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

mod block;
mod include;

pub use include::{includable, Includable};

/// Deepest chain of `use` between local modules.
const MAX_MODULE_DEPTH: usize = 16;

struct Module {
    file: String,
    /// The module's text (an included template is compiled from it).
    text: String,
    /// The key of the template the module declares, if any (`include` can name it).
    templates: BTreeSet<String>,
    policies: BTreeMap<String, ast::PolicyDecl>,
    calendars: BTreeMap<String, ast::CalendarDecl>,
    /// Name as usable in this module → (module index, name there).
    imports: BTreeMap<String, (usize, String)>,
}

struct Lower<'a> {
    loader: &'a dyn ModuleLoader,
    modules: Vec<Module>,
    diags: Vec<Diagnostic>,
    map: SourceMap,
    /// Module files being loaded (cycle guard).
    loading: Vec<String>,
    /// The phases and block around the task being lowered.
    enclosing: block::Enclosing,
    /// (task, task whose output its run-time condition reads, where): checked once all are lowered.
    reads: Vec<(String, String, Range<usize>)>,
    /// Files of the templates being compiled, outermost first (this one last): an include cycle guard.
    including: Vec<String>,
    /// The includes lowered so far, checked once every item is.
    included: Vec<include::Included>,
    /// The names of the template's includes (`ios`): `ios.submit` names one of their tasks.
    include_names: BTreeSet<String>,
    /// (index in `spec.flow.blocks`, where the source is written) of each `for each` over an
    /// upstream's output: checked once all tasks are lowered.
    fanouts: Vec<(usize, Range<usize>)>,
}

pub fn compile(file: &str, text: &str, loader: &dyn ModuleLoader) -> Compiled {
    compile_in(file, text, loader, vec![file.to_string()])
}

/// Compiles a file whose template is included by the templates of `including` (it is the last).
fn compile_in(
    file: &str,
    text: &str,
    loader: &dyn ModuleLoader,
    including: Vec<String>,
) -> Compiled {
    let parsed = crate::syntax::parse(file, text);
    let mut l = Lower::new(file, loader, including);
    l.diags = parsed.diagnostics;
    l.map.suppressions = suppressions(text, &parsed.file.comments);
    l.add_module(file, text, &parsed.file, 0);
    let template = parsed.file.items.iter().find_map(|i| match i {
        Item::Template(t) => Some(t),
        _ => None,
    });
    let spec = match template {
        Some(t) if !t.key.name.is_empty() => Some(l.template(t)),
        Some(_) => None,
        None => {
            if parsed.file.items.is_empty() || !crate::diagnostic::has_errors(&l.diags) {
                // A module (policies, calendars) is fine without a template; say so only for files
                // that look like they meant to be one.
                if !parsed
                    .file
                    .items
                    .iter()
                    .any(|i| matches!(i, Item::Policy(_) | Item::Calendar(_) | Item::Use(_)))
                {
                    l.diags.push(
                        Diagnostic::error("RWF058", "no template in this file")
                            .in_file(file)
                            .at(0..0)
                            .help("declare one: `template key \"Name\" { ... }`"),
                    );
                }
            }
            None
        }
    };
    Compiled {
        spec,
        source_map: l.map,
        diagnostics: l.diags,
    }
}

/// Parses a module; stdlib modules (fixed text) are parsed once per process.
fn parse_module(display: &str, text: &str) -> std::sync::Arc<crate::syntax::Parsed> {
    use std::sync::{Arc, Mutex, OnceLock};
    type Cache = Mutex<BTreeMap<(String, String), Arc<crate::syntax::Parsed>>>;
    static STD: OnceLock<Cache> = OnceLock::new();
    if !display.starts_with("std/") {
        return Arc::new(crate::syntax::parse(display, text));
    }
    let cache = STD.get_or_init(|| Mutex::new(BTreeMap::new()));
    let key = (display.to_string(), text.to_string());
    if let Some(p) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return p;
    }
    let parsed = Arc::new(crate::syntax::parse(display, text));
    if let Ok(mut c) = cache.lock() {
        c.insert(key, parsed.clone());
    }
    parsed
}

fn suppressions(text: &str, comments: &[ast::Comment]) -> Vec<Suppression> {
    let index = crate::diagnostic::LineIndex::new(text);
    comments
        .iter()
        .filter_map(|c| {
            let body = c.text.trim_start_matches('/').trim();
            let rest = body.strip_prefix("rwf-ignore")?;
            let rest = rest.trim();
            let (code, reason) = match rest.split_once(':') {
                Some((code, reason)) => (code.trim(), Some(reason.trim())),
                None => (rest, None),
            };
            Some(Suppression {
                code: code.to_string(),
                reason: reason.filter(|r| !r.is_empty()).map(str::to_string),
                line: index.line_col(c.span.start).line,
                span: c.span.clone(),
            })
        })
        .collect()
}

impl<'a> Lower<'a> {
    fn new(file: &str, loader: &'a dyn ModuleLoader, including: Vec<String>) -> Lower<'a> {
        Lower {
            loader,
            modules: Vec::new(),
            diags: Vec::new(),
            map: SourceMap {
                file: file.to_string(),
                ..SourceMap::default()
            },
            loading: vec![file.to_string()],
            enclosing: block::Enclosing::default(),
            reads: Vec::new(),
            including,
            included: Vec::new(),
            include_names: BTreeSet::new(),
            fanouts: Vec::new(),
        }
    }
}

impl Lower<'_> {
    fn err(
        &mut self,
        code: &'static str,
        file: usize,
        span: Range<usize>,
        msg: String,
        help: String,
    ) {
        let f = self
            .modules
            .get(file)
            .map(|m| m.file.clone())
            .unwrap_or_default();
        self.diags
            .push(Diagnostic::error(code, msg).in_file(f).at(span).help(help));
    }

    fn main_err(
        &mut self,
        code: &'static str,
        span: Range<usize>,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.err(code, 0, span, msg.into(), help.into());
    }

    /// Registers a parsed file as a module and loads its imports. Returns its index.
    fn add_module(&mut self, file: &str, text: &str, parsed: &ast::File, depth: usize) -> usize {
        let idx = self.modules.len();
        let mut module = Module {
            file: file.to_string(),
            text: text.to_string(),
            templates: BTreeSet::new(),
            policies: BTreeMap::new(),
            calendars: BTreeMap::new(),
            imports: BTreeMap::new(),
        };
        let add_policy = |m: &mut Module, p: &ast::PolicyDecl| {
            m.policies
                .entry(p.name.name.clone())
                .or_insert_with(|| p.clone());
        };
        for item in &parsed.items {
            match item {
                Item::Policy(p) => add_policy(&mut module, p),
                Item::Calendar(c) => {
                    module
                        .calendars
                        .entry(c.name.name.clone())
                        .or_insert_with(|| c.clone());
                }
                Item::Template(t) => {
                    module.templates.insert(t.key.name.clone());
                    for ti in &t.items {
                        match ti {
                            TemplateItem::Policy(p) => add_policy(&mut module, p),
                            TemplateItem::Calendar(c) => {
                                module
                                    .calendars
                                    .entry(c.name.name.clone())
                                    .or_insert_with(|| c.clone());
                            }
                            _ => {}
                        }
                    }
                }
                Item::Use(_) => {}
            }
        }
        self.modules.push(module);
        for item in &parsed.items {
            if let Item::Use(u) = item {
                self.load_use(idx, u, depth);
            }
        }
        idx
    }

    fn load_use(&mut self, from: usize, u: &ast::UseDecl, depth: usize) {
        let from_file = self.modules[from].file.clone();
        let (display, text) = match self.loader.load(&from_file, &u.path) {
            Ok(x) => x,
            Err(e) => {
                return self.err(
                    "RWF050",
                    from,
                    u.path_span.clone(),
                    format!("unknown module `{}`", u.path),
                    e,
                )
            }
        };
        if self.loading.contains(&display) || depth >= MAX_MODULE_DEPTH {
            return self.err(
                "RWF067",
                from,
                u.path_span.clone(),
                format!(
                    "module `{}` imports itself (directly or through others)",
                    u.path
                ),
                "break the cycle: move the shared items into a third module".into(),
            );
        }
        let parsed = parse_module(&display, &text);
        if crate::diagnostic::has_errors(&parsed.diagnostics) {
            self.err(
                "RWF061",
                from,
                u.path_span.clone(),
                format!("module `{}` has syntax errors", u.path),
                format!("fix the errors in `{display}` (reported below)"),
            );
            self.diags
                .extend(parsed.diagnostics.iter().take(20).cloned());
        }
        self.loading.push(display.clone());
        let mi = self.add_module(&display, &text, &parsed.file, depth + 1);
        self.loading.pop();
        let alias = u.alias().to_string();
        let names: Vec<String> = self.modules[mi]
            .policies
            .keys()
            .chain(self.modules[mi].calendars.keys())
            .chain(self.modules[mi].templates.iter())
            .cloned()
            .collect();
        for n in &names {
            self.modules[from]
                .imports
                .insert(format!("{alias}.{n}"), (mi, n.clone()));
        }
        if let Some(list) = &u.names {
            for name in list {
                if names.contains(&name.name) {
                    self.modules[from]
                        .imports
                        .insert(name.name.clone(), (mi, name.name.clone()));
                } else {
                    let help = match crate::syntax::did_you_mean(
                        &name.name,
                        names.iter().map(String::as_str),
                    ) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("`{}` exports: {}", u.path, names.join(", ")),
                    };
                    self.err(
                        "RWF051",
                        from,
                        name.span.clone(),
                        format!("module `{}` has no `{}`", u.path, name.name),
                        help,
                    );
                }
            }
        }
    }

    /// Finds a policy or calendar by the name used in module `m`.
    fn lookup(&self, m: usize, name: &str, calendars: bool) -> Option<(usize, String)> {
        let module = &self.modules[m];
        let local = if calendars {
            module.calendars.contains_key(name)
        } else {
            module.policies.contains_key(name)
        };
        if local {
            return Some((m, name.to_string()));
        }
        let (mi, n) = module.imports.get(name)?;
        let there = &self.modules[*mi];
        let ok = if calendars {
            there.calendars.contains_key(n)
        } else {
            there.policies.contains_key(n)
        };
        ok.then(|| (*mi, n.clone()))
    }

    fn known_names(&self, m: usize, calendars: bool) -> Vec<String> {
        let module = &self.modules[m];
        let mut names: Vec<String> = if calendars {
            module.calendars.keys().cloned().collect()
        } else {
            module.policies.keys().cloned().collect()
        };
        for (k, (mi, n)) in &module.imports {
            let there = &self.modules[*mi];
            let ok = if calendars {
                there.calendars.contains_key(n)
            } else {
                there.policies.contains_key(n)
            };
            if ok {
                names.push(k.clone());
            }
        }
        names
    }

    fn unknown(&mut self, m: usize, name: &ast::Ident, calendars: bool) {
        let names = self.known_names(m, calendars);
        let what = if calendars { "calendar" } else { "policy" };
        let help = match crate::syntax::did_you_mean(&name.name, names.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None if names.is_empty() => format!(
                "declare `{what} {} {{ ... }}` or import one (e.g. `use std/{}`)",
                name.name,
                if calendars {
                    "calendars { us_federal }"
                } else {
                    "policies"
                }
            ),
            None => format!("known {what} names: {}", names.join(", ")),
        };
        let code = if calendars { "RWF053" } else { "RWF052" };
        self.err(
            code,
            m,
            name.span.clone(),
            format!("unknown {what} `{}`", name.name),
            help,
        );
    }

    /// The layer of a named policy, resolved in module `m`.
    fn named_policy(&mut self, m: usize, name: &ast::Ident, stack: &mut Vec<String>) -> Layer {
        let Some((mi, n)) = self.lookup(m, &name.name, false) else {
            self.unknown(m, name, false);
            return Layer::default();
        };
        let key = format!("{mi}:{n}");
        if stack.contains(&key) || stack.len() > 32 {
            self.err(
                "RWF052",
                m,
                name.span.clone(),
                format!("policy `{}` includes itself", name.name),
                "remove the `policy` line that closes the loop".into(),
            );
            return Layer::default();
        }
        stack.push(key);
        let items = self.modules[mi].policies[&n].items.clone();
        let layer = self.layer(mi, &items, stack);
        stack.pop();
        layer
    }

    /// A block of policy items: its named policies first, then its own items on top.
    fn layer(&mut self, m: usize, items: &[PolicyItem], stack: &mut Vec<String>) -> Layer {
        let mut named = Layer::default();
        for item in items {
            if let PolicyItem::Use(name) = item {
                let l = self.named_policy(m, name, stack);
                named.overlay(&l);
            }
        }
        let mut own = Layer::default();
        for item in items {
            self.own_item(m, item, &mut own, stack);
        }
        named.overlay(&own);
        named
    }

    fn own_item(&mut self, m: usize, item: &PolicyItem, own: &mut Layer, stack: &mut Vec<String>) {
        match item {
            PolicyItem::Use(_) => {}
            PolicyItem::Retry(ast::Retry::Named(name), _) => {
                let l = self.named_policy(m, name, stack).retry_only();
                own.overlay(&l);
            }
            PolicyItem::Retry(ast::Retry::Block(b), _) => {
                if let Some((n, span)) = &b.attempts {
                    if *n < 1 || *n > 1000 {
                        self.err(
                            "RWF059",
                            m,
                            span.clone(),
                            format!("`attempts {n}` is out of range"),
                            "attempts counts the first try too: 1 (no retry) to 1000".into(),
                        );
                    }
                    own.attempts = Some((*n).clamp(1, 1000) as u32);
                }
                if let Some((raw, j, span)) = &b.jitter {
                    if !(0.0..=1.0).contains(j) {
                        self.err(
                            "RWF059",
                            m,
                            span.clone(),
                            format!("`jitter {raw}` is out of range"),
                            "jitter is a fraction of each delay, from 0 to 1".into(),
                        );
                    }
                    own.jitter = Some(j.clamp(0.0, 1.0));
                }
                if let Some((backoff, span)) = &b.backoff {
                    own.backoff = Some(match backoff {
                        ast::Backoff::Fixed(d) => Backoff::Fixed {
                            interval: values::span(d),
                        },
                        ast::Backoff::Exponential {
                            initial,
                            factor,
                            cap,
                        } => {
                            let factor = factor.as_ref().map(|(_, f)| *f).unwrap_or(2.0);
                            if factor < 1.0 {
                                self.err(
                                    "RWF059",
                                    m,
                                    span.clone(),
                                    "an exponential backoff factor must be at least 1".into(),
                                    "write e.g. `factor 2`".into(),
                                );
                            }
                            Backoff::Exponential {
                                initial: initial.as_ref().map(values::span).unwrap_or(
                                    crate::spec::Span::new(1, crate::spec::Unit::Minutes),
                                ),
                                factor,
                                cap: cap.as_ref().map(values::span),
                            }
                        }
                    });
                }
            }
            PolicyItem::OnFailure(s, _) => own.on_failure = policy::failure(s),
            PolicyItem::OnMissed(s, _) => own.on_missed = policy::missed(s),
            PolicyItem::OnCancel(s, _) => own.on_cancel = policy::cancel(s),
            PolicyItem::Hook(h) => match policy::hook_point(&h.point.name) {
                Some(p) => {
                    own.hooks.insert(p, h.function.name.clone());
                }
                None => self.err(
                    "RWF069",
                    m,
                    h.point.span.clone(),
                    format!("unknown hook point `{}`", h.point.name),
                    "hook points: retry, missed, gate, approvers, input, notification".into(),
                ),
            },
        }
    }

    /// A calendar fully expanded (includes resolved), by the name used in module `m`.
    fn calendar(
        &mut self,
        m: usize,
        name: &ast::Ident,
        stack: &mut Vec<String>,
    ) -> Option<(String, CalendarSpec)> {
        let Some((mi, n)) = self.lookup(m, &name.name, true) else {
            self.unknown(m, name, true);
            return None;
        };
        let key = format!("{mi}:{n}");
        if stack.contains(&key) || stack.len() > 32 {
            self.err(
                "RWF068",
                m,
                name.span.clone(),
                format!("calendar `{}` includes itself", name.name),
                "remove the `include` that closes the loop".into(),
            );
            return None;
        }
        stack.push(key);
        let decl = self.modules[mi].calendars[&n].clone();
        let mut weekend = None;
        let mut covers: Option<DateRange> = None;
        let mut holidays: BTreeMap<chrono::NaiveDate, String> = BTreeMap::new();
        let mut included_covers: Vec<DateRange> = Vec::new();
        let mut included_weekend = None;
        let mut blackouts: Vec<Blackout> = Vec::new();
        for item in &decl.items {
            match item {
                ast::CalendarItem::Weekend(days, _) => {
                    weekend = Some(
                        days.iter()
                            .filter_map(|d| weekday(&d.name))
                            .collect::<Vec<_>>(),
                    );
                }
                ast::CalendarItem::Covers(from, to, span) => {
                    let (f, t) = (parse_date(from), parse_date(to));
                    match (f, t) {
                        (Some(f), Some(t)) if f <= t => covers = Some(DateRange { from: f, to: t }),
                        _ => self.err(
                            "RWF068",
                            mi,
                            span.clone(),
                            format!("`covers {from} to {to}` is not a valid date range"),
                            "write real dates, the first not after the second".into(),
                        ),
                    }
                }
                ast::CalendarItem::Holiday(date, title, span) => match parse_date(date) {
                    Some(d) => {
                        holidays.insert(d, title.value.clone());
                    }
                    None => self.err(
                        "RWF068",
                        mi,
                        span.clone(),
                        format!("`{date}` is not a valid date"),
                        "write a real date such as `2026-12-24`".into(),
                    ),
                },
                ast::CalendarItem::Include(others, _) => {
                    for other in others {
                        if let Some((_, c)) = self.calendar(mi, other, stack) {
                            for h in c.holidays {
                                holidays.entry(h.date).or_insert(h.name);
                            }
                            blackouts.extend(c.blackouts);
                            included_covers.push(c.covers);
                            included_weekend.get_or_insert(c.weekend);
                        }
                    }
                }
                ast::CalendarItem::Blackout(from, to, reason, span) => {
                    match (parse_date(from), parse_date(to)) {
                        (Some(f), Some(t)) if f <= t => blackouts.push(Blackout {
                            from: f,
                            to: t,
                            reason: reason.value.clone(),
                        }),
                        _ => self.err(
                            "RWF068",
                            mi,
                            span.clone(),
                            format!("`blackout {from} to {to}` is not a valid date range"),
                            "write real dates, the first not after the second".into(),
                        ),
                    }
                }
            }
        }
        stack.pop();
        let covers = covers.or_else(|| {
            included_covers.iter().cloned().reduce(|a, b| DateRange {
                from: a.from.max(b.from),
                to: a.to.min(b.to),
            })
        });
        let Some(covers) = covers else {
            self.err(
                "RWF068",
                mi,
                decl.name.span.clone(),
                format!("calendar `{}` does not say which dates it covers", decl.name.name),
                "add `covers 2025-01-01 to 2030-12-31`: business days outside it are an error, never a guess".into(),
            );
            return None;
        };
        let mut weekend = weekend
            .or(included_weekend)
            .unwrap_or(vec![chrono::Weekday::Sat, chrono::Weekday::Sun]);
        weekend.sort_by_key(|d| d.num_days_from_monday());
        weekend.dedup();
        blackouts.sort_by_key(|b| (b.from, b.to));
        blackouts.dedup();
        if let Some(why) = never_open(&weekend, &covers, &blackouts) {
            self.err(
                crate::schedule::NEVER_OPEN,
                mi,
                decl.name.span.clone(),
                format!("calendar `{}` has no business day: {why}", decl.name.name),
                "list only the days off in `weekend` (e.g. `weekend sat, sun`) and shorten the blackouts".into(),
            );
        }
        Some((
            decl.name.name.clone(),
            CalendarSpec {
                title: decl.title.as_ref().map(|t| t.value.clone()),
                weekend,
                covers,
                holidays: holidays
                    .into_iter()
                    .map(|(date, name)| Holiday { date, name })
                    .collect(),
                blackouts,
            },
        ))
    }

    /// A task's amount: a literal, or a declared `duration` param (else RWF084 and `None`).
    fn amount(&mut self, a: &ast::Amount, params: &[ParamSpec]) -> Option<Amount> {
        let p = match a {
            ast::Amount::Lit(d) => return Some(Amount::Span(values::span(d))),
            ast::Amount::Param(p) => p,
        };
        let (code, span) = (crate::schedule::codes::NOT_A_DURATION, p.span.clone());
        match params.iter().find(|x| x.name == p.name) {
            Some(x) if x.ty == ParamType::Duration => {
                self.param_ref(&p.name, span);
                Some(Amount::param(&p.name))
            }
            Some(x) => {
                self.param_ref(&p.name, span.clone());
                let ty = values::type_name(&x.ty);
                self.main_err(
                    code,
                    span,
                    format!(
                        "param `{}` is a {ty}; only a duration param can be an amount of time",
                        p.name
                    ),
                    format!(
                        "declare it `param {}: duration = 2 weeks`, or write the amount: `2 weeks`",
                        p.name
                    ),
                );
                None
            }
            None => {
                let names = params
                    .iter()
                    .filter(|x| x.ty == ParamType::Duration)
                    .map(|x| x.name.as_str());
                let help = match crate::syntax::did_you_mean(&p.name, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "write an amount such as `2 weeks`, or declare `param {}: duration = 2 weeks`",
                        p.name
                    ),
                };
                self.main_err(
                    code,
                    span,
                    format!("`{}` is not a duration param", p.name),
                    help,
                );
                None
            }
        }
    }

    fn param_ref(&mut self, name: &str, span: Range<usize>) {
        if self.enclosing.vars.iter().any(|v| v == name) {
            return; // a block's item or index, not a param
        }
        self.map.param_refs.push(NameRef {
            name: name.to_string(),
            span,
        });
    }

    fn str_refs(&mut self, s: &ast::Str) {
        for i in &s.interps {
            if i.path.len() == 1 {
                self.param_ref(&i.path[0], i.span.clone());
            }
        }
    }

    fn tz(&mut self, tz: &ast::TzRef) -> String {
        match tz {
            ast::TzRef::Literal(s) => {
                if !values::valid_tz(&s.value) {
                    self.invalid_tz(&s.value, s.span.clone());
                }
                s.value.clone()
            }
            ast::TzRef::Param(p) => {
                self.param_ref(&p.name, p.span.clone());
                format!("${{{}}}", p.name)
            }
        }
    }

    fn invalid_tz(&mut self, name: &str, span: Range<usize>) {
        let suggestion = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|t| t.name())
            .filter(|n| n.eq_ignore_ascii_case(name) || crate::syntax::distance(n, name) <= 2)
            .min_by_key(|n| crate::syntax::distance(n, name));
        let help = match suggestion {
            Some(s) => format!("did you mean `\"{s}\"`?"),
            None => "use an IANA name such as \"Europe/Berlin\" or \"America/New_York\"".into(),
        };
        self.main_err(
            "RWF056",
            span,
            format!("`{name}` is not an IANA timezone"),
            help,
        );
    }

    fn template(&mut self, t: &ast::Template) -> WorkflowSpec {
        self.include_names = include::names(t);
        self.map.template = t.header.clone();
        if let Some(n) = &t.name {
            self.str_refs(n);
        }
        let mut spec = WorkflowSpec {
            name: t
                .name
                .as_ref()
                .map(|n| n.value.clone())
                .unwrap_or_else(|| t.key.name.clone()),
            version: t
                .version
                .as_ref()
                .map(|(v, _)| (*v).clamp(0, u32::MAX as i64) as u32)
                .unwrap_or(1),
            ..WorkflowSpec::new(t.key.name.clone())
        };
        let mut defaults = Layer::default();
        let mut target = None;
        for item in &t.items {
            match item {
                TemplateItem::Description(s, _) => spec.description = Some(s.value.clone()),
                TemplateItem::Param(p) => {
                    let ty = values::param_type(&p.ty);
                    let default = p
                        .default
                        .as_ref()
                        .and_then(|v| match values::typed(v, &ty) {
                            Ok(j) => Some(j),
                            Err(found) => {
                                let code = if ty == crate::spec::ParamType::Timezone
                                    && matches!(v.kind, ast::ValueKind::Str(_))
                                {
                                    "RWF056"
                                } else {
                                    "RWF055"
                                };
                                self.main_err(
                                    code,
                                    v.span.clone(),
                                    format!(
                                        "default of `{}` is not a {}: {found}",
                                        p.name.name,
                                        values::type_name(&ty)
                                    ),
                                    format!("write {}", values::example(&ty)),
                                );
                                None
                            }
                        });
                    if let (Some(ast::ValueKind::Duration(d)), Some(v)) =
                        (p.default.as_ref().map(|v| &v.kind), &p.default)
                    {
                        if let Err(why) = crate::spec::check_param_span(values::span(d)) {
                            self.main_err(
                                crate::schedule::codes::BAD_DURATION_VALUE,
                                v.span.clone(),
                                format!("default of `{}`: {why}", p.name.name),
                                "write a duration of zero to ten years, such as `2 weeks`",
                            );
                        }
                    }
                    self.map.params.push(p.name.span.clone());
                    spec.params.push(ParamSpec {
                        name: p.name.name.clone(),
                        ty,
                        default,
                        description: p.description.as_ref().map(|d| d.value.clone()),
                    });
                }
                TemplateItem::Target(tg) => target = Some(tg.clone()),
                TemplateItem::OnBlackout(words, _) => spec.on_blackout = blackout_rule(&words.name),
                TemplateItem::Horizon(d, span) => {
                    let horizon = values::span(d);
                    if horizon.amount <= 0 {
                        self.main_err(
                            "RWF059",
                            span.clone(),
                            "the horizon must be a positive duration",
                            "write e.g. `horizon 24 months`",
                        );
                    } else {
                        spec.target.horizon = Some(horizon);
                    }
                }
                TemplateItem::Hooks(files, _) => {
                    for f in files {
                        self.hook_file(f, &mut spec);
                    }
                }
                TemplateItem::Defaults(items, _) => {
                    let l = self.layer(0, items, &mut Vec::new());
                    defaults.overlay(&l);
                }
                TemplateItem::CalendarUse(name, _) => {
                    if let Some((key, cal)) = self.calendar(0, name, &mut Vec::new()) {
                        spec.calendar = Some(key.clone());
                        spec.calendars.insert(key, cal);
                    }
                }
                TemplateItem::Calendar(c) => {
                    let ident = c.name.clone();
                    if let Some((key, cal)) = self.calendar(0, &ident, &mut Vec::new()) {
                        spec.calendars.insert(key, cal);
                    }
                }
                _ => {}
            }
        }
        // Top-level calendar declarations are usable too.
        let top_level: Vec<ast::Ident> = self.modules[0]
            .calendars
            .values()
            .map(|c| c.name.clone())
            .collect();
        for ident in top_level {
            if !spec.calendars.contains_key(&ident.name) {
                if let Some((key, cal)) = self.calendar(0, &ident, &mut Vec::new()) {
                    spec.calendars.insert(key, cal);
                }
            }
        }
        self.target(t, target.as_ref(), &mut spec);
        for item in &t.items {
            match item {
                TemplateItem::Phase(p) => self.phase(p, None, &defaults, &mut spec),
                TemplateItem::Task(task) => self.task(task, None, &defaults, &mut spec),
                TemplateItem::Block(b) => self.block(b, None, &defaults, &mut spec),
                TemplateItem::Include(i) => self.include(i, None, &mut spec),
                _ => {}
            }
        }
        self.finish_includes(&mut spec);
        for (task, read, span) in std::mem::take(&mut self.reads) {
            if let Some(p) = super::condition::not_upstream(&spec, &task, &read, span) {
                self.main_err(p.code, p.span, p.message, p.help);
            }
        }
        for (b, span) in std::mem::take(&mut self.fanouts) {
            self.fanout_source(b, span, &mut spec);
        }
        spec
    }

    fn target(&mut self, t: &ast::Template, target: Option<&ast::Target>, spec: &mut WorkflowSpec) {
        let Some(tg) = target else {
            self.main_err(
                "RWF060",
                t.key.span.clone(),
                "the template has no `target`",
                "declare the release param and its zone: `param release: datetime` and `target release in \"Europe/Berlin\"`",
            );
            if spec.params.iter().any(|p| p.name == "tz") {
                spec.target.timezone = TzRef::Param("tz".into());
            }
            return;
        };
        self.map.target = Some(tg.span.clone());
        self.param_ref(&tg.param.name, tg.param.span.clone());
        spec.target.param = tg.param.name.clone();
        match spec.params.iter().find(|p| p.name == tg.param.name) {
            Some(p)
                if matches!(
                    p.ty,
                    crate::spec::ParamType::Datetime | crate::spec::ParamType::Date
                ) => {}
            Some(p) => {
                let ty = values::type_name(&p.ty);
                self.main_err(
                    "RWF060",
                    tg.param.span.clone(),
                    format!("target param `{}` is a {ty}, not a datetime", tg.param.name),
                    format!("declare it as `param {}: datetime`", tg.param.name),
                )
            }
            None => self.main_err(
                "RWF060",
                tg.param.span.clone(),
                format!("target `{}` is not a declared param", tg.param.name),
                format!("declare `param {}: datetime`", tg.param.name),
            ),
        }
        spec.target.timezone = match &tg.tz {
            Some(ast::TzRef::Literal(s)) => {
                if !values::valid_tz(&s.value) {
                    self.invalid_tz(&s.value, s.span.clone());
                }
                TzRef::Literal(s.value.clone())
            }
            Some(ast::TzRef::Param(p)) => {
                self.param_ref(&p.name, p.span.clone());
                TzRef::Param(p.name.clone())
            }
            None if spec.params.iter().any(|p| p.name == "tz") => TzRef::Param("tz".into()),
            None => TzRef::Literal("UTC".into()),
        };
        spec.target.time = tg
            .time
            .as_ref()
            .and_then(|(c, span)| self.clock(c, span.clone()));
    }

    fn hook_file(&mut self, f: &ast::Str, spec: &mut WorkflowSpec) {
        let from = self.modules[0].file.clone();
        match self.loader.load(&from, &f.value) {
            Ok((_, source)) => {
                if spec.hooks.iter().any(|h| h.path == f.value) {
                    return;
                }
                spec.hooks.push(HookFile {
                    path: f.value.clone(),
                    sha256: hex::encode(Sha256::digest(source.as_bytes())),
                    source,
                });
            }
            Err(e) => self.main_err(
                "RWF054",
                f.span.clone(),
                format!("unknown hook file `{}`", f.value),
                format!("{e}; paths are relative to the template, or `std/hooks/NAME.rhai`"),
            ),
        }
    }

    fn phase(
        &mut self,
        p: &ast::Phase,
        parent: Option<&str>,
        defaults: &Layer,
        spec: &mut WorkflowSpec,
    ) {
        if let Some(t) = &p.title {
            self.str_refs(t);
        }
        spec.phases.push(PhaseSpec {
            key: p.key.name.clone(),
            title: p
                .title
                .as_ref()
                .map(|t| t.value.clone())
                .unwrap_or_else(|| p.key.name.clone()),
            parent: parent.map(str::to_string),
        });
        let when = self.block_when(&p.when, spec);
        let pushed = when.is_some();
        self.enclosing.when.extend(when);
        for item in &p.items {
            match item {
                ast::PhaseItem::Phase(inner) => {
                    self.phase(inner, Some(&p.key.name), defaults, spec)
                }
                ast::PhaseItem::Task(t) => self.task(t, Some(&p.key.name), defaults, spec),
                ast::PhaseItem::Block(b) => self.block(b, Some(&p.key.name), defaults, spec),
                ast::PhaseItem::Include(i) => self.include(i, Some(&p.key.name), spec),
            }
        }
        if pushed {
            self.enclosing.when.pop();
        }
    }

    fn schedule(
        &mut self,
        s: &ast::Schedule,
        src: &mut TaskSource,
        target: &str,
        params: &[ParamSpec],
    ) -> Option<Schedule> {
        match s {
            ast::Schedule::Relative {
                anchor,
                words,
                align,
                offsets,
                time,
                tz,
                ..
            } => {
                src.anchor = Some(anchor.span.clone());
                // `translate[de].due`: the copy's key is one part (an item may hold dots).
                let parts: Vec<&str> = match anchor.name.split_once(']') {
                    Some((copy, rest)) => {
                        let copy = &anchor.name[..copy.len() + 1];
                        std::iter::once(copy)
                            .chain(rest.split('.').filter(|p| !p.is_empty()))
                            .collect()
                    }
                    None => anchor.name.split('.').collect(),
                };
                let param = params.iter().find(|p| parts == [p.name.as_str()]);
                let anchor_spec = match parts.as_slice() {
                    ["release", ..] => Anchor::Release,
                    [p] if *p == target => {
                        self.param_ref(p, anchor.span.clone());
                        Anchor::Release
                    }
                    [p] if param.is_some() => {
                        self.param_ref(p, anchor.span.clone());
                        let ty = param.map(|x| &x.ty);
                        if !matches!(ty, Some(ParamType::Date | ParamType::Datetime)) {
                            let ty = ty.map(values::type_name).unwrap_or_default();
                            self.main_err(
                                "RWF059",
                                anchor.span.clone(),
                                format!("param `{p}` is a {ty}; only a date or datetime param can be an anchor"),
                                "declare it `param NAME: date` (or `datetime`), or anchor to `release` or a task",
                            );
                            return None;
                        }
                        Anchor::Param {
                            param: p.to_string(),
                        }
                    }
                    [task] => Anchor::Task {
                        task: task.to_string(),
                        point: AnchorPoint::Due,
                    },
                    [task @ .., point] if matches!(*point, "start" | "due" | "end") => {
                        Anchor::Task {
                            task: task.join("."),
                            point: match *point {
                                "start" => AnchorPoint::Start,
                                "end" => AnchorPoint::End,
                                _ => AnchorPoint::Due,
                            },
                        }
                    }
                    // A task of an included template: `ios.submit`.
                    [first, ..] if self.include_names.contains(*first) => Anchor::Task {
                        task: anchor.name.clone(),
                        point: AnchorPoint::Due,
                    },
                    _ => {
                        self.main_err(
                            "RWF059",
                            anchor.span.clone(),
                            format!("`{}` is not an anchor", anchor.name),
                            "anchor to `release` or a task: `kickoff`, `kickoff.start`, `kickoff.due`, `kickoff.end`",
                        );
                        return None;
                    }
                };
                let mut spans = Vec::new();
                let mut then = Vec::new();
                if let Some((d, before)) = words {
                    let sp = self.amount(d, params)?;
                    let sp = if *before { sp.negate() } else { sp };
                    // `2 days after first monday of X`: the words offset is applied to the alignment.
                    if align.is_empty() {
                        spans.push(sp);
                    } else {
                        then.push(sp);
                    }
                }
                for (minus, d) in offsets {
                    let sp = self.amount(d, params)?;
                    spans.push(if *minus { sp.negate() } else { sp });
                }
                // Written outermost first; applied innermost first.
                let align = align
                    .iter()
                    .rev()
                    .map(super::align::lower)
                    .collect::<Vec<_>>();
                let time_of_day = time
                    .as_ref()
                    .and_then(|(t, span)| self.clock(t, span.clone()));
                let timezone = tz.as_ref().map(|z| self.tz(z));
                Some(Schedule::Relative {
                    anchor: anchor_spec,
                    offsets: spans,
                    align,
                    then,
                    time_of_day,
                    timezone,
                })
            }
            ast::Schedule::Pinned {
                date,
                time,
                tz,
                span,
            } => {
                let Some(d) = parse_date(date) else {
                    self.main_err(
                        "RWF059",
                        span.clone(),
                        format!("`{date}` is not a valid date"),
                        "write a real date such as `2026-10-01`",
                    );
                    return None;
                };
                let t = match time {
                    Some((t, sp)) => self.clock(t, sp.clone())?,
                    None => chrono::NaiveTime::MIN,
                };
                let timezone = tz.as_ref().map(|z| self.tz(z));
                Some(Schedule::Pinned {
                    at: d.and_time(t),
                    timezone,
                })
            }
        }
    }

    fn clock(&mut self, t: &str, span: Range<usize>) -> Option<chrono::NaiveTime> {
        match chrono::NaiveTime::parse_from_str(t, "%H:%M") {
            Ok(x) => Some(x),
            Err(_) => {
                self.main_err(
                    "RWF059",
                    span,
                    format!("`{t}` is not a time of day"),
                    "write a 24-hour time from `00:00` to `23:59`",
                );
                None
            }
        }
    }

    fn scopes(&mut self, scopes: &[ast::Scope]) -> Vec<crate::spec::Scope> {
        scopes
            .iter()
            .map(|s| {
                self.str_refs(&s.name);
                values::scope(s)
            })
            .collect()
    }

    fn task(
        &mut self,
        t: &ast::Task,
        phase: Option<&str>,
        defaults: &Layer,
        spec: &mut WorkflowSpec,
    ) {
        let mut src = TaskSource {
            key: t.key.span.clone(),
            whole: t.span.clone(),
            bound: self.enclosing.vars.last().cloned(),
            ..TaskSource::default()
        };
        if let Some(title) = &t.title {
            self.str_refs(title);
        }
        let kind = t.kind.as_str();
        let mut seen: BTreeSet<&'static str> = BTreeSet::new();
        let repeatable = ["after", "labels", "hook", "policy"];
        let mut schedule = None;
        let mut window = None;
        let mut deps = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        let mut risk = None;
        let mut required = true;
        let mut pre_release = false;
        let mut policy_items: Vec<PolicyItem> = Vec::new();
        // Step fields.
        let mut uses = None;
        let mut input = BTreeMap::new();
        let mut timeout = None;
        let mut approvers = Vec::new();
        let mut quorum = None;
        let mut deadline = None;
        let mut remind = None;
        let mut on_reject = RejectPolicy::NeedsRevision;
        let mut on_expire = ExpirePolicy::Remind;
        let mut not_author_of = None;
        let mut instructions = None;
        let mut assignee = None;
        let mut to = Vec::new();
        let mut message = None;
        let mut wait_for = None;
        // `for NAME` with a bad name is reported once (RWF084), not again as a wait without an end.
        let mut wait_for_given = false;
        let mut until = None;
        let mut calendar = None;
        let mut on_blackout = None;
        let mut when = None;
        let mut reads = Vec::new();
        let mut event_name: Option<String> = None;
        let mut matches = BTreeMap::new();
        let mut on_timeout = TimeoutPolicy::Fail;
        let mut at_occurrence = false;
        let target = spec.target.param.clone();
        for f in &t.fields {
            let kw = f.kind.keyword();
            if !allowed(kind, kw) {
                let help = match crate::syntax::step_fields(kind) {
                    [] => format!("a {kind} step takes only the common fields (at, after, window, retry, ...)"),
                    own => format!("a {kind} step takes {} besides the common fields", own.join(", ")),
                };
                self.main_err(
                    "RWF057",
                    f.span.clone(),
                    format!("`{kw}` is not a field of a {kind} step"),
                    help,
                );
                continue;
            }
            if !seen.insert(kw) && !repeatable.contains(&kw) {
                self.main_err(
                    "RWF066",
                    f.span.clone(),
                    format!("`{kw}` is given twice in `{}`", t.key.name),
                    "keep one; the second would silently win",
                );
                continue;
            }
            src.fields.insert(kw, f.span.clone());
            match &f.kind {
                FieldKind::At(s) => {
                    src.schedule = Some(s.span());
                    schedule = match s {
                        ast::Schedule::Relative { anchor, .. }
                            if anchor.name == "occurrence"
                                && self.enclosing.occurrence.is_some() =>
                        {
                            src.anchor = Some(anchor.span.clone());
                            at_occurrence = true;
                            self.at_occurrence(s, &spec.params)
                        }
                        _ => self.schedule(s, &mut src, &target, &spec.params),
                    };
                }
                FieldKind::Window(d) => window = self.amount(d, &spec.params),
                FieldKind::After(list) => {
                    for d in list {
                        src.deps.push(d.task.span.clone());
                        deps.push(dependency(d));
                    }
                }
                FieldKind::Timeout(d, then) => {
                    timeout = self.amount(d, &spec.params);
                    match then {
                        Some(t) if kind != "event" => self.main_err(
                            "RWF152",
                            t.span.clone(),
                            format!("`then {}` is only for an event's timeout", t.name),
                            "an agent that runs out of time fails and retries by its policy; drop `then ...`",
                        ),
                        Some(t) => {
                            on_timeout = match t.name.as_str() {
                                "skip" => TimeoutPolicy::Skip,
                                "continue" => TimeoutPolicy::Continue,
                                _ => TimeoutPolicy::Fail,
                            }
                        }
                        None => {}
                    }
                }
                FieldKind::Labels(ls) => labels.extend(ls.iter().map(|s| s.value.clone())),
                FieldKind::Risk(r) => {
                    risk = Some(match r.name.as_str() {
                        "low" => Risk::Low,
                        "medium" => Risk::Medium,
                        "high" => Risk::High,
                        _ => Risk::Critical,
                    })
                }
                FieldKind::Optional => required = false,
                FieldKind::Required => required = true,
                FieldKind::PreRelease => pre_release = true,
                FieldKind::Policy(p) => policy_items.push(p.clone()),
                FieldKind::Uses(s) => uses = Some(s.value.clone()),
                FieldKind::Input(entries) => input = self.exprs(entries),
                FieldKind::On(name, entries) => {
                    event_name = Some(self.event_name(name));
                    matches = self.event_matches(entries);
                }
                FieldKind::Approvers(scopes, q) => {
                    approvers = self.scopes(scopes);
                    if let Some((n, span)) = q {
                        src.fields.insert("quorum", span.clone());
                        quorum = Some(*n);
                    }
                }
                FieldKind::Quorum(n) => quorum = Some(*n),
                FieldKind::Deadline(d) => deadline = self.amount(d, &spec.params),
                FieldKind::Remind(d) => remind = self.amount(d, &spec.params),
                FieldKind::OnReject(r) => {
                    on_reject = match r.name.as_str() {
                        "skip" => RejectPolicy::Skip,
                        "cancel" => RejectPolicy::Cancel,
                        _ => RejectPolicy::NeedsRevision,
                    }
                }
                FieldKind::OnExpire(e) => {
                    on_expire = match e {
                        ast::Expire::Escalate(s) => ExpirePolicy::Escalate(self.scopes(s)),
                        ast::Expire::Simple(i) => match i.name.as_str() {
                            "reject" => ExpirePolicy::Reject,
                            "fail" => ExpirePolicy::Fail,
                            _ => ExpirePolicy::Remind,
                        },
                    }
                }
                FieldKind::NotAuthorOf(i) => not_author_of = Some(i.name.clone()),
                FieldKind::Instructions(s) => {
                    self.str_refs(s);
                    instructions = Some(s.value.clone());
                }
                FieldKind::Assignee(s) => assignee = self.scopes(std::slice::from_ref(s)).pop(),
                FieldKind::To(s) => to = self.scopes(s),
                FieldKind::Message(s) => {
                    self.str_refs(s);
                    message = Some(s.value.clone());
                }
                FieldKind::For(d) => {
                    wait_for = self.amount(d, &spec.params);
                    wait_for_given = true;
                }
                FieldKind::Until(s) => {
                    src.fields.insert("until", s.span());
                    until = self.schedule(s, &mut src, &target, &spec.params);
                }
                FieldKind::Calendar(name) => {
                    // A calendar of this file already expanded (by the template or another task)
                    // is not expanded again: its diagnostics are reported once.
                    if !name.name.contains('.') && spec.calendars.contains_key(&name.name) {
                        calendar = Some(name.name.clone());
                    } else if let Some((key, cal)) = self.calendar(0, name, &mut Vec::new()) {
                        spec.calendars.insert(key.clone(), cal);
                        calendar = Some(key);
                    }
                }
                FieldKind::OnBlackout(words) => on_blackout = Some(blackout_rule(&words.name)),
                FieldKind::When(c) => {
                    let (mut problems, mut used) = (Vec::new(), Vec::new());
                    // Inside a block, the item (`locale`, `n`) reads like a param: decided per copy.
                    let mut params = spec.params.clone();
                    params.extend(self.enclosing.var_params.iter().cloned());
                    when =
                        super::condition::lower(c, &params, &mut problems, &mut used, &mut reads);
                    for (name, span) in used {
                        self.param_ref(&name, span);
                    }
                    for p in problems {
                        self.main_err(p.code, p.span, p.message, p.help);
                    }
                }
            }
        }
        let title = t
            .title
            .as_ref()
            .map(|s| s.value.clone())
            .unwrap_or_else(|| t.key.name.clone());
        let step = match kind {
            "agent" => {
                let uses = uses.unwrap_or_else(|| {
                    self.main_err(
                        "RWF059",
                        t.key.span.clone(),
                        format!("agent `{}` does not say which agent it uses", t.key.name),
                        "add `uses \"agent-name\"` (resolved by the executor config)",
                    );
                    String::new()
                });
                Step::Agent {
                    uses,
                    input,
                    timeout,
                }
            }
            "approval" => {
                let quorum = match quorum {
                    Some(n) if n >= 1 => n.min(u32::MAX as i64) as u32,
                    Some(n) => {
                        let span = src
                            .fields
                            .get("quorum")
                            .cloned()
                            .unwrap_or(t.key.span.clone());
                        self.main_err(
                            "RWF059",
                            span,
                            format!("`quorum {n}` must be at least 1"),
                            "an approval needs at least one approver to decide",
                        );
                        1
                    }
                    None => 1,
                };
                Step::Approval {
                    approvers,
                    quorum,
                    deadline,
                    remind_every: remind,
                    on_reject,
                    on_expire,
                    not_author_of,
                }
            }
            "manual" => Step::Manual {
                instructions,
                assignee,
            },
            "notification" => Step::Notification {
                to,
                message: message.unwrap_or_else(|| title.clone()),
            },
            "wait" => {
                if !wait_for_given && until.is_none() {
                    self.main_err(
                        "RWF059",
                        t.key.span.clone(),
                        format!("wait `{}` says neither how long nor until when", t.key.name),
                        "add `for 3 days` or `until release + 1 week`",
                    );
                }
                Step::Wait {
                    duration: wait_for,
                    until,
                }
            }
            "event" => Step::Event {
                name: event_name.unwrap_or_else(|| {
                    self.main_err(
                        "RWF150",
                        t.key.span.clone(),
                        format!(
                            "event `{}` does not say which event it waits for",
                            t.key.name
                        ),
                        "add `on \"event.name\"` (the NAME of `rwf signal WORKFLOW NAME`)",
                    );
                    String::new()
                }),
                matches,
                timeout,
                on_timeout,
            },
            _ => Step::Checkpoint,
        };
        let mut layer = defaults.clone();
        let own = self.layer(0, &policy_items, &mut Vec::new());
        layer.overlay(&own);
        labels.sort();
        labels.dedup();
        // A condition on upstream outputs is decided at run time (the whole of it, params included).
        let mut run_time = None;
        if let Some(c) = self.enclosing.condition(when) {
            if c.reads_outputs() {
                run_time = Some(c);
                let enclosing = self
                    .enclosing
                    .when
                    .iter()
                    .flat_map(|(_, r)| r.iter().cloned());
                let all: Vec<_> = enclosing.chain(reads).collect();
                self.reads.extend(
                    all.into_iter()
                        .map(|(read, span)| (t.key.name.clone(), read, span)),
                );
            } else {
                spec.flow.when.insert(t.key.name.clone(), c);
            }
        }
        // In a repeat, a task with no `at` is scheduled at its occurrence.
        if let Some(occurrence) = &self.enclosing.occurrence {
            if src.schedule.is_none() {
                schedule = Some(occurrence.clone());
                src.schedule = self.enclosing.occurrence_src.clone();
                at_occurrence = true;
            }
            if at_occurrence {
                self.enclosing.at_occurrence.push(t.key.name.clone());
            }
        }
        spec.tasks.push(TaskSpec {
            key: t.key.name.clone(),
            title,
            step,
            schedule,
            window,
            depends_on: deps,
            policy: layer.to_policy(),
            phase: phase.map(str::to_string),
            labels,
            risk,
            required,
            pre_release,
            hooks: layer.hooks.clone(),
            calendar,
            on_blackout,
            when: run_time,
        });
        self.map.tasks.push(src);
    }
}

impl Lower<'_> {
    /// `{ key: value, ... }` as expressions: params recorded as used, bad names reported.
    fn exprs(&mut self, entries: &[ast::Entry]) -> BTreeMap<String, crate::spec::Expr> {
        let mut out = BTreeMap::new();
        let mut errors = Vec::new();
        let mut names: Vec<(Vec<String>, Range<usize>)> = Vec::new();
        for e in entries {
            let ex = values::expr(
                &e.value,
                &mut |p, s| names.push((p.to_vec(), s)),
                &mut errors,
            );
            out.insert(e.key.clone(), ex);
        }
        for (path, span) in names {
            if let NameUse::Param(p) = classify(&path) {
                self.param_ref(&p, span);
            }
        }
        for (span, msg) in errors {
            self.main_err(
                "RWF059",
                span,
                msg,
                "use a param name, or `task.output.field` for an upstream task's output",
            );
        }
        out
    }

    /// The event name of `on "..."`: literal, non-empty, of letters, digits and `. _ - : /`.
    fn event_name(&mut self, name: &ast::Str) -> String {
        let ok = |c: char| c.is_ascii_alphanumeric() || "._-:/".contains(c);
        if name.value.is_empty() || name.value.len() > 200 || !name.value.chars().all(ok) {
            self.main_err(
                "RWF151",
                name.span.clone(),
                format!("`{}` is not a valid event name", name.value),
                "use letters, digits and `. _ - : /` (at most 200), written literally: `on \"ci.finished\"`",
            );
        }
        name.value.clone()
    }

    /// `where { path: value }`: dotted payload paths, each once, matched against scalars.
    fn event_matches(&mut self, entries: &[ast::Entry]) -> BTreeMap<String, crate::spec::Expr> {
        let mut seen = BTreeSet::new();
        for e in entries {
            if e.key.is_empty() || e.key.split('.').any(str::is_empty) {
                self.main_err(
                    "RWF153",
                    e.key_span.clone(),
                    format!("`{}` is not a payload path", e.key),
                    "name a field of the event's data, with dots for nested ones: `\"build.status\": \"ok\"`",
                );
            } else if !seen.insert(e.key.as_str()) {
                self.main_err(
                    "RWF153",
                    e.key_span.clone(),
                    format!("`{}` is matched twice", e.key),
                    "keep one; an event cannot equal two values at one path",
                );
            }
            use ast::ValueKind as V;
            if matches!(
                e.value.kind,
                V::List(_) | V::Object(_) | V::Scope(_) | V::Duration(_)
            ) {
                self.main_err(
                    "RWF154",
                    e.value.span.clone(),
                    format!(
                        "`{}` must be matched against a string, number, bool or param",
                        e.key
                    ),
                    "match nested values by their own dotted paths: `\"build.status\": \"ok\"`",
                );
            }
        }
        self.exprs(entries)
    }
}

/// An `after` entry as written (`review`, `review:failed`): the edge it makes.
fn dependency(d: &ast::Dep) -> Dependency {
    Dependency {
        task: d.task.name.clone(),
        outcome: match d.outcome.as_ref().map(|o| o.name.as_str()) {
            Some("failed") => EdgeOutcome::Failed,
            Some("skipped") => EdgeOutcome::Skipped,
            Some("any") => EdgeOutcome::Any,
            _ => EdgeOutcome::Success,
        },
    }
}

fn allowed(kind: &str, kw: &str) -> bool {
    crate::syntax::COMMON_TASK_FIELDS.contains(&kw)
        || crate::syntax::step_fields(kind).contains(&kw)
}

/// `warn`, `move before`, `move after` (the grammar admits only these).
fn blackout_rule(words: &str) -> BlackoutRule {
    match words {
        "move before" => BlackoutRule::MoveBefore,
        "move after" => BlackoutRule::MoveAfter,
        _ => BlackoutRule::Warn,
    }
}

/// Why a calendar never has a business day: every weekday is weekend, or its blackouts (sorted by
/// start) close its whole covered range.
fn never_open(
    weekend: &[chrono::Weekday],
    covers: &DateRange,
    blackouts: &[Blackout],
) -> Option<String> {
    if weekend.len() >= 7 {
        return Some("all seven days are its weekend".into());
    }
    let mut open_from = covers.from;
    for b in blackouts {
        if b.from > open_from {
            return None;
        }
        if b.to >= open_from {
            match b.to.succ_opt() {
                Some(next) => open_from = next,
                None => return Some("its blackouts close every day it covers".into()),
            }
        }
        if open_from > covers.to {
            return Some("its blackouts close every day it covers".into());
        }
    }
    None
}

fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn weekday(s: &str) -> Option<chrono::Weekday> {
    use chrono::Weekday::*;
    Some(match &s[..s.len().min(3)] {
        "mon" => Mon,
        "tue" => Tue,
        "wed" => Wed,
        "thu" => Thu,
        "fri" => Fri,
        "sat" => Sat,
        "sun" => Sun,
        _ => return None,
    })
}
