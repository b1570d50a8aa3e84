//! Conditions on params (`when beta`, `when channel == "stable"`) and expansions (`for each`,
//! `repeat`): which tasks a template includes and how many copies of each, decided when its params are
//! bound, and the record of what was left out and why.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The template's conditional parts. In a template spec `when` holds the conditions; binding decides
/// them, removes the excluded tasks and moves them to `excluded` (so an instance spec has no `when`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    /// Task key → the condition under which the task is included.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub when: BTreeMap<String, Condition>,
    /// Tasks a condition left out when the params were bound, in declaration order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<Excluded>,
    /// The template's expansions; binding replaces each block's tasks by their copies, except a
    /// `for each` over an upstream's output: its prototypes stay until the engine expands it, at run
    /// time, when that output lands.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<Block>,
}

impl FlowSpec {
    pub fn is_empty(&self) -> bool {
        self.when.is_empty() && self.excluded.is_empty() && self.blocks.is_empty()
    }

    /// The block a task (as written, or an expanded `key[item]`) belongs to.
    pub fn block_of(&self, key: &str) -> Option<&Block> {
        let base = key.split_once('[').map_or(key, |(b, _)| b);
        self.blocks
            .iter()
            .find(|b| b.tasks.iter().any(|t| t == base))
    }
}

impl FlowSpec {
    /// For a prototype of an unexpanded `for each` over an output: "for each platform in
    /// build.output.platforms — expanded when build succeeds" (what `plan`, `explain` and the
    /// exports say of it).
    pub fn expands_at_run_time(&self, key: &str) -> Option<String> {
        let b = self.prototype_of(key)?;
        let Expansion::ForEachOutput { task, .. } = &b.expansion else {
            return None;
        };
        Some(format!("{} — expanded when {task} succeeds", b.header()))
    }

    /// The unexpanded `for each` over an output that `key` is a prototype of: a task the engine must
    /// never start (it is replaced by its copies when the block expands).
    pub fn prototype_of(&self, key: &str) -> Option<&Block> {
        self.blocks
            .iter()
            .find(|b| b.is_dynamic() && b.tasks.iter().any(|t| t == key))
    }
}

/// How many items or occurrences one expansion may have.
pub const EXPANSION_CAP: usize = 500;

/// `for each` or `repeat`: the tasks written in it are copied once per item or occurrence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Block {
    /// The keys written in the block, in declaration order.
    pub tasks: Vec<String>,
    pub expansion: Expansion,
}

impl Block {
    /// The name the block binds in its tasks: the `for each` item, or `n` in a repeat.
    pub fn var(&self) -> &str {
        match &self.expansion {
            Expansion::ForEach { var, .. } | Expansion::ForEachOutput { var, .. } => var,
            Expansion::Repeat { .. } => "n",
        }
    }

    /// A `for each` over an upstream task's output: expanded at run time, not at bind.
    pub fn is_dynamic(&self) -> bool {
        matches!(self.expansion, Expansion::ForEachOutput { .. })
    }

    /// The block's header as written: `for each platform in build.output.platforms`.
    pub fn header(&self) -> String {
        match &self.expansion {
            Expansion::ForEach { var, param } => format!("for each {var} in {param}"),
            Expansion::ForEachOutput { var, task, path } => {
                format!("for each {var} in {}", output_ref(task, path))
            }
            Expansion::Repeat { .. } => "repeat".into(),
        }
    }
}

