//! `[server]` of `rwf.toml`: who may view every workflow, who may push templates and who may send
//! events over `rwf serve`.

use super::codes;
use crate::engine::action::parse_scope;
use toml::Spanned;

/// Roles of `rwf serve` beyond what each workflow says (its owner scope, its approvers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerConfig {
    /// Scopes that may view every workflow (`team:release`, `user:vic`, `service:ci`). `None`: every
    /// authenticated person and service account may.
    pub viewers: Option<Vec<String>>,
    /// Scopes that may push templates, besides organization admins.
    pub pushers: Vec<String>,
    /// Scopes that may send events (`POST .../signals`) to every workflow they may view, besides each
    /// workflow's operators: typically a CI's service account (`service:ci`).
    pub signalers: Vec<String>,
    /// Trust this request header as the signed-in person's name (an authenticating reverse proxy's,
    /// e.g. `X-Forwarded-User`). Off unless set: only for a server reachable through that proxy alone.
    pub proxy_user_header: Option<String>,
}

/// A scope a principal can be in: `user:`, `team:`, `org:` (people) or `service:` (service accounts).
pub fn is_principal_scope(text: &str) -> bool {
    if let Some(name) = text.strip_prefix("service:") {
        return !name.is_empty() && !name.contains(':');
    }
    matches!(
        parse_scope(text),
        Some(
            crate::spec::Scope::User(_)
                | crate::spec::Scope::Team(_)
                | crate::spec::Scope::Organization(_)
        )
    )
}

fn scopes(list: &[Spanned<String>], ctx: &mut super::Ctx) -> Vec<String> {
    let mut out = Vec::new();
    for s in list {
        if is_principal_scope(s.get_ref()) {
            out.push(s.get_ref().clone());
        } else {
            ctx.error(
                codes::BAD_SCOPE,
                s.span(),
                format!("`{}` is not a scope of people or services", s.get_ref()),
                "write `user:NAME`, `team:NAME`, `org:NAME` or `service:NAME`",
            );
        }
    }
    out
}

pub(super) fn build(raw: super::raw::RawServer, ctx: &mut super::Ctx) -> ServerConfig {
    let proxy_user_header = raw.proxy_user_header.as_ref().and_then(|h| {
        let name = h.get_ref().trim();
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok() && !name.is_empty() {
            Some(name.to_ascii_lowercase())
        } else {
            ctx.error(
                codes::BAD_HEADER,
                h.span(),
                format!("invalid header name `{name}`"),
                "header names are letters, digits and `-`, e.g. `X-Forwarded-User`",
            );
            None
        }
    });
    ServerConfig {
        viewers: raw.viewers.as_deref().map(|v| scopes(v, ctx)),
        pushers: scopes(&raw.pushers, ctx),
        signalers: scopes(&raw.signalers, ctx),
        proxy_user_header,
    }
}
