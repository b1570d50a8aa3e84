//! The hook diagnostic codes, RWF090–099, documented for `rwf check --explain`.

use crate::diagnostic::{CodeDoc, Severity};

pub const SYNTAX: &str = "RWF090";
pub const FN_MISSING: &str = "RWF091";
pub const FN_ARITY: &str = "RWF092";
pub const POINT_UNKNOWN: &str = "RWF093";
pub const FN_AMBIGUOUS: &str = "RWF094";
pub const FILE_INTEGRITY: &str = "RWF095";
pub const POINT_KIND: &str = "RWF096";
pub const FILE_UNUSED: &str = "RWF097";
pub const TOP_LEVEL: &str = "RWF098";
pub const DISABLED: &str = "RWF099";

pub const CODES: &[CodeDoc] = &[
    CodeDoc {
        code: SYNTAX,
        severity: Severity::Error,
        title: "hook-syntax-error",
        what: "A hook file is not valid rhai (or uses a variable that is never defined).",
        why: "The file is compiled before the workflow runs, so a typo fails `rwf check`, not a release three weeks in.",
        example: "// policy.rhai\nfn gate(ctx) { if ctx.local.hour < 9 { #{wait: \"early\"} } else { true }",
    },
    CodeDoc {
        code: FN_MISSING,
        severity: Severity::Error,
        title: "hook-function-missing",
        what: "A task (or `defaults`) binds a hook point to a function that no hook file defines.",
        why: "The engine would fail the task when it reached that hook; a near name is suggested.",
        example: "hooks \"policy.rhai\"\ndefaults { hook gate busines_hours }   // policy.rhai defines business_hours",
    },
    CodeDoc {
        code: FN_ARITY,
        severity: Severity::Error,
        title: "hook-function-arity",
        what: "A bound hook function does not take exactly one parameter, `ctx`.",
        why: "Every hook point calls its function with one read-only context map.",
        example: "// policy.rhai\nfn delay(ctx, attempt) { #{delay_minutes: attempt * 5} }",
    },
    CodeDoc {
        code: POINT_UNKNOWN,
        severity: Severity::Error,
        title: "hook-point-unknown",
        what: "`hook POINT FN` names a point that does not exist.",
        why: "The points are retry, missed, gate, approvers, input and notification; any other name would never run.",
        example: "agent a \"A\" { uses \"x\"  hook retries my_retry }",
    },
    CodeDoc {
        code: FN_AMBIGUOUS,
        severity: Severity::Error,
        title: "hook-function-ambiguous",
        what: "The same function name is defined in more than one hook file.",
        why: "A binding names a function, not a file; two definitions make it unclear which one runs.",
        example: "hooks \"a.rhai\"\nhooks \"b.rhai\"   // both define fn gate(ctx)",
    },
    CodeDoc {
        code: FILE_INTEGRITY,
        severity: Severity::Error,
        title: "hook-file-integrity",
        what: "A hook file in the spec does not match its recorded sha256, or the same path is listed twice.",
        why: "A stored spec carries its hook sources; the hash proves the code that runs is the code that was checked.",
        example: "{\"hooks\": [{\"path\": \"p.rhai\", \"source\": \"fn a(ctx) {}\", \"sha256\": \"00…\"}]}",
    },
    CodeDoc {
        code: POINT_KIND,
        severity: Severity::Warning,
        title: "hook-point-not-applicable",
        what: "A hook point is bound on a task kind it never runs for (approvers on a non-approval, input on a non-agent, notification on a non-notification task).",
        why: "The binding has no effect; it is probably on the wrong task.",
        example: "manual smoke \"Smoke\" { hook approvers by_risk }",
    },
    CodeDoc {
        code: FILE_UNUSED,
        severity: Severity::Warning,
        title: "hook-file-unused",
        what: "No task binds any function of a hook file.",
        why: "The file is compiled and stored with every release but never runs.",
        example: "hooks \"std/hooks/business_hours.rhai\"   // and no `hook gate business_hours`",
    },
    CodeDoc {
        code: TOP_LEVEL,
        severity: Severity::Error,
        title: "hook-top-level-fails",
        what: "The top-level code of a hook file (outside any function) fails or exceeds a limit when run.",
        why: "Top-level code runs before every hook call; keep it to `const` declarations.",
        example: "// policy.rhai\nlet n = 0; loop { n += 1; }\nfn gate(ctx) { true }",
    },
    CodeDoc {
        code: DISABLED,
        severity: Severity::Error,
        title: "hook-disabled-feature",
        what: "A hook file uses `eval` or `import`, which the hook sandbox disables.",
        why: "Hooks must be self-contained and deterministic: no code built at run time, no modules loaded from disk.",
        example: "// policy.rhai\nfn gate(ctx) { eval(\"true\") }",
    },
];
