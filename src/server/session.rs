//! Browser sessions for the web console. `POST /api/v1/session` exchanges a personal API token for a
//! session cookie (`rwf_session`: HttpOnly, SameSite=Strict, Secure behind a TLS proxy) and a CSRF
//! cookie (`rwf_csrf`, readable by the page) that every mutating request must echo in the
//! `X-RWF-CSRF` header (double submit; a cross-site page can neither read it nor send the cookie).
//! Both are stored hashed, with expiry; a session dies with its token. `POST /api/v1/session/logout`
//! ends it.

use super::auth::Principal;
use super::problem::Problem;
use super::AppState;
use crate::store::token_hash;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::Json;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The session cookie (HttpOnly).
pub const SESSION_COOKIE: &str = "rwf_session";
/// The CSRF cookie the page reads and echoes as `X-RWF-CSRF`.
pub const CSRF_COOKIE: &str = "rwf_csrf";
pub const CSRF_HEADER: &str = "x-rwf-csrf";
/// How long a session lasts.
const LIFETIME_HOURS: i64 = 12;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// A personal API token (`rwf admin token create`).
    pub token: String,
}

/// Who the caller is, as the console shows it.
#[derive(Serialize, JsonSchema)]
pub struct Me {
    pub name: String,
    /// person or service
    pub kind: String,
    /// How the audit log names the caller.
    pub actor: String,
    /// Organization admins operate every workflow and push templates.
    pub admin: bool,
}

impl Me {
    pub fn of(state: &AppState, p: &Principal) -> Me {
        Me {
            name: p.name.clone(),
            kind: p.kind.as_str().into(),
            actor: p.actor(),
            admin: p.is_person() && state.settings.directory.org_admins.contains(&p.name),
        }
    }
}

/// A cookie of the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The caller a session cookie authenticates (`None` without one). Anything but GET and HEAD needs
/// the CSRF header matching the session.
pub async fn principal(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Option<Principal>, Problem> {
    let Some(secret) = cookie(headers, SESSION_COOKIE).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let Some(session) = state.store.session(secret).await? else {
        return Err(Problem::unauthenticated(
            "the session is unknown, expired or ended (or its token was revoked); sign in again",
        ));
    };
    let who = Principal {
        name: session.who.principal,
        kind: session.who.kind,
        token_id: session.who.token_id,
    };
    if method != Method::GET && method != Method::HEAD {
        let presented = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(token_hash);
        if presented.as_deref() != Some(session.csrf_hash.as_str()) {
            return Err(state.refuse(
                Some(&who),
                "a request with a session cookie must carry the session's X-RWF-CSRF header \
                 (the value of the rwf_csrf cookie)",
            ));
        }
    }
    Ok(Some(who))
}

/// Behind a TLS-terminating proxy (`X-Forwarded-Proto: https`) cookies are marked Secure.
fn secure(headers: &HeaderMap) -> &'static str {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if https {
        "; Secure"
    } else {
        ""
    }
}

fn set_cookie(response: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// `POST /api/v1/session {"token": "rwf_..."}`: signs in.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let result = async {
        let req: SignIn = serde_json::from_slice(&body).map_err(|e| {
            Problem::bad_request(format!("the body is not {{\"token\": \"rwf_...\"}}: {e}"))
        })?;
        // A service account's token is for the API, not for a browser: nobody signs in as one.
        if let Some(a) = state.store.authenticate(req.token.trim()).await? {
            if a.kind == crate::store::PrincipalKind::Service {
                return Err(Problem::forbidden(
                    "a service account cannot sign in to the console; use a person's token",
                ));
            }
        }
        let opened = state
            .store
            .open_session(req.token.trim(), chrono::Duration::hours(LIFETIME_HOURS))
            .await?
            .ok_or_else(|| Problem::unauthenticated("the token is unknown, expired or revoked"))?;
        let who = Principal {
            name: opened.who.principal.clone(),
            kind: opened.who.kind,
            token_id: opened.who.token_id,
        };
        super::log(serde_json::json!({
            "level": "info", "msg": "signed in", "actor": who.actor(),
        }));
        Ok::<_, Problem>((Me::of(&state, &who), opened.secret, opened.csrf))
    }
    .await;
    match result {
        Ok((me, secret, csrf)) => {
            let max_age = LIFETIME_HOURS * 3600;
            let secure = secure(&headers);
            let mut response = Json(me).into_response();
            set_cookie(
                &mut response,
                format!(
                    "{SESSION_COOKIE}={secret}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
                ),
            );
            set_cookie(
                &mut response,
                format!("{CSRF_COOKIE}={csrf}; Path=/; Max-Age={max_age}; SameSite=Strict{secure}"),
            );
            response
        }
        Err(p) => p.into_response(),
    }
}

/// `POST /api/v1/session/logout`: ends the session (needs its CSRF header) and clears the cookies.
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        principal(&state, &Method::POST, &headers)
            .await?
            .ok_or_else(|| Problem::unauthenticated("no session to end"))?;
        if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
            state.store.close_session(secret).await?;
        }
        Ok::<_, Problem>(())
    }
    .await;
    match result {
        Ok(()) => {
            let secure = secure(&headers);
            let mut response = axum::http::StatusCode::NO_CONTENT.into_response();
            for name in [SESSION_COOKIE, CSRF_COOKIE] {
                set_cookie(
                    &mut response,
                    format!("{name}=; Path=/; Max-Age=0; SameSite=Strict{secure}"),
                );
            }
            response
        }
        Err(p) => p.into_response(),
    }
}

async fn me(cx: super::endpoint::Cx, _: super::endpoint::NoBody) -> Result<Me, Problem> {
    Ok(Me::of(&cx.state, cx.who()?))
}

pub fn routes(api: super::endpoint::Api) -> super::endpoint::Api {
    api.op(
        super::endpoint::Op::get("/api/v1/me", "Who the caller is (token or session)"),
        me,
    )
}
