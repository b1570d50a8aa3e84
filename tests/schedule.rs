//! Schedule resolver tests: DST cases checked against Python's zoneinfo, holiday packs against the
//! `holidays` package, anchors, cascade, lints, properties, and golden `rwf plan` / `rwf explain` output.

mod support;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use rwf::compile::{SourceMap, TaskSource};
use rwf::schedule::{self, resolve, Target, Times};
use rwf::spec::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::cli::{golden, rwf};

// ---------- builders ----------

fn task(key: &str, schedule: Option<Schedule>) -> TaskSpec {
    TaskSpec {
        schedule,
        ..TaskSpec::new(key, Step::Checkpoint)
    }
}

fn spans(s: &str) -> Vec<Amount> {
    s.split_whitespace().map(|x| x.parse().unwrap()).collect()
}

fn rel(anchor: Anchor, offsets: &str, at: Option<&str>, tz: Option<&str>) -> Option<Schedule> {
    Some(Schedule::Relative {
        anchor,
        offsets: spans(offsets),
        align: vec![],
        then: vec![],
        time_of_day: at.map(|t| NaiveTime::parse_from_str(t, "%H:%M").unwrap()),
        timezone: tz.map(str::to_string),
    })
}

fn on(task: &str, point: AnchorPoint) -> Anchor {
    Anchor::Task {
        task: task.into(),
        point,
    }
}

fn pinned(at: &str, tz: Option<&str>) -> Option<Schedule> {
    Some(Schedule::Pinned {
        at: NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M").unwrap(),
        timezone: tz.map(str::to_string),
    })
}

fn spec(tz: &str, tasks: Vec<TaskSpec>) -> WorkflowSpec {
    let mut s = WorkflowSpec {
        name: "T".into(),
        tasks,
        ..WorkflowSpec::new("t")
    };
    s.target.timezone = TzRef::Literal(tz.into());
    s
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn target(tz: &str, instant: &str) -> Target {
    Target {
        instant: utc(instant),
        tz: tz.parse().unwrap(),
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut cells = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            let mut chars = l.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' if quoted && chars.peek() == Some(&'"') => {
                        cur.push('"');
                        chars.next();
                    }
                    '"' => quoted = !quoted,
                    ',' if !quoted => cells.push(std::mem::take(&mut cur)),
                    c => cur.push(c),
                }
            }
            cells.push(cur);
            header.iter().cloned().zip(cells).collect()
        })
        .collect()
}

// ---------- DST cases from zoneinfo ----------

