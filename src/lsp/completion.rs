//! Completion: keywords, and the task keys, params, policies and calendars of the document. After
//! `after`, `at`, `not_author_of`, `before` or a `,` in such a list, names come first; where an amount
//! of time goes (`+`, `-`, `window`, `for`, `deadline`, `every`, `timeout`), the `duration` params; after
//! `.`, the anchor points. In expansion headers: `repeat` → `every`/`on`, `repeat on` → weekdays, `for` →
//! `each`, `for each x` → `in`, `for each x in` → the list params and the tasks (whose output a block
//! may expand over), `for each x in build.` → `output`.

use super::document::Document;
use super::index::DeclKind;
use super::keywords;
use super::lex::TokKind;
use crate::compile::ModuleLoader;
use lsp_types::{CompletionItem, CompletionItemKind, Position};

pub fn completion(doc: &Document, pos: Position, loader: &dyn ModuleLoader) -> Vec<CompletionItem> {
    let offset = doc.offset(pos);
    let before: Vec<_> = doc
        .index
        .tokens
        .iter()
        .filter(|t| t.span.end <= offset && t.kind != TokKind::Comment)
        .collect();
    // Skip the word being typed, if any.
    let mut rest = before.as_slice();
    if let Some(last) = rest.last() {
        if last.kind == TokKind::Ident && last.span.end == offset {
            rest = &rest[..rest.len() - 1];
        }
    }
    // In a `when`: params and upstream tasks, `task.output.`, known output fields.
    if let Some(items) = super::condition::complete(doc, offset, rest) {
        return items;
    }
    if let Some(items) = for_each_source(doc, rest) {
        return items;
    }
    // `kickoff.` → the anchor points.
    if rest.last().is_some_and(|t| t.is_punct(&doc.text, ".")) {
        return keywords::ANCHOR_POINTS
            .iter()
            .map(|p| CompletionItem {
                label: p.to_string(),
                kind: Some(CompletionItemKind::PROPERTY),
                detail: Some(format!("the task's {p} instant")),
                ..CompletionItem::default()
            })
            .collect();
    }
    // `on_blackout ` → what a task inside a blackout does.
    if rest
        .last()
        .is_some_and(|t| t.text(&doc.text) == "on_blackout")
    {
        return [
            ("warn", "keep the date, warn (RWF082)"),
            (
                "move before",
                "move to the last business day before the blackout",
            ),
            (
                "move after",
                "move to the first business day after the blackout",
            ),
        ]
        .iter()
        .map(|(label, detail)| CompletionItem {
            label: label.to_string(),
            kind: Some(CompletionItemKind::ENUM_MEMBER),
            detail: Some(detail.to_string()),
            ..CompletionItem::default()
        })
        .collect();
    }
    if let Some(items) = expansion(doc, rest) {
        return items;
    }
    // Inside `include TEMPLATE as NAME { ... }`: that template's params not given yet.
    if let Some(items) = super::include::complete_args(doc, offset, rest, loader) {
        return items;
    }
    let wants_name = rest.last().is_some_and(|t| {
        matches!(
            t.text(&doc.text),
            "after" | "at" | "not_author_of" | "before" | "," | "until" | "calendar" | "include"
        )
    });
    // `release - `, `window `, `for `, `deadline `, `remind every `, `timeout `: an amount (a number
    // or a `duration` param), so only the duration params are offered (any other name is RWF084).
    let wants_amount = rest.last().is_some_and(|t| {
        matches!(
            t.text(&doc.text),
            "+" | "-" | "window" | "for" | "deadline" | "every" | "timeout"
        )
    });
    if wants_amount {
        return doc
            .index
            .decls
            .iter()
            .filter(|d| is_duration_param(d))
            .map(|d| CompletionItem {
                label: d.name.clone(),
                kind: Some(CompletionItemKind::VARIABLE),
                detail: d.detail.as_ref().map(|x| format!("param {x}")),
                sort_text: Some(format!("0{}", d.name)),
                ..CompletionItem::default()
            })
            .collect();
    }
    let (names_rank, keywords_rank) = if wants_name { ("0", "1") } else { ("1", "0") };
    let mut items = Vec::new();
    // `include ` → the imported templates (a calendar's `include` still gets the calendars below).
    if rest.last().is_some_and(|t| t.text(&doc.text) == "include") {
        items.extend(super::include::complete_names(doc, loader));
    }
    for decl in &doc.index.decls {
        let kind = match decl.kind {
            DeclKind::Task => CompletionItemKind::EVENT,
            DeclKind::Param => CompletionItemKind::VARIABLE,
            DeclKind::Policy => CompletionItemKind::STRUCT,
            DeclKind::Calendar => CompletionItemKind::MODULE,
            DeclKind::Phase | DeclKind::Template => continue,
        };
        if items.iter().any(|i: &CompletionItem| i.label == decl.name) {
            continue;
        }
        let detail = match (decl.step, &decl.title, &decl.detail) {
            (Some(step), Some(title), _) => format!("{step} · {title}"),
            (_, _, Some(detail)) => format!("param {detail}"),
            _ => format!("{:?}", decl.kind).to_lowercase(),
        };
        items.push(CompletionItem {
            label: decl.name.clone(),
            kind: Some(kind),
            detail: Some(detail),
            sort_text: Some(format!("{names_rank}{}", decl.name)),
            ..CompletionItem::default()
        });
    }
    // Inside a task's block, the fields of other step kinds are not offered (the compiler would
    // refuse them: RWF057).
    let step = doc
        .index
        .decls
        .iter()
        .filter(|d| d.kind == DeclKind::Task && d.whole.start < offset && offset <= d.whole.end)
        .max_by_key(|d| d.whole.start)
        .and_then(|d| d.step);
    // (`on` is an event's field and also joins an `after` edge to its outcome in every task.)
    let foreign = |word: &str| {
        step.is_some_and(|own| {
            !crate::syntax::COMMON_TASK_FIELDS.contains(&word)
                && !keywords::SCHEDULE_KEYWORDS.contains(&word)
                && !crate::syntax::step_fields(own).contains(&word)
                && super::index::STEPS_WITH_FIELDS
                    .iter()
                    .any(|other| crate::syntax::step_fields(other).contains(&word))
        })
    };
    for word in keywords::all() {
        if foreign(word) {
            continue;
        }
        items.push(CompletionItem {
            label: word.to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            sort_text: Some(format!("{keywords_rank}{word}")),
            ..CompletionItem::default()
        });
    }
    items
}

