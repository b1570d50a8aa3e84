//! The people directory of `rwf.toml`: users, teams, org admins, and who is in which approver scope.

use crate::spec::Scope;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    pub name: Option<String>,
    pub email: Option<String>,
    pub slack: Option<String>,
    pub teams: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Team {
    pub name: Option<String>,
    pub members: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    pub users: BTreeMap<String, User>,
    pub teams: BTreeMap<String, Team>,
    pub org_admins: BTreeSet<String>,
}

impl Directory {
    /// Members of a team: its `members` plus every user listing it in `teams`.
    pub fn team_members(&self, team: &str) -> BTreeSet<String> {
        let mut members = self
            .teams
            .get(team)
            .map(|t| t.members.clone())
            .unwrap_or_default();
        members.extend(
            self.users
                .iter()
                .filter(|(_, u)| u.teams.contains(team))
                .map(|(name, _)| name.clone()),
        );
        members
    }

    /// Everyone who can act in a scope, when the directory knows it (`None`: an undeclared team, or
    /// an organisation when no `org_admins` are declared). Channels hold nobody.
    pub fn scope_people(&self, scope: &Scope) -> Option<BTreeSet<String>> {
        match scope {
            Scope::User(u) => Some(BTreeSet::from([u.clone()])),
            Scope::Team(t) => self.knows_team(t).then(|| self.team_members(t)),
            Scope::Organization(_) => {
                (!self.org_admins.is_empty()).then(|| self.org_admins.clone())
            }
            Scope::Channel(_) => Some(BTreeSet::new()),
        }
    }

    fn knows_team(&self, team: &str) -> bool {
        self.teams.contains_key(team) || self.users.values().any(|u| u.teams.contains(team))
    }

    fn knows_user(&self, user: &str) -> bool {
        self.users.contains_key(user)
            || self.org_admins.contains(user)
            || self.teams.values().any(|t| t.members.contains(user))
    }

    /// The same as `membership(..) == Some(true)`.
    pub fn is_in_scope(&self, user: &str, scope: &Scope) -> bool {
        self.membership(user, scope) == Some(true)
    }

    /// Whether a user belongs to a scope. `None`: the directory cannot tell (unknown user or team).
    pub fn membership(&self, user: &str, scope: &Scope) -> Option<bool> {
        match scope {
            Scope::User(name) => Some(name == user),
            Scope::Team(team) => {
                if self.team_members(team).contains(user) {
                    Some(true)
                } else if self.knows_team(team) && self.knows_user(user) {
                    Some(false)
                } else {
                    None
                }
            }
            // One organisation per directory: its admins are `org_admins`.
            Scope::Organization(_) => {
                if self.org_admins.contains(user) {
                    Some(true)
                } else if self.knows_user(user) {
                    Some(false)
                } else {
                    None
                }
            }
            // Channels are places, not people: nobody approves as a channel.
            Scope::Channel(_) => Some(false),
        }
    }
}

/// The engine's membership check (`rwf approve` scope checks): unknown counts as not a member.
impl crate::engine::Membership for Directory {
    fn is_member(&self, person: &str, scope: &Scope) -> bool {
        self.is_in_scope(person, scope)
    }
}

/// Builds the directory, warning about teams and users that are named but never declared.
pub(super) fn build(raw: super::raw::RawDirectory, ctx: &mut super::Ctx) -> Directory {
    use super::codes;
    let mut d = Directory::default();
    let declared_users: BTreeSet<String> = raw.users.keys().map(|k| k.get_ref().clone()).collect();
    let declared_teams: BTreeSet<String> = raw.teams.keys().map(|k| k.get_ref().clone()).collect();
    let check_user = |ctx: &mut super::Ctx, user: &toml::Spanned<String>| {
        if !declared_users.is_empty() && !declared_users.contains(user.get_ref()) {
            ctx.warning(
                codes::UNKNOWN_USER,
                user.span(),
                format!(
                    "user `{}` is not declared in `[directory.users]`",
                    user.get_ref()
                ),
                format!(
                    "declare `[directory.users.{}]`, or fix the spelling",
                    user.get_ref()
                ),
            );
        }
    };
    for (name, team) in raw.teams {
        for m in &team.members {
            check_user(ctx, m);
        }
        d.teams.insert(
            name.into_inner(),
            Team {
                name: team.name,
                members: team.members.into_iter().map(|m| m.into_inner()).collect(),
            },
        );
    }
    for admin in &raw.org_admins {
        check_user(ctx, admin);
    }
    d.org_admins = raw.org_admins.into_iter().map(|a| a.into_inner()).collect();
    for (name, user) in raw.users {
        for team in &user.teams {
            if !declared_teams.is_empty() && !declared_teams.contains(team.get_ref()) {
                ctx.warning(
                    codes::UNKNOWN_TEAM,
                    team.span(),
                    format!(
                        "team `{}` is not declared in `[directory.teams]`",
                        team.get_ref()
                    ),
                    format!(
                        "declare `[directory.teams.{}]`, or fix the spelling",
                        team.get_ref()
                    ),
                );
            }
        }
        d.users.insert(
            name.into_inner(),
            User {
                name: user.name,
                email: user.email,
                slack: user.slack,
                teams: user.teams.into_iter().map(|t| t.into_inner()).collect(),
            },
        );
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> Directory {
        let mut d = Directory::default();
        d.users.insert(
            "alice".into(),
            User {
                teams: ["legal".to_string()].into(),
                ..User::default()
            },
        );
        d.users.insert("bob".into(), User::default());
        d.teams.insert(
            "security".into(),
            Team {
                name: None,
                members: ["carol".to_string()].into(),
            },
        );
        d.org_admins.insert("bob".into());
        d
    }

    #[test]
    fn membership_table() {
        let d = dir();
        let team = |t: &str| Scope::Team(t.into());
        let cases = [
            ("alice", team("legal"), Some(true)),
            ("bob", team("legal"), Some(false)),
            ("carol", team("security"), Some(true)),
            ("alice", team("security"), Some(false)),
            ("zed", team("legal"), None),
            ("alice", team("marketing"), None),
            ("bob", Scope::Organization("acme".into()), Some(true)),
            ("alice", Scope::Organization("acme".into()), Some(false)),
            ("zed", Scope::Organization("acme".into()), None),
            ("alice", Scope::User("alice".into()), Some(true)),
            ("bob", Scope::User("alice".into()), Some(false)),
            ("alice", Scope::Channel("#launch".into()), Some(false)),
        ];
        for (user, scope, expected) in cases {
            assert_eq!(d.membership(user, &scope), expected, "{user} in {scope:?}");
        }
        assert!(d.is_in_scope("alice", &team("legal")));
        assert!(!d.is_in_scope("zed", &team("legal")));
        let engine_view: &dyn crate::engine::Membership = &d;
        assert!(engine_view.is_member("alice", &team("legal")));
        assert!(!engine_view.is_member("zed", &team("legal")));
    }
}
