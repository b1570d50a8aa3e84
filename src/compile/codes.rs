//! Documentation of every compile and bind diagnostic code (RWF050–069; RWF140–149 for `when`,
//! `for each` and `repeat`; RWF150–154 for event waits; RWF155 for `for each` over an upstream's
//! output; RWF160–166 for `include`).

use crate::diagnostic::{CodeDoc, Severity};

const fn doc(
    code: &'static str,
    title: &'static str,
    what: &'static str,
    why: &'static str,
    example: &'static str,
) -> CodeDoc {
    CodeDoc {
        code,
        severity: Severity::Error,
        title,
        what,
        why,
        example,
    }
}

pub const CODES: &[CodeDoc] = &[
    doc("RWF050", "unknown-module", "A `use` names a module that does not exist.", "Its policies and calendars cannot be found.", "use std/polices"),
    doc("RWF051", "unknown-import", "`use m { name }` lists a name the module does not declare.", "The name would be undefined where it is used.", "use std/calendars { us_fedral }"),
    doc("RWF052", "unknown-policy", "A `policy NAME` or `retry NAME` refers to no named policy (or a policy includes itself).", "The task would silently get the built-in policy.", "defaults { policy policies.standrd }"),
    doc("RWF053", "unknown-calendar", "A `calendar` or `include` names no known calendar.", "Business-day offsets need a calendar's weekend and holidays.", "calendar us_fedral"),
    doc("RWF054", "unknown-hook-file", "A `hooks \"file.rhai\"` file cannot be loaded.", "The hook functions it should define would be missing at run time.", "hooks \"polcy.rhai\""),
    doc("RWF055", "bad-param-default", "A param's default does not have the param's type.", "The template would bind a value of the wrong type.", "param budget: number = \"lots\""),
    doc("RWF056", "invalid-timezone", "A timezone is not an IANA name.", "Schedules are computed in IANA zones (DST rules included).", "target release in \"Europe/Berln\""),
    doc("RWF057", "field-not-for-step", "A task has a field its step type does not take.", "The field would do nothing; every construct that compiles must run.", "checkpoint k \"K\" { approvers team(\"x\") }"),
    doc("RWF058", "no-template", "A file meant to be a template declares none.", "There is nothing to compile.", "param x: string"),
    doc("RWF059", "invalid-value", "A value is out of range or malformed (anchor, time, date, attempts, jitter, quorum, a missing `uses`).", "The engine cannot run it as written.", "retry { attempts 0 }"),
    doc("RWF060", "bad-target", "The template has no `target`, or its param is not a declared datetime.", "Every schedule is computed from the release target.", "target launch in \"UTC\""),
    doc("RWF061", "module-syntax-error", "An imported module has syntax errors.", "Its items cannot be used.", "use ./broken"),
    doc("RWF062", "bad-param-value", "A `--set k=v` value does not parse as the param's type.", "The instance would hold a value of the wrong type.", "rwf compile t.rwf --set budget=lots"),
    doc("RWF063", "missing-param", "A param has no value: neither `--set`, `--release` nor a default.", "The instance cannot be rendered without it.", "rwf compile t.rwf --set product=X   # release missing"),
    doc("RWF064", "bad-release", "`--release` is not a date, a local date-time or RFC 3339.", "The release instant anchors every schedule.", "rwf compile t.rwf --release next-friday"),
    doc("RWF065", "unknown-param", "`--set` names a param the template does not declare.", "Usually a typo; the value would be ignored.", "rwf compile t.rwf --set prodct=X"),
    doc("RWF066", "duplicate-field", "A task gives the same field twice.", "The second would silently win.", "wait w \"W\" { for 1 day  for 2 days }"),
    doc("RWF067", "import-cycle", "Local modules import each other in a loop (or nest deeper than 16).", "The modules cannot be loaded.", "use ./a   // and a.rwf has `use ./b`, b.rwf has `use ./a`"),
    doc("RWF068", "bad-calendar", "A calendar has no `covers`, an invalid date, or includes itself.", "Business days outside the known range would be guesses.", "calendar c { weekend sat, sun }"),
    doc("RWF069", "unknown-hook-point", "A `hook POINT FN` names no hook point.", "The function would never be called.", "hook retri my_fn"),
    doc("RWF140", "condition-unknown-param", "A `when` condition reads a name that is not a param.", "The condition could never be decided when the template is bound.", "manual beta \"Beta\" { when betta }"),
    doc("RWF141", "condition-type", "A `when` condition uses a param against its type: a non-bool as a flag, a literal of another type, `in` on a non-list.", "The condition would be silently false (or true) for every workflow.", "param channel: string\nmanual m \"M\" { when channel == 3 }"),
    doc("RWF142", "relies-on-excluded-task", "A task anchors to, or reads the output of, a task that a false `when` leaves out of the workflow.", "Its schedule or input would have nothing to read; `after` edges are bridged instead, but anchors and outputs cannot be.", "manual beta \"Beta\" { when beta }\nmanual notes \"Notes\" { at beta + 1 day }"),
    doc("RWF143", "for-each-not-a-list", "A `for each` runs over a name that is not a list param.", "There would be nothing to expand over; the block's tasks could never be copied.", "param locale: string\nfor each l in locale { manual t \"Translate ${l}\" {} }"),
    doc("RWF144", "repeat-without-end", "A `repeat` has no `until`, a zero or negative interval, a weekday listed twice, or starts from a fixed date.", "Its occurrences could not be counted (an endless repeat), or would not move with the release.", "repeat every 2 weeks from release { manual sync \"Sync ${n}\" {} }"),
    doc("RWF145", "expansion-above-cap", "Binding a `for each` or `repeat` would make more than 500 copies (list items or occurrences), or the expansions together more than 10,000 tasks.", "A template that silently grows to thousands of tasks is a mistake far more often than a plan; the workflow is refused rather than created.", "repeat every 1 day from release until release + 3 months { ... }   // fine: 93 days\nrepeat every 1 hour from release until release + 3 months { ... }  // refused"),
    doc("RWF146", "bad-expansion-item", "A `for each` item cannot name a task copy (not letters, digits, `_`, `-`, `.`; or listed twice), or `after task[item]` names a copy the expansion does not make.", "Copies are keyed `task[item]`; an item that cannot be a key, or a dependency on a copy that does not exist, would leave the workflow inconsistent.", "manual de \"German sign-off\" { after translate[de] }   // with --set locales=fr,ja"),
    doc("RWF147", "expansion-scope", "Inside a `for each` or `repeat`: the item's name is already a param, or a task aligns its occurrence (`at monday after occurrence`).", "The name would be ambiguous, or the alignment could not follow each occurrence's offset.", "param locale: string\nfor each locale in locales { ... }"),
    doc("RWF148", "repeat-cannot-be-dated", "A `repeat`'s `from` or `until` is anchored to a task without a schedule.", "The occurrences are counted when the workflow is created; a floating anchor has no date yet.", "manual kickoff \"Kick-off\" {}\nrepeat every 1 week from kickoff until release { ... }"),
    doc("RWF149", "condition-not-upstream", "A `when` reads `x.output...` but `x` is not a task this one depends on (directly or transitively), is the task itself, or is not a task at all.", "A condition on an output is decided when the task's dependencies are met; only an upstream's output is known then, so any other task's could never decide it.", "manual rc1 \"RC 1\" {}\nmanual rc2 \"Extra RC\" { when rc1.output.needs_another == true }   // add `after rc1`"),
    doc("RWF150", "event-without-name", "An `event` task does not say which event it waits for.", "Nothing could ever complete the wait.", "event ci \"CI\" { timeout 1 day }"),
    doc("RWF151", "invalid-event-name", "An `on \"NAME\"` is empty, too long (over 200), interpolated, or has characters other than letters, digits and `. _ - : /`.", "Senders name the event in `rwf signal WF NAME` and URLs; a literal, plain name is one they can type and match.", "event ci \"CI\" { on \"ci finished\" }"),
    doc("RWF152", "then-not-for-step", "`timeout ... then fail|skip|continue` on a task that is not an event wait.", "Only an event wait chooses what its timeout does; an agent's timeout fails the attempt and retries by policy.", "agent a \"A\" { uses \"x\" timeout 1 hour then skip }"),
    doc("RWF153", "bad-event-match", "A `where` key is not a dotted payload path, or is given twice.", "The match could never be decided, or one value would silently win.", "event ci \"CI\" { on \"ci.finished\" where { \"a..b\": 1 } }"),
    doc("RWF154", "event-match-not-scalar", "A `where` value is a list, object, scope or duration.", "Events are matched field by field on plain values; match nested fields by their own dotted path.", "event ci \"CI\" { on \"ci.finished\" where { build: { ok: true } } }"),
    doc("RWF155", "for-each-source", "A `for each` over a dotted name is not `TASK.output.PATH`, or `TASK` is not a task, is in the block itself, or waits for a task of the block.", "The engine expands the block when `TASK` succeeds, reading the list from its output; the block's tasks wait for it, so it must be a task outside the block that runs before it.", "agent build \"Build\" { uses \"ci.build\" }\nfor each platform in build.output.platforms {\n  agent ship \"Ship ${platform}\" { uses \"store.upload\" }\n}"),
    doc("RWF160", "unknown-template", "An `include` names a template that is not imported.", "There would be no tasks to include.", "use ./app_store { app_store }\ninclude app_stor as ios { platform = \"ios\" }"),
    doc("RWF161", "include-cycle", "A template includes itself, directly or through the templates it includes (or includes nest deeper than 8).", "Inlining would never end.", "// a.rwf: include b as x {}   and b.rwf: include a as y {}"),
    doc("RWF162", "included-template-error", "The included template has errors of its own.", "Its tasks cannot be inlined until it compiles; its errors are reported with it.", "include app_store as ios { platform = \"ios\" }   // app_store.rwf has an unknown policy"),
    doc("RWF163", "include-name-clash", "An include's name is also a task's, a phase's or another include's.", "`after NAME` and the keys `NAME.KEY` must mean one thing.", "manual ios \"iOS\" {}\ninclude app_store as ios { platform = \"ios\" }"),
    doc("RWF164", "include-param-type", "An include gives a param a value of the wrong type: a literal of another type, a param of another type, an unknown name, or an anchor for a param that is not a date or datetime (or an anchor with an alignment, time or zone).", "The included tasks would read a value their template never meant.", "include app_store as ios { platform = 3 }"),
    doc("RWF166", "include-nests-blocks", "An `include` inside a `for each` names a template that has a `for each` or `repeat` of its own.", "Blocks do not nest: its copies could not be copied again per item.", "for each l in locales { include l10n_review as review { locale = l } }   // l10n_review has a `for each`"),
    doc("RWF165", "include-param-missing", "An include leaves out a param that has no default, gives one twice, or names one the template does not have.", "The included tasks could not be rendered; a misspelt name would be silently ignored.", "include app_store as ios { platfrom = \"ios\" }"),
];