/// A `param NAME: duration ...` declaration.
fn is_duration_param(decl: &super::index::Decl) -> bool {
    decl.kind == DeclKind::Param
        && decl.detail.as_deref().is_some_and(|d| {
            d.trim_start_matches(':')
                .trim_start()
                .starts_with("duration")
        })
}

fn words(list: &[(&str, &str)], kind: CompletionItemKind) -> Vec<CompletionItem> {
    list.iter()
        .map(|(label, detail)| CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail: Some(detail.to_string()),
            ..CompletionItem::default()
        })
        .collect()
}

/// `for each x in build.` → `output`; `for each x in build.output.` → nothing to offer (the output's
/// fields are known when it lands). `None` outside such a dotted list.
fn for_each_source(doc: &Document, rest: &[&super::lex::Token]) -> Option<Vec<CompletionItem>> {
    // `NAME .` pairs back from the end: `build .` or `build . output .`.
    let mut dotted = 0;
    while rest.len() >= dotted + 2
        && rest[rest.len() - dotted - 1].is_punct(&doc.text, ".")
        && rest[rest.len() - dotted - 2].kind == TokKind::Ident
    {
        dotted += 2;
    }
    if dotted == 0 {
        return None;
    }
    let head = &rest[..rest.len() - dotted];
    let word = |i: usize| {
        head.get(head.len().checked_sub(i + 1)?)
            .map(|t| t.text(&doc.text))
    };
    if (word(2), word(0)) != (Some("each"), Some("in")) {
        return None;
    }
    if dotted > 2 {
        return Some(Vec::new());
    }
    Some(words(
        &[(
            "output",
            "the task's output: `for each x in build.output.platforms` expands when it succeeds",
        )],
        CompletionItemKind::PROPERTY,
    ))
}

