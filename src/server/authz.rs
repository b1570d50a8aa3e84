//! Authorization, pure: what an authenticated principal may do to a workflow, from the people
//! directory, `[server]` roles and the workflow itself (its owner scope and the people it names).
//! Every refusal says which rule refused it. The engine still decides approvals and manual tasks
//! (approver scopes, quorum, separation of duties); these checks come first and never widen them.

use super::auth::Principal;
use crate::config::{Directory, ServerConfig};
use crate::engine::action::parse_scope;
use crate::spec::{Scope, Step, WorkflowSpec};

/// What the rules need to know about one workflow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkflowAccess {
    /// The scope that operates it (`team:release`); `None`: organization admins only.
    pub owner: Option<String>,
    /// Approver scopes and manual-task assignees: the people it waits on may see it.
    pub participants: Vec<Scope>,
}

impl WorkflowAccess {
    pub fn of(owner: Option<String>, spec: &WorkflowSpec) -> WorkflowAccess {
        let mut participants = Vec::new();
        for task in &spec.tasks {
            match &task.step {
                Step::Approval { approvers, .. } => participants.extend(approvers.iter().cloned()),
                Step::Manual {
                    assignee: Some(a), ..
                } => participants.push(a.clone()),
                _ => {}
            }
        }
        WorkflowAccess {
            owner,
            participants,
        }
    }
}

/// The rules, over one directory and one `[server]` config.
pub struct Rules<'a> {
    pub directory: &'a Directory,
    pub roles: &'a ServerConfig,
}

impl Rules<'_> {
    /// Whether the principal is in a scope written as text (`team:legal`, `service:ci`).
    pub fn in_scope(&self, p: &Principal, scope: &str) -> bool {
        if let Some(service) = scope.strip_prefix("service:") {
            return !p.is_person() && p.name == service;
        }
        p.is_person() && parse_scope(scope).is_some_and(|s| self.directory.is_in_scope(&p.name, &s))
    }

    fn admin(&self, p: &Principal) -> bool {
        p.is_person() && self.directory.org_admins.contains(&p.name)
    }

    /// Anyone authenticated reads templates and the language's checks.
    pub fn read_templates(&self, _p: &Principal) -> Result<(), String> {
        Ok(())
    }

    pub fn push_templates(&self, p: &Principal) -> Result<(), String> {
        if self.admin(p) || self.roles.pushers.iter().any(|s| self.in_scope(p, s)) {
            return Ok(());
        }
        Err(format!(
            "`{}` may not push templates: only organization admins and [server] pushers ({}) may",
            p.actor(),
            list(&self.roles.pushers)
        ))
    }

    pub fn view(&self, p: &Principal, wf: &WorkflowAccess) -> Result<(), String> {
        let viewer = match &self.roles.viewers {
            None => true,
            Some(scopes) => scopes.iter().any(|s| self.in_scope(p, s)),
        };
        let owner = wf.owner.as_deref().is_some_and(|o| self.in_scope(p, o));
        let participant = p.is_person()
            && wf
                .participants
                .iter()
                .any(|s| self.directory.is_in_scope(&p.name, s));
        if viewer || owner || participant || self.admin(p) {
            return Ok(());
        }
        Err(format!(
            "`{}` may not view this workflow: not in its owner scope ({}), not one of the people it \
             waits on, and not a [server] viewer",
            p.actor(),
            wf.owner.as_deref().unwrap_or("none")
        ))
    }

    /// Start, pause, resume, cancel, edit, retarget: its owner scope and organization admins.
    pub fn operate(&self, p: &Principal, wf: &WorkflowAccess) -> Result<(), String> {
        if !p.is_person() {
            return Err(format!(
                "`{}` is a service account; workflows are operated by people of their owner scope",
                p.actor()
            ));
        }
        if self.admin(p) || wf.owner.as_deref().is_some_and(|o| self.in_scope(p, o)) {
            return Ok(());
        }
        Err(match &wf.owner {
            Some(o) => format!(
                "`{}` may not operate this workflow: it is operated by `{o}` and organization admins",
                p.name
            ),
            None => format!(
                "`{}` may not operate this workflow: it has no owner scope, so only organization \
                 admins may",
                p.name
            ),
        })
    }

    /// Send an external event (`POST .../signals`): whoever operates the workflow, and the `[server]`
    /// signalers (a CI's service account) among those who may view it. Viewers alone may not: an
    /// event moves the release on.
    pub fn signal(&self, p: &Principal, wf: &WorkflowAccess) -> Result<(), String> {
        self.view(p, wf)?;
        if self.roles.signalers.iter().any(|s| self.in_scope(p, s)) || self.operate(p, wf).is_ok() {
            return Ok(());
        }
        Err(format!(
            "`{}` may not send events to this workflow: only its operators ({} and organization \
             admins) and [server] signalers ({}) may",
            p.actor(),
            wf.owner.as_deref().unwrap_or("no owner scope"),
            list(&self.roles.signalers)
        ))
    }

    /// A new workflow: a person, for an owner scope they are in (or any, for an admin).
    pub fn create(&self, p: &Principal, owner: &str) -> Result<(), String> {
        if !p.is_person() {
            return Err(format!(
                "`{}` is a service account; workflows are created by people",
                p.actor()
            ));
        }
        if !matches!(
            parse_scope(owner),
            Some(Scope::User(_) | Scope::Team(_) | Scope::Organization(_))
        ) {
            return Err(format!(
                "`{owner}` is not an owner scope; write `team:NAME` or `user:NAME`"
            ));
        }
        if self.admin(p) || self.in_scope(p, owner) {
            return Ok(());
        }
        Err(format!(
            "`{}` may not create a workflow owned by `{owner}`: they are not in it",
            p.name
        ))
    }

    /// Approve, reject, done, answer: an authenticated person who may see the workflow. The engine
    /// then checks approver scopes, assignees and separation of duties.
    pub fn act_as_person(&self, p: &Principal, wf: &WorkflowAccess) -> Result<(), String> {
        if !p.is_person() {
            return Err(format!(
                "`{}` is a service account; approvals and manual tasks are for people only",
                p.actor()
            ));
        }
        self.view(p, wf)
    }
}

