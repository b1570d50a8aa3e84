//! `rwf fmt`: one canonical layout printed from the AST. Comments are kept: each is attached by
//! position (before the next item, or trailing on the line it ended), and blank lines between items
//! are kept (at most one). Formatting formatted output changes nothing.

use super::ast::*;

const WIDTH: usize = 100;

struct Fmt<'a> {
    text: &'a str,
    comments: &'a [Comment],
    next: usize,
    out: String,
    indent: usize,
    /// Source end of the previous thing in the current block (for blank-line keeping).
    last_end: Option<usize>,
}

/// Formats a file that parsed without errors.
pub fn format(text: &str, file: &File) -> String {
    let mut f = Fmt {
        text,
        comments: &file.comments,
        next: 0,
        out: String::new(),
        indent: 0,
        last_end: None,
    };
    for item in &file.items {
        f.item(item);
    }
    f.comments_before(usize::MAX);
    while f.out.ends_with("\n\n") {
        f.out.pop();
    }
    f.out
}

pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn s(x: &Str) -> String {
    quote(&x.value)
}

pub fn duration(d: &Duration) -> String {
    let (one, many) = match d.unit {
        DurUnit::Minute => ("minute", "minutes"),
        DurUnit::Hour => ("hour", "hours"),
        DurUnit::Day => ("day", "days"),
        DurUnit::Week => ("week", "weeks"),
        DurUnit::Month => ("month", "months"),
        DurUnit::BusinessDay => ("business day", "business days"),
    };
    format!("{} {}", d.amount, if d.amount == 1 { one } else { many })
}

pub fn amount(a: &Amount) -> String {
    match a {
        Amount::Lit(d) => duration(d),
        Amount::Param(p) => p.name.clone(),
    }
}

fn clock(t: &str) -> String {
    match t.split_once(':') {
        Some((h, m)) if h.len() == 1 => format!("0{h}:{m}"),
        _ => t.to_string(),
    }
}

fn tz(t: &TzRef) -> String {
    match t {
        TzRef::Literal(x) => s(x),
        TzRef::Param(p) => p.name.clone(),
    }
}

pub fn schedule(sc: &Schedule) -> String {
    let mut out = String::new();
    let (time, zone) = match sc {
        Schedule::Relative {
            anchor,
            words,
            align,
            offsets,
            time,
            tz,
            ..
        } => {
            if let Some((d, before)) = words {
                out.push_str(&format!(
                    "{} {} ",
                    amount(d),
                    if *before { "before" } else { "after" }
                ));
            }
            for a in align {
                out.push_str(&a.text());
                out.push(' ');
            }
            out.push_str(&anchor.name);
            for (minus, d) in offsets {
                out.push_str(if *minus { " - " } else { " + " });
                out.push_str(&amount(d));
            }
            if let Some((t, _)) = time {
                out.push_str(&format!(" at {}", clock(t)));
            }
            (None, tz)
        }
        Schedule::Pinned { date, time, tz, .. } => {
            out.push_str(date);
            (time.as_ref(), tz)
        }
    };
    if let Some((t, _)) = time {
        out.push(' ');
        out.push_str(&clock(t));
    }
    if let Some(z) = zone {
        out.push_str(" in ");
        out.push_str(&tz(z));
    }
    out
}

fn scope(x: &Scope) -> String {
    format!("{}({})", x.kind, s(&x.name))
}

fn scopes(xs: &[Scope]) -> String {
    xs.iter().map(scope).collect::<Vec<_>>().join(", ")
}

fn key(e: &Entry) -> String {
    if e.quoted || !super::build::is_ident(&e.key) {
        quote(&e.key)
    } else {
        e.key.clone()
    }
}

