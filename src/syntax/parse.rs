//! The parser driver: split the file into items with the lexer, parse each with pest, build the AST,
//! and turn every failure into a diagnostic. One broken item never hides the others.

use super::ast::*;
use super::build::Builder;
use super::errors::{convert, did_you_mean};
use super::lexer::{block_close, lex, split_items, unclosed_open, Tok, TokKind};
use super::{Parsed, Rule, RwfParser};
use crate::diagnostic::Diagnostic;
use pest::Parser as _;

/// Deeper nesting than this is refused before pest sees it (pest recurses per level).
pub const MAX_DEPTH: usize = 64;
/// Larger files are refused outright.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

const TOP: &[&str] = &["use", "policy", "calendar", "template"];
const BODY: &[&str] = &[
    "description",
    "param",
    "target",
    "calendar",
    "hooks",
    "defaults",
    "policy",
    "phase",
    "agent",
    "approval",
    "manual",
    "notification",
    "wait",
    "checkpoint",
    "event",
    "horizon",
    "on_blackout",
    "for",
    "repeat",
    "include",
];
const PHASE_BODY: &[&str] = &[
    "phase",
    "for",
    "repeat",
    "include",
    "when",
    "agent",
    "approval",
    "manual",
    "notification",
    "wait",
    "checkpoint",
    "event",
];
const BLOCK_BODY: &[&str] = &[
    "when",
    "include",
    "agent",
    "approval",
    "manual",
    "notification",
    "wait",
    "checkpoint",
    "event",
];

struct Driver<'a> {
    file: &'a str,
    text: &'a str,
    tokens: Vec<Tok>,
    diags: Vec<Diagnostic>,
    problems: Vec<(Span, String)>,
    comment_ends: std::collections::BTreeMap<usize, usize>,
}

pub fn parse(file: &str, text: &str) -> Parsed {
    if text.len() > MAX_BYTES {
        return Parsed {
            file: File {
                items: Vec::new(),
                comments: Vec::new(),
            },
            diagnostics: vec![Diagnostic::error(
                "RWF009",
                format!("file is too large ({} bytes)", text.len()),
            )
            .in_file(file)
            .at(0..0)
            .help(format!(
                "a template must be under {MAX_BYTES} bytes; split it into modules"
            ))],
        };
    }
    let lexed = lex(text);
    if lexed.max_depth > MAX_DEPTH {
        return Parsed {
            file: File {
                items: Vec::new(),
                comments: lexed.comments,
            },
            diagnostics: vec![Diagnostic::error(
                "RWF005",
                format!("nesting is too deep (more than {MAX_DEPTH} levels of brackets)"),
            )
            .in_file(file)
            .at(lexed.deepest_at..lexed.deepest_at + 1)
            .with_label("too deep here")
            .help("flatten the structure; phases, lists and objects nest at most 64 levels")],
        };
    }
    let mut d = Driver {
        file,
        text,
        tokens: lexed.tokens,
        diags: Vec::new(),
        problems: Vec::new(),
        comment_ends: lexed
            .comments
            .iter()
            .map(|c| (c.span.end, c.span.start))
            .collect(),
    };
    let mut items = Vec::new();
    let all = 0..d.tokens.len();
    let mut templates = 0;
    let chunks: Vec<_> = split_items(text, &d.tokens[all.clone()], TOP)
        .into_iter()
        .flat_map(|chunk| d.split_within_lines(chunk, text.len(), TOP, Rule::top_entry))
        .collect();
    for chunk in chunks {
        let end = d.chunk_end(chunk.end, text.len());
        let first = d.tokens[chunk.start].clone();
        let word = &text[first.span.clone()];
        if first.kind == TokKind::Word && word == "template" {
            if let Some(t) = d.template(chunk.clone(), end) {
                templates += 1;
                if templates > 1 {
                    d.diags.push(
                        Diagnostic::error("RWF008", "a file holds at most one template")
                            .in_file(file)
                            .at(t.key.span.clone())
                            .with_label("second template")
                            .help("move this template into its own file"),
                    );
                }
                items.push(Item::Template(t));
            }
            continue;
        }
        if d.unknown_starter(&first, TOP) || d.unclosed(&chunk) {
            continue;
        }
        let start = first.span.start;
        if let Some(pair) = d.parse_rule(Rule::top_entry, start, end) {
            let mut b = Builder {
                off: start,
                problems: &mut d.problems,
                text,
                comment_ends: &d.comment_ends,
            };
            items.push(match pair.as_rule() {
                Rule::use_decl => Item::Use(b.use_decl(&pair)),
                Rule::policy_decl => Item::Policy(b.policy_decl(&pair)),
                _ => Item::Calendar(b.calendar_decl(&pair)),
            });
        }
    }
    for (span, message) in std::mem::take(&mut d.problems) {
        d.diags.push(
            Diagnostic::error("RWF007", message)
                .in_file(file)
                .at(span)
                .with_label("bad interpolation")
                .help("write `${name}` with a param name, or `${task.output.field}`"),
        );
    }
    d.diags.sort_by_key(|x| x.span.as_ref().map(|s| s.start));
    Parsed {
        file: File {
            items,
            comments: lexed.comments,
        },
        diagnostics: d.diags,
    }
}

