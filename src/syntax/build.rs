//! pest pairs → AST nodes. Spans are shifted by the offset of the chunk that was parsed.

use super::ast::*;
use super::Rule;
use pest::iterators::Pair;

pub(crate) struct Builder<'a> {
    pub off: usize,
    /// The whole file, and comment end → start, to trim pest's trailing trivia off spans.
    pub text: &'a str,
    pub comment_ends: &'a std::collections::BTreeMap<usize, usize>,
    /// `${...}` problems found while building strings: (span, message).
    pub problems: &'a mut Vec<(Span, String)>,
}

fn first<'i>(pair: &Pair<'i, Rule>) -> Pair<'i, Rule> {
    pair.clone()
        .into_inner()
        .next()
        .expect("grammar guarantees a child")
}

impl Builder<'_> {
    /// The pair's span in the file, without the whitespace and comments pest lets trail it.
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let start = s.start() + self.off;
        let mut end = s.end() + self.off;
        loop {
            let trimmed = self.text[start..end].trim_end().len() + start;
            end = trimmed;
            match self.comment_ends.get(&end) {
                Some(&c) if c >= start => end = c,
                _ => break,
            }
        }
        start..end
    }

    fn ident(&self, pair: &Pair<Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    /// A several-word token (`move  before`) with its spaces normalised to one.
    fn words(&self, pair: &Pair<Rule>) -> Ident {
        Ident {
            name: pair
                .as_str()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            span: self.span(pair),
        }
    }

    /// Children with keyword rules dropped.
    fn kids<'i>(&self, pair: &Pair<'i, Rule>) -> Vec<Pair<'i, Rule>> {
        pair.clone()
            .into_inner()
            .filter(|p| !is_keyword(p.as_rule()))
            .collect()
    }

    pub fn string(&mut self, pair: &Pair<Rule>) -> Str {
        let span = self.span(pair);
        let raw = first(pair).as_str();
        let raw_start = span.start + 1;
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some(other) => value.push(other),
                    None => {}
                }
            } else {
                value.push(c);
            }
        }
        let mut interps = Vec::new();
        let mut from = 0;
        while let Some(found) = raw[from..].find("${") {
            let at = from + found;
            match raw[at..].find('}') {
                Some(close) => {
                    let inner = &raw[at + 2..at + close];
                    let whole = raw_start + at..raw_start + at + close + 1;
                    let path: Vec<String> =
                        inner.split('.').map(|s| s.trim().to_string()).collect();
                    // `${translate[de].output.url}`: the first name may be one copy of a block.
                    let copy = |s: &str| {
                        s.strip_suffix(']')
                            .and_then(|s| s.split_once('['))
                            .is_some_and(|(base, item)| {
                                is_ident(base) && crate::compile::expand::key_safe(item)
                            })
                    };
                    if path
                        .iter()
                        .enumerate()
                        .all(|(i, s)| is_ident(s) || i == 0 && path.len() > 1 && copy(s))
                    {
                        interps.push(Interp { path, span: whole });
                    } else {
                        self.problems.push((
                            whole,
                            format!("`${{{inner}}}` is not a name: interpolation takes a param or `task.output.path`"),
                        ));
                    }
                    from = at + close + 1;
                }
                None => {
                    self.problems.push((
                        raw_start + at..raw_start + raw.len(),
                        "unclosed `${` in string".to_string(),
                    ));
                    break;
                }
            }
        }
        Str {
            value,
            interps,
            span,
        }
    }

    fn int(&self, pair: &Pair<Rule>) -> i64 {
        pair.as_str().parse().unwrap_or(i64::MAX)
    }

    pub fn duration(&self, pair: &Pair<Rule>) -> Duration {
        let mut inner = pair.clone().into_inner();
        let amount = inner.next().map(|p| self.int(&p)).unwrap_or(0);
        let unit = inner
            .next()
            .map(|p| unit_of(p.as_str()))
            .unwrap_or(DurUnit::Day);
        Duration {
            amount,
            unit,
            span: self.span(pair),
        }
    }

    /// `amount`: a duration, or a `duration` param's name.
    pub fn amount(&self, pair: &Pair<Rule>) -> Amount {
        let inner = first(pair);
        match inner.as_rule() {
            Rule::amount_param => Amount::Param(self.ident(&first(&inner))),
            _ => Amount::Lit(self.duration(&inner)),
        }
    }

    fn number(&self, pair: &Pair<Rule>) -> (String, f64) {
        let raw = pair.as_str().to_string();
        let v = raw.parse().unwrap_or(0.0);
        (raw, v)
    }

    pub fn use_decl(&mut self, pair: &Pair<Rule>) -> UseDecl {
        let kids = self.kids(pair);
        let path = &kids[0];
        let names = kids
            .get(1)
            .map(|list| list.clone().into_inner().map(|p| self.ident(&p)).collect());
        UseDecl {
            path: path.as_str().to_string(),
            path_span: self.span(path),
            names,
            span: self.span(pair),
        }
    }

    pub fn policy_decl(&mut self, pair: &Pair<Rule>) -> PolicyDecl {
        let kids = self.kids(pair);
        PolicyDecl {
            name: self.ident(&kids[0]),
            items: kids[1..].iter().map(|p| self.policy_item(p)).collect(),
            span: self.span(pair),
        }
    }

    pub fn policy_item(&mut self, pair: &Pair<Rule>) -> PolicyItem {
        let span = self.span(pair);
        let kids = self.kids(pair);
        match pair.as_rule() {
            Rule::policy_use => PolicyItem::Use(self.ident(&kids[0])),
            Rule::retry_item => {
                let r = &kids[0];
                let retry = if r.as_rule() == Rule::name_ref {
                    Retry::Named(self.ident(r))
                } else {
                    let mut block = RetryBlock::default();
                    for item in r.clone().into_inner() {
                        let s = self.span(&item);
                        let ik = self.kids(&item);
                        match item.as_rule() {
                            Rule::attempts => block.attempts = Some((self.int(&ik[0]), s)),
                            Rule::jitter => {
                                let (raw, v) = self.number(&ik[0]);
                                block.jitter = Some((raw, v, s));
                            }
                            _ => {
                                let b = &ik[0];
                                let backoff = if b.as_rule() == Rule::backoff_fixed {
                                    Backoff::Fixed(self.duration(&self.kids(b)[0]))
                                } else {
                                    let (mut initial, mut factor, mut cap) = (None, None, None);
                                    for part in self.kids(b) {
                                        let inner = self.kids(&part);
                                        match part.as_rule() {
                                            Rule::exp_initial => {
                                                initial = Some(self.duration(&inner[0]))
                                            }
                                            Rule::exp_factor => {
                                                factor = Some(self.number(&inner[0]))
                                            }
                                            _ => cap = Some(self.duration(&inner[0])),
                                        }
                                    }
                                    Backoff::Exponential {
                                        initial,
                                        factor,
                                        cap,
                                    }
                                };
                                block.backoff = Some((backoff, s));
                            }
                        }
                    }
                    Retry::Block(block)
                };
                PolicyItem::Retry(retry, span)
            }
            Rule::on_failure => PolicyItem::OnFailure(kids[0].as_str().to_string(), span),
            Rule::on_missed => PolicyItem::OnMissed(kids[0].as_str().to_string(), span),
            Rule::on_cancel => PolicyItem::OnCancel(kids[0].as_str().to_string(), span),
            _ => PolicyItem::Hook(Hook {
                point: self.ident(&kids[0]),
                function: self.ident(&kids[1]),
                span,
            }),
        }
    }

    pub fn calendar_decl(&mut self, pair: &Pair<Rule>) -> CalendarDecl {
        let kids = self.kids(pair);
        let name = self.ident(&kids[0]);
        let mut title = None;
        let mut items = Vec::new();
        for k in &kids[1..] {
            let s = self.span(k);
            let ik = self.kids(k);
            match k.as_rule() {
                Rule::string => title = Some(self.string(k)),
                Rule::cal_weekend => {
                    items.push(CalendarItem::Weekend(
                        ik.iter().map(|d| self.ident(d)).collect(),
                        s,
                    ));
                }
                Rule::cal_covers => items.push(CalendarItem::Covers(
                    ik[0].as_str().to_string(),
                    ik[1].as_str().to_string(),
                    s,
                )),
                Rule::cal_holiday => {
                    let name = self.string(&ik[1]);
                    items.push(CalendarItem::Holiday(ik[0].as_str().to_string(), name, s))
                }
                Rule::cal_blackout => {
                    let reason = self.string(&ik[2]);
                    items.push(CalendarItem::Blackout(
                        ik[0].as_str().to_string(),
                        ik[1].as_str().to_string(),
                        reason,
                        s,
                    ))
                }
                _ => items.push(CalendarItem::Include(
                    ik.iter().map(|n| self.ident(n)).collect(),
                    s,
                )),
            }
        }
        CalendarDecl {
            name,
            title,
            items,
            span: self.span(pair),
        }
    }

    /// `template KEY "Name" version N {` → a template with no items yet.
    pub fn template_header(&mut self, pair: &Pair<Rule>) -> Template {
        let kids = self.kids(pair);
        let mut t = Template {
            key: self.ident(&kids[0]),
            name: None,
            version: None,
            header: self.span(pair),
            items: Vec::new(),
            span: self.span(pair),
        };
        for k in &kids[1..] {
            match k.as_rule() {
                Rule::string => t.name = Some(self.string(k)),
                Rule::int => t.version = Some((self.int(k), self.span(k))),
                _ => {}
            }
        }
        t
    }

    pub fn phase_header(&mut self, pair: &Pair<Rule>) -> Phase {
        let kids = self.kids(pair);
        Phase {
            key: self.ident(&kids[0]),
            title: kids.get(1).map(|s| self.string(s)),
            header: self.span(pair),
            when: None,
            items: Vec::new(),
            span: self.span(pair),
        }
    }

    /// Builds a whole phase parsed in one piece (used by `file`).
    pub fn phase(&mut self, pair: &Pair<Rule>) -> Phase {
        let mut inner = pair.clone().into_inner();
        let header = inner.next().expect("phase header");
        let mut phase = self.phase_header(&header);
        for item in inner {
            phase.items.push(match item.as_rule() {
                Rule::phase => PhaseItem::Phase(self.phase(&item)),
                Rule::block_when => {
                    let k = self.kids(&item);
                    phase.when = Some((self.condition(&k[0]), self.span(&item)));
                    continue;
                }
                Rule::for_each | Rule::repeat => PhaseItem::Block(Box::new(self.block(&item))),
                Rule::include => PhaseItem::Include(Box::new(self.include(&item))),
                _ => PhaseItem::Task(self.task(&item)),
            });
        }
        phase.span = self.span(pair);
        phase
    }

    /// `for each VAR in LIST {` or `repeat CADENCE from S [until S] {` → a block with no tasks yet.
    pub fn block_header(&mut self, pair: &Pair<Rule>) -> Block {
        let kids = self.kids(pair);
        let kind = if pair.as_rule() == Rule::for_each_header {
            BlockKind::ForEach {
                var: self.ident(&kids[0]),
                list: self.ident(&kids[1]),
            }
        } else {
            let c = &kids[0];
            let ck = self.kids(c);
            let cadence = match ck.first() {
                Some(d) if d.as_rule() == Rule::duration => Cadence::Every(self.duration(d)),
                // `every month`: one unit.
                Some(u) if u.as_rule() == Rule::unit => Cadence::Every(Duration {
                    amount: 1,
                    unit: unit_of(u.as_str()),
                    span: self.span(u),
                }),
                _ => Cadence::On(ck.iter().map(|w| self.ident(w)).collect()),
            };
            BlockKind::Repeat {
                cadence,
                from: Box::new(self.schedule(&kids[1])),
                until: kids.get(2).map(|u| Box::new(self.schedule(u))),
            }
        };
        Block {
            kind,
            header: self.span(pair),
            when: None,
            tasks: Vec::new(),
            includes: Vec::new(),
            span: self.span(pair),
        }
    }

    /// Builds a whole block parsed in one piece (used by `file`).
    fn block(&mut self, pair: &Pair<Rule>) -> Block {
        let mut inner = pair.clone().into_inner();
        let header = inner.next().expect("block header");
        let mut block = self.block_header(&header);
        for item in inner {
            if item.as_rule() == Rule::block_when {
                let k = self.kids(&item);
                block.when = Some((self.condition(&k[0]), self.span(&item)));
            } else if item.as_rule() == Rule::include {
                block.includes.push(self.include(&item));
            } else {
                block.tasks.push(self.task(&item));
            }
        }
        block.span = self.span(pair);
        block
    }

    pub fn template_item(&mut self, pair: &Pair<Rule>) -> TemplateItem {
        let span = self.span(pair);
        let kids = self.kids(pair);
        match pair.as_rule() {
            Rule::description => TemplateItem::Description(self.string(&kids[0]), span),
            Rule::param_decl => {
                let mut default = None;
                let mut description = None;
                for k in &kids[2..] {
                    match k.as_rule() {
                        Rule::value => default = Some(self.value(k)),
                        _ => description = Some(self.string(k)),
                    }
                }
                TemplateItem::Param(Param {
                    name: self.ident(&kids[0]),
                    ty: param_type(&kids[1]),
                    ty_span: self.span(&kids[1]),
                    default,
                    description,
                    span,
                })
            }
            Rule::target_decl => TemplateItem::Target(Target {
                param: self.ident(&kids[0]),
                tz: kids
                    .get(1)
                    .filter(|t| t.as_rule() == Rule::tz_ref)
                    .map(|t| self.tz_ref(t)),
                time: kids
                    .iter()
                    .find(|t| t.as_rule() == Rule::time_of_day)
                    .and_then(|t| self.kids(t).into_iter().next())
                    .map(|c| (c.as_str().to_string(), self.span(&c))),
                span,
            }),
            Rule::horizon_decl => TemplateItem::Horizon(self.duration(&kids[0]), span),
            Rule::on_blackout_decl => TemplateItem::OnBlackout(self.words(&kids[0]), span),
            Rule::calendar_use => TemplateItem::CalendarUse(self.ident(&kids[0]), span),
            Rule::calendar_decl => TemplateItem::Calendar(self.calendar_decl(pair)),
            Rule::hooks_decl => {
                TemplateItem::Hooks(kids.iter().map(|s| self.string(s)).collect(), span)
            }
            Rule::defaults => {
                TemplateItem::Defaults(kids.iter().map(|p| self.policy_item(p)).collect(), span)
            }
            Rule::policy_decl => TemplateItem::Policy(self.policy_decl(pair)),
            Rule::phase => TemplateItem::Phase(self.phase(pair)),
            Rule::for_each | Rule::repeat => TemplateItem::Block(Box::new(self.block(pair))),
            Rule::block_when => TemplateItem::When(self.condition(&kids[0]), span),
            Rule::include => TemplateItem::Include(Box::new(self.include(pair))),
            _ => TemplateItem::Task(self.task(pair)),
        }
    }

    fn include(&mut self, pair: &Pair<Rule>) -> Include {
        let kids = self.kids(pair);
        let mut inc = Include {
            template: self.ident(&kids[0]),
            name: self.ident(&kids[1]),
            title: None,
            args: Vec::new(),
            after: Vec::new(),
            after_span: None,
            header: self.span(pair),
            span: self.span(pair),
        };
        inc.header.end = self.span(&kids[1]).end;
        for k in &kids[2..] {
            match k.as_rule() {
                Rule::string => inc.title = Some(self.string(k)),
                Rule::f_after => {
                    inc.after_span.get_or_insert(self.span(k));
                    if let FieldKind::After(deps) = self.field(k) {
                        inc.after.extend(deps);
                    }
                }
                _ => {
                    let ak = self.kids(k);
                    let value = if ak[1].as_rule() == Rule::include_anchor {
                        IncludeValue::Anchor(self.schedule(&ak[1]))
                    } else {
                        IncludeValue::Value(self.value(&ak[1]))
                    };
                    inc.args.push(IncludeArg {
                        param: self.ident(&ak[0]),
                        value,
                        span: self.span(k),
                    });
                }
            }
        }
        inc
    }

    fn tz_ref(&mut self, pair: &Pair<Rule>) -> TzRef {
        let inner = first(pair);
        if inner.as_rule() == Rule::string {
            TzRef::Literal(self.string(&inner))
        } else {
            TzRef::Param(self.ident(&inner))
        }
    }

    pub fn task(&mut self, pair: &Pair<Rule>) -> Task {
        let kids = self.kids(pair);
        let mut task = Task {
            kind: kids[0].as_str().to_string(),
            kind_span: self.span(&kids[0]),
            key: self.ident(&kids[1]),
            title: None,
            fields: Vec::new(),
            span: self.span(pair),
        };
        for k in &kids[2..] {
            if k.as_rule() == Rule::string {
                task.title = Some(self.string(k));
            } else {
                let kind = self.field(k);
                task.fields.push(Field {
                    kind,
                    span: self.span(k),
                });
            }
        }
        task
    }

    fn scopes(&mut self, pair: &Pair<Rule>) -> Vec<Scope> {
        pair.clone().into_inner().map(|s| self.scope(&s)).collect()
    }

    fn scope(&mut self, pair: &Pair<Rule>) -> Scope {
        let kids = self.kids(pair);
        let kind = match kids[0].as_str() {
            "org" => "organization".to_string(),
            k => k.to_string(),
        };
        Scope {
            kind,
            name: self.string(&kids[1]),
            span: self.span(pair),
        }
    }

    fn field(&mut self, pair: &Pair<Rule>) -> FieldKind {
        let kids = self.kids(pair);
        match pair.as_rule() {
            Rule::f_at => FieldKind::At(self.schedule(&kids[0])),
            Rule::f_window => FieldKind::Window(self.amount(&kids[0])),
            Rule::f_after => FieldKind::After(
                kids.iter()
                    .map(|d| {
                        let dk = self.kids(d);
                        let mut task = self.ident(&dk[0]);
                        let mut rest = &dk[1..];
                        // `translate[de]`: one item of an expansion, named as its expanded key.
                        if let Some(item) = rest.first().filter(|k| k.as_rule() == Rule::dep_item) {
                            task.name.push_str(item.as_str());
                            task.span.end = self.span(item).end;
                            rest = &rest[1..];
                        }
                        Dep {
                            task,
                            outcome: rest.first().map(|o| self.ident(o)),
                        }
                    })
                    .collect(),
            ),
            Rule::f_timeout => FieldKind::Timeout(
                self.amount(&kids[0]),
                kids.iter()
                    .find(|k| k.as_rule() == Rule::timeout_mode)
                    .map(|k| self.ident(k)),
            ),
            Rule::f_labels => FieldKind::Labels(kids.iter().map(|s| self.string(s)).collect()),
            Rule::f_risk => FieldKind::Risk(self.ident(&kids[0])),
            Rule::f_optional => FieldKind::Optional,
            Rule::f_required => FieldKind::Required,
            Rule::f_pre_release => FieldKind::PreRelease,
            Rule::f_uses => FieldKind::Uses(self.string(&kids[0])),
            Rule::f_input => FieldKind::Input(self.entries(&kids[0])),
            Rule::f_approvers => {
                let scopes = self.scopes(&kids[0]);
                let quorum = kids.get(1).map(|q| {
                    let qk = self.kids(q);
                    (self.int(&qk[0]), self.span(q))
                });
                FieldKind::Approvers(scopes, quorum)
            }
            Rule::f_quorum => FieldKind::Quorum(self.int(&kids[0])),
            Rule::f_deadline => FieldKind::Deadline(self.amount(&kids[0])),
            Rule::f_remind => FieldKind::Remind(self.amount(&kids[0])),
            Rule::f_on_reject => FieldKind::OnReject(self.ident(&kids[0])),
            Rule::f_on_expire => {
                let e = &kids[0];
                if e.as_rule() == Rule::expire_escalate {
                    let ek = self.kids(e);
                    FieldKind::OnExpire(Expire::Escalate(self.scopes(&ek[0])))
                } else {
                    FieldKind::OnExpire(Expire::Simple(self.ident(e)))
                }
            }
            Rule::f_not_author_of => FieldKind::NotAuthorOf(self.ident(&kids[0])),
            Rule::f_instructions => FieldKind::Instructions(self.string(&kids[0])),
            Rule::f_assignee => FieldKind::Assignee(self.scope(&kids[0])),
            Rule::f_to => FieldKind::To(self.scopes(&kids[0])),
            Rule::f_message => FieldKind::Message(self.string(&kids[0])),
            Rule::f_for => FieldKind::For(self.amount(&kids[0])),
            Rule::f_until => FieldKind::Until(self.schedule(&kids[0])),
            Rule::f_calendar => FieldKind::Calendar(self.ident(&kids[0])),
            Rule::f_on_blackout => FieldKind::OnBlackout(self.words(&kids[0])),
            Rule::f_when => FieldKind::When(self.condition(&kids[0])),
            Rule::f_on => FieldKind::On(
                self.string(&kids[0]),
                kids.get(1).map(|o| self.entries(o)).unwrap_or_default(),
            ),
            _ => FieldKind::Policy(self.policy_item(pair)),
        }
    }

    fn schedule(&mut self, pair: &Pair<Rule>) -> Schedule {
        let inner = first(pair);
        let span = self.span(&inner);
        let mut time = None;
        let mut tz = None;
        let mut offsets = Vec::new();
        let mut anchor = None;
        let mut words = None;
        let mut align = Vec::new();
        let mut date = String::new();
        let mut pending_dur: Option<Amount> = None;
        for k in inner.clone().into_inner() {
            match k.as_rule() {
                Rule::date => date = k.as_str().to_string(),
                Rule::clock => time = Some((k.as_str().to_string(), self.span(&k))),
                Rule::time_of_day => {
                    let c = self.kids(&k).remove(0);
                    time = Some((c.as_str().to_string(), self.span(&c)));
                }
                Rule::sched_tz => {
                    let t = self.kids(&k).remove(0);
                    tz = Some(self.tz_ref(&t));
                }
                Rule::amount => pending_dur = Some(self.amount(&k)),
                Rule::direction => {
                    let before = k.as_str().starts_with("before");
                    if let Some(d) = pending_dur.take() {
                        words = Some((d, before));
                    }
                }
                Rule::anchor => anchor = Some(self.ident(&k)),
                Rule::alignment => align.push(self.alignment(&k)),
                Rule::offset => {
                    let ok = self.kids(&k);
                    offsets.push((ok[0].as_str() == "-", self.amount(&ok[1])));
                }
                _ => {}
            }
        }
        match anchor {
            Some(anchor) if inner.as_rule() != Rule::pinned => Schedule::Relative {
                anchor,
                words,
                align,
                offsets,
                time,
                tz,
                span,
            },
            _ => Schedule::Pinned {
                date,
                time,
                tz,
                span,
            },
        }
    }

    fn alignment(&self, pair: &Pair<Rule>) -> Alignment {
        let inner = first(pair);
        let span = self.span(pair);
        let words = |p: &Pair<Rule>| p.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
        let k: Vec<Pair<Rule>> = inner.clone().into_inner().collect();
        let text = |rule: Rule| {
            k.iter()
                .find(|p| p.as_rule() == rule)
                .map(words)
                .unwrap_or_default()
        };
        let has = |rule: Rule| k.iter().any(|p| p.as_rule() == rule);
        let kind = match inner.as_rule() {
            Rule::align_weekday => AlignKind::Weekday {
                weekday: text(Rule::weekday),
                relation: text(Rule::relation),
            },
            Rule::align_nth => AlignKind::Nth {
                ordinal: text(Rule::ordinal),
                weekday: text(Rule::weekday),
                next: has(Rule::month_after),
            },
            _ => AlignKind::Edge {
                edge: text(Rule::edge),
                period: text(Rule::period),
                next: has(Rule::kw_after),
            },
        };
        Alignment { kind, span }
    }

    fn entries(&mut self, pair: &Pair<Rule>) -> Vec<Entry> {
        pair.clone()
            .into_inner()
            .map(|e| {
                let ek = self.kids(&e);
                let (key, quoted) = if ek[0].as_rule() == Rule::string {
                    (self.string(&ek[0]).value, true)
                } else {
                    (ek[0].as_str().to_string(), false)
                };
                Entry {
                    key,
                    quoted,
                    key_span: self.span(&ek[0]),
                    value: self.value(&ek[1]),
                }
            })
            .collect()
    }

    pub fn value(&mut self, pair: &Pair<Rule>) -> Value {
        let inner = first(pair);
        let span = self.span(&inner);
        let kind = match inner.as_rule() {
            Rule::datetime_lit => {
                let kids: Vec<_> = inner.clone().into_inner().collect();
                ValueKind::DateTime(kids[0].as_str().to_string(), kids[1].as_str().to_string())
            }
            Rule::date => ValueKind::Date(inner.as_str().to_string()),
            Rule::duration => ValueKind::Duration(self.duration(&inner)),
            Rule::number => {
                let (raw, v) = self.number(&inner);
                ValueKind::Number(raw, v)
            }
            Rule::boolean => ValueKind::Bool(inner.as_str() == "true"),
            Rule::string => ValueKind::Str(self.string(&inner)),
            Rule::scope => ValueKind::Scope(self.scope(&inner)),
            Rule::list => {
                ValueKind::List(inner.clone().into_inner().map(|v| self.value(&v)).collect())
            }
            Rule::object => ValueKind::Object(self.entries(&inner)),
            _ => ValueKind::Name(inner.as_str().split('.').map(str::to_string).collect()),
        };
        Value { kind, span }
    }
}

