//! Keeps the editor grammars from drifting from the language: the keyword lists of `rwf lsp`
//! (`src/lsp/keywords.rs`), the TextMate grammar, the Vim syntax and `grammar/rwf.pest` name the
//! same words, and the step types and hook points match the canonical spec.

use rwf::lsp::keywords;
use rwf::spec::{HookPoint, StepKind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// Bare-word alternations in a regex: `(a|b)`, `(?:a|b)` and `\%(a\|b\)` (Vim).
fn alternations(pattern: &str) -> Vec<String> {
    let p = pattern
        .replace("\\%(", "(?:")
        .replace("\\|", "|")
        .replace("\\)", ")");
    let mut words = Vec::new();
    let mut rest = p.as_str();
    while let Some(i) = rest.find('(') {
        rest = &rest[i + 1..];
        let body = rest.strip_prefix("?:").unwrap_or(rest);
        let end = body
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_' || c == '|'))
            .unwrap_or(body.len());
        if end > 0 && body[end..].starts_with(')') {
            words.extend(
                body[..end]
                    .split('|')
                    .filter(|w| !w.is_empty())
                    .map(String::from),
            );
        }
    }
    words
}

fn set<'a>(words: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    words.into_iter().map(String::from).collect()
}

fn assert_same(what: &str, expected: &BTreeSet<String>, actual: &BTreeSet<String>) {
    let missing: Vec<_> = expected.difference(actual).collect();
    let extra: Vec<_> = actual.difference(expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing {missing:?}, extra {extra:?}"
    );
}

#[test]
fn textmate_keyword_groups_equal_the_lsp_lists() {
    let grammar: serde_json::Value =
        serde_json::from_str(&read("editors/vscode/syntaxes/rwf.tmLanguage.json")).unwrap();
    let repo = grammar["repository"].as_object().unwrap();
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, rule) in repo {
        if let (Some(group), Some(pattern)) =
            (name.strip_prefix("keywords-"), rule["match"].as_str())
        {
            found.insert(
                group.to_string(),
                alternations(pattern).into_iter().collect(),
            );
        }
    }
    for (group, words) in keywords::GROUPS {
        let actual = found
            .get(*group)
            .unwrap_or_else(|| panic!("the grammar has no `keywords-{group}` rule"));
        assert_same(
            &format!("TextMate group {group}"),
            &set(words.iter().copied()),
            actual,
        );
    }
}

#[test]
fn vim_syntax_names_every_keyword() {
    let vim = read("editors/vim/syntax/rwf.vim");
    const OPTIONS: [&str; 6] = [
        "contained",
        "skipwhite",
        "skipnl",
        "skipempty",
        "transparent",
        "fold",
    ];
    let mut words = BTreeSet::new();
    for line in vim.lines() {
        if let Some(rest) = line.strip_prefix("syn keyword ") {
            words.extend(
                rest.split_whitespace()
                    .skip(1)
                    .filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                    .filter(|w| !OPTIONS.contains(w))
                    .map(String::from),
            );
        } else if line.starts_with("syn match ") && line.contains("\\<\\%(") {
            words.extend(alternations(line));
        }
    }
    assert_same("Vim syntax", &set(keywords::all()), &words);
}

#[test]
fn step_types_and_hook_points_match_the_spec() {
    assert_same(
        "step types",
        &set(StepKind::ALL.iter().map(|k| k.as_str())),
        &set(keywords::STEP_KEYWORDS.iter().copied()),
    );
    assert_same(
        "hook points",
        &set(HookPoint::ALL.iter().map(|h| h.as_str())),
        &set(keywords::HOOK_POINTS.iter().copied()),
    );
}

/// Every word literal in the pest grammar (`"word"`, `^"word"`), comments removed.
fn pest_words(pest: &str) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for line in pest.lines() {
        let code = line.split("//").next().unwrap_or("");
        for (i, part) in code.split('"').enumerate() {
            if i % 2 == 1
                && part.len() >= 2
                && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            {
                words.insert(part.to_string());
            }
        }
    }
    words
}

#[test]
fn keywords_match_the_parser() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar/rwf.pest");
    let all = set(keywords::all());
    if path.exists() {
        let contextual = set(keywords::CONTEXTUAL.iter().copied());
        let literal: BTreeSet<String> = all.difference(&contextual).cloned().collect();
        assert_same(
            "grammar/rwf.pest",
            &pest_words(&read("grammar/rwf.pest")),
            &literal,
        );
        let readme = read("grammar/README.md");
        for word in keywords::CONTEXTUAL {
            assert!(
                readme.contains(word),
                "`{word}` is not in grammar/README.md"
            );
        }
    } else {
        // Until the parser exists, the language reference is the contract.
        let readme = read("grammar/README.md");
        let words: BTreeSet<String> = readme
            .split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .map(String::from)
            .collect();
        let missing: Vec<_> = all.difference(&words).collect();
        assert!(missing.is_empty(), "not in grammar/README.md: {missing:?}");
    }
}