fn list(scopes: &[String]) -> String {
    if scopes.is_empty() {
        "none".into()
    } else {
        scopes.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Team, User};
    use crate::store::PrincipalKind;

    fn person(name: &str) -> Principal {
        Principal {
            name: name.into(),
            kind: PrincipalKind::Person,
            token_id: 1,
        }
    }

    #[test]
    fn rules_table() {
        let mut d = Directory::default();
        for (name, team) in [
            ("ann", "release"),
            ("lee", "legal"),
            ("oli", "web"),
            ("vic", ""),
        ] {
            let mut u = User::default();
            if !team.is_empty() {
                u.teams.insert(team.into());
            }
            d.users.insert(name.into(), u);
        }
        d.teams.insert("release".into(), Team::default());
        d.org_admins.insert("boss".into());
        let roles = ServerConfig {
            viewers: Some(vec!["user:vic".into(), "service:ci".into()]),
            pushers: vec!["service:ci".into()],
            signalers: vec!["service:ci".into(), "user:oli".into()],
            proxy_user_header: None,
        };
        let rules = Rules {
            directory: &d,
            roles: &roles,
        };
        let wf = WorkflowAccess {
            owner: Some("team:release".into()),
            participants: vec![Scope::Team("legal".into())],
        };
        let ci = Principal {
            name: "ci".into(),
            kind: PrincipalKind::Service,
            token_id: 2,
        };
        // (principal, view, operate, push, act as person, signal)
        let cases = [
            (person("ann"), true, true, false, true, true),
            (person("lee"), true, false, false, true, false),
            // A signaler who may not view the workflow may not signal it either.
            (person("oli"), false, false, false, false, false),
            (person("vic"), true, false, false, true, false),
            (person("boss"), true, true, true, true, true),
            (ci.clone(), true, false, true, false, true),
        ];
        for (p, view, operate, push, act, signal) in cases {
            assert_eq!(rules.signal(&p, &wf).is_ok(), signal, "signal {p:?}");
            assert_eq!(rules.view(&p, &wf).is_ok(), view, "view {p:?}");
            assert_eq!(rules.operate(&p, &wf).is_ok(), operate, "operate {p:?}");
            assert_eq!(rules.push_templates(&p).is_ok(), push, "push {p:?}");
            assert_eq!(rules.act_as_person(&p, &wf).is_ok(), act, "act {p:?}");
        }
        assert!(rules.create(&person("ann"), "team:release").is_ok());
        assert!(rules.create(&person("ann"), "team:legal").is_err());
        assert!(rules.create(&person("ann"), "channel:#x").is_err());
        assert!(rules.create(&ci, "team:release").is_err());
        let refusal = rules.operate(&person("oli"), &wf).unwrap_err();
        assert!(refusal.contains("team:release"), "{refusal}");
    }
}