/// `task.output.a.b`.
pub fn output_ref(task: &str, path: &[String]) -> String {
    std::iter::once(task)
        .chain(std::iter::once("output"))
        .chain(path.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(".")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Expansion {
    /// `for each var in param`: one copy per item of the list param, keyed `task[item]`; `${var}` and
    /// the bare name `var` read the item.
    ForEach { var: String, param: String },
    /// `for each var in task.output.a.b`: one copy per item of an upstream task's output list, made by
    /// the engine when `task` succeeds (persisted before any copy runs). Until then the block's tasks
    /// are prototypes that never run; `${var}` and `${var.field}` read the item.
    ForEachOutput {
        var: String,
        task: String,
        /// The path inside the output (`["a", "b"]`); empty: the output itself.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        path: Vec<String>,
    },
    /// `repeat every N UNIT | on DAYS from X until Y`: one copy per occurrence, keyed `task[n]`
    /// (1-based); `${n}` reads the index.
    Repeat {
        /// `every 2 weeks`; `None` with `on` weekdays.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        every: Option<super::Span>,
        /// `on mon, fri`: the occurrences are the days from X to Y that fall on these weekdays.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        #[schemars(with = "Vec<String>")]
        on: Vec<chrono::Weekday>,
        /// The first occurrence (a relative schedule).
        from: Box<super::Schedule>,
        /// The last instant an occurrence may fall on (inclusive).
        until: Box<super::Schedule>,
        /// The tasks scheduled at their occurrence: their `then` offsets hold the occurrence's own
        /// offset at index `at` (the prototype's schedule is the first occurrence's).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        at_occurrence: Vec<String>,
        at: usize,
    },
}

/// A task a false condition left out of the workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Excluded {
    pub key: String,
    pub title: String,
    /// e.g. "condition `beta` is false (beta = false)".
    pub reason: String,
}

/// A condition on params (decided at bind) or on upstream outputs (decided at run time, when the
/// task's dependencies are met). A name holding a dot is an output path `task.output.a.b`; any other
/// name is a param. Types of params are checked when the template compiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// A bool param is true; an output path is present and truthy (not null, false, 0, "", [] or {}).
    Flag {
        param: String,
    },
    Not {
        cond: Box<Condition>,
    },
    And {
        all: Vec<Condition>,
    },
    Or {
        any: Vec<Condition>,
    },
    /// `param == value` (`ne`: `!=`).
    Compare {
        param: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        ne: bool,
        value: Json,
    },
    /// A list param holds the value.
    Member {
        value: Json,
        param: String,
    },
}

fn same(a: &Json, b: &Json) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Present and truthy: not null, false, 0, "", [] or {}.
fn truthy(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64() != Some(0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
    }
}

/// `task.output.a.b` → `("task", ["a", "b"])`; `None` for a param name. The task is everything
/// before the first `output` segment: an included task's key holds dots (`ios.submit.output.url`).
pub fn output_path(name: &str) -> Option<(&str, Vec<&str>)> {
    let at = name.match_indices(".output").find_map(|(i, m)| {
        let rest = &name[i + m.len()..];
        (rest.is_empty() || rest.starts_with('.')).then_some((i, rest))
    })?;
    let (i, rest) = at;
    let path = rest.split('.').filter(|p| !p.is_empty()).collect();
    Some((&name[..i], path))
}

impl Condition {
    /// True when the condition reads an upstream output: it is decided at run time, not at bind.
    pub fn reads_outputs(&self) -> bool {
        self.params().iter().any(|p| output_path(p).is_some())
    }

    /// The tasks whose outputs the condition reads, in order of appearance, once each.
    pub fn output_tasks(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in self.params() {
            if let Some((t, _)) = output_path(&p) {
                if !out.iter().any(|o| o == t) {
                    out.push(t.to_string());
                }
            }
        }
        out
    }