#[test]
fn dst_cases_match_zoneinfo() {
    let rows = read_csv(&root().join("tests/fixtures/schedule/dst_cases.csv"));
    assert!(rows.len() >= 300, "only {} cases", rows.len());
    let mut failures = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        let zone = r["zone"].as_str();
        let (sched, release) = if r["pinned_local"].is_empty() {
            (
                rel(
                    Anchor::Release,
                    &r["offsets"],
                    Some(r["at"].as_str()).filter(|s| !s.is_empty()),
                    None,
                ),
                r["release_utc"].clone(),
            )
        } else {
            (
                pinned(&r["pinned_local"], None),
                "2026-06-01T00:00:00Z".to_string(),
            )
        };
        let s = spec(zone, vec![task("case", sched)]);
        let plan = resolve(&s, &target(zone, &release), &BTreeMap::new()).unwrap();
        let got = plan.tasks[0].times.unwrap().start;
        let local = plan.tasks[0].local().unwrap().start;
        let codes: Vec<&str> = plan.warnings.iter().map(|d| d.code).collect();
        let want_codes: Vec<&str> = match r["fix"].as_str() {
            "gap" => vec![schedule::DST_GAP],
            "ambiguous" => vec![schedule::DST_AMBIGUOUS],
            _ => vec![],
        };
        if got != utc(&r["expected_utc"])
            || local.format("%Y-%m-%dT%H:%M").to_string() != r["expected_local"]
            || codes != want_codes
        {
            failures.push(format!(
                "row {}: {zone} {} {:?} at {:?}: got {got} ({local}) {codes:?}, want {} ({}) {}",
                n + 2,
                release,
                r["offsets"],
                r["at"],
                r["expected_utc"],
                r["expected_local"],
                r["fix"]
            ));
        }
        if !want_codes.is_empty() {
            assert!(
                plan.warnings[0].message.contains("`case`"),
                "warning names the task: {}",
                plan.warnings[0].message
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

// ---------- holiday packs ----------

/// `calendar NAME ... { holiday DATE "NAME" ... }` read line by line (the file's format is fixed).
fn stdlib_calendars() -> BTreeMap<String, (String, Vec<(NaiveDate, String)>)> {
    let text = std::fs::read_to_string(root().join("stdlib/calendars.rwf")).unwrap();
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("calendar ") {
            let name = rest.split_whitespace().next().unwrap().to_string();
            out.insert(name.clone(), (String::new(), Vec::new()));
            current = Some(name);
        } else if let Some(rest) = line.strip_prefix("covers ") {
            out.get_mut(current.as_ref().unwrap()).unwrap().0 = rest.to_string();
        } else if let Some(rest) = line.strip_prefix("holiday ") {
            let (date, name) = rest.split_once(' ').unwrap();
            let name = name.trim().trim_matches('"').to_string();
            out.get_mut(current.as_ref().unwrap())
                .unwrap()
                .1
                .push((NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(), name));
        }
    }
    out
}

const PACKS: [&str; 13] = [
    "us_federal",
    "us_dc",
    "uk_england_wales",
    "uk_scotland",
    "germany",
    "germany_berlin",
    "france",
    "india",
    "japan",
    "canada",
    "australia",
    "brazil",
    "netherlands",
];

/// The packs against their source, every year, is `tests/fixtures/schedule/check_holidays.py` (a
/// tests/run.sh step with the pinned `holidays` package); this checks the shape and known days.
#[test]
fn holiday_packs_cover_2000_to_2050_and_record_their_source() {
    let text = std::fs::read_to_string(root().join("stdlib/calendars.rwf")).unwrap();
    let gen =
        std::fs::read_to_string(root().join("tests/fixtures/schedule/gen_holidays.py")).unwrap();
    let pinned = gen
        .lines()
        .find_map(|l| l.strip_prefix("PINNED = \""))
        .unwrap()
        .trim_end_matches('"');
    assert!(
        text.contains(&format!(
            "`holidays` Python package (https://pypi.org/project/holidays/), version {pinned}\n"
        )),
        "the header records the source and version {pinned}"
    );
    let cals = stdlib_calendars();
    assert_eq!(
        cals.keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        PACKS.iter().map(|p| p.to_string()).collect()
    );
    for pack in PACKS {
        let (covers, days) = &cals[pack];
        assert_eq!(covers, "2000-01-01 to 2050-12-31", "{pack}");
        assert!(
            days.windows(2).all(|w| w[0].0 < w[1].0),
            "{pack}: sorted, one line per date"
        );
        for year in 2000..=2050 {
            assert!(
                days.iter().any(|(d, _)| d.year() == year),
                "{pack} has no holiday in {year}"
            );
        }
    }
    // Spot checks of observed and sub-national days, independent of the generator.
    let has = |pack: &str, date: &str, name: &str| {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        cals[pack]
            .1
            .iter()
            .any(|(x, n)| *x == d && n.contains(name))
    };
    assert!(has("us_federal", "2027-12-31", "New Year's Day (observed)"));
    assert!(has(
        "us_federal",
        "2026-07-03",
        "Independence Day (observed)"
    ));
    assert!(
        has("us_dc", "2027-04-16", "Emancipation Day"),
        "DC: observed on Friday"
    );
    assert!(!has("us_federal", "2027-04-16", "Emancipation Day"));
    assert!(has("uk_england_wales", "2026-12-28", "Boxing Day"));
    assert!(has(
        "uk_scotland",
        "2027-01-04",
        "New Year Holiday (observed)"
    ));
    assert!(has("germany", "2026-10-03", "German Unity Day"));
    assert!(has("germany_berlin", "2027-03-08", "Women's Day"));
    assert!(!has("germany", "2027-03-08", "Women's Day"));
    assert!(has("france", "2044-07-14", "National Day"));
    assert!(has("india", "2045-08-15", "Independence Day"));
    assert!(has("japan", "2027-03-22", "Substitute Holiday"));
    assert!(has("canada", "2000-07-01", "Canada Day"));
    assert!(has("australia", "2050-01-26", "Australia Day"));
    assert!(has("brazil", "2027-04-21", "Tiradentes"));
    assert!(has("netherlands", "2027-04-27", "King's Day"));
}

#[test]
fn stdlib_calendars_compile_to_the_same_holidays() {
    let cals = stdlib_calendars();
    for pack in PACKS {
        let text = format!(
            "use std/calendars {{ {pack} }}\ntemplate t \"T\" version 1 {{\n  param release: datetime\n  target release in \"UTC\"\n  calendar {pack}\n  checkpoint a \"A\" {{ at release + 1 business day }}\n}}\n"
        );
        let compiled = rwf::compile::compile_source("t.rwf", &text, &rwf::compile::FsLoader);
        assert!(
            compiled.diagnostics.iter().all(|d| !d.is_error()),
            "{pack}: {:?}",
            compiled.diagnostics
        );
        let spec = compiled.spec.unwrap();
        let cal = &spec.calendars[pack];
        assert_eq!(cal.weekend, [Weekday::Sat, Weekday::Sun]);
        assert_eq!(
            cal.covers.from,
            NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()
        );
        assert_eq!(
            cal.covers.to,
            NaiveDate::from_ymd_opt(2050, 12, 31).unwrap()
        );
        let got: Vec<(NaiveDate, String)> = cal
            .holidays
            .iter()
            .map(|h| (h.date, h.name.clone()))
            .collect();
        assert_eq!(got, cals[pack].1, "{pack}");
    }
}

fn us_federal() -> CalendarSpec {
    let (_, days) = stdlib_calendars().remove("us_federal").unwrap();
    CalendarSpec {
        title: Some("US federal holidays".into()),
        weekend: vec![Weekday::Sat, Weekday::Sun],
        covers: DateRange {
            from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2030, 12, 31).unwrap(),
        },
        holidays: days
            .into_iter()
            .map(|(date, name)| Holiday { date, name })
            .collect(),
        blackouts: vec![],
    }
}

fn with_calendar(mut s: WorkflowSpec) -> WorkflowSpec {
    s.calendar = Some("us_federal".into());
    s.calendars.insert("us_federal".into(), us_federal());
    s
}

#[test]
fn business_days_skip_holidays_and_refuse_outside_the_range() {
    let ny = "America/New_York";
    // Wed 2026-11-25 + 1 bd: Thanksgiving (Thu 26) → Fri 27.
    let s = with_calendar(spec(
        ny,
        vec![task("a", rel(Anchor::Release, "1bd", None, None))],
    ));
    let p = resolve(&s, &target(ny, "2026-11-25T14:00:00Z"), &BTreeMap::new()).unwrap();
    assert_eq!(p.tasks[0].times.unwrap().start, utc("2026-11-27T14:00:00Z"));
    // Fri 2026-12-31 2027 ... Mon 2030-12-30 + 3 bd leaves the data: an error, not a guess.
    let s = with_calendar(spec(
        ny,
        vec![task("late", rel(Anchor::Release, "3bd", None, None))],
    ));
    let err = resolve(&s, &target(ny, "2030-12-30T14:00:00Z"), &BTreeMap::new()).unwrap_err();
    assert_eq!(err[0].code, schedule::OUTSIDE_CALENDAR);
    assert!(err[0].message.contains("`late`"), "{}", err[0].message);
    // Unknown calendar.
    let mut s = spec(ny, vec![task("a", rel(Anchor::Release, "1bd", None, None))]);
    s.calendar = Some("nowhere".into());
    let err = resolve(&s, &target(ny, "2026-11-25T14:00:00Z"), &BTreeMap::new()).unwrap_err();
    assert_eq!(err[0].code, schedule::UNKNOWN_CALENDAR);
    // The explanation names the holiday that was skipped.
    let s = with_calendar(spec(
        ny,
        vec![task("a", rel(Anchor::Release, "1bd", None, None))],
    ));
    let ex = schedule::explain(
        &s,
        &target(ny, "2026-11-25T14:00:00Z"),
        &BTreeMap::new(),
        "a",
    )
    .unwrap();
    let text = ex.render(&s, &SourceMap::default(), "");
    assert!(
        text.contains("skipped 2026-11-26 (Thu, Thanksgiving Day)"),
        "{text}"
    );
}

// ---------- anchors ----------

#[test]
fn anchors_pins_floating_and_cycles() {
    let ny = "America/New_York";
    let mut b = task(
        "b",
        rel(on("a", AnchorPoint::End), "1d", Some("10:00"), None),
    );
    b.window = Some("2d".parse().unwrap());
    let tasks = vec![
        task("a", rel(Anchor::Release, "-7d", Some("09:00"), None)),
        b,
        task(
            "c",
            rel(
                on("b", AnchorPoint::Start),
                "-3h",
                None,
                Some("Asia/Kolkata"),
            ),
        ),
        task("d", rel(on("b", AnchorPoint::Due), "", None, None)),
        task("pin", pinned("2026-10-01T12:00", Some("Europe/London"))),
        task("floats", None),
        task(
            "on_float",
            rel(on("floats", AnchorPoint::Due), "1d", None, None),
        ),
    ];
    let s = spec(ny, tasks);
    let p = resolve(&s, &target(ny, "2026-11-10T14:00:00Z"), &BTreeMap::new()).unwrap();
    let t = |k: &str| p.task(k).unwrap().clone();
    // release Tue 2026-11-10 09:00 EST; -7d at 09:00 → Tue 2026-11-03 09:00 EST.
    assert_eq!(t("a").times.unwrap().start, utc("2026-11-03T14:00:00Z"));
    assert_eq!(t("b").times.unwrap().start, utc("2026-11-04T15:00:00Z"));
    assert_eq!(t("b").times.unwrap().due, utc("2026-11-06T15:00:00Z"));
    assert_eq!(t("c").times.unwrap().start, utc("2026-11-04T12:00:00Z"));
    assert_eq!(t("c").tz, chrono_tz::Asia::Kolkata);
    assert_eq!(t("d").times.unwrap().start, utc("2026-11-06T15:00:00Z"));
    assert_eq!(t("pin").times.unwrap().start, utc("2026-10-01T11:00:00Z"));
    assert!(t("pin").pinned);
    assert!(t("floats").times.is_none());
    assert!(t("on_float").times.is_none());
    assert!(p.warnings.is_empty());

    // Fixed times are kept and anchors resolve against them.
    let fixed = BTreeMap::from([(
        "a".to_string(),
        Times {
            start: utc("2026-11-02T10:00:00Z"),
            due: utc("2026-11-02T11:00:00Z"),
            end: utc("2026-11-02T11:00:00Z"),
        },
    )]);
    let p = resolve(&s, &target(ny, "2026-11-10T14:00:00Z"), &fixed).unwrap();
    assert_eq!(p.task("a").unwrap().times, fixed.get("a").copied());
    assert_eq!(
        p.task("b").unwrap().times.unwrap().start,
        utc("2026-11-03T15:00:00Z")
    );

    // Cycles and unknown anchors are errors naming the tasks.
    let s = spec(
        ny,
        vec![
            task("x", rel(on("y", AnchorPoint::Due), "1d", None, None)),
            task("y", rel(on("z", AnchorPoint::Due), "1d", None, None)),
            task("z", rel(on("x", AnchorPoint::Start), "1d", None, None)),
            task("w", rel(on("nope", AnchorPoint::Due), "1d", None, None)),
            task("tz", rel(Anchor::Release, "1d", None, Some("Mars/Olympus"))),
        ],
    );
    let err = resolve(&s, &target(ny, "2026-11-10T14:00:00Z"), &BTreeMap::new()).unwrap_err();
    let codes: Vec<&str> = err.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [
            schedule::ANCHOR_CYCLE,
            schedule::UNKNOWN_ANCHOR,
            schedule::INVALID_TIMEZONE
        ]
    );
    assert!(
        err[0].message.contains("`x` → `y` → `z` → `x`"),
        "{}",
        err[0].message
    );
}

