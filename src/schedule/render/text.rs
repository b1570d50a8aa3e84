//! Text renderers: the plan table, JSON, CSV, Mermaid, and the cascade table.

use super::{anchored_to, depends_on, fmt_local, View};
use crate::schedule::Shift;
use chrono_tz::Tz;
use std::fmt::Write;

fn times_local(v: &View<'_>, i: usize) -> (String, String) {
    match v.plan.tasks.get(i).and_then(|t| t.times) {
        Some(t) => (fmt_local(v.local(t.start)), fmt_local(v.local(t.due))),
        None => ("floating".into(), "floating".into()),
    }
}

/// The plan as an aligned table in the release zone.
pub fn table(v: &View<'_>) -> String {
    let header = ["key", "type", "start", "due", "depends on", "anchored to"];
    let mut rows: Vec<[String; 6]> = Vec::new();
    for (i, t) in v.spec.tasks.iter().enumerate() {
        let (start, due) = times_local(v, i);
        let mut key = t.key.clone();
        if v.is_critical(&t.key) {
            key.push_str(" *");
        }
        rows.push([
            key,
            t.step.kind().as_str().to_string(),
            start,
            due,
            depends_on(v.spec, i),
            anchored_to(v.spec, i),
        ]);
    }
    let mut width = header.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — release {} {}",
        v.spec.key,
        fmt_local(v.release_local()),
        v.tz()
    );
    let line = |out: &mut String, cells: &[String]| {
        let mut s = String::new();
        for (k, c) in cells.iter().enumerate() {
            if k + 1 == cells.len() {
                s.push_str(c);
            } else {
                let pad = width[k] - c.chars().count();
                let _ = write!(s, "{c}{}  ", " ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", s.trim_end());
    };
    line(&mut out, &header.map(String::from));
    for r in &rows {
        line(&mut out, r);
    }
    if !v.critical.is_empty() {
        let _ = writeln!(out, "* critical path: {}", v.critical.join(" → "));
    }
    // Blocks expanded at run time: their tasks are shown once, as written.
    for b in v.spec.flow.blocks.iter().filter(|b| b.is_dynamic()) {
        if let Some(note) = b
            .tasks
            .first()
            .and_then(|k| v.spec.flow.expands_at_run_time(k))
        {
            let _ = writeln!(out, "{}: {note}", b.tasks.join(", "));
        }
    }
    // Event waits end when their event comes, which no date says: each is named once.
    for t in &v.spec.tasks {
        if let Some(wait) = t.step.event_summary() {
            let _ = writeln!(out, "{} waits for event {wait}", t.key);
        }
        if let Some(note) = t.runs_only_if() {
            let _ = writeln!(out, "{} {note}", t.key);
        }
    }
    out
}

fn rfc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn local_rfc(t: chrono::DateTime<chrono::Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The plan as JSON (UTC and task-local times, critical path, warnings).
pub fn json(v: &View<'_>) -> String {
    let tasks: Vec<serde_json::Value> = v
        .spec
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let r = &v.plan.tasks[i];
            let times = r.times.map(|x| {
                serde_json::json!({
                    "start": rfc(x.start), "due": rfc(x.due), "end": rfc(x.end),
                    "local_start": local_rfc(x.start, r.tz), "local_due": local_rfc(x.due, r.tz),
                    "local_end": local_rfc(x.end, r.tz),
                })
            });
            let mut row = serde_json::json!({
                "key": t.key,
                "title": t.title,
                "type": t.step.kind().as_str(),
                "phase": t.phase,
                "tz": r.tz.name(),
                "pinned": r.pinned,
                "times": times,
                "depends_on": t.depends_on.iter().map(|d| d.task.clone()).collect::<Vec<_>>(),
                "anchored_to": anchored_to(v.spec, i),
                "critical": v.is_critical(&t.key),
            });
            if let Some(c) = &t.when {
                row["runs_only_if"] = c.to_string().into();
            }
            if let Some(note) = v.spec.flow.expands_at_run_time(&t.key) {
                row["expands"] = note.into();
            }
            row
        })
        .collect();
    let warnings: Vec<serde_json::Value> = v
        .plan
        .warnings
        .iter()
        .map(|d| serde_json::json!({"code": d.code, "message": d.message}))
        .collect();
    let mut doc = serde_json::json!({
        "template": v.spec.key,
        "release": rfc(v.plan.target.instant),
        "tz": v.tz().name(),
        "critical_path": v.critical,
        "tasks": tasks,
        "warnings": warnings,
    });
    if !v.spec.flow.excluded.is_empty() {
        doc["excluded"] = serde_json::to_value(&v.spec.flow.excluded).unwrap_or_default();
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The plan as CSV, one row per task, times in UTC (RFC 3339) and in the task's zone.
pub fn csv(v: &View<'_>) -> String {
    let mut out =
        String::from("key,title,type,phase,start,due,end,tz,local_start,local_due,pinned,depends_on,anchored_to,critical\n");
    for (i, t) in v.spec.tasks.iter().enumerate() {
        let r = &v.plan.tasks[i];
        let (s, d, e, ls, ld) = match r.times {
            Some(x) => (
                rfc(x.start),
                rfc(x.due),
                rfc(x.end),
                local_rfc(x.start, r.tz),
                local_rfc(x.due, r.tz),
            ),
            None => Default::default(),
        };
        let cells = [
            t.key.clone(),
            t.title.clone(),
            t.step.kind().as_str().into(),
            t.phase.clone().unwrap_or_default(),
            s,
            d,
            e,
            r.tz.name().into(),
            ls,
            ld,
            r.pinned.to_string(),
            depends_on(v.spec, i),
            anchored_to(v.spec, i),
            v.is_critical(&t.key).to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        let _ = writeln!(out, "{}", line.join(","));
    }
    out
}

fn mermaid_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ':' | ';' | '#' | '\n' | '\r' => ' ',
            c => c,
        })
        .collect()
}