impl Builder<'_> {
    /// `condition`, `cond_and`, `cond_unary` and their parts → `Cond` (single items unwrapped).
    fn condition(&mut self, pair: &Pair<Rule>) -> Cond {
        let kids = self.kids(pair);
        match pair.as_rule() {
            Rule::condition | Rule::cond_and => {
                let mut parts: Vec<Cond> = kids.iter().map(|k| self.condition(k)).collect();
                if parts.len() == 1 {
                    parts.pop().expect("one part")
                } else if pair.as_rule() == Rule::condition {
                    Cond::Or(parts)
                } else {
                    Cond::And(parts)
                }
            }
            Rule::cond_unary => {
                let negated = pair
                    .clone()
                    .into_inner()
                    .next()
                    .is_some_and(|p| p.as_rule() == Rule::kw_not);
                let inner = self.condition(&kids[0]);
                if negated {
                    Cond::Not(Box::new(inner))
                } else {
                    inner
                }
            }
            Rule::cond_group => self.condition(&kids[0]),
            Rule::cond_member => Cond::Member {
                value: self.cond_lit(&kids[0]),
                list: self.ident(&kids[1]),
            },
            Rule::cond_compare => Cond::Compare {
                param: self.ident(&kids[0]),
                ne: kids[1].as_str() == "!=",
                value: self.cond_lit(&kids[2]),
            },
            _ => Cond::Flag(self.ident(&kids[0])),
        }
    }

    fn cond_lit(&mut self, pair: &Pair<Rule>) -> Value {
        let inner = first(pair);
        let span = self.span(&inner);
        let kind = match inner.as_rule() {
            Rule::number => {
                let (raw, v) = self.number(&inner);
                ValueKind::Number(raw, v)
            }
            Rule::boolean => ValueKind::Bool(inner.as_str() == "true"),
            _ => ValueKind::Str(self.string(&inner)),
        };
        Value { kind, span }
    }
}