#[test]
fn target_of_reads_bindings() {
    let mut s = spec("Europe/Berlin", vec![]);
    s.target.timezone = TzRef::Param("tz".into());
    s.params.push(ParamSpec {
        name: "tz".into(),
        ty: ParamType::Timezone,
        default: Some(serde_json::json!("Europe/Berlin")),
        description: None,
    });
    assert_eq!(
        schedule::target_of(&s).unwrap_err()[0].code,
        schedule::RELEASE_UNRESOLVED
    );
    s.bindings
        .insert("release".into(), serde_json::json!("2026-09-15T09:00"));
    let t = schedule::target_of(&s).unwrap();
    assert_eq!(t.instant, utc("2026-09-15T07:00:00Z"));
    assert_eq!(t.tz, chrono_tz::Europe::Berlin);
    s.bindings
        .insert("tz".into(), serde_json::json!("Asia/Kolkata"));
    s.bindings.insert(
        "release".into(),
        serde_json::json!("2026-09-15T09:00:00-04:00"),
    );
    let t = schedule::target_of(&s).unwrap();
    assert_eq!(t.instant, utc("2026-09-15T13:00:00Z"));
    assert_eq!(t.tz, chrono_tz::Asia::Kolkata);
    s.bindings
        .insert("release".into(), serde_json::json!("soon"));
    assert!(schedule::target_of(&s).is_err());
}

