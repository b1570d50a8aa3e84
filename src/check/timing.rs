//! Nominal release-relative positions of tasks (a day is 86,400 s, a month 30 days): enough to order
//! tasks and spot far-off dates without a release instant. Pinned and unscheduled tasks have none.

use super::context::Context;
use crate::spec::{Anchor, AnchorPoint, Schedule, Span, Unit};
use chrono::{NaiveTime, Timelike};

const DAY: i64 = 86_400;

/// Where a task starts relative to the release, nominally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Nominal {
    /// Seconds from the release instant along the anchor chain's offsets.
    pub seconds: i64,
    /// The local time of day the chain sets last (`at HH:MM`), if any.
    pub time_of_day: Option<NaiveTime>,
}

impl Nominal {
    /// True when `self` is surely earlier than `other`, as far as nominal arithmetic can tell.
    pub fn earlier_than(self, other: Nominal) -> bool {
        match (self.time_of_day, other.time_of_day) {
            (Some(a), Some(b)) => {
                let at = |n: Nominal, t: NaiveTime| {
                    n.seconds
                        .div_euclid(DAY)
                        .saturating_mul(DAY)
                        .saturating_add(i64::from(t.num_seconds_from_midnight()))
                };
                at(self, a) < at(other, b)
            }
            (None, None) => self.seconds < other.seconds,
            // The release's own time of day is unknown: only a whole day apart is surely earlier.
            _ => self.seconds.saturating_add(DAY) <= other.seconds,
        }
    }
}

/// `start` of every task relative to the release, following anchors (cycles and pins give `None`).
pub(crate) fn nominal_starts(cx: &Context) -> Vec<Option<Nominal>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Todo,
        Visiting,
        Done,
    }
    let n = cx.spec.tasks.len();
    let mut state = vec![State::Todo; n];
    let mut result: Vec<Option<Nominal>> = vec![None; n];
    for root in 0..n {
        // Walk the anchor chain down to something known, then fill it in on the way back.
        let mut chain = Vec::new();
        let mut at = root;
        let mut anchored_at: Option<usize> = None;
        let mut base: Option<Nominal> = loop {
            match state[at] {
                State::Done => {
                    anchored_at = Some(at);
                    break result[at];
                }
                State::Visiting => break None, // a cycle: no position
                State::Todo => {}
            }
            state[at] = State::Visiting;
            chain.push(at);
            match &cx.task(at).schedule {
                Some(Schedule::Relative {
                    anchor: Anchor::Task { task, .. },
                    ..
                }) => match cx.index.get(task.as_str()) {
                    Some(&next) => at = next,
                    None => break None,
                },
                Some(Schedule::Relative {
                    anchor: Anchor::Release,
                    ..
                }) => {
                    break Some(Nominal {
                        seconds: 0,
                        time_of_day: None,
                    })
                }
                _ => break None,
            }
        };
        while let Some(i) = chain.pop() {
            let task = cx.task(i);
            let position = match (&task.schedule, base) {
                (
                    Some(Schedule::Relative {
                        anchor,
                        offsets,
                        time_of_day,
                        align,
                        ..
                    }),
                    Some(base),
                    // An alignment moves a date by up to a month: no nominal position.
                ) if align.is_empty() => 'pos: {
                    // A `duration` param counts at its default; without one there is no position.
                    let Ok(offsets) = offsets.iter().map(|o| cx.spec.span_of(o)).collect::<Result<
                        Vec<Span>,
                        _,
                    >>(
                    ) else {
                        break 'pos None;
                    };
                    let point = match (anchor, anchored_at) {
                        (Anchor::Task { point, .. }, Some(up)) if *point != AnchorPoint::Start => {
                            let window = cx.task(up).window.as_ref();
                            window
                                .and_then(|w| cx.spec.span_of(w).ok())
                                .map_or(0, Span::nominal_seconds)
                        }
                        _ => 0,
                    };
                    let seconds = offsets
                        .iter()
                        .fold(base.seconds.saturating_add(point), |acc, o| {
                            acc.saturating_add(o.nominal_seconds())
                        });
                    let keeps_wall_clock = offsets
                        .iter()
                        .all(|o| !matches!(o.unit, Unit::Minutes | Unit::Hours));
                    Some(Nominal {
                        seconds,
                        time_of_day: time_of_day.or(if keeps_wall_clock {
                            base.time_of_day
                        } else {
                            None
                        }),
                    })
                }
                _ => None,
            };
            result[i] = position;
            state[i] = State::Done;
            base = position;
            anchored_at = Some(i);
        }
    }
    result
}
