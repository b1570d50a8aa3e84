//! `check_spec`: every hook problem found before anything runs — syntax at the right line:col of the
//! .rhai file, integrity, missing or ambiguous functions (with did-you-mean), arity, misplaced points.

use super::cache;
use super::codes;
use super::contract;
use super::position::{fn_name_span, span_of};
use super::sandbox::{self, lowercase_first, Limits, DISABLED_SYMBOLS};
use crate::compile::SourceMap;
use crate::diagnostic::Diagnostic;
use crate::spec::{HookPoint, WorkflowSpec};
use rhai::{Engine, LexError, ParseError, ParseErrorType, Scope};
use std::collections::{BTreeMap, BTreeSet};

/// Every hook diagnostic for a spec, in file order then task order. Compiles each hook file (the AST
/// is cached for the runtime). Task-level findings carry no file or span; see `check_spec_mapped`.
pub fn check_spec(spec: &WorkflowSpec) -> Vec<Diagnostic> {
    let limits = Limits::default();
    check_with(spec, &sandbox::engine(&limits), &limits)
}

/// `check_spec`, with task-level findings pointed at the template source: the task's `hook` field
/// when the source map has it, else the task key.
pub fn check_spec_mapped(spec: &WorkflowSpec, map: &SourceMap) -> Vec<Diagnostic> {
    let mut out = check_spec(spec);
    for d in &mut out {
        if d.file.is_some() {
            continue;
        }
        let Some(index) = task_index_of(d, spec) else {
            continue;
        };
        if let Some(source) = map.tasks.get(index) {
            let span = source
                .fields
                .get("hook")
                .cloned()
                .unwrap_or_else(|| source.key.clone());
            d.file = Some(map.file.clone());
            d.span = Some(span);
        }
    }
    out
}

/// Diagnostics for tasks name the task as "task `KEY`" first; recover the index from it.
fn task_index_of(d: &Diagnostic, spec: &WorkflowSpec) -> Option<usize> {
    let rest = d.message.strip_prefix("task `")?;
    let key = &rest[..rest.find('`')?];
    spec.tasks.iter().position(|t| t.key == key)
}

struct Defined {
    file: usize,
    arity: usize,
}