    /// The values a run-time condition reads: `bindings` for its params, and each output path read
    /// from `output(task)` (null when the task has no output or the path is absent).
    pub fn run_time_values<'a>(
        &self,
        bindings: &BTreeMap<String, Json>,
        output: impl Fn(&str) -> Option<&'a Json>,
    ) -> BTreeMap<String, Json> {
        let mut values = BTreeMap::new();
        for p in self.params() {
            let v = match output_path(&p) {
                Some((task, path)) => path
                    .iter()
                    .try_fold(output(task), |v, k| Some(v?.get(k)))
                    .flatten()
                    .cloned()
                    .unwrap_or(Json::Null),
                None => match bindings.get(&p) {
                    Some(v) => v.clone(),
                    None => continue,
                },
            };
            values.insert(p, v);
        }
        values
    }

    /// Renames the tasks an output path reads (an expansion's copy reads its own item's siblings).
    pub fn rename_tasks(&mut self, rename: &dyn Fn(&str) -> Option<String>) {
        match self {
            Condition::Flag { param }
            | Condition::Compare { param, .. }
            | Condition::Member { param, .. } => {
                if let Some((task, path)) = output_path(param) {
                    if let Some(k) = rename(task) {
                        *param = std::iter::once(k.as_str())
                            .chain(std::iter::once("output"))
                            .chain(path)
                            .collect::<Vec<_>>()
                            .join(".");
                    }
                }
            }
            Condition::Not { cond } => cond.rename_tasks(rename),
            Condition::And { all: cs } | Condition::Or { any: cs } => {
                cs.iter_mut().for_each(|c| c.rename_tasks(rename))
            }
        }
    }

    /// Renames the params it reads (not output paths) as `rename` says: an included template's
    /// params become the names the include binds them to.
    pub fn rename_params(&mut self, rename: &dyn Fn(&str) -> Option<String>) {
        match self {
            Condition::Flag { param }
            | Condition::Compare { param, .. }
            | Condition::Member { param, .. } => {
                if output_path(param).is_none() {
                    if let Some(p) = rename(param) {
                        *param = p;
                    }
                }
            }
            Condition::Not { cond } => cond.rename_params(rename),
            Condition::And { all: cs } | Condition::Or { any: cs } => {
                cs.iter_mut().for_each(|c| c.rename_params(rename))
            }
        }
    }

    /// The condition with the names of `values` decided (a block's item, in one copy): `Ok(b)` when
    /// that decides it, else what remains to decide (at bind, or at run time).
    pub fn fold(&self, values: &BTreeMap<String, Json>) -> Result<bool, Condition> {
        match self {
            Condition::Flag { param }
            | Condition::Compare { param, .. }
            | Condition::Member { param, .. } => {
                if values.contains_key(param) {
                    Ok(self.eval(values).unwrap_or(false))
                } else {
                    Err(self.clone())
                }
            }
            Condition::Not { cond } => match cond.fold(values) {
                Ok(b) => Ok(!b),
                Err(c) => Err(Condition::Not { cond: Box::new(c) }),
            },
            Condition::And { all: cs } | Condition::Or { any: cs } => {
                let and = matches!(self, Condition::And { .. });
                let mut rest = Vec::new();
                for c in cs {
                    match c.fold(values) {
                        // `false` decides an `and`, `true` an `or`.
                        Ok(b) if b != and => return Ok(b),
                        Ok(_) => {}
                        Err(c) => rest.push(c),
                    }
                }
                match rest.len() {
                    0 => Ok(and),
                    1 => Err(rest.pop().expect("one")),
                    _ if and => Err(Condition::And { all: rest }),
                    _ => Err(Condition::Or { any: rest }),
                }
            }
        }
    }

    /// Evaluates against bound values; `Err(param)` names a param that has no value.
    pub fn eval(&self, values: &BTreeMap<String, Json>) -> Result<bool, String> {
        let get = |p: &String| values.get(p).ok_or_else(|| p.clone());
        Ok(match self {
            Condition::Flag { param } => truthy(get(param)?),
            Condition::Not { cond } => !cond.eval(values)?,
            Condition::And { all } => {
                for c in all {
                    if !c.eval(values)? {
                        return Ok(false);
                    }
                }
                true
            }
            Condition::Or { any } => {
                for c in any {
                    if c.eval(values)? {
                        return Ok(true);
                    }
                }
                false
            }
            Condition::Compare { param, ne, value } => same(get(param)?, value) != *ne,
            Condition::Member { value, param } => get(param)?
                .as_array()
                .is_some_and(|items| items.iter().any(|i| same(i, value))),
        })
    }

    /// Every param the condition reads, in order of appearance, once each.
    pub fn params(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut Vec<String>) {
        match self {
            Condition::Flag { param }
            | Condition::Compare { param, .. }
            | Condition::Member { param, .. } => {
                if !out.contains(param) {
                    out.push(param.clone());
                }
            }
            Condition::Not { cond } => cond.collect(out),
            Condition::And { all: cs } | Condition::Or { any: cs } => {
                cs.iter().for_each(|c| c.collect(out))
            }
        }
    }

    /// Why the condition left a task out: the condition as written and the values it read.
    pub fn reason(&self, values: &BTreeMap<String, Json>) -> String {
        let read: Vec<String> = self
            .params()
            .iter()
            .map(|p| match values.get(p) {
                Some(v) => format!("{p} = {v}"),
                None => format!("{p} unbound"),
            })
            .collect();
        format!("condition `{self}` is false ({})", read.join(", "))
    }

    fn prec(&self) -> u8 {
        match self {
            Condition::Or { .. } => 0,
            Condition::And { .. } => 1,
            _ => 2,
        }
    }

    fn write_child(&self, f: &mut std::fmt::Formatter<'_>, min: u8) -> std::fmt::Result {
        if self.prec() < min {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }
}

/// The condition in the language's syntax (`rwf fmt` and messages print the same text).
impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Condition::Flag { param } => f.write_str(param),
            Condition::Not { cond } => {
                f.write_str("not ")?;
                cond.write_child(f, 2)
            }
            Condition::And { all: cs } | Condition::Or { any: cs } => {
                let (sep, min) = match self {
                    Condition::And { .. } => (" and ", 2),
                    _ => (" or ", 1),
                };
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    c.write_child(f, min)?;
                }
                Ok(())
            }
            Condition::Compare { param, ne, value } => {
                write!(f, "{param} {} {value}", if *ne { "!=" } else { "==" })
            }
            Condition::Member { value, param } => write!(f, "{value} in {param}"),
        }
    }
}
