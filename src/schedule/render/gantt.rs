//! The terminal Gantt: one row per task on a day axis in the release zone, grouped by phase, in
//! dependency order, with today (T) and the release day (R) marked and the critical path in solid bars.

use super::{depends_on, View};
use chrono::{Datelike, Duration, NaiveDate};
use std::fmt::Write;

/// At most this many columns for the day axis; longer plans put several days in a column.
const MAX_COLUMNS: i64 = 84;

pub fn gantt(v: &View<'_>) -> String {
    let release = v.release_local().date();
    let (first, last, today_in) = v.day_span();
    let days = (last - first).num_days() + 1;
    let per = (days + MAX_COLUMNS - 1) / MAX_COLUMNS;
    let cols = ((days + per - 1) / per) as usize;
    let col = |d: NaiveDate| (((d - first).num_days()) / per) as usize;

    let label_w = v
        .spec
        .tasks
        .iter()
        .map(|t| t.key.chars().count())
        .max()
        .unwrap_or(0)
        .max(8)
        + 4;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} to {} ({} day{} per column), release {} {}",
        v.spec.key,
        first,
        last,
        per,
        if per == 1 { "" } else { "s" },
        super::fmt_local(v.release_local()),
        v.tz()
    );
    // Axis: a label at the first column of each month and on each Monday that fits.
    let mut axis = vec![' '; cols + 12];
    let mut d = first;
    let mut next_free = 0usize;
    while d <= last {
        let c = col(d);
        if (d.day() == 1 || d == first || (per == 1 && d.weekday() == chrono::Weekday::Mon))
            && c >= next_free
        {
            let label = d.format("%b %d").to_string();
            for (k, ch) in label.chars().enumerate() {
                if c + k < axis.len() {
                    axis[c + k] = ch;
                }
            }
            next_free = c + label.len() + 1;
        }
        d += Duration::days(per);
    }
    let _ = writeln!(
        out,
        "{}{}",
        " ".repeat(label_w),
        axis.iter().collect::<String>().trim_end()
    );
    let mut marks = vec!['·'; cols];
    if today_in {
        marks[col(v.today).min(cols - 1)] = 'T';
    }
    marks[col(release).min(cols - 1)] = 'R';
    let _ = writeln!(
        out,
        "{}{}",
        " ".repeat(label_w),
        marks.iter().collect::<String>()
    );
    for (phase, tasks) in v.groups() {
        let title = phase
            .as_deref()
            .map_or("(no phase)".into(), |p| v.phase_title(p));
        let _ = writeln!(out, "{title}");
        for i in tasks {
            let t = &v.spec.tasks[i];
            let crit = v.is_critical(&t.key);
            let label = format!("{} {}", if crit { "*" } else { " " }, t.key);
            let mut row: Vec<char> = (0..cols)
                .map(|c| {
                    if marks[c] == 'T' || marks[c] == 'R' {
                        '┆'
                    } else {
                        ' '
                    }
                })
                .collect();
            let note = match v.plan.tasks[i].times {
                Some(x) => {
                    let (a, b) = (col(v.local(x.start).date()), col(v.local(x.due).date()));
                    let ch = if x.start == x.due {
                        '◆'
                    } else if crit {
                        '█'
                    } else {
                        '▒'
                    };
                    row[a.min(cols - 1)..=b.min(cols - 1)].fill(ch);
                    String::new()
                }
                None => " floating".into(),
            };
            let deps = depends_on(v.spec, i);
            let deps = if deps.is_empty() {
                String::new()
            } else {
                format!(" ← {}", deps.replace(' ', ", "))
            };
            let deps = match v.spec.flow.expands_at_run_time(&t.key) {
                Some(_) => format!("{deps} (one per item, when expanded)"),
                None => deps,
            };
            let line = format!(
                "{label:<label_w$}{}{note}{deps}",
                row.iter().collect::<String>()
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    let _ = writeln!(
        out,
        "T today {}   R release {}   █ critical path   ◆ zero-length window",
        v.today, release
    );
    out
}
