//! Benchmark: resolving a 10,000-task template (anchor chains, business days over a real holiday
//! calendar, several zones, windows, half the offsets and some windows read from `duration` params),
//! and one whose tasks use calendar alignments and `date`/`datetime`
//! param anchors, and one that adds per-task calendars (the shipped US federal and Berlin packs,
//! composed with blackouts) and workflow closures. Target: under 50 ms each. Run with
//! `cargo bench --bench schedule [-- FILTER]` (cases `resolve`, `align_params`, `calendars`).

use chrono::{NaiveDate, TimeZone, Utc, Weekday};
use rwf::schedule::{resolve, Target};
use rwf::spec::*;
use std::collections::BTreeMap;
use std::time::Instant;

fn spec(n: usize) -> WorkflowSpec {
    let mut holidays = Vec::new();
    for y in 2025..=2030 {
        for (m, d) in [(1, 1), (5, 26), (7, 4), (9, 1), (11, 26), (12, 25)] {
            holidays.push(Holiday {
                date: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
                name: format!("holiday {m}-{d}"),
            });
        }
    }
    let cal = CalendarSpec {
        title: Some("bench".into()),
        weekend: vec![Weekday::Sat, Weekday::Sun],
        covers: DateRange {
            from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2030, 12, 31).unwrap(),
        },
        holidays,
        blackouts: vec![],
    };
    let zones = [
        "Europe/Berlin",
        "Asia/Kolkata",
        "Australia/Sydney",
        "Pacific/Chatham",
    ];
    let tasks = (0..n)
        .map(|i| {
            let anchor = if i % 50 == 0 {
                Anchor::Release
            } else {
                Anchor::Task {
                    task: format!("t{}", i - 1),
                    point: AnchorPoint::End,
                }
            };
            // Half the tasks step by a `duration` param (`t + grace`, `t + lead`).
            let offsets = match i % 4 {
                0 => vec![Span::new(-40, Unit::BusinessDays).into()],
                1 => vec![Amount::param("grace")],
                2 => vec![
                    Span::new(2, Unit::Days).into(),
                    Span::new(3, Unit::Hours).into(),
                ],
                _ => vec![Amount::param("lead")],
            };
            TaskSpec {
                title: format!("Task {i}"),
                schedule: Some(Schedule::Relative {
                    anchor,
                    offsets,
                    align: vec![],
                    then: vec![],
                    time_of_day: (i % 3 == 0)
                        .then(|| chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap()),
                    timezone: (i % 5 == 0).then(|| zones[i % zones.len()].to_string()),
                }),
                window: Some(if i % 10 == 0 {
                    Amount::param("grace")
                } else {
                    Span::new(1, Unit::Days).into()
                }),
                depends_on: if i > 0 {
                    vec![Dependency {
                        task: format!("t{}", i - 1),
                        outcome: EdgeOutcome::Success,
                    }]
                } else {
                    vec![]
                },
                ..TaskSpec::new(format!("t{i}"), Step::Checkpoint)
            }
        })
        .collect();
    WorkflowSpec {
        name: "Bench".into(),
        target: TargetSpec {
            param: "release".into(),
            timezone: TzRef::Literal("America/New_York".into()),
            time: None,
            horizon: None,
        },
        calendar: Some("bench".into()),
        calendars: BTreeMap::from([("bench".to_string(), cal)]),
        tasks,
        params: vec![
            ParamSpec {
                name: "lead".into(),
                ty: ParamType::Duration,
                default: Some("1w".into()),
                description: None,
            },
            ParamSpec {
                name: "grace".into(),
                ty: ParamType::Duration,
                default: None,
                description: None,
            },
        ],
        bindings: BTreeMap::from([("grace".to_string(), "1bd".into())]),
        ..WorkflowSpec::new("bench")
    }
}