pub(crate) fn check_with(spec: &WorkflowSpec, engine: &Engine, limits: &Limits) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // name → every definition (file, arity), in file order.
    let mut defined: BTreeMap<String, Vec<Defined>> = BTreeMap::new();
    let mut seen_paths = BTreeSet::new();
    let mut compiled = vec![false; spec.hooks.len()];

    for (index, file) in spec.hooks.iter().enumerate() {
        if !seen_paths.insert(file.path.as_str()) {
            out.push(
                Diagnostic::error(
                    codes::FILE_INTEGRITY,
                    format!("hook file `{}` is listed twice", file.path),
                )
                .in_file(file.path.clone())
                .help("name each hook file once with `hooks \"...\"`"),
            );
            continue;
        }
        let actual = cache::sha256_hex(&file.source);
        if !actual.eq_ignore_ascii_case(&file.sha256) {
            out.push(
                Diagnostic::error(
                    codes::FILE_INTEGRITY,
                    format!(
                        "hook file `{}` does not match its sha256 (recorded {}, source has {actual})",
                        file.path, file.sha256
                    ),
                )
                .in_file(file.path.clone())
                .help("recompile the template so the spec carries the source it was checked with"),
            );
            continue;
        }
        let ast = match cache::compile(engine, limits, &file.path, &file.source) {
            Ok(ast) => ast,
            Err(e) => {
                out.push(syntax_diagnostic(&file.path, &file.source, &e));
                continue;
            }
        };
        compiled[index] = true;
        for f in ast.iter_functions() {
            defined
                .entry(f.name.to_string())
                .or_default()
                .push(Defined {
                    file: index,
                    arity: f.params.len(),
                });
        }
        // Top-level code runs before every call: it must finish within the limits.
        let statements = ast.clone_statements_only();
        let _deadline = sandbox::DeadlineGuard::start(limits.wall_clock);
        if let Err(err) = engine.run_ast_with_scope(&mut Scope::new(), &statements) {
            let pos = err.position();
            let mut d = Diagnostic::error(
                codes::TOP_LEVEL,
                format!(
                    "the top-level code of hook file `{}` {}",
                    file.path,
                    sandbox::describe(*err, limits)
                ),
            )
            .in_file(file.path.clone())
            .help("keep code outside functions to `const` declarations; it runs before every hook call");
            if let Some(span) = span_of(&file.source, pos) {
                d = d.at(span);
            }
            out.push(d);
        }
    }

    // The same name in several files.
    for (name, defs) in &defined {
        let files: BTreeSet<usize> = defs.iter().map(|d| d.file).collect();
        if files.len() < 2 {
            continue;
        }
        let first = &spec.hooks[defs[0].file];
        for &other in files.iter().skip(1) {
            let file = &spec.hooks[other];
            let mut d = Diagnostic::error(
                codes::FN_AMBIGUOUS,
                format!(
                    "hook function `{name}` is defined in both `{}` and `{}`",
                    first.path, file.path
                ),
            )
            .in_file(file.path.clone())
            .help("rename one of them: a binding names a function, not a file");
            if let Some(span) = fn_name_span(&file.source, name) {
                d = d.at(span).with_label("defined again here");
            }
            out.push(d);
        }
    }

    // Bindings.
    let mut used_files = BTreeSet::new();
    let all_compiled = compiled.iter().all(|c| *c);
    // A binding from `defaults` lands on every task; it is misplaced only if it runs on none.
    let runs_somewhere: BTreeSet<(HookPoint, &str)> = spec
        .tasks
        .iter()
        .flat_map(|t| t.hooks.iter().map(move |(p, f)| (t, *p, f.as_str())))
        .filter(|(t, p, _)| contract::applies_to(*p).is_none_or(|k| k == t.step.kind()))
        .map(|(_, p, f)| (p, f))
        .collect();
    for task in &spec.tasks {
        for (&point, function) in &task.hooks {
            let kind = task.step.kind();
            if let Some(only) = contract::applies_to(point) {
                if only != kind && !runs_somewhere.contains(&(point, function.as_str())) {
                    out.push(
                        Diagnostic::warning(
                            codes::POINT_KIND,
                            format!(
                                "task `{}`: the {} hook `{function}` never runs on {} {} task",
                                task.key,
                                point.as_str(),
                                article(kind.as_str()),
                                kind.as_str()
                            ),
                        )
                        .help(format!(
                            "{} hooks run only for {} tasks; move the binding to one",
                            point.as_str(),
                            only.as_str()
                        )),
                    );
                }
            }
            match defined.get(function) {
                Some(defs) => {
                    used_files.extend(defs.iter().map(|d| d.file));
                    if !defs.iter().any(|d| d.arity == contract::ARITY) {
                        let def = &defs[0];
                        let file = &spec.hooks[def.file];
                        let mut d = Diagnostic::error(
                            codes::FN_ARITY,
                            format!(
                                "hook function `{function}` takes {} parameter{}, but a {} hook takes one: `ctx`",
                                def.arity,
                                if def.arity == 1 { "" } else { "s" },
                                point.as_str()
                            ),
                        )
                        .in_file(file.path.clone())
                        .help(format!(
                            "declare it as `fn {function}(ctx)`; everything it needs is in ctx (task {}, used as {})",
                            task.key,
                            contract::signature(point)
                        ));
                        if let Some(span) = fn_name_span(&file.source, function) {
                            d = d.at(span).with_label(format!(
                                "bound to `{}` of task `{}`",
                                point.as_str(),
                                task.key
                            ));
                        }
                        out.push(d);
                    }
                }
                // A function may be missing only because its file failed to compile: say nothing more.
                None if !all_compiled => {}
                None => out.push(missing(spec, &task.key, point, function, &defined)),
            }
        }
    }

    // An unbound file is only worth a warning when every binding was found (else RWF091 says it).
    let any_missing = out.iter().any(|d| d.code == codes::FN_MISSING);
    for (index, file) in spec.hooks.iter().enumerate() {
        if compiled[index] && !any_missing && !used_files.contains(&index) {
            out.push(
                Diagnostic::warning(
                    codes::FILE_UNUSED,
                    format!("no task binds a function of hook file `{}`", file.path),
                )
                .in_file(file.path.clone())
                .help("bind one with `hook POINT FN` in a task or in `defaults`, or remove the `hooks` line"),
            );
        }
    }
    out
}

