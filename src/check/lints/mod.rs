//! The template-tier lints, one per file. Each has a `DOC` (its code, severity and documentation) and
//! a `run` that appends diagnostics. Add a lint: a file here, an entry in `ALL`, and in `check::CODES`.

pub(crate) mod anchor_cycle;
pub(crate) mod anchored_before_dependency;
pub(crate) mod approval_gates_nothing;
pub(crate) mod approval_without_approvers;
pub(crate) mod copy_of_run_time_expansion;
pub(crate) mod dependency_cycle;
pub(crate) mod duplicate_dependency;
pub(crate) mod duplicate_task;
pub(crate) mod event_wait_shared;
pub(crate) mod event_without_timeout;
pub(crate) mod expansion_above_cap;
pub(crate) mod fanout_without_list;
pub(crate) mod input_too_large;
pub(crate) mod invalid_quorum;
pub(crate) mod invalid_timezone;
pub(crate) mod item_not_key_safe;
pub(crate) mod nesting_too_deep;
pub(crate) mod not_author_of_unknown;
pub(crate) mod offset_beyond_horizon;
pub(crate) mod output_not_upstream;
pub(crate) mod output_of_unknown_task;
pub(crate) mod reaches_into_expansion;
pub(crate) mod relies_on_conditional;
pub(crate) mod self_dependency;
pub(crate) mod too_many_tasks;
pub(crate) mod undefined_param;
pub(crate) mod unknown_anchor;
pub(crate) mod unknown_dependency;
pub(crate) mod unused_param;
pub(crate) mod wait_without_end;

use super::context::Context;
use crate::diagnostic::{CodeDoc, Diagnostic};

pub(crate) struct Lint {
    pub doc: &'static CodeDoc,
    pub run: fn(&Context, &mut Vec<Diagnostic>),
}

macro_rules! lint {
    ($m:ident) => {
        Lint {
            doc: &$m::DOC,
            run: $m::run,
        }
    };
}

/// Every lint, in code order.
pub(crate) const ALL: &[Lint] = &[
    lint!(duplicate_task),
    lint!(unknown_dependency),
    lint!(unknown_anchor),
    lint!(self_dependency),
    lint!(dependency_cycle),
    lint!(anchor_cycle),
    lint!(unused_param),
    lint!(undefined_param),
    lint!(invalid_timezone),
    lint!(approval_without_approvers),
    lint!(invalid_quorum),
    lint!(anchored_before_dependency),
    lint!(offset_beyond_horizon),
    lint!(too_many_tasks),
    lint!(input_too_large),
    lint!(nesting_too_deep),
    lint!(output_not_upstream),
    lint!(not_author_of_unknown),
    lint!(approval_gates_nothing),
    lint!(wait_without_end),
    lint!(duplicate_dependency),
    lint!(output_of_unknown_task),
    lint!(relies_on_conditional),
    lint!(event_without_timeout),
    lint!(event_wait_shared),
    lint!(expansion_above_cap),
    lint!(item_not_key_safe),
    lint!(reaches_into_expansion),
    lint!(fanout_without_list),
    lint!(copy_of_run_time_expansion),
];
