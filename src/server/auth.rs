//! Authentication: who is calling. A bearer token (`Authorization: Bearer rwf_...`, for the CLI, CI
//! and agents); else a web console session cookie (`session.rs`: HttpOnly, SameSite=Strict, with a
//! double-submit CSRF header on anything but GET); else, only when `[server] proxy_user_header` is
//! configured, the user an authenticating reverse proxy names. Identity comes only from here: no body
//! field or query parameter can name the actor.

use super::problem::Problem;
use super::AppState;
use crate::store::PrincipalKind;
use axum::http::{header, HeaderMap, Method};

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// A person's name in the directory (`ann`), or a service account's name (`ci`).
    pub name: String,
    pub kind: PrincipalKind,
    /// The token that authenticated it (for the request log; never the token itself).
    pub token_id: i64,
}

impl Principal {
    pub fn is_person(&self) -> bool {
        self.kind == PrincipalKind::Person
    }
    /// How the audit log and the request log name it: `ann`, or `service:ci`.
    pub fn actor(&self) -> String {
        match self.kind {
            PrincipalKind::Person => self.name.clone(),
            PrincipalKind::Service => format!("service:{}", self.name),
        }
    }
}

/// The bearer token of a request, if it carries one.
fn bearer(headers: &HeaderMap) -> Result<Option<&str>, Problem> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| Problem::unauthenticated("the Authorization header is not text"))?;
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(Problem::unauthenticated(
            "the Authorization header is not `Bearer TOKEN`",
        )),
    }
}

/// The caller, or `None` for an anonymous request. A presented token or session that does not
/// authenticate is a 401 (unknown, expired and revoked ones are not told apart). A bearer token wins
/// over a cookie; a session cookie on anything but GET needs its CSRF header.
pub async fn principal(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Option<Principal>, Problem> {
    let Some(token) = bearer(headers)? else {
        return match super::session::principal(state, method, headers).await? {
            Some(p) => Ok(Some(p)),
            None => Ok(proxied(state, headers)),
        };
    };
    match state.store.authenticate(token).await? {
        Some(a) => Ok(Some(Principal {
            name: a.principal,
            kind: a.kind,
            token_id: a.token_id,
        })),
        None => Err(Problem::unauthenticated(
            "the token is unknown, expired or revoked",
        )),
    }
}

/// The person an authenticating reverse proxy names, when `[server] proxy_user_header` says to trust
/// it (off by default: anyone who can reach the server directly could send the header).
fn proxied(state: &AppState, headers: &HeaderMap) -> Option<Principal> {
    let name = state.settings.roles.proxy_user_header.as_deref()?;
    let user = headers.get(name)?.to_str().ok()?.trim();
    let valid = !user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c));
    valid.then(|| Principal {
        name: user.to_string(),
        kind: PrincipalKind::Person,
        token_id: 0,
    })
}

/// The caller, required.
pub async fn required(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Principal, Problem> {
    principal(state, method, headers).await?.ok_or_else(|| {
        Problem::unauthenticated(
            "authentication required: send `Authorization: Bearer TOKEN` (`rwf admin token create`)",
        )
    })
}
