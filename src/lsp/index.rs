//! What a document declares and where each name is used, from the forgiving tokenizer: task keys,
//! params, policies, calendars, phases and the template, with the references to each.

use super::keywords::{is_field_keyword, STEP_KEYWORDS};
use super::lex::{tokenize, TokKind, Token};
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclKind {
    Template,
    Phase,
    /// A task; the step keyword (`agent`, `approval`, ...) is in `Decl::step`.
    Task,
    Param,
    Policy,
    Calendar,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decl {
    pub kind: DeclKind,
    pub name: String,
    /// The declared name.
    pub name_span: Range<usize>,
    /// Keyword to closing brace (or end of line for params).
    pub whole: Range<usize>,
    /// The step keyword for tasks.
    pub step: Option<&'static str>,
    /// The title string without quotes, if any.
    pub title: Option<String>,
    /// For params: the text after the name up to the end of the line (`: datetime = ...`).
    pub detail: Option<String>,
    /// Source text of the `at ...` (or `for ...` / `until ...`) schedule of a task.
    pub schedule: Option<String>,
    /// Index of the enclosing template/phase declaration, for the outline.
    pub parent: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub name: String,
    pub span: Range<usize>,
}

#[derive(Debug, Default)]
pub struct Index {
    pub decls: Vec<Decl>,
    /// Every identifier use that is not itself a declaration and not a member after `.`.
    pub refs: Vec<Reference>,
    /// All tokens (comments included), for completion context.
    pub tokens: Vec<Token>,
}

/// The step keywords that have fields of their own (`syntax::step_fields`).
pub const STEPS_WITH_FIELDS: [&str; 6] = [
    "agent",
    "approval",
    "manual",
    "notification",
    "wait",
    "event",
];

/// Decl kinds a navigable name may have, in lookup priority.
const NAVIGABLE: [DeclKind; 5] = [
    DeclKind::Task,
    DeclKind::Param,
    DeclKind::Policy,
    DeclKind::Calendar,
    DeclKind::Phase,
];

impl Index {
    pub fn build(src: &str) -> Index {
        let tokens = tokenize(src);
        let code: Vec<&Token> = tokens
            .iter()
            .filter(|t| t.kind != TokKind::Comment)
            .collect();
        let mut decls: Vec<Decl> = Vec::new();
        let mut decl_name_spans: Vec<Range<usize>> = Vec::new();
        // Open braces: (index into `decls` this brace belongs to, if any).
        let mut stack: Vec<Option<usize>> = Vec::new();
        let mut pending_block: Option<usize> = None;
        let text = |t: &Token| t.text(src).to_string();
        let mut i = 0;
        while i < code.len() {
            let t = code[i];
            let word = t.text(src);
            let prev_dot = i > 0 && code[i - 1].is_punct(src, ".");
            let next = code.get(i + 1).filter(|n| n.kind == TokKind::Ident);
            if t.is_punct(src, "{") {
                stack.push(pending_block.take());
            } else if t.is_punct(src, "}") {
                if let Some(Some(d)) = stack.pop() {
                    decls[d].whole.end = t.span.end;
                }
            } else if let (TokKind::Ident, false, Some(name)) = (t.kind, prev_dot, next) {
                let parent = stack
                    .iter()
                    .rev()
                    .flatten()
                    .copied()
                    .find(|&d| matches!(decls[d].kind, DeclKind::Template | DeclKind::Phase));
                let after_name = code.get(i + 2);
                let opens_block = |k: usize| {
                    code[k..]
                        .iter()
                        .take(4)
                        .take_while(|x| x.kind != TokKind::Ident || x.text(src) == "version")
                        .any(|x| x.is_punct(src, "{"))
                };
                // `include app_store as ios`: the include is the phase `ios`.
                let included = || {
                    let mut k = i;
                    while k >= 3 && code[k - 2].is_punct(src, ".") {
                        k -= 2;
                    }
                    (k >= 2 && code[k - 2].text(src) == "include")
                        .then(|| src[code[k - 1].span.start..code[i - 1].span.end].to_string())
                };
                let include = if word == "as" { included() } else { None };
                let kind = match word {
                    "as" if include.is_some() => Some(DeclKind::Phase),
                    "template" => Some(DeclKind::Template),
                    "phase" => Some(DeclKind::Phase),
                    "param" => Some(DeclKind::Param),
                    w if STEP_KEYWORDS.contains(&w) => Some(DeclKind::Task),
                    "policy" if opens_block(i + 2) => Some(DeclKind::Policy),
                    "calendar" if opens_block(i + 2) => Some(DeclKind::Calendar),
                    _ => None,
                };
                if let Some(kind) = kind {
                    let title = after_name
                        .filter(|a| a.kind == TokKind::Str)
                        .map(|a| unquote(a.text(src)));
                    let line_end = src[t.span.start..]
                        .find('\n')
                        .map_or(src.len(), |n| t.span.start + n);
                    let detail = match kind {
                        DeclKind::Param => {
                            let rest = &src[name.span.end..line_end];
                            Some(rest.split("//").next().unwrap_or("").trim().to_string())
                        }
                        _ => include.map(|t| format!("include {t}")),
                    };
                    let index = decls.len();
                    decls.push(Decl {
                        kind,
                        name: text(name),
                        name_span: name.span.clone(),
                        whole: t.span.start..line_end,
                        step: STEP_KEYWORDS.iter().copied().find(|&s| s == word),
                        title,
                        detail,
                        schedule: None,
                        parent,
                    });
                    decl_name_spans.push(name.span.clone());
                    if kind != DeclKind::Param {
                        pending_block = Some(index);
                    }
                    i += 2;
                    continue;
                }
            }
            // A schedule of the innermost task: `at ...`, `for ...`, `until ...` directly in its body.
            if t.kind == TokKind::Ident && matches!(word, "at" | "for" | "until") && !prev_dot {
                if let Some(Some(d)) = stack.last() {
                    if decls[*d].kind == DeclKind::Task && decls[*d].schedule.is_none() {
                        decls[*d].schedule = Some(schedule_text(src, &code[i..]));
                    }
                }
            }
            i += 1;
        }
        let mut refs = Vec::new();
        let mut push_ref = |toks: &[&Token]| {
            for (k, t) in toks.iter().enumerate() {
                let prev_dot = k > 0 && toks[k - 1].is_punct(src, ".");
                // `brief:` in `input { brief: ... }` names an input field, not a task or param.
                let is_key = toks.get(k + 1).is_some_and(|n| n.is_punct(src, ":"));
                if t.kind == TokKind::Ident
                    && !prev_dot
                    && !is_key
                    && !decl_name_spans.contains(&t.span)
                {
                    refs.push(Reference {
                        name: text(t),
                        span: t.span.clone(),
                    });
                }
            }
        };
        push_ref(&code);
        for t in &code {
            let inner: Vec<&Token> = t.interpolated.iter().collect();
            push_ref(&inner);
        }
        refs.sort_by_key(|r| r.span.start);
        Index {
            decls,
            refs,
            tokens,
        }
    }

    /// The declaration a name refers to (tasks first, then params, policies, calendars, phases).
    pub fn lookup(&self, name: &str) -> Option<&Decl> {
        NAVIGABLE
            .iter()
            .find_map(|k| self.decls.iter().find(|d| d.kind == *k && d.name == name))
    }

    /// The declared or referenced name under a byte offset (an offset just past a name counts).
    pub fn name_at(&self, offset: usize) -> Option<(&str, Range<usize>)> {
        let hit = |s: &Range<usize>| s.start <= offset && offset <= s.end;
        self.decls
            .iter()
            .find(|d| hit(&d.name_span))
            .map(|d| (d.name.as_str(), d.name_span.clone()))
            .or_else(|| {
                self.refs
                    .iter()
                    .find(|r| hit(&r.span))
                    .map(|r| (r.name.as_str(), r.span.clone()))
            })
    }

    /// Every use of the declaration `decl` (by name; names are file-global in `.rwf`).
    pub fn references_to<'a>(&'a self, decl: &'a Decl) -> impl Iterator<Item = &'a Reference> + 'a {
        self.refs.iter().filter(move |r| r.name == decl.name)
    }
}