pub fn value(v: &Value) -> String {
    match &v.kind {
        ValueKind::Str(x) => s(x),
        ValueKind::Number(raw, _) => raw.clone(),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Date(d) => d.clone(),
        ValueKind::DateTime(d, t) => format!("{d}T{}", clock(t)),
        ValueKind::Duration(d) => duration(d),
        ValueKind::Scope(x) => scope(x),
        ValueKind::List(items) => format!(
            "[{}]",
            items.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        ValueKind::Object(entries) => object_inline(entries),
        ValueKind::Name(path) => path.join("."),
    }
}

fn object_inline(entries: &[Entry]) -> String {
    if entries.is_empty() {
        return "{}".into();
    }
    let parts: Vec<String> = entries
        .iter()
        .map(|e| format!("{}: {}", key(e), value(&e.value)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

fn param_type(t: &ParamType) -> String {
    t.to_string()
}

fn retry(r: &Retry) -> String {
    match r {
        Retry::Named(n) => format!("retry {}", n.name),
        Retry::Block(b) => {
            let mut parts = Vec::new();
            if let Some((n, _)) = &b.attempts {
                parts.push(format!("attempts {n}"));
            }
            if let Some((backoff, _)) = &b.backoff {
                parts.push(match backoff {
                    Backoff::Fixed(d) => format!("backoff fixed {}", duration(d)),
                    Backoff::Exponential {
                        initial,
                        factor,
                        cap,
                    } => {
                        let mut x = "backoff exponential".to_string();
                        if let Some(d) = initial {
                            x.push_str(&format!(" initial {}", duration(d)));
                        }
                        if let Some((raw, _)) = factor {
                            x.push_str(&format!(" factor {raw}"));
                        }
                        if let Some(d) = cap {
                            x.push_str(&format!(" cap {}", duration(d)));
                        }
                        x
                    }
                });
            }
            if let Some((raw, _, _)) = &b.jitter {
                parts.push(format!("jitter {raw}"));
            }
            if parts.is_empty() {
                "retry {}".into()
            } else {
                format!("retry {{ {} }}", parts.join(" "))
            }
        }
    }
}

fn policy_item(p: &PolicyItem) -> String {
    match p {
        PolicyItem::Use(n) => format!("policy {}", n.name),
        PolicyItem::Retry(r, _) => retry(r),
        PolicyItem::OnFailure(x, _) => format!("on_failure {x}"),
        PolicyItem::OnMissed(x, _) => format!("on_missed {x}"),
        PolicyItem::OnCancel(x, _) => format!("on_cancel {x}"),
        PolicyItem::Hook(h) => format!("hook {} {}", h.point.name, h.function.name),
    }
}

fn field(f: &FieldKind) -> String {
    match f {
        FieldKind::At(sc) => format!("at {}", schedule(sc)),
        FieldKind::Window(d) => format!("window {}", amount(d)),
        FieldKind::After(deps) => format!(
            "after {}",
            deps.iter()
                .map(|d| match &d.outcome {
                    Some(o) => format!("{} on {}", d.task.name, o.name),
                    None => d.task.name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        FieldKind::Timeout(d, then) => match then {
            Some(t) => format!("timeout {} then {}", amount(d), t.name),
            None => format!("timeout {}", amount(d)),
        },
        FieldKind::Labels(ls) => {
            format!("labels {}", ls.iter().map(s).collect::<Vec<_>>().join(", "))
        }
        FieldKind::Risk(r) => format!("risk {}", r.name),
        FieldKind::Optional => "optional".into(),
        FieldKind::Required => "required".into(),
        FieldKind::PreRelease => "pre_release".into(),
        FieldKind::Policy(p) => policy_item(p),
        FieldKind::Uses(x) => format!("uses {}", s(x)),
        FieldKind::Input(entries) => format!("input {}", object_inline(entries)),
        FieldKind::Approvers(xs, q) => match q {
            Some((n, _)) => format!("approvers {} quorum {n}", scopes(xs)),
            None => format!("approvers {}", scopes(xs)),
        },
        FieldKind::Quorum(n) => format!("quorum {n}"),
        FieldKind::Deadline(d) => format!("deadline {}", amount(d)),
        FieldKind::Remind(d) => format!("remind every {}", amount(d)),
        FieldKind::OnReject(x) => format!("on_reject {}", x.name),
        FieldKind::OnExpire(Expire::Escalate(xs)) => format!("on_expire escalate {}", scopes(xs)),
        FieldKind::OnExpire(Expire::Simple(x)) => format!("on_expire {}", x.name),
        FieldKind::NotAuthorOf(x) => format!("not_author_of {}", x.name),
        FieldKind::Instructions(x) => format!("instructions {}", s(x)),
        FieldKind::Assignee(x) => format!("assignee {}", scope(x)),
        FieldKind::To(xs) => format!("to {}", scopes(xs)),
        FieldKind::Message(x) => format!("message {}", s(x)),
        FieldKind::For(d) => format!("for {}", amount(d)),
        FieldKind::Until(sc) => format!("until {}", schedule(sc)),
        FieldKind::Calendar(x) => format!("calendar {}", x.name),
        FieldKind::OnBlackout(x) => format!("on_blackout {}", x.name),
        FieldKind::When(c) => format!("when {}", cond(c, 0)),
        FieldKind::On(name, entries) if entries.is_empty() => format!("on {}", s(name)),
        FieldKind::On(name, entries) => {
            format!("on {} where {}", s(name), object_inline(entries))
        }
    }
}

/// A condition; `min` is the binding strength its context needs (0 `or`, 1 `and`, 2 operand).
pub fn cond(c: &Cond, min: u8) -> String {
    let (text, prec) = match c {
        Cond::Flag(i) => (i.name.clone(), 2),
        Cond::Not(inner) => (format!("not {}", cond(inner, 2)), 2),
        Cond::And(cs) => (
            cs.iter()
                .map(|c| cond(c, 2))
                .collect::<Vec<_>>()
                .join(" and "),
            1,
        ),
        Cond::Or(cs) => (
            cs.iter()
                .map(|c| cond(c, 1))
                .collect::<Vec<_>>()
                .join(" or "),
            0,
        ),
        Cond::Compare {
            param,
            ne,
            value: v,
        } => (
            format!(
                "{} {} {}",
                param.name,
                if *ne { "!=" } else { "==" },
                value(v)
            ),
            2,
        ),
        Cond::Member { value: v, list } => (format!("{} in {}", value(v), list.name), 2),
    };
    if prec < min {
        format!("({text})")
    } else {
        text
    }
}

/// `for each x in xs` / `repeat every 2 weeks from S until S` (without the `{`).
pub fn block_header(k: &BlockKind) -> String {
    match k {
        BlockKind::ForEach { var, list } => format!("for each {} in {}", var.name, list.name),
        BlockKind::Repeat {
            cadence,
            from,
            until,
        } => {
            let cadence = match cadence {
                Cadence::Every(d) if d.amount == 1 => format!("every {}", duration(d)[2..].trim()),
                Cadence::Every(d) => format!("every {}", duration(d)),
                Cadence::On(days) => format!(
                    "on {}",
                    days.iter()
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let mut text = format!("repeat {cadence} from {}", schedule(from));
            if let Some(u) = until {
                text.push_str(&format!(" until {}", schedule(u)));
            }
            text
        }
    }
}

fn title(name: &str, t: &Option<Str>) -> String {
    match t {
        Some(t) => format!("{name} {}", s(t)),
        None => name.to_string(),
    }
}

impl Fmt<'_> {
    fn pad(&self) -> String {
        "  ".repeat(self.indent)
    }

    /// Keeps one blank line where the source had at least one.
    fn gap(&mut self, start: usize) {
        if let Some(end) = self.last_end {
            let between = self.text.get(end..start).unwrap_or("");
            if between.matches('\n').count() >= 2
                && !self.out.ends_with("\n\n")
                && !self.out.is_empty()
            {
                self.out.push('\n');
            }
        }
    }

    fn comments_before(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next) {
            if c.span.start >= pos {
                break;
            }
            self.gap(c.span.start);
            let line = format!("{}{}\n", self.pad(), c.text.trim_end());
            self.out.push_str(&line);
            self.last_end = Some(c.span.end);
            self.next += 1;
        }
    }

    /// A trailing comment on the line where the thing ended, then the newline.
    fn finish(&mut self, end: usize) {
        if let Some(c) = self.comments.get(self.next) {
            let between = self.text.get(end..c.span.start).unwrap_or("\n");
            if c.span.start >= end && !between.contains('\n') {
                self.out.push(' ');
                self.out.push_str(c.text.trim_end());
                self.next += 1;
                self.last_end = Some(c.span.end);
                self.out.push('\n');
                return;
            }
        }
        self.last_end = Some(end);
        self.out.push('\n');
    }

    fn leaf(&mut self, span: &Span, text: &str) {
        self.comments_before(span.start);
        self.gap(span.start);
        let line = format!("{}{text}", self.pad());
        self.out.push_str(&line);
        self.finish(span.end);
    }

    fn open(&mut self, span: &Span, header: &str) {
        self.comments_before(span.start);
        self.gap(span.start);
        let line = format!("{}{header} {{", self.pad());
        self.out.push_str(&line);
        // A comment right after `{` stays there.
        self.finish_open(span.start);
        self.indent += 1;
        self.last_end = None;
    }

    fn finish_open(&mut self, start: usize) {
        // Find the `{` of this header in the source: the first `{` after start.
        let brace = self.text[start..]
            .find('{')
            .map(|i| start + i + 1)
            .unwrap_or(start);
        self.finish(brace);
    }

    fn close(&mut self, span: &Span) {
        let close_at = span.end.saturating_sub(1);
        self.comments_before(close_at);
        self.indent -= 1;
        let line = format!("{}}}", self.pad());
        self.out.push_str(&line);
        self.finish(span.end);
    }

    fn has_comment_in(&self, span: &Span) -> bool {
        self.comments[self.next..]
            .iter()
            .any(|c| c.span.start > span.start && c.span.start < span.end)
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Use(u) => {
                let text = match &u.names {
                    Some(names) => format!(
                        "use {} {{ {} }}",
                        u.path,
                        names
                            .iter()
                            .map(|n| n.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => format!("use {}", u.path),
                };
                self.leaf(&u.span, &text);
            }
            Item::Policy(p) => self.policy(p),
            Item::Calendar(c) => self.calendar(c),
            Item::Template(t) => {
                let mut header = format!("template {}", t.key.name);
                if let Some(n) = &t.name {
                    header.push(' ');
                    header.push_str(&s(n));
                }
                if let Some((v, _)) = &t.version {
                    header.push_str(&format!(" version {v}"));
                }
                self.open(&t.span, &header);
                for ti in &t.items {
                    self.template_item(ti);
                }
                self.close(&t.span);
            }
        }
    }

    fn policy(&mut self, p: &PolicyDecl) {
        self.open(&p.span, &format!("policy {}", p.name.name));
        for i in &p.items {
            self.leaf(&i.span(), &policy_item(i));
        }
        self.close(&p.span);
    }

    fn calendar(&mut self, c: &CalendarDecl) {
        self.open(
            &c.span,
            &title(&format!("calendar {}", c.name.name), &c.title),
        );
        for i in &c.items {
            let text = match i {
                CalendarItem::Weekend(days, _) => format!(
                    "weekend {}",
                    days.iter()
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                CalendarItem::Covers(a, b, _) => format!("covers {a} to {b}"),
                CalendarItem::Holiday(d, n, _) => format!("holiday {d} {}", s(n)),
                CalendarItem::Include(ns, _) => format!(
                    "include {}",
                    ns.iter()
                        .map(|n| n.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                CalendarItem::Blackout(a, b, r, _) => format!("blackout {a} to {b} {}", s(r)),
            };
            self.leaf(&i.span(), &text);
        }
        self.close(&c.span);
    }

    fn template_item(&mut self, ti: &TemplateItem) {
        match ti {
            TemplateItem::Description(x, span) => self.leaf(span, &format!("description {}", s(x))),
            TemplateItem::Param(p) => {
                let mut text = format!("param {}: {}", p.name.name, param_type(&p.ty));
                if let Some(v) = &p.default {
                    text.push_str(&format!(" = {}", value(v)));
                }
                if let Some(d) = &p.description {
                    text.push(' ');
                    text.push_str(&s(d));
                }
                self.leaf(&p.span, &text);
            }
            TemplateItem::Target(t) => {
                let mut text = match &t.tz {
                    Some(z) => format!("target {} in {}", t.param.name, tz(z)),
                    None => format!("target {}", t.param.name),
                };
                if let Some((c, _)) = &t.time {
                    text.push_str(&format!(" at {}", clock(c)));
                }
                self.leaf(&t.span, &text);
            }
            TemplateItem::CalendarUse(n, span) => self.leaf(span, &format!("calendar {}", n.name)),
            TemplateItem::Calendar(c) => self.calendar(c),
            TemplateItem::Hooks(files, span) => self.leaf(
                span,
                &format!(
                    "hooks {}",
                    files.iter().map(s).collect::<Vec<_>>().join(", ")
                ),
            ),
            TemplateItem::Defaults(items, span) => {
                self.open(span, "defaults");
                for i in items {
                    self.leaf(&i.span(), &policy_item(i));
                }
                self.close(span);
            }
            TemplateItem::Policy(p) => self.policy(p),
            TemplateItem::Phase(p) => self.phase(p),
            TemplateItem::Task(t) => self.task(t),
            TemplateItem::Block(b) => self.block(b),
            TemplateItem::Include(i) => self.include(i),
            TemplateItem::When(c, span) => self.leaf(span, &format!("when {}", cond(c, 0))),
            TemplateItem::Horizon(d, span) => self.leaf(span, &format!("horizon {}", duration(d))),
            TemplateItem::OnBlackout(r, span) => {
                self.leaf(span, &format!("on_blackout {}", r.name))
            }
        }
    }

    fn phase(&mut self, p: &Phase) {
        self.open(&p.span, &title(&format!("phase {}", p.key.name), &p.title));
        if let Some((c, span)) = &p.when {
            self.leaf(span, &format!("when {}", cond(c, 0)));
        }
        for i in &p.items {
            match i {
                PhaseItem::Phase(inner) => self.phase(inner),
                PhaseItem::Task(t) => self.task(t),
                PhaseItem::Block(b) => self.block(b),
                PhaseItem::Include(i) => self.include(i),
            }
        }
        self.close(&p.span);
    }

    /// Like a task: one line when short, else one argument (or the `after`) per line.
    fn include(&mut self, i: &Include) {
        let header = title(
            &format!("include {} as {}", i.template.name, i.name.name),
            &i.title,
        );
        let mut lines: Vec<(Span, String)> = i
            .args
            .iter()
            .map(|a| {
                let v = match &a.value {
                    IncludeValue::Value(v) => value(v),
                    IncludeValue::Anchor(sc) => schedule(sc),
                };
                (a.span.clone(), format!("{} = {v}", a.param.name))
            })
            .collect();
        if let Some(span) = &i.after_span {
            lines.push((span.clone(), field(&FieldKind::After(i.after.clone()))));
        }
        // In source order, so each comment stays by what it follows.
        lines.sort_by_key(|(span, _)| span.start);
        let texts: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
        let one_line = if texts.is_empty() {
            format!("{header} {{}}")
        } else {
            format!("{header} {{ {} }}", texts.join("  "))
        };
        if lines.len() <= 2
            && !self.has_comment_in(&i.span)
            && one_line.len() + 2 * self.indent <= WIDTH
        {
            self.leaf(&i.span, &one_line);
            return;
        }
        self.open(&i.span, &header);
        for (span, text) in &lines {
            self.leaf(span, text);
        }
        self.close(&i.span);
    }

    fn block(&mut self, b: &Block) {
        self.open(&b.span, &block_header(&b.kind));
        if let Some((c, span)) = &b.when {
            self.leaf(span, &format!("when {}", cond(c, 0)));
        }
        // Tasks and includes in source order.
        let mut items: Vec<(usize, Result<&Task, &Include>)> = b
            .tasks
            .iter()
            .map(|t| (t.span.start, Ok(t)))
            .chain(b.includes.iter().map(|i| (i.span.start, Err(i))))
            .collect();
        items.sort_by_key(|(start, _)| *start);
        for (_, item) in items {
            match item {
                Ok(t) => self.task(t),
                Err(i) => self.include(i),
            }
        }
        self.close(&b.span);
    }

    /// `input` one entry per line (too wide for one, or holding comments): each comment stays where
    /// it was, before its entry or trailing on its line.
    fn input_block(&mut self, span: &Span, entries: &[Entry]) {
        self.comments_before(span.start);
        self.gap(span.start);
        let line = format!("{}input {{", self.pad());
        self.out.push_str(&line);
        self.finish_open(span.start);
        self.indent += 1;
        self.last_end = None;
        for e in entries {
            self.comments_before(e.key_span.start);
            self.gap(e.key_span.start);
            let line = format!("{}{}: {},", self.pad(), key(e), value(&e.value));
            self.out.push_str(&line);
            // A trailing comment after the entry's comma stays on its line.
            let rest = &self.text[e.value.span.end..span.end];
            let on_line = rest[..rest.find('\n').unwrap_or(rest.len())]
                .split("//")
                .next()
                .unwrap_or("");
            let comma = on_line
                .find(',')
                .map_or(e.value.span.end, |i| e.value.span.end + i + 1);
            self.finish(comma);
        }
        self.comments_before(span.end.saturating_sub(1));
        self.indent -= 1;
        let line = format!("{}}}", self.pad());
        self.out.push_str(&line);
        self.finish(span.end);
    }

    fn task(&mut self, t: &Task) {
        let header = title(&format!("{} {}", t.kind, t.key.name), &t.title);
        let fields: Vec<String> = t.fields.iter().map(|f| field(&f.kind)).collect();
        let one_line = if fields.is_empty() {
            format!("{header} {{}}")
        } else {
            format!("{header} {{ {} }}", fields.join("  "))
        };
        if fields.len() <= 2
            && !self.has_comment_in(&t.span)
            && one_line.len() + 2 * self.indent <= WIDTH
        {
            self.leaf(&t.span, &one_line);
            return;
        }
        self.open(&t.span, &header);
        for (f, text) in t.fields.iter().zip(&fields) {
            if let FieldKind::Input(entries) = &f.kind {
                let wide = text.len() + 2 * self.indent > WIDTH && !entries.is_empty();
                if wide || self.has_comment_in(&f.span) {
                    self.input_block(&f.span, entries);
                    continue;
                }
            }
            self.leaf(&f.span, text);
        }
        self.close(&t.span);
    }
}
