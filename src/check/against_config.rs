//! A template against the `rwf.toml` it will run with (RWF130–133): every `uses` names an agent the
//! config has (or a built-in one), every approver scope resolves to people in the directory, and each
//! quorum can be reached by the people who may decide. Pure: the config is already parsed.

use super::context::Context;
use crate::compile::SourceMap;
use crate::config::Config;
use crate::diagnostic::{CodeDoc, Diagnostic, Severity};
use crate::spec::{ExpirePolicy, Scope, Step, WorkflowSpec};
use std::collections::BTreeSet;

pub(crate) const AGENT_NOT_CONFIGURED: CodeDoc = CodeDoc {
    code: "RWF130",
    severity: Severity::Error,
    title: "agent-not-configured",
    what: "An agent task `uses` a name that the rwf.toml it is checked against has no `[agents.NAME]` \
           for (and that is not a built-in `builtin:*` agent).",
    why: "The worker could not dispatch the task: it would fail when due, and with `on_failure block` \
          fail the whole release weeks after the template was written.",
    example: "agent draft \"Draft\" { uses \"blog-writer\" }   // rwf.toml has [agents.blog-draft-writer]",
};

pub(crate) const NOBODY_CAN_DECIDE: CodeDoc = CodeDoc {
    code: "RWF131",
    severity: Severity::Error,
    title: "nobody-can-decide",
    what: "An approval whose approver scopes all resolve to nobody in the people directory (a team with \
           no members, an organisation with no `org_admins`).",
    why: "Approvals are decided by people only; if nobody is in scope, the gate can never open.",
    example: "approval go \"Go\" { approvers team(\"leadership\") quorum 1 }   // no member of leadership",
};

pub(crate) const QUORUM_UNREACHABLE: CodeDoc = CodeDoc {
    code: "RWF132",
    severity: Severity::Error,
    title: "quorum-unreachable",
    what: "An approval's quorum is larger than the number of distinct people in its approver scopes, \
           as the directory of the rwf.toml lists them.",
    why: "Each person decides once; with fewer people than the quorum the approval can never be granted.",
    example: "approval go \"Go\" { approvers team(\"leadership\") quorum 2 }   // leadership has 1 member",
};

pub(crate) const SCOPE_HAS_NOBODY: CodeDoc = CodeDoc {
    code: "RWF133",
    severity: Severity::Warning,
    title: "scope-has-nobody",
    what: "A team or organisation scope (an approver next to others, an assignee, an escalation or a \
           notification recipient) that resolves to nobody in the directory.",
    why: "Nobody would see the task in their inbox or hear the notification; often a typo in the team \
          name or a team not yet in rwf.toml.",
    example: "manual ship \"Ship\" { assignee team(\"release-managers\") }   // no such members",
};

/// The codes this module emits.
pub const CODES: &[CodeDoc] = &[
    AGENT_NOT_CONFIGURED,
    NOBODY_CAN_DECIDE,
    QUORUM_UNREACHABLE,
    SCOPE_HAS_NOBODY,
];

/// The people a scope resolves to (`None` for a channel: a place, not people).
fn people(config: &Config, scope: &Scope) -> Option<BTreeSet<String>> {
    let d = &config.directory;
    match scope {
        Scope::User(name) => Some(BTreeSet::from([name.clone()])),
        Scope::Team(team) => Some(d.team_members(team)),
        Scope::Organization(_) => Some(d.org_admins.clone()),
        Scope::Channel(_) => None,
    }
}

fn show(scope: &Scope) -> String {
    match scope {
        Scope::User(n) => format!("user(\"{n}\")"),
        Scope::Team(n) => format!("team(\"{n}\")"),
        Scope::Organization(n) => format!("organization(\"{n}\")"),
        Scope::Channel(n) => format!("channel(\"{n}\")"),
    }
}

/// Where `config` came from, for messages.
fn config_name(config: &Config) -> String {
    config
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "rwf.toml".into())
}

