//! Browser sessions for the web console: a person signs in with one of their API tokens and gets a
//! session cookie (its own short-lived token, HttpOnly, SameSite=Strict, Path=/); `me` says who is
//! signed in; logout revokes the session. Service accounts do not sign in.

use super::auth::{self, SESSION_COOKIE};
use super::endpoint::{Api, Cx, Json, NoBody, Op};
use super::problem::Problem;
use crate::store::PrincipalKind;
use axum::http::{header, HeaderValue};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How long a browser session lasts.
const SESSION_HOURS: i64 = 12;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// One of the person's API tokens (`rwf admin token create --person NAME`).
    pub token: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Me {
    pub name: String,
    /// person or service
    pub kind: String,
    /// The teams the directory puts the person in.
    pub teams: Vec<String>,
    pub org_admin: bool,
}

#[derive(Serialize, JsonSchema)]
pub struct Session {
    pub name: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Serialize, JsonSchema)]
pub struct LoggedOut {
    pub revoked: bool,
}

fn cookie(value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("rwf_session=; Max-Age=0"))
}

async fn login(cx: Cx, Json(req): Json<Login>) -> Result<Session, Problem> {
    let store = &cx.state.store;
    let who = store
        .authenticate(req.token.trim())
        .await?
        .ok_or_else(|| Problem::unauthenticated("the token is unknown, expired or revoked"))?;
    if who.kind != PrincipalKind::Person {
        return Err(Problem::forbidden(format!(
            "`service:{}` is a service account; only people sign in",
            who.principal
        )));
    }
    let hours = chrono::Duration::hours(SESSION_HOURS);
    let (_, session) = store
        .create_token(
            &who.principal,
            PrincipalKind::Person,
            "browser session",
            Some(hours),
        )
        .await?;
    cx.respond_with(header::SET_COOKIE, cookie(&session, hours.num_seconds()));
    Ok(Session {
        name: who.principal,
        expires_at: Utc::now() + hours,
    })
}

async fn logout(cx: Cx, _: NoBody) -> Result<LoggedOut, Problem> {
    cx.who()?;
    let revoked = match auth::session_cookie(&cx.headers) {
        Some(session) => cx.state.store.revoke_presented(session).await?,
        None => false,
    };
    cx.respond_with(header::SET_COOKIE, cookie("", 0));
    Ok(LoggedOut { revoked })
}

async fn me(cx: Cx, _: NoBody) -> Result<Me, Problem> {
    let who = cx.who()?;
    let d = &cx.state.settings.directory;
    let teams = if who.is_person() {
        d.teams
            .keys()
            .filter(|t| d.team_members(t).contains(&who.name))
            .cloned()
            .chain(
                d.users
                    .get(&who.name)
                    .into_iter()
                    .flat_map(|u| u.teams.iter().cloned()),
            )
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    Ok(Me {
        name: who.name.clone(),
        kind: who.kind.as_str().to_string(),
        teams,
        org_admin: who.is_person() && d.org_admins.contains(&who.name),
    })
}

pub fn routes(api: Api) -> Api {
    api.op(
        Op::post(
            "/api/v1/session",
            "Sign in a browser: a person's token for a session cookie",
        )
        .role("a person with a valid token (in the body)")
        .public()
        .created(),
        login,
    )
    .op(
        Op::post("/api/v1/session/logout", "End the browser session"),
        logout,
    )
    .op(Op::get("/api/v1/me", "Who is calling"), me)
}