/// The plan as a Mermaid `gantt` block (release-zone times, critical tasks `crit`, zero windows as
/// milestones; floating tasks are left out with a comment).
pub fn mermaid(v: &View<'_>) -> String {
    let mut out = String::from("gantt\n");
    let _ = writeln!(out, "  title {}", mermaid_text(&v.spec.name));
    out.push_str("  dateFormat YYYY-MM-DD HH:mm\n  axisFormat %m-%d\n");
    let _ = writeln!(
        out,
        "  todayMarker off\n  %% release {} {}",
        fmt_local(v.release_local()),
        v.tz()
    );
    for (phase, tasks) in v.groups() {
        let title = phase
            .as_deref()
            .map_or("Other".into(), |p| v.phase_title(p));
        let _ = writeln!(out, "  section {}", mermaid_text(&title));
        for i in tasks {
            let t = &v.spec.tasks[i];
            let Some(x) = v.plan.tasks[i].times else {
                let _ = writeln!(out, "  %% {} floats (no schedule)", t.key);
                continue;
            };
            let mut tags = Vec::new();
            if v.is_critical(&t.key) {
                tags.push("crit".to_string());
            }
            if x.due == x.start {
                tags.push("milestone".into());
            }
            tags.push(t.key.clone());
            tags.push(fmt_local(v.local(x.start)));
            if x.due == x.start {
                tags.push("0d".into());
            } else {
                tags.push(fmt_local(v.local(x.due)));
            }
            let _ = writeln!(out, "  {} :{}", mermaid_text(&t.title), tags.join(", "));
        }
    }
    out
}

/// The cascade as a table: task, old due, new due, shift (release zone).
pub fn shifts_table(shifts: &[Shift], tz: Tz) -> String {
    let mut out = String::new();
    if shifts.is_empty() {
        out.push_str("no task moves\n");
        return out;
    }
    let f = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or("floating".to_string(), |t| {
            fmt_local(t.with_timezone(&tz).naive_local())
        })
    };
    let rows: Vec<[String; 4]> = shifts
        .iter()
        .map(|s| {
            [
                s.task.clone(),
                f(s.old_due),
                f(s.new_due),
                s.shift.map_or("—".into(), |d| {
                    format!(
                        "{}{}",
                        if d < chrono::Duration::zero() {
                            "-"
                        } else {
                            "+"
                        },
                        crate::schedule::lint_human(d)
                    )
                }),
            ]
        })
        .collect();
    let header = ["task", "old due", "new due", "shift"].map(String::from);
    let mut w = [0usize; 4];
    for r in rows.iter().chain(std::iter::once(&header)) {
        for k in 0..4 {
            w[k] = w[k].max(r[k].chars().count());
        }
    }
    for r in std::iter::once(&header).chain(rows.iter()) {
        let _ = writeln!(
            out,
            "{:w0$}  {:w1$}  {:w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2]
        );
    }
    out
}
