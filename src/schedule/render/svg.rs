//! SVG Gantt for documents: bars on a day grid in the release zone, phases as bands, the critical path
//! in red, today and the release as vertical lines.

use super::View;
use chrono::{Datelike, Duration};
use std::fmt::Write;

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn svg(v: &View<'_>) -> String {
    let release = v.release_local().date();
    let (first, last, today_in) = v.day_span();
    let days = (last - first).num_days() + 1;
    let day_w = (900.0 / days as f64).clamp(2.0, 24.0);
    let label_w = 240.0;
    let row_h = 22.0;
    let groups = v.groups();
    let rows: usize = groups.iter().map(|(_, t)| t.len() + 1).sum();
    let width = label_w + day_w * days as f64 + 20.0;
    let height = 60.0 + row_h * rows as f64 + 20.0;
    let x_of = |t: chrono::NaiveDateTime| {
        let secs = (t - first.and_hms_opt(0, 0, 0).unwrap_or_default()).num_seconds() as f64;
        label_w + secs / 86_400.0 * day_w
    };
    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        o,
        r#"<title>{}</title><rect width="100%" height="100%" fill="white"/>"#,
        xml(&v.spec.name)
    );
    let _ = writeln!(
        o,
        r#"<text x="8" y="18" font-weight="bold">{} — release {} {}</text>"#,
        xml(&v.spec.name),
        super::fmt_local(v.release_local()),
        v.tz()
    );
    // Day grid: a tick at each month start and Monday.
    let mut d = first;
    while d <= last {
        let x = x_of(d.and_hms_opt(0, 0, 0).unwrap_or_default());
        // Label Mondays, and month starts that are not within two days of a Monday.
        let monday = d.weekday() == chrono::Weekday::Mon;
        let near_monday =
            d.weekday().num_days_from_monday() <= 2 || d.weekday().num_days_from_monday() >= 5;
        if monday || (d.day() == 1 && !near_monday) {
            let _ = writeln!(
                o,
                r##"<line x1="{x:.1}" y1="40" x2="{x:.1}" y2="{:.0}" stroke="#ddd"/><text x="{:.1}" y="36" font-size="10">{}</text>"##,
                height - 20.0,
                x + 1.0,
                d.format("%m-%d")
            );
        }
        d += Duration::days(1);
    }
    let mut y = 48.0;
    for (phase, tasks) in &groups {
        let title = phase
            .as_deref()
            .map_or("(no phase)".into(), |p| v.phase_title(p));
        let _ = writeln!(
            o,
            r##"<rect x="0" y="{y:.0}" width="{width:.0}" height="{row_h:.0}" fill="#f0f0f0"/><text x="8" y="{:.0}" font-weight="bold">{}</text>"##,
            y + 15.0,
            xml(&title)
        );
        y += row_h;
        for &i in tasks {
            let t = &v.spec.tasks[i];
            let crit = v.is_critical(&t.key);
            let _ = writeln!(
                o,
                r#"<text x="16" y="{:.0}">{}</text>"#,
                y + 15.0,
                xml(&t.key)
            );
            if let Some(x) = v.plan.tasks[i].times {
                let (x0, x1) = (x_of(v.local(x.start)), x_of(v.local(x.due)));
                let fill = if crit { "#d62728" } else { "#1f77b4" };
                if x1 - x0 < 1.0 {
                    let cy = y + row_h / 2.0;
                    let _ = writeln!(
                        o,
                        r#"<path d="M{x0:.1} {:.1} l6 6 l-6 6 l-6 -6 z" fill="{fill}"><title>{}</title></path>"#,
                        cy - 6.0,
                        xml(&t.title)
                    );
                } else {
                    let _ = writeln!(
                        o,
                        r#"<rect x="{x0:.1}" y="{:.0}" width="{:.1}" height="14" rx="2" fill="{fill}"><title>{}</title></rect>"#,
                        y + 4.0,
                        x1 - x0,
                        xml(&t.title)
                    );
                }
            } else {
                let _ = writeln!(
                    o,
                    r##"<text x="{:.0}" y="{:.0}" fill="#888" font-style="italic">floating</text>"##,
                    label_w,
                    y + 15.0
                );
            }
            y += row_h;
        }
    }
    let mut marker = |date: chrono::NaiveDate, color: &str, label: &str| {
        let x = x_of(date.and_hms_opt(0, 0, 0).unwrap_or_default()) + day_w / 2.0;
        let _ = writeln!(
            o,
            r#"<line x1="{x:.1}" y1="40" x2="{x:.1}" y2="{:.0}" stroke="{color}" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.0}" fill="{color}">{label}</text>"#,
            height - 20.0,
            x + 2.0,
            height - 6.0
        );
    };
    if today_in {
        marker(v.today, "#2ca02c", "today");
    }
    marker(release, "#d62728", "release");
    o.push_str("</svg>\n");
    o
}
