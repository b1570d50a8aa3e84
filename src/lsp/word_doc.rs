//! Hover text for language words that name no declaration: the words of calendar alignments
//! (`tuesday on or before`, `first monday of`, `end of month after`), `horizon`, and the words of
//! calendars (`include`, `holiday`, `blackout`), of `on_blackout`, of event waits, and of expansions
//! (`for each`, `repeat`, `occurrence`).

const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
];

pub fn is_weekday(word: &str) -> bool {
    WEEKDAYS.contains(&word)
}

/// Markdown for an alignment word, `None` for any other word.
pub fn doc(word: &str) -> Option<&'static str> {
    Some(match word {
        "first" | "second" | "third" | "fourth" | "last" => {
            "**alignment** `first`…`fourth`, `last` *weekday* `of X` — that weekday of X's month \
             (`of month after X`: of the following month); the time of day is kept.\n\n\
             e.g. `at last friday of month after release at 15:00`"
        }
        "start" | "end" => {
            "**alignment** `start of week of X`, `end of month of X` (`after X`: of the next week or \
             month) — the first or last day of X's week or month; the time of day is kept. The week \
             starts on the first day after the calendar's weekend (Monday for Saturday–Sunday).\n\n\
             e.g. `at end of month of release at 17:00`"
        }
        "of" => {
            "**alignment** `of X`: the month (or week) X falls in; `of month after X`: the next one."
        }
        "or" => {
            "**alignment** *weekday* `on or before X` / `on or after X` — X itself when it is that \
             weekday; *weekday* `before X` / `after X` — strictly before or after.\n\n\
             e.g. `at tuesday on or before release - 2 weeks at 10:00`"
        }
        "when" => {
            "**when** *condition* — the task is in the workflow only when the condition on params \
             holds, decided when the workflow is created (`rwf plan`, `explain`, `status` list what \
             was left out and why). A bool param (`when beta`), `==` / `!=` a literal \
             (`when channel == \"stable\"`), membership (`when \"de\" in locales`), with `and`, \
             `or`, `not` and parentheses. An `after` edge to a left-out task waits on that task's \
             own upstreams instead.\n\ne.g. `manual beta_test \"Beta test\" { when beta after build }`"
        }
        "and" | "not" => {
            "**condition** `a and b`, `a or b`, `not a` — combine `when` conditions; `and` binds \
             tighter than `or`; parentheses group.\n\ne.g. `when beta and not channel == \"lts\"`"
        }
        "horizon" => {
            "**horizon** `AMOUNT UNIT` — how far from the release a task may be scheduled before \
             warning RWF024 (default 366 days; months count 30 days).\n\ne.g. `horizon 24 months`"
        }
        "blackout" => {
            "**blackout** `FROM to TO \"reason\"` — in a calendar: closed days, inclusive (a freeze \
             week, a conference, an end-of-year shutdown). Business-day offsets skip them; a task whose \
             date lands inside one gets warning RWF082 or moves, as `on_blackout` says.\n\n\
             e.g. `blackout 2027-03-01 to 2027-03-05 \"Freeze week\"`"
        }
        "on_blackout" | "warn" | "move" => {
            "**on_blackout** `warn` | `move before` | `move after` — what a task whose date lands \
             inside a blackout of its calendar does: keep the date with warning RWF082 (default), or \
             move to the nearest business day before the blackout starts / after it ends (the time \
             of day is kept; a pinned task never moves). In the template (every task) or a task.\n\n\
             e.g. `on_blackout move before`"
        }
        "include" => {
            "**include** `a, b` — in a calendar: the holidays and blackouts of other calendars; \
             `covers` defaults to the intersection of theirs, `weekend` to the first one's."
        }
        "holiday" => {
            "**holiday** `DATE \"name\"` — in a calendar: a closed day (not a business day).\n\n\
             e.g. `holiday 2026-12-24 \"Christmas Eve (company)\"`"
        }
        "event" => {
            "**event** *key* \"Title\" `{ on \"NAME\" where { PATH: VALUE } timeout DURATION then \
             fail|skip|continue }` — waits for an external event sent with `rwf signal WORKFLOW NAME \
             [--data JSON] [--id ID]`. An event that arrives before the wait opens is kept and taken \
             when it opens; each event is taken by one wait; the same id twice is stored once. The \
             event becomes the task's output: `${key.output.data.url}`.\n\n\
             e.g. `event ci_green \"CI\" { on \"ci.finished\" where { status: \"success\" } \
             timeout 2 days then fail }`"
        }
        "where" => {
            "**where** `{ PATH: VALUE, ... }` — in an event's `on \"NAME\"`: the payload fields (dotted \
             paths) that must equal these strings, numbers, bools or params.\n\n\
             e.g. `on \"ci.finished\" where { branch: \"release-${version}\", \"build.ok\": true }`"
        }
        "then" | "continue" => {
            "**timeout** `DURATION then fail|skip|continue` — what an event wait does when no matching \
             event came within DURATION of opening: fail (default; `on_failure` applies), skip, or \
             continue (succeeds with output `{\"timed_out\": true}`)."
        }
        "repeat" | "from" => {
            "**repeat** `every N UNIT` | `on DAY, DAY` `from X until Y { ... }` — the block's tasks \
             once per occurrence, keyed `task[1]`, `task[2]`, ...; `${n}` is the index. Occurrences \
             are X plus each multiple of the interval (or each day on the weekdays) up to Y, dated by \
             the resolver when the workflow is created; at most 500.\n\n\
             e.g. `repeat every 2 months from release + 2 weeks until release + 12 months { ... }`"
        }
        "each" => {
            "**for each** `NAME in LIST_PARAM { ... }` — the block's tasks once per item, keyed \
             `task[item]`; `${NAME}` (or a bare `NAME` in `input`) is the item. Inside, `after t` \
             means the same item's `t`; outside, `after t` waits for every copy, `after t[de]` for \
             one. At most 500 items.\n\n`for each NAME in TASK.output.PATH { ... }` expands at run time, \
             over the list in an upstream task's output, when that task succeeds (the block's tasks wait \
             for it; `${NAME.field}` reads an object item's field; an empty list leaves them out; a \
             missing path, a value that is not a list or more than 500 items fails them).\n\n\
             e.g. `for each locale in locales { ... }`, `for each platform in build.output.platforms { ... }`"
        }
        "occurrence" => {
            "**occurrence** — inside a `repeat`, the instant of the task's occurrence: \
             `at occurrence + 1 day at 10:00`. A task with no `at` starts at its occurrence."
        }
        w if is_weekday(w) => {
            "**weekday** — in a schedule, `tuesday on or before X` (or `on or after`, strictly \
             `before`/`after`), or `first tuesday of X`; in a calendar, a `weekend` day; in \
             `repeat on mon, fri`, the days of the occurrences."
        }
        _ => return None,
    })
}