// ---------- cascade ----------

#[test]
fn cascade_moves_relative_tasks_only() {
    let ny = "America/New_York";
    let s = spec(
        ny,
        vec![
            task("kick", rel(Anchor::Release, "-14d", Some("09:00"), None)),
            task("pin", pinned("2026-10-01T12:00", None)),
            task(
                "after_pin",
                rel(on("pin", AnchorPoint::Due), "2d", None, None),
            ),
            task(
                "after_kick",
                rel(on("kick", AnchorPoint::Due), "3h", None, None),
            ),
            task("float", None),
        ],
    );
    let old = target(ny, "2026-11-10T14:00:00Z");
    let new = target(ny, "2026-11-17T14:00:00Z");
    let shifts = schedule::cascade(&s, &old, &new, &BTreeMap::new()).unwrap();
    let moved: Vec<&str> = shifts.iter().map(|x| x.task.as_str()).collect();
    assert_eq!(moved, ["kick", "after_kick"]);
    // Nov 3 09:00 EST → Oct 27 09:00 EDT... the other way: Oct 27 (EDT) → Nov 3 (EST): 7 days + 1 hour.
    assert_eq!(shifts[0].old_due, Some(utc("2026-10-27T13:00:00Z")));
    assert_eq!(shifts[0].new_due, Some(utc("2026-11-03T14:00:00Z")));
    assert_eq!(shifts[0].shift, Some(chrono::Duration::hours(7 * 24 + 1)));
}

// ---------- lints ----------

#[test]
fn lints_find_schedule_mistakes_and_point_at_source() {
    let ny = "America/New_York";
    let mut late = task("late", rel(Anchor::Release, "1d", None, None));
    late.pre_release = true;
    let mut early = task("early", rel(Anchor::Release, "-2d", None, None));
    early.depends_on.push(Dependency {
        task: "late".into(),
        outcome: EdgeOutcome::Success,
    });
    let far = task("far", rel(Anchor::Release, "-18mo", None, None));
    let gap = task("gap", pinned("2026-03-08T02:30", None));
    let s = spec(ny, vec![late, early, far, gap]);
    let mut source = SourceMap {
        file: "t.rwf".into(),
        ..SourceMap::default()
    };
    for i in 0..4 {
        source.tasks.push(TaskSource {
            key: i * 100..i * 100 + 3,
            schedule: Some(i * 100 + 10..i * 100 + 20),
            deps: std::iter::once(i * 100 + 30..i * 100 + 33).collect(),
            ..TaskSource::default()
        });
    }
    let t = target(ny, "2026-11-10T14:00:00Z");
    let plan = resolve(&s, &t, &BTreeMap::new()).unwrap();
    let diags = schedule::lint(&s, &plan, &source);
    let got: Vec<(&str, Option<std::ops::Range<usize>>)> =
        diags.iter().map(|d| (d.code, d.span.clone())).collect();
    assert_eq!(
        got,
        [
            (schedule::DST_GAP, Some(310..320)),
            (schedule::PRE_RELEASE_AFTER_RELEASE, Some(10..20)),
            (schedule::DUE_BEFORE_DEPENDENCY, Some(130..133)),
            (schedule::PAST_HORIZON, Some(210..220)),
        ]
    );
    assert!(diags.iter().all(|d| d.file.as_deref() == Some("t.rwf")));
    // Every code is documented once, in range.
    let codes: Vec<&str> = schedule::CODES.iter().map(|c| c.code).collect();
    for c in &codes {
        let n: u32 = c[3..].parse().unwrap();
        assert!((70..=89).contains(&n), "{c}");
    }
    let mut dedup = codes.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), codes.len());
}

// ---------- properties ----------

/// SplitMix64: a small deterministic PRNG.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const ZONES: [&str; 6] = [
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Chatham",
];
const UNITS: [&str; 6] = ["m", "h", "d", "w", "mo", "bd"];

fn random_target(rng: &mut Rng) -> (String, Target) {
    let zone = ZONES[rng.below(6) as usize].to_string();
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let instant = base + chrono::Duration::minutes(rng.below(365 * 24 * 4) as i64 * 15);
    let t = Target {
        instant,
        tz: zone.parse().unwrap(),
    };
    (zone, t)
}

#[test]
fn property_larger_offsets_never_give_earlier_dates() {
    let mut rng = Rng(7);
    for _ in 0..400 {
        let (zone, t) = random_target(&mut rng);
        let unit = UNITS[rng.below(6) as usize];
        let at = if rng.below(2) == 0 {
            Some("09:00")
        } else {
            None
        };
        let a = rng.below(60) as i64 - 30;
        let b = a + rng.below(20) as i64;
        let tasks = vec![
            task("a", rel(Anchor::Release, &format!("{a}{unit}"), at, None)),
            task("b", rel(Anchor::Release, &format!("{b}{unit}"), at, None)),
        ];
        let s = with_calendar(spec(&zone, tasks));
        let p = resolve(&s, &t, &BTreeMap::new()).unwrap();
        let (ta, tb) = (
            p.tasks[0].times.unwrap().start,
            p.tasks[1].times.unwrap().start,
        );
        assert!(
            ta <= tb,
            "{zone} {} {a}{unit} → {ta}, {b}{unit} → {tb}",
            t.instant
        );
    }
}

