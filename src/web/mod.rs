//! The web console: a client of `/api/v1`, served by `rwf serve` from assets embedded in the binary
//! (plain JS modules and CSS, no Node at run time). Sign-in exchanges a personal API token for a
//! session (`server::session`); every action then goes through the same endpoints, rules and audit
//! log as the CLI. The Gantt is our own SVG (`assets/gantt.js`), drawn from the server's plan.

use crate::server::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// One embedded asset: its path, content type and bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "/assets/app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/app.js"),
    },
    Asset {
        path: "/assets/gantt.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/gantt.js"),
    },
    Asset {
        path: "/assets/app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("assets/app.css"),
    },
];

const INDEX: &str = include_str!("assets/index.html");

/// Scripts and styles from this origin only; no inline script, no framing.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The asset `name` as embedded, or, when `RWF_WEB_DIR` names a directory (console development),
/// as it is there now.
fn body(name: &str, embedded: &'static str) -> String {
    match std::env::var_os("RWF_WEB_DIR") {
        Some(dir) => std::fs::read_to_string(std::path::Path::new(&dir).join(name))
            .unwrap_or_else(|_| embedded.to_string()),
        None => embedded.to_string(),
    }
}

fn respond(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The console's routes: `/` (the page) and `/assets/*`.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new().route(
        "/",
        get(|| async { respond("text/html; charset=utf-8", body("index.html", INDEX)) }),
    );
    for asset in ASSETS {
        router = router.route(
            asset.path,
            get(move || async move {
                let name = asset.path.trim_start_matches("/assets/");
                respond(asset.content_type, body(name, asset.body))
            }),
        );
    }
    router
}
