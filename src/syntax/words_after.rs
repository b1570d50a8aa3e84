//! `at launch after go_live`: a schedule in words (`NAME after ANCHOR`) or a schedule `at launch`
//! followed by the field `after go_live`? The grammar reads the words; this pass, knowing the
//! template's params, gives the field reading back when `NAME` is not a `duration` param.

use super::ast::*;
use std::collections::HashSet;

/// Rewrites every ambiguous `at NAME after TASK` (and `until ...`) of `t` whose `NAME` is not a
/// declared `duration` param into `at NAME` and `after TASK`.
pub fn resolve(t: &mut Template) {
    let durations: HashSet<String> = t
        .items
        .iter()
        .filter_map(|i| match i {
            TemplateItem::Param(p) if p.ty == ParamType::Scalar("duration".into()) => {
                Some(p.name.name.clone())
            }
            _ => None,
        })
        .collect();
    for item in &mut t.items {
        match item {
            TemplateItem::Task(task) => split_task(task, &durations),
            TemplateItem::Phase(p) => split_phase(p, &durations),
            TemplateItem::Block(b) => split_block(b, &durations),
            _ => {}
        }
    }
}

fn split_phase(p: &mut Phase, durations: &HashSet<String>) {
    for item in &mut p.items {
        match item {
            PhaseItem::Task(task) => split_task(task, durations),
            PhaseItem::Phase(inner) => split_phase(inner, durations),
            PhaseItem::Block(b) => split_block(b, durations),
            PhaseItem::Include(_) => {}
        }
    }
}

fn split_block(b: &mut Block, durations: &HashSet<String>) {
    for task in &mut b.tasks {
        split_task(task, durations);
    }
}

fn split_task(task: &mut Task, durations: &HashSet<String>) {
    let mut fields = Vec::with_capacity(task.fields.len());
    for f in std::mem::take(&mut task.fields) {
        let schedule = match &f.kind {
            FieldKind::At(s) | FieldKind::Until(s) => s,
            _ => {
                fields.push(f);
                continue;
            }
        };
        let Some((name, dep)) = field_reading(schedule, durations) else {
            fields.push(f);
            continue;
        };
        let at = Schedule::Relative {
            anchor: name.clone(),
            words: None,
            align: Vec::new(),
            offsets: Vec::new(),
            time: None,
            tz: None,
            span: name.span.clone(),
        };
        let kind = match f.kind {
            FieldKind::Until(_) => FieldKind::Until(at),
            _ => FieldKind::At(at),
        };
        fields.push(Field {
            kind,
            span: f.span.start..name.span.end,
        });
        fields.push(Field {
            span: name.span.end..f.span.end,
            kind: FieldKind::After(vec![Dep {
                task: dep,
                outcome: None,
            }]),
        });
    }
    task.fields = fields;
}

/// `NAME after TASK` with nothing else, `NAME` not a duration param: (`NAME`, `TASK`).
fn field_reading(s: &Schedule, durations: &HashSet<String>) -> Option<(Ident, Ident)> {
    match s {
        Schedule::Relative {
            anchor,
            words: Some((Amount::Param(name), false)),
            align,
            offsets,
            time: None,
            tz: None,
            ..
        } if align.is_empty()
            && offsets.is_empty()
            && !anchor.name.contains('.')
            && !durations.contains(&name.name) =>
        {
            Some((name.clone(), anchor.clone()))
        }
        _ => None,
    }
}