/// The findings of `spec` (compiled from `file`) against `config`.
pub fn check_against_config(
    file: &str,
    text: &str,
    spec: &WorkflowSpec,
    map: &SourceMap,
    config: &Config,
) -> Vec<Diagnostic> {
    let cx = Context::new(file, text, spec, map);
    let toml = config_name(config);
    let mut out = Vec::new();
    let empty_scope = |i: usize, field: &str, scope: &Scope, role: &str| -> Option<Diagnostic> {
        let found = people(config, scope)?;
        found.is_empty().then(|| {
            let name = show(scope);
            cx.diag(
                &SCOPE_HAS_NOBODY,
                cx.name_in_field(i, field, &name),
                format!("{role} {name} has nobody in the directory of {toml}"),
            )
            .with_label("resolves to nobody")
            .help(scope_help(scope, &toml))
        })
    };
    for (i, task) in spec.tasks.iter().enumerate() {
        match &task.step {
            Step::Agent { uses, .. } => {
                let builtin = uses.starts_with("builtin:");
                let known = if builtin {
                    crate::exec::builtin::Behaviour::parse(uses).is_some()
                } else {
                    config.agents.contains_key(uses)
                };
                if !known {
                    let names: Vec<&str> = config.agents.keys().map(String::as_str).collect();
                    let hint = crate::syntax::did_you_mean(uses, names.iter().copied())
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    let help = if builtin {
                        "built-in agents: builtin:succeed, builtin:fail, builtin:fatal, \
                         builtin:fail_then_succeed:N, builtin:hang, builtin:sleep:MS, \
                         builtin:needs_input"
                            .to_string()
                    } else {
                        format!(
                            "add `[agents.{uses}]` to {toml} (kind = \"command\" or \"http\"), or \
                             use one it has: {}",
                            if names.is_empty() {
                                "(none)".to_string()
                            } else {
                                names.join(", ")
                            }
                        )
                    };
                    out.push(
                        cx.diag(
                            &AGENT_NOT_CONFIGURED,
                            cx.name_in_field(i, "uses", uses),
                            format!("agent `{uses}` is not configured in {toml}{hint}"),
                        )
                        .with_label("no such agent")
                        .help(help),
                    );
                }
            }
            Step::Approval {
                approvers,
                quorum,
                on_expire,
                ..
            } => {
                let resolved: Vec<(&Scope, BTreeSet<String>)> = approvers
                    .iter()
                    .filter_map(|s| people(config, s).map(|p| (s, p)))
                    .collect();
                let everyone: BTreeSet<&String> = resolved.iter().flat_map(|(_, p)| p).collect();
                let span = cx.field_span(i, "approvers");
                if everyone.is_empty() && !approvers.is_empty() {
                    let names: Vec<String> = approvers.iter().map(show).collect();
                    out.push(
                        cx.diag(
                            &NOBODY_CAN_DECIDE,
                            span,
                            format!(
                                "nobody can decide approval `{}`: {} resolve{} to nobody in {toml}",
                                task.key,
                                names.join(", "),
                                if names.len() == 1 { "s" } else { "" }
                            ),
                        )
                        .with_label("no approver")
                        .help(
                            approvers
                                .first()
                                .map(|s| scope_help(s, &toml))
                                .unwrap_or_default(),
                        ),
                    );
                    continue;
                }
                if *quorum as usize > everyone.len() && *quorum > 0 {
                    let who: Vec<&str> = everyone.iter().map(|s| s.as_str()).collect();
                    out.push(
                        cx.diag(
                            &QUORUM_UNREACHABLE,
                            cx.field_span(i, "quorum"),
                            format!(
                                "quorum {quorum} of approval `{}` cannot be reached: only {} \
                                 {} can decide ({})",
                                task.key,
                                who.len(),
                                if who.len() == 1 { "person" } else { "people" },
                                who.join(", ")
                            ),
                        )
                        .with_label("more decisions than people")
                        .help(format!(
                            "add people to the approver teams in {toml}, or lower the quorum to {}",
                            who.len()
                        )),
                    );
                }
                for (scope, found) in &resolved {
                    if found.is_empty() {
                        out.extend(empty_scope(i, "approvers", scope, "approver"));
                    }
                }
                if let ExpirePolicy::Escalate(to) = on_expire {
                    for scope in to {
                        out.extend(empty_scope(i, "on_expire", scope, "escalation to"));
                    }
                }
            }
            Step::Manual {
                assignee: Some(scope),
                ..
            } => out.extend(empty_scope(i, "assignee", scope, "assignee")),
            Step::Notification { to, .. } => {
                for scope in to {
                    out.extend(empty_scope(i, "to", scope, "recipient"));
                }
            }
            _ => {}
        }
    }
    out
}

