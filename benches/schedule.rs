//! Benchmark: resolving a 10,000-task template (anchor chains, business days over a real holiday
//! calendar, several zones, windows). Target: under 50 ms. Run with `cargo bench --bench schedule`.

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
            let offsets = match i % 4 {
                0 => vec![Span::new(-40, Unit::BusinessDays)],
                1 => vec![Span::new(1, Unit::BusinessDays)],
                2 => vec![Span::new(2, Unit::Days), Span::new(3, Unit::Hours)],
                _ => vec![Span::new(1, Unit::Weeks)],
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
                window: Some(Span::new(1, Unit::Days)),
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
        ..WorkflowSpec::new("bench")
    }
}

fn main() {
    let spec = spec(10_000);
    let target = Target {
        instant: Utc.with_ymd_and_hms(2027, 6, 15, 13, 0, 0).unwrap(),
        tz: chrono_tz::America::New_York,
    };
    let fixed = BTreeMap::new();
    let plan = resolve(&spec, &target, &fixed).expect("the bench spec resolves");
    assert_eq!(plan.tasks.len(), 10_000);
    assert!(plan.tasks.iter().all(|t| t.times.is_some()));
    let mut times = Vec::new();
    for _ in 0..15 {
        let t0 = Instant::now();
        let plan = resolve(&spec, &target, &fixed).expect("resolves");
        std::hint::black_box(&plan);
        times.push(t0.elapsed());
    }
    times.sort();
    println!(
        "schedule/resolve 10000 tasks: median {:.2} ms, min {:.2} ms, max {:.2} ms (target < 50 ms)",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}