/// `"a \"b\""` → `a "b"` (escapes undone loosely; good enough for display).
fn unquote(s: &str) -> String {
    let s = s.strip_prefix('"').unwrap_or(s);
    let s = s.strip_suffix('"').unwrap_or(s);
    s.replace("\\\"", "\"").replace("\\\\", "\\")
}

/// The schedule expression starting at `toks[0]` (`at`/`for`/`until`): up to the end of its line, a
/// closing brace or the next field keyword, whichever comes first. `at` after a duration is a time of
/// day and stays in.
fn schedule_text(src: &str, toks: &[&Token]) -> String {
    let start = toks[0].span.start;
    let line_end = src[start..].find('\n').map_or(src.len(), |n| start + n);
    let mut end = toks[0].span.end;
    for (k, t) in toks.iter().enumerate().skip(1) {
        let w = t.text(src);
        let is_time_at = w == "at" || w == "in";
        // `2 days after X`, `first monday of month after X`, `mon after X`: a direction, not a field.
        // (`for 3 days after x` is a wait's duration, then the `after` field.)
        let is_direction = w == "after" && toks[0].text(src) != "for" && {
            let pw = toks[k - 1].text(src);
            super::keywords::UNITS.contains(&pw) || super::word_doc::is_weekday(pw)
        };
        if t.span.start >= line_end
            || t.is_punct(src, "}")
            || (t.kind == TokKind::Ident && is_field_keyword(w) && !is_time_at && !is_direction)
        {
            break;
        }
        end = t.span.end;
    }
    src[start..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"use std/policies
policy careful { retry { attempts 5 } on_failure skip }
template t "T ${product}" version 1 {
  param product: string "Name"
  param release: datetime
  target release in "UTC"
  phase prep "Prep" {
    checkpoint kickoff "Kick-off: ${product}" { at release - 6 weeks at 09:00 }
  }
  agent draft "Draft" {
    uses "w"
    at kickoff.due + 2 business days at 10:00 in "Europe/Berlin"  after kickoff
    retry careful
  }
  wait cool "Cool" { for 3 days after draft }
}
"#;

    #[test]
    fn declarations_and_references() {
        let idx = Index::build(SRC);
        let names: Vec<_> = idx
            .decls
            .iter()
            .map(|d| (d.kind, d.name.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                (DeclKind::Policy, "careful"),
                (DeclKind::Template, "t"),
                (DeclKind::Param, "product"),
                (DeclKind::Param, "release"),
                (DeclKind::Phase, "prep"),
                (DeclKind::Task, "kickoff"),
                (DeclKind::Task, "draft"),
                (DeclKind::Task, "cool"),
            ]
        );
        let kickoff = idx.lookup("kickoff").unwrap();
        assert_eq!(
            kickoff.schedule.as_deref(),
            Some("at release - 6 weeks at 09:00")
        );
        assert_eq!(kickoff.parent, Some(4));
        let draft = idx.lookup("draft").unwrap();
        assert_eq!(
            draft.schedule.as_deref(),
            Some(r#"at kickoff.due + 2 business days at 10:00 in "Europe/Berlin""#)
        );
        assert_eq!(draft.step, Some("agent"));
        assert_eq!(
            idx.lookup("cool").unwrap().schedule.as_deref(),
            Some("for 3 days")
        );
        assert_eq!(idx.references_to(kickoff).count(), 2);
        let product = idx.lookup("product").unwrap();
        assert_eq!(idx.references_to(product).count(), 2, "both interpolations");
        let careful = idx.lookup("careful").unwrap();
        assert_eq!(idx.references_to(careful).count(), 1);
        assert!(
            idx.decls[1].whole.end > SRC.len() - 3,
            "template block closes at the end"
        );
    }

    #[test]
    fn an_input_key_is_not_a_reference() {
        let src = "template t \"T\" version 1 {\n  param release: datetime\n  target release in \"UTC\"\n  \
                   manual brief \"Brief\" { at release }\n  \
                   agent faq \"FAQ\" { uses \"w\" input { brief: brief.output.summary, tone: \"x\" } after brief }\n}\n";
        let idx = Index::build(src);
        let brief = idx.lookup("brief").unwrap();
        let uses: Vec<usize> = idx.references_to(brief).map(|r| r.span.start).collect();
        let key_at = src.find("brief:").unwrap();
        assert!(!uses.contains(&key_at), "the input key is not a use");
        assert_eq!(
            uses.len(),
            2,
            "the value `brief.output...` and `after brief`"
        );
        assert!(idx
            .name_at(key_at + 1)
            .is_none_or(|(n, s)| n != "brief" || s.start != key_at));
    }

    #[test]
    fn half_typed_files_still_index() {
        let idx = Index::build("template t {\n  agent a \"A\" {\n    after \n");
        assert_eq!(
            idx.decls
                .iter()
                .filter(|d| d.kind == DeclKind::Task)
                .count(),
            1
        );
    }
}