#[test]
fn property_anchored_chains_keep_order_and_resolution_is_deterministic() {
    let mut rng = Rng(11);
    for _ in 0..100 {
        let (zone, t) = random_target(&mut rng);
        let n = 2 + rng.below(12) as usize;
        let mut tasks = vec![task(
            "t0",
            rel(Anchor::Release, "-30bd", Some("09:00"), None),
        )];
        for i in 1..n {
            let unit = UNITS[rng.below(6) as usize];
            let amount = rng.below(5);
            let point =
                [AnchorPoint::Start, AnchorPoint::Due, AnchorPoint::End][rng.below(3) as usize];
            let tz = if rng.below(3) == 0 {
                Some(ZONES[rng.below(6) as usize])
            } else {
                None
            };
            let mut x = task(
                &format!("t{i}"),
                rel(
                    on(&format!("t{}", i - 1), point),
                    &format!("{amount}{unit}"),
                    None,
                    tz,
                ),
            );
            x.window = Some(format!("{}h", rng.below(30)).parse().unwrap());
            tasks.push(x);
        }
        // Shuffle the declaration order: the chain must not depend on it.
        for i in (1..tasks.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            tasks.swap(i, j);
        }
        let s = with_calendar(spec(&zone, tasks));
        let p1 = resolve(&s, &t, &BTreeMap::new()).unwrap();
        let p2 = resolve(&s, &t, &BTreeMap::new()).unwrap();
        assert_eq!(p1, p2);
        let start = |k: usize| p1.task(&format!("t{k}")).unwrap().times.unwrap().start;
        for k in 1..n {
            assert!(start(k - 1) <= start(k), "{zone}: t{} after t{k}", k - 1);
        }
    }
}

// ---------- golden CLI output ----------

/// (golden name, file, release, today)
const TEMPLATES: [(&str, &str, &str, &str); 8] = [
    (
        "launch",
        "tests/fixtures/schedule/launch.json",
        "2026-11-10T09:00",
        "2026-10-01",
    ),
    (
        "patch",
        "tests/fixtures/schedule/patch.json",
        "2026-03-31T10:00",
        "2026-03-20",
    ),
    (
        "product_launch",
        "templates/product_launch.rwf",
        "2026-11-10T09:00",
        "2026-10-01",
    ),
    (
        "patch_rwf",
        "tests/fixtures/schedule/patch.rwf",
        "2026-03-31T10:00",
        "2026-03-20",
    ),
    (
        "cycle",
        "tests/fixtures/schedule/cycle.rwf",
        "2027-04-21T10:00",
        "2027-01-05",
    ),
    (
        "lead",
        "tests/fixtures/schedule/lead.rwf",
        "2027-06-01T10:00",
        "2027-05-01",
    ),
    (
        "expansions",
        "tests/fixtures/schedule/expansions.rwf",
        "2026-09-01T09:00",
        "2026-08-01",
    ),
    (
        "copies",
        "tests/fixtures/schedule/copies.rwf",
        "2026-09-01T09:00",
        "2026-08-01",
    ),
];

#[test]
fn plan_golden_in_every_format() {
    for (name, file, release, today) in TEMPLATES {
        for (format, ext) in [
            ("table", "txt"),
            ("json", "json"),
            ("csv", "csv"),
            ("mermaid", "mmd"),
            ("ics", "ics"),
            ("svg", "svg"),
        ] {
            let (out, err, code) = rwf(&[
                "plan",
                file,
                "--release",
                release,
                "--today",
                today,
                "--format",
                format,
            ]);
            assert_eq!(code, 0, "{name} {format}: {err}");
            golden(&format!("plan_{name}.{ext}"), &out);
            if format == "table" {
                golden(&format!("plan_{name}.stderr"), &err);
            }
        }
    }
    let (out, err, code) = rwf(&[
        "plan",
        "tests/fixtures/schedule/launch.json",
        "--release",
        "2026-11-17T09:00",
        "--compare-to",
        "2026-11-10T09:00",
    ]);
    assert_eq!(code, 0, "{err}");
    golden("plan_launch_cascade.txt", &out);
    for (name, task) in [
        ("launch", "legal"),
        ("patch", "spring"),
        ("product_launch", "legal"),
        ("patch_rwf", "review"),
        ("cycle", "enhancements"),
        ("cycle", "code_freeze"),
        ("cycle", "go"),
        ("cycle", "patch"),
        ("cycle", "retro"),
        ("cycle", "books"),
        ("lead", "freeze"),
        ("lead", "qa"),
        ("lead", "go"),
        ("lead", "announce"),
        ("expansions", "bugfix_note[2]"),
        ("expansions", "burndown[3]"),
        ("copies", "de_notes"),
        ("copies", "second_fix_out"),
    ] {
        let t = TEMPLATES.iter().find(|t| t.0 == name).unwrap();
        let (out, err, code) = rwf(&["explain", t.1, task, "--release", t.2]);
        assert_eq!(code, 0, "{err}");
        golden(&format!("plan_explain_{name}_{task}.txt"), &out);
    }
}