/// Every task aligned (each kind of alignment in turn, some with an offset after it); every 50th
/// anchored to a `date` or a `datetime` param, the others to the task before.
fn aligned_spec(n: usize) -> WorkflowSpec {
    let mut s = spec(n);
    s.params.extend([
        ParamSpec {
            name: "release".into(),
            ty: ParamType::Datetime,
            default: None,
            description: None,
        },
        ParamSpec {
            name: "cycle_start".into(),
            ty: ParamType::Date,
            default: None,
            description: None,
        },
        ParamSpec {
            name: "conference".into(),
            ty: ParamType::Datetime,
            default: None,
            description: None,
        },
    ]);
    s.bindings.extend([
        ("release".to_string(), "2027-06-15T09:00".into()),
        ("cycle_start".to_string(), "2027-01-11".into()),
        ("conference".to_string(), "2027-04-20T10:00".into()),
    ]);
    let aligns = [
        Align::Weekday {
            weekday: Weekday::Tue,
            relation: Relation::OnOrBefore,
        },
        Align::Weekday {
            weekday: Weekday::Fri,
            relation: Relation::After,
        },
        Align::Nth {
            nth: 1,
            weekday: Weekday::Mon,
            next: true,
        },
        Align::Nth {
            nth: -1,
            weekday: Weekday::Fri,
            next: false,
        },
        Align::Edge {
            edge: Edge::Start,
            period: Period::Week,
            next: false,
        },
        Align::Edge {
            edge: Edge::End,
            period: Period::Month,
            next: false,
        },
    ];
    for (i, t) in s.tasks.iter_mut().enumerate() {
        if let Some(Schedule::Relative {
            anchor,
            offsets,
            align,
            then,
            ..
        }) = &mut t.schedule
        {
            if i % 50 == 0 {
                *anchor = Anchor::Param {
                    param: if i % 100 == 0 {
                        "cycle_start"
                    } else {
                        "conference"
                    }
                    .into(),
                };
            }
            // Keep the chains moving forward so they stay inside the calendar's range.
            *offsets = vec![Span::new(if i % 50 == 0 { 1 } else { 3 }, Unit::Days).into()];
            *align = vec![aligns[i % aligns.len()]];
            if i % 7 == 0 {
                *then = vec![Span::new(1, Unit::BusinessDays).into()];
            }
        }
    }
    s
}

/// `aligned_spec`, with the shipped `us_federal` and `germany_berlin` packs (2000–2050) composed
/// into two calendars with blackouts: every third task on the Berlin team's calendar, every fifth
/// moving out of blackouts (before or after), and ten workflow closures.
fn calendars_spec(n: usize) -> WorkflowSpec {
    let mut s = aligned_spec(n);
    let text = "use std/calendars { us_federal, germany_berlin }
calendar nyc \"New York\" {
  include us_federal
  blackout 2027-02-22 to 2027-02-26 \"Freeze week\"
  blackout 2027-12-20 to 2027-12-31 \"Shutdown\"
  blackout 2028-06-12 to 2028-06-16 \"Conference\"
}
calendar berlin \"Berlin team\" {
  include germany_berlin
  blackout 2027-07-26 to 2027-08-06 \"Summer break\"
  blackout 2028-03-06 to 2028-03-10 \"Offsite\"
}
template t \"T\" version 1 {
  param release: datetime
  target release in \"UTC\"
  calendar nyc
  checkpoint a \"A\" { calendar berlin  at release + 1 business day }
}
";
    let compiled = rwf::compile::compile_source("bench.rwf", text, &rwf::compile::FsLoader);
    let cals = compiled
        .spec
        .expect("the bench calendars compile")
        .calendars;
    s.calendars.extend(cals);
    s.calendar = Some("nyc".into());
    for (i, t) in s.tasks.iter_mut().enumerate() {
        if i % 3 == 0 {
            t.calendar = Some("berlin".into());
        }
        if i % 5 == 0 {
            t.on_blackout = Some(if i % 10 == 0 {
                BlackoutRule::MoveAfter
            } else {
                BlackoutRule::MoveBefore
            });
        }
    }
    s.closures = (0..10)
        .map(|k| Holiday {
            date: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap() + chrono::Duration::weeks(k * 5),
            name: format!("closure {k}"),
        })
        .collect();
    s
}

fn run(name: &str, spec: &WorkflowSpec, filter: Option<&str>) {
    if filter.is_some_and(|f| !name.contains(f)) {
        return;
    }
    let target = Target {
        instant: Utc.with_ymd_and_hms(2027, 6, 15, 13, 0, 0).unwrap(),
        tz: chrono_tz::America::New_York,
    };
    let fixed = BTreeMap::new();
    let plan = resolve(spec, &target, &fixed).expect("the bench spec resolves");
    assert_eq!(plan.tasks.len(), 10_000);
    assert!(plan.tasks.iter().all(|t| t.times.is_some()));
    let mut times = Vec::new();
    for _ in 0..15 {
        let t0 = Instant::now();
        let plan = resolve(spec, &target, &fixed).expect("resolves");
        std::hint::black_box(&plan);
        times.push(t0.elapsed());
    }
    times.sort();
    println!(
        "schedule/{name} 10000 tasks: median {:.2} ms, min {:.2} ms, max {:.2} ms (target < 50 ms)",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, in a
    // debug build where timings against the targets mean nothing.
    if !std::env::args().any(|a| a == "--bench") {
        println!("schedule bench: skipped outside `cargo bench`");
        return;
    }
    // `cargo bench --bench schedule -- align` runs the cases whose name contains `align`.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    run("resolve", &spec(10_000), filter.as_deref());
    run("align_params", &aligned_spec(10_000), filter.as_deref());
    run("calendars", &calendars_spec(10_000), filter.as_deref());
}