impl<'a> Driver<'a> {
    fn chunk_end(&self, tok_end: usize, region_end: usize) -> usize {
        self.tokens
            .get(tok_end)
            .map(|t| t.span.start)
            .unwrap_or(region_end)
            .min(region_end)
    }

    /// Items written on one line (`param p: datetime target p in "UTC"`): whitespace and newlines are
    /// insignificant, so a starter word in the middle of a line, outside braces, may begin the next
    /// item. `split_items` only splits at line starts (and after a closing `}`); here a chunk that does
    /// not parse whole is cut, left to right, at each mid-line starter where the piece before it
    /// parses on its own. A chunk that parses whole (`param calendar: string`) is never cut.
    fn split_within_lines(
        &self,
        chunk: std::ops::Range<usize>,
        region_end: usize,
        starters: &[&str],
        rule: Rule,
    ) -> Vec<std::ops::Range<usize>> {
        let mut depth = 0usize;
        let mut cuts = Vec::new();
        for i in chunk.clone() {
            let t = &self.tokens[i];
            match t.kind {
                TokKind::Open => depth += 1,
                TokKind::Close => depth = depth.saturating_sub(1),
                TokKind::Word
                    if i > chunk.start
                        && depth == 0
                        && !t.line_start
                        && starters.contains(&&self.text[t.span.clone()]) =>
                {
                    cuts.push(i)
                }
                _ => {}
            }
        }
        let parses = |piece: &std::ops::Range<usize>| {
            let start = self.tokens[piece.start].span.start;
            let end = self.chunk_end(piece.end, region_end);
            let first = &self.text[self.tokens[piece.start].span.clone()];
            // A template is parsed by its own driver, item by item.
            first == "template" || RwfParser::parse(rule, &self.text[start..end]).is_ok()
        };
        if cuts.is_empty() || parses(&chunk) {
            return vec![chunk];
        }
        let mut pieces = Vec::new();
        let mut start = chunk.start;
        for cut in cuts {
            if parses(&(start..cut)) {
                pieces.push(start..cut);
                start = cut;
            }
        }
        pieces.push(start..chunk.end);
        pieces
    }

    /// A chunk that does not start with a keyword of its context: RWF002 with did-you-mean.
    fn unknown_starter(&mut self, first: &Tok, starters: &[&str]) -> bool {
        let word = &self.text[first.span.clone()];
        if first.kind != TokKind::Word || starters.contains(&word) {
            return false;
        }
        let mut diag = Diagnostic::error("RWF002", format!("unknown keyword `{word}`"))
            .in_file(self.file)
            .at(first.span.clone())
            .with_label("expected an item here");
        diag = match did_you_mean(word, starters.iter().copied()) {
            Some(s) => diag.help(format!("did you mean `{s}`?")),
            None => diag.help(format!(
                "an item here starts with one of: {}",
                starters.join(", ")
            )),
        };
        self.diags.push(diag);
        true
    }

    /// Reports the first unclosed `{` of an item chunk; true when there is one.
    fn unclosed(&mut self, chunk: &std::ops::Range<usize>) -> bool {
        if let Some(tok) = self.tokens[chunk.clone()]
            .iter()
            .find(|t| t.kind == TokKind::Unterminated)
            .cloned()
        {
            self.diags.push(
                Diagnostic::error("RWF003", "unterminated string")
                    .in_file(self.file)
                    .at(tok.span)
                    .with_label("this string has no closing `\"` on its line")
                    .help("close the string with `\"` on the same line; write a newline as `\\n`"),
            );
            return true;
        }
        let Some(i) = unclosed_open(&self.tokens[chunk.clone()]) else {
            return false;
        };
        let tok = self.tokens[chunk.start + i].clone();
        self.diags.push(
            Diagnostic::error("RWF004", "unclosed `{`")
                .in_file(self.file)
                .at(tok.span)
                .with_label("this `{` is never closed")
                .help("add the matching `}`"),
        );
        true
    }