fn missing(
    spec: &WorkflowSpec,
    task: &str,
    point: HookPoint,
    function: &str,
    defined: &BTreeMap<String, Vec<Defined>>,
) -> Diagnostic {
    let d = Diagnostic::error(
        codes::FN_MISSING,
        format!(
            "task `{task}`: {} hook `{function}` is not defined in any hook file",
            point.as_str()
        ),
    );
    if spec.hooks.is_empty() {
        return d.help(format!(
            "the template names no hook file: add `hooks \"policy.rhai\"` defining `fn {function}(ctx)`"
        ));
    }
    match suggest(function, defined.keys().map(String::as_str)) {
        Some(near) => d.help(format!("did you mean `{near}`?")),
        None => d.help(format!(
            "define `fn {function}(ctx)` in one of: {}",
            spec.hooks
                .iter()
                .map(|f| format!("`{}`", f.path))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A rhai syntax error as a diagnostic at its line:col in the hook file.
pub(crate) fn syntax_diagnostic(path: &str, source: &str, err: &ParseError) -> Diagnostic {
    let ParseError(kind, pos) = err;
    let disabled = match kind.as_ref() {
        ParseErrorType::Reserved(s) => DISABLED_SYMBOLS.contains(&s.as_str()).then_some(s.as_str()),
        ParseErrorType::BadInput(LexError::ImproperSymbol(s, _)) => {
            DISABLED_SYMBOLS.contains(&s.as_str()).then_some(s.as_str())
        }
        _ => None,
    };
    let mut d = match disabled {
        Some(symbol) => Diagnostic::error(
            codes::DISABLED,
            format!("`{symbol}` is disabled in hooks"),
        )
        .help("hooks are self-contained: write the code out, and share helpers by putting them in the same file"),
        None => Diagnostic::error(
            codes::SYNTAX,
            format!("rhai syntax error in hook file: {}", lowercase_first(&kind.to_string())),
        )
        .help("fix the rhai code; every hook is `fn NAME(ctx) { ... }`"),
    }
    .in_file(path.to_string());
    if let Some(span) = span_of(source, *pos) {
        d = d.at(span);
    }
    d
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// `hook POINT FN`: the point by name, or RWF093 with the nearest point. For the language front end.
pub fn parse_point(name: &str) -> Result<HookPoint, Box<Diagnostic>> {
    HookPoint::ALL
        .into_iter()
        .find(|p| p.as_str() == name)
        .ok_or_else(|| {
            let names = HookPoint::ALL.map(HookPoint::as_str);
            let d = Diagnostic::error(codes::POINT_UNKNOWN, format!("unknown hook point `{name}`"));
            Box::new(match suggest(name, names.into_iter()) {
                Some(near) => d.help(format!(
                    "did you mean `{near}`? (points: {})",
                    names.join(", ")
                )),
                None => d.help(format!("hook points are {}", names.join(", "))),
            })
        })
}

/// The candidate nearest to `name` by edit distance, if near enough to be a typo.
pub fn suggest<'s>(name: &str, candidates: impl Iterator<Item = &'s str>) -> Option<&'s str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| (crate::syntax::distance(name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let names = ["business_hours", "escalate_when_late"];
        assert_eq!(
            suggest("busines_hours", names.into_iter()),
            Some("business_hours")
        );
        assert_eq!(suggest("zzz", names.into_iter()), None);
    }

    #[test]
    fn parses_points() {
        assert_eq!(parse_point("gate").unwrap(), HookPoint::Gate);
        let d = parse_point("gates").unwrap_err();
        assert_eq!(d.code, "RWF093");
        assert!(d.help.clone().unwrap().contains("did you mean `gate`?"));
        let d = parse_point("zzz").unwrap_err();
        assert_eq!(
            d.help.unwrap(),
            "hook points are retry, missed, gate, approvers, input, notification"
        );
    }
}
