//! `rwf retarget WF [--release DATE] [--set ANCHOR=DATE]... [--tz TZ] [--yes]`: move the release date
//! or any other anchor param (a `date` or `datetime` param, e.g. `cycle_start`). Shows which due dates
//! move (tasks that ran and pinned tasks stay), and commits with CAS only with `--yes`.

use super::edit::{resolve_for, EditTarget};
use super::{block_on, CliError, CmdResult};
use crate::spec::{ParamType, TzRef, WorkflowSpec};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: EditTarget,
    /// The new release instant (e.g. 2026-10-01T09:00)
    #[arg(long, required_unless_present = "sets")]
    release: Option<String>,
    /// Move another anchor param: `--set cycle_start=2026-09-07` (a date or datetime param; repeatable)
    #[arg(long = "set", value_name = "K=V")]
    sets: Vec<String>,
    /// A new release timezone (IANA name)
    #[arg(long)]
    tz: Option<String>,
    /// Commit the move (without it, only the diff is shown)
    #[arg(long)]
    yes: bool,
    /// Confirm a release instant that has already passed (silences warning RWF088)
    #[arg(long)]
    allow_past: bool,
}

/// Binds each `--set` of a date or datetime param into `spec`; anything else is refused.
fn move_anchors(
    spec: &mut WorkflowSpec,
    sets: &std::collections::BTreeMap<String, String>,
) -> Result<(), String> {
    for (k, v) in sets {
        let Some(p) = spec.params.iter().find(|p| &p.name == k) else {
            return Err(format!("`{k}` is not a param of `{}`", spec.key));
        };
        if !matches!(p.ty, ParamType::Date | ParamType::Datetime) {
            return Err(format!(
                "`{k}` is not a date or datetime param; `rwf edit --set` rebinds other params"
            ));
        }
        let value = crate::compile::parse_value(&p.ty, v)
            .ok_or_else(|| format!("`--set {k}={v}`: `{v}` is not a {}", type_word(&p.ty)))?;
        spec.bindings.insert(k.clone(), value);
    }
    Ok(())
}

fn type_word(ty: &ParamType) -> &'static str {
    match ty {
        ParamType::Date => "date (YYYY-MM-DD)",
        _ => "date-time (YYYY-MM-DDTHH:MM)",
    }
}

pub fn run(args: Args) -> CmdResult {
    let sets = super::parse_sets(&args.sets)?;
    if args.release.is_none() && sets.is_empty() {
        return Err(
            CliError::new("nothing to move").help("give --release DATE or --set ANCHOR=DATE")
        );
    }
    block_on(async move {
        let (release, tz, allow_past) = (args.release.clone(), args.tz.clone(), args.allow_past);
        let result = args
            .target
            .edit("workflow_retargeted", !args.yes, true, move |snapshot| {
                let mut spec = (*snapshot.spec).clone();
                if let Some(release) = release {
                    let value = crate::compile::release_value(&spec, &release).map_err(|d| {
                        let help = d.help.map(|h| format!(" ({h})")).unwrap_or_default();
                        format!("{}{help}", d.message)
                    })?;
                    spec.bindings.insert(spec.target.param.clone(), value);
                }
                move_anchors(&mut spec, &sets)?;
                if let Some(tz) = tz {
                    match &spec.target.timezone {
                        TzRef::Param(p) => {
                            spec.bindings
                                .insert(p.clone(), serde_json::Value::String(tz));
                        }
                        TzRef::Literal(_) => spec.target.timezone = TzRef::Literal(tz),
                    }
                }
                let plan = resolve_for(&spec, snapshot)?;
                if let Some(w) =
                    super::past_release::warning(plan.target, chrono::Utc::now(), allow_past)
                {
                    eprintln!("{w}");
                }
                Ok((spec, plan))
            })
            .await;
        if result.is_ok() && !args.yes {
            eprintln!("not committed: pass --yes to move the release");
        }
        result
    })
}