/// Completion inside a `repeat` or `for each` header; `None` elsewhere.
fn expansion(doc: &Document, rest: &[&super::lex::Token]) -> Option<Vec<CompletionItem>> {
    let back = |n: usize| {
        rest.len()
            .checked_sub(n + 1)
            .map(|i| rest[i].text(&doc.text))
            .unwrap_or("")
    };
    let weekdays = || {
        let days = [
            ("mon", "Monday"),
            ("tue", "Tuesday"),
            ("wed", "Wednesday"),
            ("thu", "Thursday"),
            ("fri", "Friday"),
            ("sat", "Saturday"),
            ("sun", "Sunday"),
        ];
        Some(words(&days, CompletionItemKind::ENUM_MEMBER))
    };
    match (back(2), back(1), back(0)) {
        (_, _, "repeat") => Some(words(
            &[
                ("every", "every N days, weeks or months: `every 2 weeks`"),
                ("on", "on given weekdays: `on mon, wed, fri`"),
            ],
            CompletionItemKind::KEYWORD,
        )),
        (_, "repeat", "on") => weekdays(),
        // `repeat on mon, ` → the next weekday.
        (_, day, ",") if super::word_doc::is_weekday(day) && in_repeat_on(doc, rest) => weekdays(),
        (_, prev, "for") if prev == "{" || prev == "}" || is_line_item(doc, rest) => Some(words(
            &[(
                "each",
                "one copy of the block per item: `for each locale in locales`",
            )],
            CompletionItemKind::KEYWORD,
        )),
        ("for", "each", _) => Some(words(
            &[(
                "in",
                "the list param, or an upstream task's output, to expand over",
            )],
            CompletionItemKind::KEYWORD,
        )),
        ("each", _, "in") => Some(
            doc.index
                .decls
                .iter()
                .filter_map(|d| match d.kind {
                    DeclKind::Param
                        if d.detail.as_deref().is_some_and(|t| {
                            t.trim_start_matches(':').trim_start().starts_with("list")
                        }) =>
                    {
                        Some(CompletionItem {
                            label: d.name.clone(),
                            kind: Some(CompletionItemKind::VARIABLE),
                            detail: d.detail.as_ref().map(|t| format!("param {t}")),
                            sort_text: Some(format!("0{}", d.name)),
                            ..CompletionItem::default()
                        })
                    }
                    DeclKind::Task => Some(CompletionItem {
                        label: format!("{}.output.", d.name),
                        kind: Some(CompletionItemKind::EVENT),
                        detail: Some(format!(
                            "a list in {}'s output, expanded when it succeeds",
                            d.name
                        )),
                        sort_text: Some(format!("1{}", d.name)),
                        ..CompletionItem::default()
                    }),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// True when the `,` list being typed follows `repeat on`.
fn in_repeat_on(doc: &Document, rest: &[&super::lex::Token]) -> bool {
    let mut i = rest.len();
    while i >= 2 {
        i -= 1;
        let w = rest[i].text(&doc.text);
        if w == "on" {
            return rest[i - 1].text(&doc.text) == "repeat";
        }
        if w != "," && !super::word_doc::is_weekday(w) {
            return false;
        }
    }
    false
}

/// True when the last token starts its line (an item of a template or phase body, not a field).
fn is_line_item(doc: &Document, rest: &[&super::lex::Token]) -> bool {
    let Some(last) = rest.last() else {
        return false;
    };
    let line_start = doc.text[..last.span.start].rfind('\n').map_or(0, |i| i + 1);
    doc.text[line_start..last.span.start].trim().is_empty()
        && !doc.index.decls.iter().any(|d| {
            d.kind == DeclKind::Task
                && d.whole.start < last.span.start
                && last.span.end <= d.whole.end
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels_at(text: &str, marker: &str) -> Vec<String> {
        let offset = text.find(marker).expect("marker") + marker.len();
        let before = &text[..offset];
        let line = before.matches('\n').count() as u32;
        let character = before.rsplit('\n').next().unwrap_or("").len() as u32;
        let uri: lsp_types::Uri = "file:///t.rwf".parse().unwrap();
        let doc = Document::new(uri, 1, text.to_string());
        completion(
            &doc,
            Position { line, character },
            &crate::compile::MemLoader::default(),
        )
        .into_iter()
        .map(|i| i.label)
        .collect()
    }

    #[test]
    fn calendars_and_blackout_rules_are_offered_where_they_go() {
        let text = "calendar berlin { covers 2027-01-01 to 2027-12-31 }\n\
                    template t \"T\" version 1 {\n  param release: datetime\n  target release in \"UTC\"\n  \
                    manual m \"M\" {\n    calendar \n    on_blackout \n    \n  }\n}\n";
        let rules = labels_at(text, "on_blackout ");
        assert_eq!(rules, ["warn", "move before", "move after"]);
        let uri: lsp_types::Uri = "file:///t.rwf".parse().unwrap();
        let doc = Document::new(uri, 1, text.to_string());
        let offset = text.find("calendar \n").unwrap() + "calendar ".len();
        let before = &text[..offset];
        let pos = Position {
            line: before.matches('\n').count() as u32,
            character: before.rsplit('\n').next().unwrap_or("").len() as u32,
        };
        let items = completion(&doc, pos, &crate::compile::MemLoader::default());
        let first = items
            .iter()
            .min_by_key(|i| i.sort_text.clone().unwrap_or_default())
            .unwrap();
        assert_eq!(first.label, "berlin", "the calendar's name comes first");
        let done = text.replace("on_blackout \n", "on_blackout warn\n");
        let in_task = labels_at(&done, "on_blackout warn\n    ");
        for field in ["calendar", "on_blackout"] {
            assert!(in_task.iter().any(|l| l == field), "{field} in {in_task:?}");
        }
    }

    #[test]
    fn a_task_is_offered_its_own_fields_not_another_steps() {
        let text = "template t \"T\" version 1 {\n  param release: datetime\n  target release in \"UTC\"\n  \
                    manual m \"M\" {\n    at release\n    \n  }\n  approval a \"A\" {\n    approvers user(\"x\")\n    \n  }\n}\n";
        let in_manual = labels_at(text, "at release\n    ");
        assert!(in_manual.iter().any(|l| l == "assignee"), "{in_manual:?}");
        assert!(in_manual.iter().any(|l| l == "after"), "common fields stay");
        for foreign in ["quorum", "approvers", "not_author_of", "uses"] {
            assert!(
                !in_manual.iter().any(|l| l == foreign),
                "{foreign} in {in_manual:?}"
            );
        }
        let in_approval = labels_at(text, "approvers user(\"x\")\n    ");
        assert!(in_approval.iter().any(|l| l == "quorum"), "{in_approval:?}");
        assert!(
            !in_approval.iter().any(|l| l == "assignee"),
            "{in_approval:?}"
        );
    }
}
