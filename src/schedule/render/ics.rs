//! iCalendar (RFC 5545): one VEVENT per scheduled task with a stable UID, times with TZID, and a
//! VTIMEZONE per zone built from chrono-tz's transitions over the years the plan spans.

use super::View;
use crate::schedule::local::offset_seconds;
use crate::spec::TaskSpec;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use std::collections::BTreeSet;
use std::fmt::Write;

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            ';' => o.push_str("\\;"),
            ',' => o.push_str("\\,"),
            '\n' => o.push_str("\\n"),
            '\r' => {}
            c => o.push(c),
        }
    }
    o
}

/// Folds a content line at 75 octets (continuations start with a space), CRLF-terminated.
fn fold(out: &mut String, line: &str) {
    let mut count = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if count + len > 75 {
            out.push_str("\r\n ");
            count = 1;
        }
        out.push(c);
        count += len;
    }
    out.push_str("\r\n");
}

fn offset_str(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    format!("{sign}{:02}{:02}", a / 3600, (a % 3600) / 60)
}

/// The instants in `[from, to)` at which `tz`'s offset changes, found by a daily scan and a binary
/// search to the second.
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let mut t = from;
    let mut off = offset_seconds(tz, t);
    while t < to {
        let n = t + Duration::days(1);
        let o = offset_seconds(tz, n);
        if o != off {
            let (mut lo, mut hi) = (t, n);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_seconds(tz, mid) == off {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(hi);
            off = o;
        }
        t = n;
    }
    out
}

/// A VTIMEZONE for `tz` covering the years `from_year..=to_year` (one component per transition;
/// a single STANDARD component for zones without transitions then).
pub fn vtimezone(tz: Tz, from_year: i32, to_year: i32) -> String {
    let mut out = String::new();
    let start = Utc
        .with_ymd_and_hms(from_year, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let end = Utc
        .with_ymd_and_hms(to_year + 1, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    fold(&mut out, "BEGIN:VTIMEZONE");
    fold(&mut out, &format!("TZID:{}", tz.name()));
    let list = transitions(tz, start, end);
    let mut component = |at: DateTime<Utc>, from: i32| {
        let o = tz.offset_from_utc_datetime(&at.naive_utc());
        let to = offset_seconds(tz, at);
        let kind = if o.dst_offset().num_seconds() != 0 {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        let local = (at.naive_utc() + Duration::seconds(from as i64)).format("%Y%m%dT%H%M%S");
        fold(&mut out, &format!("BEGIN:{kind}"));
        fold(&mut out, &format!("DTSTART:{local}"));
        fold(&mut out, &format!("TZOFFSETFROM:{}", offset_str(from)));
        fold(&mut out, &format!("TZOFFSETTO:{}", offset_str(to)));
        if let Some(name) = o.abbreviation() {
            fold(&mut out, &format!("TZNAME:{name}"));
        }
        fold(&mut out, &format!("END:{kind}"));
    };
    if list.is_empty() {
        component(start, offset_seconds(tz, start));
    } else {
        for at in list {
            component(at, offset_seconds(tz, at - Duration::seconds(1)));
        }
    }
    fold(&mut out, "END:VTIMEZONE");
    out
}

fn stamp(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .naive_local()
        .format("%Y%m%dT%H%M%S")
        .to_string()
}

/// The plan as an iCalendar file. `DTSTAMP` is today (midnight UTC) so output is reproducible.
pub fn ics(v: &View<'_>) -> String {
    calendar(&v.spec.name, std::slice::from_ref(v), v.today, &|_, _| true)
}

/// Several plans in one iCalendar file named `name` (a person's tasks across releases), keeping the
/// tasks `keep` accepts.
pub fn calendar(
    name: &str,
    views: &[View<'_>],
    today: NaiveDate,
    keep: &dyn Fn(&View<'_>, &TaskSpec) -> bool,
) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//rwf//release plan//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        fold(&mut out, l);
    }
    fold(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    let mut zones: BTreeSet<&str> = BTreeSet::new();
    let year = views
        .first()
        .map_or(today.year(), |v| v.plan.target.instant.year());
    let (mut y0, mut y1) = (year, year);
    for v in views {
        for t in &v.plan.tasks {
            if let Some(x) = t.times {
                zones.insert(t.tz.name());
                y0 = y0.min(x.start.year());
                y1 = y1.max(x.end.year());
            }
        }
    }
    for z in &zones {
        if let Ok(tz) = z.parse::<Tz>() {
            out.push_str(&vtimezone(tz, y0 - 1, y1 + 1));
        }
    }
    let dtstamp = NaiveDate::and_hms_opt(&today, 0, 0, 0)
        .map(|d| d.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default();
    for v in views {
        events(&mut out, v, &dtstamp, keep);
    }
    fold(&mut out, "END:VCALENDAR");
    out
}

/// The VEVENTs of one plan's kept tasks that have times.
fn events(
    out: &mut String,
    v: &View<'_>,
    dtstamp: &str,
    keep: &dyn Fn(&View<'_>, &TaskSpec) -> bool,
) {
    let instance = instance_id(v);
    for (i, t) in v.spec.tasks.iter().enumerate() {
        let Some(r) = v.plan.tasks.get(i) else {
            continue;
        };
        let Some(x) = r.times else { continue };
        if !keep(v, t) {
            continue;
        }
        fold(out, "BEGIN:VEVENT");
        fold(out, &format!("UID:{}.{}.{instance}@rwf", v.spec.key, t.key));
        fold(out, &format!("DTSTAMP:{dtstamp}"));
        fold(
            out,
            &format!("DTSTART;TZID={}:{}", r.tz.name(), stamp(x.start, r.tz)),
        );
        if x.end > x.start {
            fold(
                out,
                &format!("DTEND;TZID={}:{}", r.tz.name(), stamp(x.end, r.tz)),
            );
        }
        fold(out, &format!("SUMMARY:{}", escape(&t.title)));
        let mut desc = format!("{} `{}`", t.step.kind().as_str(), t.key);
        if let Some(wait) = t.step.event_summary() {
            let _ = write!(desc, "\nwaits for event {wait}");
        }
        if let Some(note) = t.runs_only_if() {
            let _ = write!(desc, "\n{note}");
        }
        if let Some(note) = v.spec.flow.expands_at_run_time(&t.key) {
            let _ = write!(desc, "\n{note}");
        }
        let deps = super::depends_on(v.spec, i);
        if !deps.is_empty() {
            let _ = write!(desc, "\nafter: {}", deps.replace(' ', ", "));
        }
        if v.is_critical(&t.key) {
            desc.push_str("\non the critical path");
        }
        fold(out, &format!("DESCRIPTION:{}", escape(&desc)));
        if let Some(p) = &t.phase {
            fold(out, &format!("CATEGORIES:{}", escape(&v.phase_title(p))));
        }
        fold(out, "END:VEVENT");
    }
}

/// Identifies the release instance apart from its date: a hash of the bindings other than the release
/// param, so UIDs stay stable when the release moves and differ between two products.
fn instance_id(v: &View<'_>) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for (k, val) in &v.spec.bindings {
        if *k != v.spec.target.param {
            h.update(k.as_bytes());
            h.update(b"=");
            h.update(val.to_string().as_bytes());
            h.update(b"\n");
        }
    }
    hex::encode(&h.finalize()[..4])
}
