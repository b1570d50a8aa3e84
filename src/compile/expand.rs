//! Expanding `for each` and `repeat` blocks when params are bound: each item or occurrence gets its own
//! copy of the block's tasks, keyed `task[item]` / `task[n]`. Inside the block, names of sibling tasks
//! (`after`, anchors, outputs, `not_author_of`) mean the same item's copy; outside it, `after task`
//! waits for every copy and `after task[de]` for one. A block with no item leaves its tasks out (as a
//! false `when` does). Occurrence dates are schedules (`from` plus the occurrence's offset), resolved
//! by the schedule resolver to decide how many there are. Pure.

use crate::diagnostic::Diagnostic;
use crate::spec::{
    Anchor, Block, Condition, Excluded, Expansion, Expr, Schedule, Span, Step, TaskSpec,
    WorkflowSpec, EXPANSION_CAP,
};
use chrono::Datelike;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// One copy of a block: its key suffix, the names it binds, and (in a repeat) the occurrence's offset.
struct Item {
    label: String,
    vars: BTreeMap<String, Json>,
    offset: Option<Span>,
}

/// Expands every block of `spec` (bound with `values`) but those over an upstream's output, which stay
/// for the engine. Returns the prototypes of blocks with no item, for `flow::decide` to leave out.
pub fn expand(
    spec: &mut WorkflowSpec,
    values: &BTreeMap<String, Json>,
) -> Result<Vec<Excluded>, Vec<Diagnostic>> {
    let all = std::mem::take(&mut spec.flow.blocks);
    if all.is_empty() {
        return Ok(Vec::new());
    }
    let mut diags = Vec::new();
    let mut blocks: Vec<(Block, Vec<Item>)> = Vec::new();
    let mut plan = None;
    for b in &all {
        let found = match &b.expansion {
            Expansion::ForEachOutput { .. } => continue,
            Expansion::ForEach { var, param } => list_items(var, param, values),
            Expansion::Repeat { .. } => {
                if plan.is_none() {
                    plan = Some(base_plan(spec, &all));
                }
                match plan.as_ref().expect("resolved above") {
                    Ok(p) => occurrences(spec, b, p),
                    Err(e) => Err(e.clone()),
                }
            }
        };
        match found {
            Ok(found) => blocks.push((b.clone(), found)),
            Err(mut d) => diags.append(&mut d),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    spec.flow.blocks = all.into_iter().filter(Block::is_dynamic).collect();
    copy_blocks(spec, &blocks)
}

/// The items of a `for each` over an upstream's output, read from `output` (the source task's): each
/// item's label (a key-safe string as is, else an object's `id`, `key` or `name`, else its 1-based
/// index, for all items when any two would share a label) and value. `Err`: why the block fails.
pub fn output_items(block: &Block, output: Option<&Json>) -> Result<Vec<(String, Json)>, String> {
    let Expansion::ForEachOutput { task, path, .. } = &block.expansion else {
        return Err(format!("`{}` is not expanded at run time", block.header()));
    };
    let header = block.header();
    let read = crate::spec::output_ref(task, path);
    let Some(mut v) = output else {
        return Err(format!("`{header}`: `{task}` has no output"));
    };
    for k in path {
        v = match v.get(k) {
            Some(inner) => inner,
            None => {
                return Err(format!(
                    "`{header}`: the output of `{task}` has no `{read}`"
                ))
            }
        };
    }
    let Some(list) = v.as_array() else {
        return Err(format!(
            "`{header}`: `{read}` is {}, not a list",
            json_kind(v)
        ));
    };
    if list.len() > EXPANSION_CAP {
        return Err(format!(
            "`{header}`: the output has {} items, more than the cap of {EXPANSION_CAP}",
            list.len()
        ));
    }
    let label = |v: &Json| -> Option<String> {
        let s = match v {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            Json::Object(o) => ["id", "key", "name"]
                .iter()
                .find_map(|f| match o.get(*f)? {
                    Json::String(s) => Some(s.clone()),
                    Json::Number(n) => Some(n.to_string()),
                    _ => None,
                })?,
            _ => return None,
        };
        key_safe(&s).then_some(s)
    };
    let mut labels: Vec<String> = Vec::with_capacity(list.len());
    let mut seen = BTreeSet::new();
    let mut by_index = false;
    for (i, v) in list.iter().enumerate() {
        let l = label(v).unwrap_or_else(|| (i + 1).to_string());
        by_index |= !seen.insert(l.clone());
        labels.push(l);
    }
    if by_index {
        labels = (1..=list.len()).map(|i| i.to_string()).collect();
    }
    Ok(labels.into_iter().zip(list.iter().cloned()).collect())
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// Expands the `for each` over an output whose first task is `first` with `items` (from
/// `output_items`), exactly as binding expands a list param: copies `task[label]`, `after task`
/// outside the block waiting for every copy; with no item the block's tasks are left out and edges
/// through them bridged. `Err`: why the expansion cannot be made (the block then fails).
pub fn expand_output(
    spec: &mut WorkflowSpec,
    first: &str,
    items: &[(String, Json)],
) -> Result<(), String> {
    let Some(at) = spec
        .flow
        .blocks
        .iter()
        .position(|b| b.is_dynamic() && b.tasks.first().is_some_and(|t| t == first))
    else {
        return Err(format!("no unexpanded `for each` starts with `{first}`"));
    };
    let block = spec.flow.blocks.remove(at);
    let var = block.var().to_string();
    let its = items
        .iter()
        .map(|(label, v)| {
            let mut vars = BTreeMap::new();
            fields(&var, v, 0, &mut vars);
            Item {
                label: label.clone(),
                vars,
                offset: None,
            }
        })
        .collect();
    let empty = copy_blocks(spec, &[(block, its)]).map_err(|d| messages(&d))?;
    if !empty.is_empty() {
        // Tasks left out the way a false condition leaves them (no condition is left at run time).
        super::flow::decide(spec, &BTreeMap::new(), empty);
    }
    Ok(())
}

/// `var` bound to the item, and (for an object) `var.field` to each field, nested a few levels.
fn fields(name: &str, v: &Json, depth: usize, out: &mut BTreeMap<String, Json>) {
    out.insert(name.to_string(), v.clone());
    if let (Json::Object(o), true) = (v, depth < 4) {
        for (k, inner) in o {
            fields(&format!("{name}.{k}"), inner, depth + 1, out);
        }
    }
}

fn messages(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| d.message.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Replaces each block's prototypes by a copy per item (bound with the item's names); returns the
/// prototypes of blocks with no item.
fn copy_blocks(
    spec: &mut WorkflowSpec,
    blocks: &[(Block, Vec<Item>)],
) -> Result<Vec<Excluded>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut copies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut empty = Vec::new();
    // Copies a condition on the item leaves out (after the empty blocks' prototypes).
    let mut left_out = Vec::new();
    let mut by_key: BTreeMap<String, TaskSpec> = BTreeMap::new();
    let prototypes: BTreeSet<&str> = blocks
        .iter()
        .flat_map(|(b, _)| b.tasks.iter().map(String::as_str))
        .collect();
    for t in &spec.tasks {
        if prototypes.contains(t.key.as_str()) {
            by_key.insert(t.key.clone(), t.clone());
        }
    }
    let mut expanded: BTreeMap<String, Vec<TaskSpec>> = BTreeMap::new();
    for (b, its) in blocks {
        if its.is_empty() {
            let reason = match &b.expansion {
                Expansion::ForEach { var, param } => {
                    format!("`for each {var} in {param}`: `{param}` is empty")
                }
                Expansion::ForEachOutput { var, task, path } => format!(
                    "`for each {var} in {}`: the list is empty",
                    crate::spec::output_ref(task, path)
                ),
                Expansion::Repeat { .. } => "the repeat has no occurrence before its end".into(),
            };
            // Tasks a condition already left out (at bind, before a run-time expansion) are not
            // left out twice.
            for (k, t) in b.tasks.iter().filter_map(|k| Some((k, by_key.get(k)?))) {
                empty.push(Excluded {
                    key: k.clone(),
                    title: t.title.clone(),
                    reason: reason.clone(),
                });
            }
            continue;
        }
        let siblings: BTreeSet<&str> = b.tasks.iter().map(String::as_str).collect();
        let mut out = Vec::with_capacity(its.len() * b.tasks.len());
        for it in its {
            for k in &b.tasks {
                let Some(proto) = by_key.get(k) else { continue };
                let mut t = copy(proto, &siblings, &it.label);
                if let (
                    Some(off),
                    Expansion::Repeat {
                        at_occurrence, at, ..
                    },
                ) = (it.offset, &b.expansion)
                {
                    if at_occurrence.contains(k) {
                        if let Some(Schedule::Relative { then, .. }) = &mut t.schedule {
                            then.insert((*at).min(then.len()), off.into());
                        }
                    }
                }
                super::bind::bind_task(&mut t, &it.vars);
                // A condition reading the item is decided per copy (`when locale != "en"`).
                let mut decided = |c: &Condition, t: &TaskSpec| match c.fold(&it.vars) {
                    Ok(true) => None,
                    Ok(false) => {
                        let read: Vec<String> =
                            it.vars.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                        left_out.push(Excluded {
                            key: t.key.clone(),
                            title: t.title.clone(),
                            reason: format!("condition `{c}` is false ({})", read.join(", ")),
                        });
                        None
                    }
                    Err(rest) => Some(rest),
                };
                if let Some(c) = spec.flow.when.get(k).cloned() {
                    if let Some(rest) = decided(&c, &t) {
                        spec.flow.when.insert(t.key.clone(), rest);
                    }
                }
                if let Some(c) = t.when.take() {
                    t.when = decided(&c, &t);
                }
                copies.entry(k.clone()).or_default().push(t.key.clone());
                out.push(t);
            }
        }
        for k in &b.tasks {
            spec.flow.when.remove(k);
        }
        // In the place of the block's first task still in the workflow.
        if let Some(first) = b.tasks.iter().find(|k| by_key.contains_key(*k)) {
            expanded.insert(first.clone(), out);
        }
    }
    // Copies take their block's place in declaration order.
    let old = std::mem::take(&mut spec.tasks);
    for t in old {
        if let Some(mut out) = expanded.remove(&t.key) {
            spec.tasks.append(&mut out);
        } else if !copies.contains_key(&t.key) {
            spec.tasks.push(t);
        }
    }
    if spec.tasks.len() > crate::spec::MAX_TASKS {
        return Err(vec![Diagnostic::error(
            "RWF145",
            format!(
                "the expansions make {} tasks, more than the limit of {} per workflow",
                spec.tasks.len(),
                crate::spec::MAX_TASKS
            ),
        )
        .help("shorten the lists or the repeats, or split the template")]);
    }
    // Outside a block (or from another one): `after x` waits for every copy, `after x[i]` for one.
    let all: BTreeSet<String> = copies.values().flatten().cloned().collect();
    // A copy named that the expansion does not make: why, with the copies it does make.
    let not_made = |name: &str| -> Option<String> {
        let (base, _) = name.split_once('[')?;
        if all.contains(name) || !prototypes.contains(base) {
            return None;
        }
        let known: Vec<&str> = copies
            .get(base)
            .map(|ks| ks.iter().map(String::as_str).take(8).collect())
            .unwrap_or_default();
        Some(if known.is_empty() {
            format!("`{base}` has no copy in this workflow")
        } else {
            format!("its copies: {}", known.join(", "))
        })
    };
    // One copy anchored to (`at translate[de].due`) or read (`${translate[de].output.url}`).
    for t in &spec.tasks {
        for a in anchors(t) {
            if let Some(help) = not_made(a) {
                diags.push(
                    Diagnostic::error(
                        "RWF146",
                        format!(
                            "task `{}` is anchored to `{a}`, which the expansion does not produce",
                            t.key
                        ),
                    )
                    .help(help),
                );
            }
        }
    }
    let mut read = BTreeSet::new();
    for r in crate::check::refs::spec_refs(spec) {
        if let (Some(i), crate::check::refs::Ref::Output(name)) = (r.task, r.what) {
            if let Some(help) = not_made(name).filter(|_| read.insert((i, name))) {
                diags.push(
                    Diagnostic::error(
                        "RWF146",
                        format!(
                            "task `{}` reads the output of `{name}`, which the expansion does not produce",
                            spec.tasks[i].key
                        ),
                    )
                    .help(help),
                );
            }
        }
    }
    for t in &mut spec.tasks {
        if !t
            .depends_on
            .iter()
            .any(|d| copies.contains_key(&d.task) || d.task.contains('[') && !all.contains(&d.task))
        {
            continue;
        }
        let mut deps = Vec::with_capacity(t.depends_on.len());
        for d in std::mem::take(&mut t.depends_on) {
            if let Some(keys) = copies.get(&d.task) {
                deps.extend(keys.iter().map(|k| crate::spec::Dependency {
                    task: k.clone(),
                    outcome: d.outcome,
                }));
            } else if let Some(help) = not_made(&d.task) {
                diags.push(
                    Diagnostic::error(
                        "RWF146",
                        format!(
                            "task `{}` waits for `{}`, which the expansion does not produce",
                            t.key, d.task
                        ),
                    )
                    .help(help),
                );
                deps.push(d);
            } else {
                deps.push(d);
            }
        }
        t.depends_on = deps;
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    empty.append(&mut left_out);
    Ok(empty)
}

/// A prototype's copy for one item: its key, and sibling names pointing at the same item's copies.
fn copy(proto: &TaskSpec, siblings: &BTreeSet<&str>, label: &str) -> TaskSpec {
    let rename =
        |k: &str| -> Option<String> { siblings.contains(k).then(|| format!("{k}[{label}]")) };
    let mut t = proto.clone();
    t.key = format!("{}[{label}]", proto.key);
    rename_refs(&mut t, siblings, &rename);
    t
}

/// Renames, in a task, the names of `siblings` it uses (`after`, anchors, outputs read in strings,
/// inputs and conditions, `not_author_of`) as `rename` says. Its own key is left to the caller.
pub(crate) fn rename_refs(
    t: &mut TaskSpec,
    siblings: &BTreeSet<&str>,
    rename: &dyn Fn(&str) -> Option<String>,
) {
    for d in &mut t.depends_on {
        if let Some(k) = rename(&d.task) {
            d.task = k;
        }
    }
    if let Some(c) = &mut t.when {
        c.rename_tasks(rename);
    }
    for s in t.schedule.iter_mut().chain(match &mut t.step {
        Step::Wait { until, .. } => until.as_mut(),
        _ => None,
    }) {
        if let Schedule::Relative {
            anchor: Anchor::Task { task, .. },
            ..
        } = s
        {
            if let Some(k) = rename(task) {
                *task = k;
            }
        }
    }
    let outputs = |s: &mut String| {
        for sib in siblings {
            let from = format!("${{{sib}.output");
            if s.contains(&from) {
                let to = rename(sib).unwrap_or_else(|| sib.to_string());
                *s = s.replace(&from, &format!("${{{to}.output"));
            }
        }
    };
    outputs(&mut t.title);
    match &mut t.step {
        Step::Agent { input, .. } => {
            for e in input.values_mut() {
                rename_outputs(e, rename, &outputs);
            }
        }
        Step::Approval { not_author_of, .. } => {
            if let Some(k) = not_author_of.as_deref().and_then(rename) {
                *not_author_of = Some(k);
            }
        }
        Step::Notification { message, .. } => outputs(message),
        Step::Manual {
            instructions: Some(i),
            ..
        } => outputs(i),
        Step::Event { matches, .. } => {
            for e in matches.values_mut() {
                rename_outputs(e, rename, &outputs);
            }
        }
        _ => {}
    }
}

fn rename_outputs(
    e: &mut Expr,
    rename: &dyn Fn(&str) -> Option<String>,
    strings: &dyn Fn(&mut String),
) {
    match e {
        Expr::Output { task, .. } => {
            if let Some(k) = rename(task) {
                *task = k;
            }
        }
        Expr::Template(s) => strings(s),
        Expr::List(items) => items
            .iter_mut()
            .for_each(|i| rename_outputs(i, rename, strings)),
        Expr::Object(map) => map
            .values_mut()
            .for_each(|i| rename_outputs(i, rename, strings)),
        _ => {}
    }
}

/// True when `s` can follow a task key in brackets.
pub fn key_safe(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn list_items(
    var: &str,
    param: &str,
    values: &BTreeMap<String, Json>,
) -> Result<Vec<Item>, Vec<Diagnostic>> {
    let Some(list) = values.get(param) else {
        return Err(vec![Diagnostic::error(
            "RWF063",
            format!("param `{param}` has no value, and `for each {var} in {param}` needs it"),
        )
        .help(format!("give `--set {param}=a,b,c`"))]);
    };
    let list = list.as_array().cloned().unwrap_or_default();
    if list.len() > EXPANSION_CAP {
        return Err(vec![cap_exceeded(
            &format!("`for each {var} in {param}`"),
            &format!("`{param}` has {} items", list.len()),
        )]);
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(list.len());
    for v in list {
        let label = match &v {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            Json::Bool(b) => b.to_string(),
            Json::Object(o) => o
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string(),
            _ => String::new(),
        };
        if !key_safe(&label) {
            return Err(vec![Diagnostic::error(
                "RWF146",
                format!("`for each {var} in {param}`: the item {v} cannot name a task (`task[{label}]`)"),
            )
            .help("items name their tasks: use letters, digits, `_`, `-` and `.` (at most 64)")]);
        }
        if !seen.insert(label.clone()) {
            return Err(vec![Diagnostic::error(
                "RWF146",
                format!("`for each {var} in {param}`: `{label}` is listed twice"),
            )
            .help("each item names its own tasks; list it once")]);
        }
        let vars = BTreeMap::from([(var.to_string(), v)]);
        out.push(Item {
            label,
            vars,
            offset: None,
        });
    }
    Ok(out)
}

fn cap_exceeded(what: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        "RWF145",
        format!("{what} expands to more than {EXPANSION_CAP} copies: {why}"),
    )
    .help(format!(
        "an expansion makes at most {EXPANSION_CAP} copies; shorten the list or the repeat, or split the template"
    ))
}

/// The plan of the tasks outside every block: what a repeat's `from` and `until` are resolved against.
fn base_plan(
    spec: &WorkflowSpec,
    blocks: &[Block],
) -> Result<crate::schedule::Plan, Vec<Diagnostic>> {
    let mut inside: BTreeSet<String> = blocks
        .iter()
        .flat_map(|b| b.tasks.iter().cloned())
        .collect();
    let of = |k: &str| k.split_once('[').map_or(k, |(b, _)| b).to_string();
    // Tasks anchored to one copy (`at translate[de].due`), and those anchored to them, are placed
    // once the copies exist: not here.
    loop {
        let more: Vec<String> = spec
            .tasks
            .iter()
            .filter(|t| !inside.contains(&t.key))
            .filter(|t| anchors(t).any(|a| inside.contains(&of(a))))
            .map(|t| t.key.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        inside.extend(more);
    }
    let mut base = spec.clone();
    base.tasks.retain(|t| !inside.contains(&t.key));
    for t in &mut base.tasks {
        t.depends_on.retain(|d| !inside.contains(&of(&d.task)));
    }
    let target = crate::schedule::target_of(&base)?;
    crate::schedule::resolve(&base, &target, &BTreeMap::new())
}

/// The tasks a task's schedules (`at`, a wait's `until`) are anchored to.
fn anchors(t: &TaskSpec) -> impl Iterator<Item = &str> {
    t.schedule
        .iter()
        .chain(match &t.step {
            Step::Wait { until, .. } => until.as_ref(),
            _ => None,
        })
        .filter_map(|s| match s {
            Schedule::Relative {
                anchor: Anchor::Task { task, .. },
                ..
            } => Some(task.as_str()),
            _ => None,
        })
}

/// The occurrences of a repeat: `from` shifted by each multiple of its interval (or by each day that
/// falls on one of its weekdays), up to `until` inclusive.
fn occurrences(
    spec: &WorkflowSpec,
    b: &Block,
    plan: &crate::schedule::Plan,
) -> Result<Vec<Item>, Vec<Diagnostic>> {
    let Expansion::Repeat {
        every,
        on,
        from,
        until,
        at,
        ..
    } = &b.expansion
    else {
        return Ok(Vec::new());
    };
    let owner = b.tasks.first().map(String::as_str).unwrap_or("repeat");
    let resolve = |s: &Schedule,
                   what: &str|
     -> Result<chrono::DateTime<chrono::Utc>, Vec<Diagnostic>> {
        match crate::schedule::resolve_schedule(spec, plan, s, owner, &mut Vec::new()) {
            Ok(Some(i)) => Ok(i),
            Ok(None) => Err(vec![Diagnostic::error(
                "RWF148",
                format!("the repeat around `{owner}` cannot date its {what}: its anchor has no schedule"),
            )
            .help("anchor `from` and `until` to `release`, a date param, or a scheduled task")]),
            Err(d) => Err(vec![d]),
        }
    };
    let end = resolve(until, "end")?;
    let shifted = |off: Option<Span>| -> Schedule {
        let mut s = (**from).clone();
        if let (Schedule::Relative { then, .. }, Some(off)) = (&mut s, off) {
            then.insert((*at).min(then.len()), off.into());
        }
        s
    };
    let tz = match &**from {
        Schedule::Relative {
            timezone: Some(z), ..
        } => z.parse::<chrono_tz::Tz>().unwrap_or(plan.target.tz),
        _ => plan.target.tz,
    };
    let mut out: Vec<Item> = Vec::new();
    let mut step: i64 = 0;
    // Weekdays scan day by day; a week holds at least one occurrence, so this bounds the scan.
    let max_steps = if every.is_some() {
        EXPANSION_CAP as i64 + 1
    } else {
        (EXPANSION_CAP as i64 + 1) * 7
    };
    while step <= max_steps {
        let off = match every {
            Some(e) if step > 0 => Some(Span::new(e.amount * step, e.unit)),
            Some(_) => None,
            None if step > 0 => Some(Span::new(step, crate::spec::Unit::Days)),
            None => None,
        };
        step += 1;
        let at_instant = resolve(&shifted(off), "occurrences")?;
        if at_instant > end {
            break;
        }
        if !on.is_empty() && !on.contains(&at_instant.with_timezone(&tz).weekday()) {
            continue;
        }
        if out.len() == EXPANSION_CAP {
            return Err(vec![cap_exceeded(
                &format!("the repeat around `{owner}`"),
                "it has more occurrences before its end",
            )]);
        }
        let n = out.len() + 1;
        out.push(Item {
            label: n.to_string(),
            vars: BTreeMap::from([("n".to_string(), Json::from(n))]),
            offset: off,
        });
    }
    Ok(out)
}