#[test]
fn plan_cli_errors_exit_2() {
    let (_, err, code) = rwf(&["plan", "tests/fixtures/schedule/launch.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("RWF073") && err.contains("help:"), "{err}");
    let (_, err, code) = rwf(&[
        "plan",
        "tests/fixtures/schedule/launch.json",
        "--release",
        "2026-11-10",
        "--tz",
        "Nope/Zone",
    ]);
    assert_eq!(code, 2);
    assert!(err.starts_with("error: "), "{err}");
    let (_, _, code) = rwf(&[
        "explain",
        "tests/fixtures/schedule/launch.json",
        "nope",
        "--release",
        "2026-11-10",
    ]);
    assert_eq!(code, 2);
}

#[test]
fn ics_parses_in_a_real_parser() {
    let (out, err, code) = rwf(&[
        "plan",
        "tests/fixtures/schedule/launch.json",
        "--release",
        "2026-11-10T09:00",
        "--today",
        "2026-10-01",
        "--format",
        "ics",
    ]);
    assert_eq!(code, 0, "{err}");
    let unfolded = icalendar::parser::unfold(&out);
    let cals = icalendar::parser::read_calendar(&unfolded).expect("the ICS parses");
    let components = &cals.components;
    let events: Vec<_> = components.iter().filter(|c| c.name == "VEVENT").collect();
    // Every scheduled task (8 of 10; two float) is one event with a unique, stable UID.
    assert_eq!(events.len(), 8);
    let mut uids: Vec<String> = events
        .iter()
        .map(|e| {
            e.properties
                .iter()
                .find(|p| p.name == "UID")
                .unwrap()
                .val
                .to_string()
        })
        .collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), 8);
    assert!(uids
        .iter()
        .any(|u| u.starts_with("product_launch.legal.") && u.ends_with("@rwf")));
    let zones: Vec<_> = components
        .iter()
        .filter(|c| c.name == "VTIMEZONE")
        .collect();
    let tzids: Vec<String> = zones
        .iter()
        .map(|z| {
            z.properties
                .iter()
                .find(|p| p.name == "TZID")
                .unwrap()
                .val
                .to_string()
        })
        .collect();
    assert!(tzids.contains(&"America/New_York".to_string()));
    assert!(tzids.contains(&"Europe/Berlin".to_string()));
    // 2026-11-01 06:00 UTC: New York falls back from -0400 to -0500.
    let ny = zones
        .iter()
        .find(|z| {
            z.properties
                .iter()
                .any(|p| p.val.as_ref() == "America/New_York")
        })
        .unwrap();
    let fall = ny
        .components
        .iter()
        .find(|c| {
            c.properties
                .iter()
                .any(|p| p.name == "DTSTART" && p.val.as_ref() == "20261101T020000")
        })
        .expect("a component for the 2026 fall-back");
    assert_eq!(fall.name, "STANDARD");
    let prop = |name: &str| {
        fall.properties
            .iter()
            .find(|p| p.name == name)
            .unwrap()
            .val
            .to_string()
    };
    assert_eq!(prop("TZOFFSETFROM"), "-0400");
    assert_eq!(prop("TZOFFSETTO"), "-0500");
    // Events carry the TZID of their zone.
    let draft = events
        .iter()
        .find(|e| {
            e.properties.iter().any(|p| {
                p.name == "UID" && p.val.as_ref().starts_with("product_launch.draft_blog.")
            })
        })
        .unwrap();
    let dtstart = draft
        .properties
        .iter()
        .find(|p| p.name == "DTSTART")
        .unwrap();
    assert_eq!(dtstart.val.as_ref(), "20261021T100000");
    assert!(dtstart
        .params
        .iter()
        .any(|p| p.key == "TZID" && p.val.as_ref().map(|v| v.as_ref()) == Some("Europe/Berlin")));
}

#[test]
fn resolve_schedule_reads_anchors_from_the_plan() {
    let ny = "America/New_York";
    let s = spec(
        ny,
        vec![
            task("a", rel(Anchor::Release, "-2d", Some("09:00"), None)),
            task("f", None),
        ],
    );
    let plan = resolve(&s, &target(ny, "2026-11-10T14:00:00Z"), &BTreeMap::new()).unwrap();
    let until = rel(on("a", AnchorPoint::End), "1bd", Some("01:30"), None).unwrap();
    let mut warnings = Vec::new();
    // Sun 2026-11-08 09:00 + 1 bd → Mon 2026-11-09 01:30 EST.
    let at = schedule::resolve_schedule(&s, &plan, &until, "cool_down", &mut warnings).unwrap();
    assert_eq!(at, Some(utc("2026-11-09T06:30:00Z")));
    assert!(warnings.is_empty());
    let floats = rel(on("f", AnchorPoint::Due), "1d", None, None).unwrap();
    assert_eq!(
        schedule::resolve_schedule(&s, &plan, &floats, "w", &mut warnings).unwrap(),
        None
    );
    let gap = pinned("2026-03-08T02:15", None).unwrap();
    schedule::resolve_schedule(&s, &plan, &gap, "w", &mut warnings).unwrap();
    assert_eq!(warnings[0].code, schedule::DST_GAP);
}

// ---------- issue 12 regressions: defects found by an independent oracle ----------

#[test]
fn explain_exits_2_when_the_schedule_has_errors() {
    let file = "tests/fixtures/schedule/defects.rwf";
    let (out, err, code) = rwf(&["explain", file, "ok", "--release", "2026-11-10"]);
    assert_eq!(code, 2, "like plan and simulate: {err}");
    assert!(
        out.contains("anchor release"),
        "the task is still explained: {out}"
    );
    assert!(err.contains("RWF081") && err.contains("RWF089"), "{err}");
    let (_, _, plan_code) = rwf(&["plan", file, "--release", "2026-11-10"]);
    assert_eq!(plan_code, 2);
}