    fn parse_rule(
        &mut self,
        rule: Rule,
        start: usize,
        end: usize,
    ) -> Option<pest::iterators::Pair<'a, Rule>> {
        let chunk = &self.text[start..end];
        match RwfParser::parse(rule, chunk) {
            Ok(mut pairs) => pairs.next(),
            Err(e) => {
                self.diags.push(convert(self.file, self.text, start, &e));
                None
            }
        }
    }

    /// `{` and its `}` inside a block chunk; reports an unclosed brace.
    fn block_bounds(&mut self, chunk: &std::ops::Range<usize>) -> Option<(usize, Option<usize>)> {
        let open = (chunk.start..chunk.end).find(|&i| self.tokens[i].kind == TokKind::Open)?;
        let (close, _) = block_close(&self.tokens[..chunk.end], chunk.start, open);
        if close.is_none() {
            self.diags.push(
                Diagnostic::error("RWF004", "unclosed `{`")
                    .in_file(self.file)
                    .at(self.tokens[open].span.clone())
                    .with_label("this `{` is never closed")
                    .help("add the matching `}`"),
            );
        }
        Some((open, close))
    }

    fn template(&mut self, chunk: std::ops::Range<usize>, end: usize) -> Option<Template> {
        let start = self.tokens[chunk.start].span.start;
        let Some((open, close)) = self.block_bounds(&chunk) else {
            self.parse_rule(Rule::template_header_entry, start, end);
            return None;
        };
        let header_end = self.tokens[open].span.end;
        let pair = self.parse_rule(Rule::template_header_entry, start, header_end);
        let mut t = match pair {
            Some(p) => Builder {
                off: start,
                problems: &mut self.problems,
                text: self.text,
                comment_ends: &self.comment_ends,
            }
            .template_header(&p),
            None => Template {
                key: Ident {
                    name: String::new(),
                    span: start..header_end,
                },
                name: None,
                version: None,
                header: start..header_end,
                items: Vec::new(),
                span: start..header_end,
            },
        };
        let items = self.block_items(open, close, chunk.end, end, BODY);
        t.items.extend(items);
        super::words_after::resolve(&mut t);
        t.span = start..close.map(|c| self.tokens[c].span.end).unwrap_or(end);
        self.trailing(close, chunk.end, "template");
        Some(t)
    }

    fn phase(&mut self, chunk: std::ops::Range<usize>, end: usize) -> Option<Phase> {
        let start = self.tokens[chunk.start].span.start;
        let Some((open, close)) = self.block_bounds(&chunk) else {
            self.parse_rule(Rule::phase_header_entry, start, end);
            return None;
        };
        let header_end = self.tokens[open].span.end;
        let pair = self.parse_rule(Rule::phase_header_entry, start, header_end)?;
        let mut phase = Builder {
            off: start,
            problems: &mut self.problems,
            text: self.text,
            comment_ends: &self.comment_ends,
        }
        .phase_header(&pair);
        for item in self.block_items(open, close, chunk.end, end, PHASE_BODY) {
            match item {
                TemplateItem::Phase(p) => phase.items.push(PhaseItem::Phase(p)),
                TemplateItem::Task(task) => phase.items.push(PhaseItem::Task(task)),
                TemplateItem::Block(b) => phase.items.push(PhaseItem::Block(b)),
                TemplateItem::Include(i) => phase.items.push(PhaseItem::Include(i)),
                TemplateItem::When(c, span) => self.when_item(&mut phase.when, c, span, "phase"),
                other => self.diags.push(
                    Diagnostic::error("RWF001", "only tasks and phases may appear inside a phase")
                        .in_file(self.file)
                        .at(other.span())
                        .help("move this item to the template body"),
                ),
            }
        }
        phase.span = start..close.map(|c| self.tokens[c].span.end).unwrap_or(end);
        self.trailing(close, chunk.end, "phase");
        Some(phase)
    }

    /// `for each ... {` or `repeat ... {` and its tasks.
    fn block(&mut self, chunk: std::ops::Range<usize>, end: usize, repeat: bool) -> Option<Block> {
        let start = self.tokens[chunk.start].span.start;
        let rule = if repeat {
            Rule::repeat_header_entry
        } else {
            Rule::for_each_header_entry
        };
        let Some((open, close)) = self.block_bounds(&chunk) else {
            self.parse_rule(rule, start, end);
            return None;
        };
        let header_end = self.tokens[open].span.end;
        let pair = self.parse_rule(rule, start, header_end)?;
        let mut block = Builder {
            off: start,
            problems: &mut self.problems,
            text: self.text,
            comment_ends: &self.comment_ends,
        }
        .block_header(&pair);
        let what = if repeat { "repeat" } else { "for each" };
        for item in self.block_items(open, close, chunk.end, end, BLOCK_BODY) {
            match item {
                TemplateItem::Task(task) => block.tasks.push(task),
                TemplateItem::When(c, span) => self.when_item(&mut block.when, c, span, what),
                TemplateItem::Include(i) if !repeat => block.includes.push(*i),
                TemplateItem::Include(i) => self.diags.push(
                    Diagnostic::error("RWF001", "an `include` cannot stand inside a `repeat`")
                        .in_file(self.file)
                        .at(i.header.clone())
                        .help(format!(
                            "a repeat schedules its tasks at each occurrence; write the tasks of `{}` in the repeat, or include it in a `for each`",
                            i.template.name
                        )),
                ),
                other => self.diags.push(
                    Diagnostic::error(
                        "RWF001",
                        format!("only tasks and `when` may appear inside a `{what}` block"),
                    )
                    .in_file(self.file)
                    .at(other.span())
                    .help("move this item out of the block; blocks do not nest"),
                ),
            }
        }
        block.span = start..close.map(|c| self.tokens[c].span.end).unwrap_or(end);
        self.trailing(close, chunk.end, what);
        Some(block)
    }

    /// A `when` heading a phase or block: at most one.
    fn when_item(&mut self, slot: &mut Option<(Cond, Span)>, c: Cond, span: Span, what: &str) {
        if slot.is_some() {
            self.diags.push(
                Diagnostic::error("RWF001", format!("a {what} takes at most one `when`"))
                    .in_file(self.file)
                    .at(span)
                    .help("combine the conditions: `when a and b`"),
            );
            return;
        }
        *slot = Some((c, span));
    }

    /// The items of a block's body (after the token `open`, up to `close`): nested phases and template
    /// items, each parsed on its own so one broken item loses nothing around it.
    fn block_items(
        &mut self,
        open: usize,
        close: Option<usize>,
        chunk_end: usize,
        end: usize,
        starters: &[&str],
    ) -> Vec<TemplateItem> {
        let body_end_tok = close.unwrap_or(chunk_end);
        let body_end = close.map(|c| self.tokens[c].span.start).unwrap_or(end);
        let body = open + 1..body_end_tok;
        let mut items = Vec::new();
        let subs: Vec<_> = split_items(self.text, &self.tokens[body.clone()], starters)
            .into_iter()
            .flat_map(|sub| {
                let sub = sub.start + body.start..sub.end + body.start;
                self.split_within_lines(sub, body_end, starters, Rule::template_item_entry)
            })
            .collect();
        for sub in subs {
            let sub_end = self.chunk_end(sub.end, body_end);
            let first = self.tokens[sub.start].clone();
            if first.kind == TokKind::Word && &self.text[first.span.clone()] == "phase" {
                items.extend(self.phase(sub, sub_end).map(TemplateItem::Phase));
                continue;
            }
            let word = &self.text[first.span.clone()];
            if first.kind == TokKind::Word
                && (word == "for" || word == "repeat")
                && starters.contains(&word)
            {
                let repeat = word == "repeat";
                items.extend(
                    self.block(sub, sub_end, repeat)
                        .map(|b| TemplateItem::Block(Box::new(b))),
                );
                continue;
            }
            if self.unknown_starter(&first, starters) || self.unclosed(&sub) {
                continue;
            }
            if let Some(pair) =
                self.parse_rule(Rule::template_item_entry, first.span.start, sub_end)
            {
                let mut b = Builder {
                    off: first.span.start,
                    problems: &mut self.problems,
                    text: self.text,
                    comment_ends: &self.comment_ends,
                };
                items.push(b.template_item(&pair));
            }
        }
        items
    }

    /// Tokens after a block's closing brace that did not start a new item.
    fn trailing(&mut self, close: Option<usize>, chunk_end: usize, what: &str) {
        if let Some(c) = close {
            if c + 1 < chunk_end {
                let tok = self.tokens[c + 1].clone();
                let found = &self.text[tok.span.clone()];
                self.diags.push(
                    Diagnostic::error(
                        "RWF001",
                        format!("unexpected `{found}` after the end of the {what}"),
                    )
                    .in_file(self.file)
                    .at(tok.span)
                    .with_label("not part of any item")
                    .help("remove it, or check for an extra `}` above"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::StepKind;

    /// Every step type may stand wherever tasks may: at the top of a template, in a phase, in a block.
    #[test]
    fn every_step_type_is_an_item_of_every_body() {
        for kind in StepKind::ALL {
            for (name, body) in [
                ("template", BODY),
                ("phase", PHASE_BODY),
                ("block", BLOCK_BODY),
            ] {
                assert!(
                    body.contains(&kind.as_str()),
                    "`{}` missing from the {name} body",
                    kind.as_str()
                );
            }
        }
    }
}