/// The unit a `unit` word names (`business days`, `minutes`, `month`, ...).
fn unit_of(text: &str) -> DurUnit {
    if text.starts_with("business") {
        DurUnit::BusinessDay
    } else if text.starts_with("minute") {
        DurUnit::Minute
    } else if text.starts_with("hour") {
        DurUnit::Hour
    } else if text.starts_with("week") {
        DurUnit::Week
    } else if text.starts_with("month") {
        DurUnit::Month
    } else {
        DurUnit::Day
    }
}

fn param_type(pair: &Pair<Rule>) -> ParamType {
    let inner = first(pair);
    if inner.as_rule() == Rule::param_type {
        ParamType::List(Box::new(param_type(&inner)))
    } else {
        ParamType::Scalar(inner.as_str().to_string())
    }
}

pub fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Keyword rules carry no information beyond their parent's rule.
fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_use
            | Rule::kw_policy
            | Rule::kw_calendar
            | Rule::kw_template
            | Rule::kw_version
            | Rule::kw_description
            | Rule::kw_param
            | Rule::kw_target
            | Rule::kw_horizon
            | Rule::kw_blackout
            | Rule::kw_on_blackout
            | Rule::kw_in
            | Rule::kw_hooks
            | Rule::kw_hook
            | Rule::kw_defaults
            | Rule::kw_phase
            | Rule::kw_retry
            | Rule::kw_attempts
            | Rule::kw_backoff
            | Rule::kw_fixed
            | Rule::kw_exponential
            | Rule::kw_initial
            | Rule::kw_factor
            | Rule::kw_cap
            | Rule::kw_jitter
            | Rule::kw_on_failure
            | Rule::kw_on_missed
            | Rule::kw_on_cancel
            | Rule::kw_weekend
            | Rule::kw_covers
            | Rule::kw_to
            | Rule::kw_holiday
            | Rule::kw_include
            | Rule::kw_as
            | Rule::kw_at
            | Rule::kw_window
            | Rule::kw_after
            | Rule::kw_before
            | Rule::kw_on
            | Rule::kw_timeout
            | Rule::kw_labels
            | Rule::kw_risk
            | Rule::kw_optional
            | Rule::kw_required
            | Rule::kw_pre_release
            | Rule::kw_uses
            | Rule::kw_input
            | Rule::kw_approvers
            | Rule::kw_quorum
            | Rule::kw_deadline
            | Rule::kw_remind
            | Rule::kw_every
            | Rule::kw_on_reject
            | Rule::kw_on_expire
            | Rule::kw_escalate
            | Rule::kw_not_author_of
            | Rule::kw_instructions
            | Rule::kw_assignee
            | Rule::kw_message
            | Rule::kw_for
            | Rule::kw_until
            | Rule::kw_where
            | Rule::kw_then
            | Rule::kw_when
            | Rule::kw_and
            | Rule::kw_or
            | Rule::kw_not
            | Rule::kw_each
            | Rule::kw_repeat
            | Rule::kw_from
    )
}