#[test]
fn huge_hour_offsets_are_errors_not_six_digit_years() {
    let (out, err, code) = rwf(&[
        "plan",
        "tests/fixtures/schedule/defects.rwf",
        "--release",
        "2026-11-10",
        "--format",
        "json",
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("RWF081") && err.contains("task `far`"),
        "{err}"
    );
    // In the resolver: every unit, both signs, at the edge of four-digit years.
    for offset in ["999999999h", "-999999999h", "99999999d", "9999999mo"] {
        let s = spec(
            "UTC",
            vec![task("x", rel(Anchor::Release, offset, None, None))],
        );
        let errs =
            resolve(&s, &target("UTC", "2026-11-10T09:00:00Z"), &BTreeMap::new()).unwrap_err();
        assert_eq!(errs[0].code, schedule::DATE_OVERFLOW, "{offset}");
    }
    let s = spec(
        "UTC",
        vec![task("x", rel(Anchor::Release, "69000000h", None, None))],
    );
    let plan = resolve(&s, &target("UTC", "2026-11-10T09:00:00Z"), &BTreeMap::new()).unwrap();
    let start = plan.tasks[0].times.unwrap().start;
    assert!(start.format("%Y").to_string().len() == 4, "{start}");
}

#[test]
fn instants_past_the_tz_database_are_refused_in_zones_with_dst() {
    let t = target("America/New_York", "2099-06-01T13:00:00Z");
    for (zone, at, ok) in [
        ("America/New_York", "2099-12-31T09:00", true),
        ("America/New_York", "2100-07-01T09:00", false),
        ("Australia/Sydney", "2100-02-01T09:00", false),
        ("Asia/Tokyo", "2150-07-01T09:00", true),
        ("UTC", "2400-07-01T09:00", true),
    ] {
        let s = spec(zone, vec![task("x", pinned(at, Some(zone)))]);
        match resolve(&s, &t, &BTreeMap::new()) {
            Ok(plan) => assert!(ok, "{zone} {at}: {:?}", plan.tasks[0].times),
            Err(e) => {
                assert!(!ok, "{zone} {at}: {e:?}");
                assert_eq!(e[0].code, schedule::BEYOND_TZ_RULES);
                assert!(e[0].message.contains("2099"), "{}", e[0].message);
            }
        }
    }
    // A relative schedule that lands there is refused too, not given the last listed offset.
    let s = spec(
        "America/New_York",
        vec![task("x", rel(Anchor::Release, "13mo", Some("09:00"), None))],
    );
    let errs = resolve(&s, &t, &BTreeMap::new()).unwrap_err();
    assert_eq!(errs[0].code, schedule::BEYOND_TZ_RULES);
}

#[test]
fn a_release_in_a_dst_gap_or_overlap_warns_like_a_task() {
    let mut s = spec(
        "America/New_York",
        vec![task("x", rel(Anchor::Release, "1d", None, None))],
    );
    for (release, code, moved) in [
        ("2026-03-08T02:30", schedule::DST_GAP, "moved to 03:00"),
        (
            "2026-11-01T01:30",
            schedule::DST_AMBIGUOUS,
            "the earlier one",
        ),
    ] {
        s.bindings
            .insert("release".into(), serde_json::Value::String(release.into()));
        let t = schedule::target_of(&s).unwrap();
        let plan = resolve(&s, &t, &BTreeMap::new()).unwrap();
        let w = plan
            .warnings
            .iter()
            .find(|w| w.code == code && w.message.contains("the release"))
            .unwrap_or_else(|| panic!("{release}: {:?}", plan.warnings));
        assert!(w.message.contains(moved), "{}", w.message);
    }
    s.bindings.insert(
        "release".into(),
        serde_json::Value::String("2026-03-09T02:30".into()),
    );
    let t = schedule::target_of(&s).unwrap();
    assert!(resolve(&s, &t, &BTreeMap::new())
        .unwrap()
        .warnings
        .is_empty());
    // On the command line: the warning on stderr and in the JSON.
    let (out, err, code) = rwf(&[
        "plan",
        "tests/fixtures/schedule/patch.rwf",
        "--release",
        "2026-03-29T02:30",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("the release 2026-03-29 02:30 does not exist"),
        "{err}"
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["message"].as_str().unwrap().starts_with("the release")));
}

#[test]
fn the_horizon_warning_has_one_code_is_in_json_suppressible_and_per_template() {
    let file = "tests/fixtures/schedule/horizon.rwf";
    let (out, err, code) = rwf(&["plan", file, "--release", "2027-09-01", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let horizon: Vec<String> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "RWF024")
        .map(|w| w["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        horizon.len(),
        1,
        "prep only; budget is suppressed: {horizon:?}"
    );
    assert!(horizon[0].contains("`prep`"), "{horizon:?}");
    assert!(err.contains("RWF024") && !err.contains("RWF080"), "{err}");
    // `rwf check`, without and with a release: the same code, the same suppression.
    for args in [
        vec!["check", file],
        vec!["check", file, "--release", "2027-09-01"],
    ] {
        let (out, err, _) = rwf(&args);
        let text = format!("{out}{err}");
        assert_eq!(text.matches("is scheduled").count(), 1, "{args:?}: {text}");
        assert!(
            text.contains("RWF024") && text.contains("`prep`"),
            "{args:?}: {text}"
        );
        assert!(!text.contains("RWF011"), "the suppression is used: {text}");
    }
    // The template's own horizon.
    let text = std::fs::read_to_string(root().join(file)).unwrap().replace(
        "target release in \"America/New_York\" at 09:00",
        "target release in \"America/New_York\" at 09:00\n  horizon 24 months",
    );
    let c = rwf::compile::compile_source("h.rwf", &text, &rwf::compile::FsLoader);
    let spec = rwf::compile::preview(
        &c.spec.unwrap(),
        &rwf::compile::Inputs {
            release: Some("2027-09-01".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let t = schedule::target_of(&spec).unwrap();
    let plan = resolve(&spec, &t, &BTreeMap::new()).unwrap();
    let lints = schedule::lint(&spec, &plan, &c.source_map);
    assert!(lints.iter().all(|d| d.code != "RWF024"), "{lints:?}");
    let diags =
        rwf::check::check_source("h.rwf", &text, &rwf::compile::FsLoader, &Default::default());
    assert!(diags.iter().all(|d| d.code != "RWF024"), "{diags:?}");
}

// ---------- issue 12 item 4: calendars you can compose ----------

/// `// args:` of a fixture, split like a shell would (double quotes group words).
fn fixture_args(text: &str) -> Vec<String> {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("// args: "))
        .expect("the fixture has `// args:`");
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Each calendar fixture plans as its `// plan:` lines say (every task's local start in its own
/// zone), with exactly its `// expect:` warnings, through the library and through `rwf plan`.
#[test]
fn composed_calendars_plan_as_the_fixture_says() {
    let file = "tests/fixtures/schedule/calendars.rwf";
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let args = fixture_args(&text);
    let want: BTreeMap<String, String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("// plan: "))
        .map(|l| {
            let (k, v) = l.split_once(' ').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect();
    assert!(want.len() >= 6, "{want:?}");
    let flag = |name: &str| -> Vec<&str> {
        args.windows(2)
            .filter(|w| w[0] == name)
            .map(|w| w[1].as_str())
            .collect()
    };
    // In the library: compile, preview, the workflow's closures, resolve with source locations.
    let c = rwf::compile::compile_source(file, &text, &rwf::compile::FsLoader);
    assert!(
        c.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        c.diagnostics
    );
    let inputs = rwf::compile::Inputs {
        release: flag("--release").first().map(|s| s.to_string()),
        ..Default::default()
    };
    let mut spec = rwf::compile::preview(&c.spec.unwrap(), &inputs).unwrap();
    let closed: Vec<String> = flag("--closed").iter().map(|s| s.to_string()).collect();
    rwf::ops::closures::apply(&mut spec, &rwf::ops::closures::parse_all(&closed).unwrap());
    let t = schedule::target_of(&spec).unwrap();
    let plan = schedule::resolve_located(&spec, &t, &BTreeMap::new(), &c.source_map).unwrap();
    let got: BTreeMap<String, String> = plan
        .tasks
        .iter()
        .map(|r| {
            let local = r.times.unwrap().start.with_timezone(&r.tz);
            (r.key.clone(), local.format("%Y-%m-%d %H:%M").to_string())
        })
        .collect();
    assert_eq!(got, want);
    support::expect::verify(file, &text, &plan.warnings).unwrap_or_else(|r| panic!("{r}"));

    // Through the CLI: the same starts in the JSON plan, the warnings on stderr.
    let mut cli: Vec<&str> = vec!["plan", file, "--format", "json"];
    cli.extend(args.iter().map(String::as_str));
    let (out, err, code) = rwf(&cli);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    for task in json["tasks"].as_array().unwrap() {
        let key = task["key"].as_str().unwrap();
        let local = task["times"]["local_start"].as_str().unwrap();
        assert_eq!(
            local[..16].replace('T', " "),
            want[key],
            "{key} in the CLI plan"
        );
    }
    assert_eq!(err.matches("RWF082").count(), 2, "{err}");
    // Without the closure, `docs` (10 business days back) lands a day later: Fri 03-05 counts.
    let (out, err, code) = rwf(&["plan", file, "--format", "json", "--release", "2027-03-10"]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let docs = json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "docs")
        .unwrap();
    assert!(
        docs["times"]["local_start"]
            .as_str()
            .unwrap()
            .starts_with("2027-02-17T09:00"),
        "{docs}"
    );
}

#[test]
fn explain_shows_closures_blackouts_and_the_task_calendar() {
    let file = "tests/fixtures/schedule/calendars.rwf";
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    for task in ["docs", "freeze_check", "qa", "heads_up", "translate"] {
        let mut args = vec!["explain".to_string(), file.to_string(), task.to_string()];
        args.extend(fixture_args(&text));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (out, err, code) = rwf(&args);
        assert_eq!(code, 0, "{task}: {err}");
        golden(&format!("plan_explain_calendars_{task}.txt"), &out);
    }
    // The simulator runs the release on the same dates (closure, moves and Berlin days included).
    let mut args = vec!["simulate".to_string(), file.to_string()];
    args.extend(fixture_args(&text));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (out, err, code) = rwf(&args);
    assert_eq!(code, 0, "{err}");
    for line in [
        "2027-02-16 09:00 EST  manual docs waiting",
        "2027-02-19 10:00 EST  checkpoint freeze_check",
        "2027-03-01 14:00 EST  manual qa waiting",
        "2027-03-03 10:00 EST  manual translate waiting",
        "workflow completed: 6 succeeded",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    // A malformed --closed is a usage error naming the value and the form.
    let (_, err, code) = rwf(&[
        "plan",
        file,
        "--release",
        "2027-03-10",
        "--closed",
        "2027-13-01",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`--closed 2027-13-01`") && err.contains("YYYY-MM-DD[:reason]"),
        "{err}"
    );
}

#[test]
fn a_calendar_with_every_day_closed_is_refused() {
    // All seven days off (the resolver refuses a hand-built spec too), or blackouts over the range.
    for (cal, why) in [
        ("weekend mon, tue, wed, thu, fri, sat, sun  covers 2027-01-01 to 2027-12-31", "all seven days"),
        (
            "covers 2027-01-01 to 2027-12-31  blackout 2027-01-01 to 2027-06-30 \"A\"  blackout 2027-06-15 to 2027-12-31 \"B\"",
            "blackouts close every day",
        ),
    ] {
        let text = format!(
            "calendar shut {{ {cal} }}\ntemplate t \"T\" version 1 {{\n  param release: datetime\n  target release in \"UTC\"\n  calendar shut\n  checkpoint a \"A\" {{ at release + 1 business day }}\n}}\n"
        );
        let c = rwf::compile::compile_source("t.rwf", &text, &rwf::compile::FsLoader);
        let d = c
            .diagnostics
            .iter()
            .find(|d| d.code == schedule::NEVER_OPEN)
            .unwrap_or_else(|| panic!("{cal}: {:?}", c.diagnostics));
        assert!(d.is_error() && d.message.contains(why), "{}", d.message);
    }
    let mut s = spec(
        "UTC",
        vec![task("a", rel(Anchor::Release, "1bd", None, None))],
    );
    s.calendar = Some("shut".into());
    s.calendars.insert(
        "shut".into(),
        CalendarSpec {
            title: None,
            weekend: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
                Weekday::Sun,
            ],
            covers: DateRange {
                from: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
                to: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
            },
            holidays: vec![],
            blackouts: vec![],
        },
    );
    let errs = resolve(&s, &target("UTC", "2027-03-10T09:00:00Z"), &BTreeMap::new()).unwrap_err();
    assert_eq!(errs[0].code, schedule::NEVER_OPEN);
}
