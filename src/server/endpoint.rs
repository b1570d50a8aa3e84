//! One typed endpoint: a handler from a context and a request body to a response body, and, from the
//! very same types, its OpenAPI operation, so the document cannot drift from what the server does.

use super::auth::{self, Principal};
use super::problem::Problem;
use super::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{on, MethodFilter};
use axum::Router;
use schemars::gen::SchemaGenerator;
use schemars::schema::Schema;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;

/// What a handler gets besides its body: the state, the caller, path and query parameters.
pub struct Cx {
    pub state: AppState,
    principal: Option<Principal>,
    path: HashMap<String, String>,
    query: HashMap<String, String>,
    /// The request's headers (sessions read the cookie).
    pub headers: HeaderMap,
    /// Headers to add to the response (a session's Set-Cookie).
    out: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderName, axum::http::HeaderValue)>>>,
}

impl Cx {
    /// The authenticated caller (every non-public endpoint has one).
    pub fn who(&self) -> Result<&Principal, Problem> {
        self.principal
            .as_ref()
            .ok_or_else(|| Problem::unauthenticated("authentication required"))
    }
    pub fn path(&self, name: &str) -> Result<&str, Problem> {
        self.path
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| Problem::bad_request(format!("missing path parameter `{name}`")))
    }
    /// The `{id}` path parameter as a workflow id.
    pub fn workflow_id(&self) -> Result<uuid::Uuid, Problem> {
        let text = self.path("id")?;
        uuid::Uuid::parse_str(text)
            .map_err(|_| Problem::bad_request(format!("`{text}` is not a workflow id (a UUID)")))
    }
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }
    /// Adds a header to the response, whatever its status.
    pub fn respond_with(&self, name: axum::http::HeaderName, value: axum::http::HeaderValue) {
        if let Ok(mut out) = self.out.lock() {
            out.push((name, value));
        }
    }
}

/// How an endpoint reads its request body.
pub trait RequestBody: Sized + Send + 'static {
    fn parse(bytes: &[u8]) -> Result<Self, Problem>;
    fn schema(gen: &mut SchemaGenerator) -> Option<Schema>;
}

/// No body (anything sent is ignored).
pub struct NoBody;

impl RequestBody for NoBody {
    fn parse(_: &[u8]) -> Result<Self, Problem> {
        Ok(NoBody)
    }
    fn schema(_: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

/// A JSON body of type `T`.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + JsonSchema + Send + 'static> RequestBody for Json<T> {
    fn parse(bytes: &[u8]) -> Result<Self, Problem> {
        serde_json::from_slice(bytes).map(Json).map_err(|e| {
            Problem::bad_request(format!("the body is not the JSON this endpoint takes: {e}"))
        })
    }
    fn schema(gen: &mut SchemaGenerator) -> Option<Schema> {
        Some(gen.subschema_for::<T>())
    }
}

/// An operation as the OpenAPI document describes it.
pub struct Doc {
    pub method: Method,
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it, in words (the `x-rwf-role` extension and the description).
    pub role: &'static str,
    pub status: StatusCode,
    pub query: &'static [(&'static str, &'static str)],
    pub public: bool,
    pub request: fn(&mut SchemaGenerator) -> Option<Schema>,
    pub response: fn(&mut SchemaGenerator) -> Schema,
}

/// An operation being declared: `Op::post(path, summary).role("operate")`.
pub struct Op {
    method: Method,
    path: &'static str,
    summary: &'static str,
    role: &'static str,
    status: StatusCode,
    query: &'static [(&'static str, &'static str)],
    public: bool,
}

impl Op {
    fn new(method: Method, path: &'static str, summary: &'static str) -> Op {
        Op {
            method,
            path,
            summary,
            role: "any authenticated caller",
            status: StatusCode::OK,
            query: &[],
            public: false,
        }
    }
    pub fn get(path: &'static str, summary: &'static str) -> Op {
        Op::new(Method::GET, path, summary)
    }
    pub fn post(path: &'static str, summary: &'static str) -> Op {
        Op::new(Method::POST, path, summary)
    }
    pub fn role(mut self, role: &'static str) -> Op {
        self.role = role;
        self
    }
    pub fn created(mut self) -> Op {
        self.status = StatusCode::CREATED;
        self
    }
    pub fn query(mut self, query: &'static [(&'static str, &'static str)]) -> Op {
        self.query = query;
        self
    }
    pub fn public(mut self) -> Op {
        self.public = true;
        self
    }
}

/// The name of the caller, left on the response for the request log.
#[derive(Clone)]
pub struct LoggedActor(pub String);

/// `{id}` (OpenAPI) as `:id` (axum 0.7).
pub fn axum_path(path: &str) -> String {
    path.split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => format!(":{name}"),
                None => seg.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// The routes and their documents, built together.
#[derive(Default)]
pub struct Api {
    pub router: Router<AppState>,
    pub docs: Vec<Doc>,
}

impl Api {
    pub fn op<B, R, F, Fut>(mut self, op: Op, f: F) -> Api
    where
        B: RequestBody,
        R: Serialize + JsonSchema + Send + 'static,
        F: Fn(Cx, B) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<R, Problem>> + Send + 'static,
    {
        let (status, public) = (op.status, op.public);
        let handler = move |State(state): State<AppState>,
                            method: Method,
                            headers: HeaderMap,
                            uri: Uri,
                            path: Option<Path<HashMap<String, String>>>,
                            body: Result<Bytes, BytesRejection>| {
            let f = f.clone();
            async move {
                // Public endpoints (health) answer whatever credentials come with them.
                let principal = if public {
                    None
                } else {
                    match auth::principal(&state, &method, &headers).await {
                        Ok(p) => p,
                        Err(problem) => return problem.into_response(),
                    }
                };
                let actor = principal.as_ref().map(Principal::actor);
                let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
                let cx_out = out.clone();
                let result = async {
                    if !public && principal.is_none() {
                        return Err(Problem::unauthenticated(
                            "authentication required: send `Authorization: Bearer TOKEN` \
                             (`rwf admin token create`)",
                        ));
                    }
                    let query = Query::<HashMap<String, String>>::try_from_uri(&uri)
                        .map_err(|e| Problem::bad_request(format!("bad query string: {e}")))?
                        .0;
                    let body = body.map_err(|e| {
                        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                            super::problem::TOO_LARGE
                        } else {
                            super::problem::BAD_REQUEST
                        };
                        Problem::new(e.status(), code, e.body_text())
                    })?;
                    let body = B::parse(&body)?;
                    let cx = Cx {
                        state,
                        principal,
                        path: path.map(|p| p.0).unwrap_or_default(),
                        query,
                        headers,
                        out: cx_out,
                    };
                    f(cx, body).await
                }
                .await;
                let mut response = match result {
                    Ok(r) => (status, axum::Json(r)).into_response(),
                    Err(problem) => problem.into_response(),
                };
                if let Ok(mut out) = out.lock() {
                    for (name, value) in out.drain(..) {
                        response.headers_mut().append(name, value);
                    }
                }
                if let Some(actor) = actor {
                    response.extensions_mut().insert(LoggedActor(actor));
                }
                response
            }
        };
        let filter = if op.method == Method::POST {
            MethodFilter::POST
        } else {
            MethodFilter::GET
        };
        self.router = self.router.route(&axum_path(op.path), on(filter, handler));
        self.docs.push(Doc {
            method: op.method,
            path: op.path,
            summary: op.summary,
            role: op.role,
            status: op.status,
            query: op.query,
            public: op.public,
            request: B::schema,
            response: |gen| gen.subschema_for::<R>(),
        });
        self
    }
}
