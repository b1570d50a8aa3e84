//! Lowering a written alignment (`tuesday on or before`, `last friday of month after`) to its spec form.

use crate::spec::{Align, Edge, Period, Relation};
use crate::syntax::ast::{AlignKind, Alignment};
use chrono::Weekday;

/// The grammar admits only the words matched here, so every arm is total.
pub fn lower(a: &Alignment) -> Align {
    match &a.kind {
        AlignKind::Weekday {
            weekday: w,
            relation,
        } => Align::Weekday {
            weekday: weekday(w),
            relation: match relation.as_str() {
                "on or before" => Relation::OnOrBefore,
                "on or after" => Relation::OnOrAfter,
                "before" => Relation::Before,
                _ => Relation::After,
            },
        },
        AlignKind::Nth {
            ordinal,
            weekday: w,
            next,
        } => Align::Nth {
            nth: match ordinal.as_str() {
                "first" => 1,
                "second" => 2,
                "third" => 3,
                "fourth" => 4,
                _ => -1,
            },
            weekday: weekday(w),
            next: *next,
        },
        AlignKind::Edge { edge, period, next } => Align::Edge {
            edge: if edge == "start" {
                Edge::Start
            } else {
                Edge::End
            },
            period: if period == "week" {
                Period::Week
            } else {
                Period::Month
            },
            next: *next,
        },
    }
}

/// `mon`/`monday` … `sun`/`sunday`.
pub fn weekday(w: &str) -> Weekday {
    match &w[..3] {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        _ => Weekday::Sun,
    }
}