fn scope_help(scope: &Scope, toml: &str) -> String {
    match scope {
        Scope::Team(team) => format!(
            "add members to `[directory.teams.{team}]` in {toml} (or list `{team}` in a user's `teams`)"
        ),
        Scope::Organization(_) => format!("list the organisation's admins in `[directory] org_admins` of {toml}"),
        _ => format!("name someone who is in the directory of {toml}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{compile_source, MemLoader};
    use std::path::Path;

    const TOML: &str = r#"
[agents.writer]
kind = "command"
program = "true"

[directory]
org_admins = []

[directory.users.ann]
teams = ["legal"]

[directory.teams.legal]
members = ["ann"]

[directory.teams.empty]
members = []
"#;

    fn findings(template: &str) -> Vec<(String, String)> {
        let compiled = compile_source("t.rwf", template, &MemLoader::default());
        let spec = compiled.spec.expect("compiles");
        let config = Config::parse(TOML, "rwf.toml", Path::new("."))
            .config
            .expect("the config parses");
        check_against_config("t.rwf", template, &spec, &compiled.source_map, &config)
            .into_iter()
            .map(|d| (d.code.to_string(), d.message))
            .collect()
    }

    fn template(body: &str) -> String {
        format!(
            "template t \"T\" version 1 {{\n  param release: datetime\n  target release in \"UTC\"\n{body}}}\n"
        )
    }

    #[test]
    fn an_agent_the_config_lacks_is_an_error_with_a_suggestion() {
        let f = findings(&template(
            "  agent a \"A\" { uses \"writter\" at release }\n  agent b \"B\" { uses \"writer\" at release }\n  agent c \"C\" { uses \"builtin:succeed\" at release }\n  agent d \"D\" { uses \"builtin:sucede\" at release }\n",
        ));
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].0, "RWF130");
        assert!(f[0].1.contains("`writter`") && f[0].1.contains("did you mean `writer`"));
        assert!(f[1].1.contains("`builtin:sucede`"), "{f:?}");
    }

    #[test]
    fn approvals_need_people_and_a_reachable_quorum() {
        let f = findings(&template(
            "  approval a \"A\" { approvers team(\"empty\") quorum 1 at release }\n\
             approval b \"B\" { approvers team(\"legal\") quorum 2 at release }\n\
             approval c \"C\" { approvers team(\"legal\"), user(\"bob\") quorum 2 at release }\n\
             approval d \"D\" { approvers team(\"legal\"), organization(\"acme\") quorum 1 at release }\n",
        ));
        let codes: Vec<&str> = f.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["RWF131", "RWF132", "RWF133"], "{f:?}");
        assert!(f[0].1.contains("nobody can decide approval `a`"), "{f:?}");
        assert!(f[1].1.contains("only 1 person can decide (ann)"), "{f:?}");
        assert!(f[2].1.contains("organization(\"acme\")"), "{f:?}");
    }

    #[test]
    fn assignees_escalations_and_recipients_with_nobody_are_warnings() {
        let f = findings(&template(
            "  manual m \"M\" { assignee team(\"ghosts\") at release }\n\
             notification n \"N\" { to channel(\"#x\"), team(\"legal\") message \"hi\" at release }\n",
        ));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, "RWF133");
        assert!(f[0].1.contains("assignee team(\"ghosts\")"), "{f:?}");
    }
}
