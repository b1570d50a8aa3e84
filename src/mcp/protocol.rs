//! JSON-RPC 2.0 framing and the MCP methods: `initialize`, `ping`, `tools/list`, `tools/call`,
//! `resources/list`, `resources/templates/list`, `resources/read`. Transport-free: a message in, the
//! response out (`None` for a notification). A tool name outside the table is a protocol error.

use super::{resources, tools, Session};
use serde_json::{json, Value};

/// Protocol revisions this server speaks, newest first.
pub const VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
/// MCP's "resource not found".
pub const RESOURCE_NOT_FOUND: i64 = -32002;

/// What the server tells the assistant about itself when it connects.
const INSTRUCTIONS: &str = "rwf plans releases from .rwf templates. You may read templates and \
workflows, validate and preview templates, draft a workflow (a draft runs nothing) and propose edits \
(applied to drafts only). Starting, pausing, resuming, cancelling, approving, rejecting, completing \
tasks and delivering events are human actions: no tool does them. Every release needs its name, its \
target date and that date's time zone.";

/// A JSON-RPC error.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
        }
    }
}

fn error_response(id: Value, e: &RpcError) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": e.code, "message": e.message}})
}

/// The response to text that is not JSON.
pub fn parse_error(e: &serde_json::Error) -> Value {
    error_response(
        Value::Null,
        &RpcError::new(PARSE_ERROR, format!("not JSON: {e}")),
    )
}

/// Handles one message or a batch; `None` when nothing is to be sent back.
pub async fn handle(session: &Session<'_>, message: Value) -> Option<Value> {
    match message {
        Value::Array(batch) if batch.is_empty() => Some(error_response(
            Value::Null,
            &RpcError::new(INVALID_REQUEST, "an empty batch"),
        )),
        Value::Array(batch) => {
            let mut out = Vec::new();
            for m in batch {
                if let Some(r) = handle_one(session, m).await {
                    out.push(r);
                }
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
        other => handle_one(session, other).await,
    }
}

async fn handle_one(session: &Session<'_>, message: Value) -> Option<Value> {
    let id = message.get("id").cloned();
    let method = message.get("method").and_then(Value::as_str);
    let valid = message.get("jsonrpc").and_then(Value::as_str) == Some("2.0");
    let Some(method) = method.filter(|_| valid) else {
        // A response from the client (this server sends no requests) is dropped.
        if valid && (message.get("result").is_some() || message.get("error").is_some()) {
            return None;
        }
        return Some(error_response(
            id.unwrap_or(Value::Null),
            &RpcError::new(
                INVALID_REQUEST,
                "not a JSON-RPC 2.0 request: it needs `\"jsonrpc\": \"2.0\"` and a `method`",
            ),
        ));
    };
    let params = message.get("params").cloned().unwrap_or(Value::Null);
    let Some(id) = id else {
        // Notifications (`notifications/initialized`, `notifications/cancelled`) need no answer.
        return None;
    };
    Some(match dispatch(session, method, &params).await {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(e) => error_response(id, &e),
    })
}

async fn dispatch(session: &Session<'_>, method: &str, params: &Value) -> Result<Value, RpcError> {
    match method {
        "initialize" => Ok(initialize(params)),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(tools::list()),
        "tools/call" => call(session, params).await,
        "resources/list" => Ok(resources::list(session).await),
        "resources/templates/list" => Ok(json!({"resourceTemplates": []})),
        "resources/read" => {
            let uri = params
                .get("uri")
                .and_then(Value::as_str)
                .ok_or_else(|| RpcError::new(INVALID_PARAMS, "`resources/read` needs a `uri`"))?;
            resources::read(session, uri).await
        }
        other => Err(RpcError::new(
            METHOD_NOT_FOUND,
            format!("no method `{other}`"),
        )),
    }
}

fn initialize(params: &Value) -> Value {
    let asked = params.get("protocolVersion").and_then(Value::as_str);
    let version = asked
        .filter(|v| VERSIONS.contains(v))
        .unwrap_or(VERSIONS[0]);
    json!({
        "protocolVersion": version,
        "capabilities": {
            "tools": {"listChanged": false},
            "resources": {"subscribe": false, "listChanged": false},
        },
        "serverInfo": {"name": "rwf", "version": env!("CARGO_PKG_VERSION")},
        "instructions": INSTRUCTIONS,
    })
}

async fn call(session: &Session<'_>, params: &Value) -> Result<Value, RpcError> {
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::new(INVALID_PARAMS, "`tools/call` needs a tool `name`"))?;
    let Some(entry) = tools::find(name) else {
        return Err(RpcError::new(
            INVALID_PARAMS,
            format!(
                "unknown tool `{name}`: the tools read, validate, preview, draft and propose; \
                 starting, pausing, resuming, cancelling, approving, rejecting, completing tasks \
                 and delivering events are human actions (`rwf` CLI or the console)"
            ),
        ));
    };
    let arguments = params.get("arguments").cloned().unwrap_or(Value::Null);
    Ok(match tools::call(session, entry, &arguments).await {
        Ok(value) => json!({
            "content": [{"type": "text", "text": serde_json::to_string_pretty(&value).unwrap_or_default()}],
            "structuredContent": value,
            "isError": false,
        }),
        Err(e) => {
            let mut text = format!("error: {}", e.message);
            if let Some(help) = &e.help {
                text.push_str(&format!("\n  help: {help}"));
            }
            if let Some(details) = &e.details {
                text.push_str(&format!(
                    "\n{}",
                    serde_json::to_string_pretty(details).unwrap_or_default()
                ));
            }
            json!({
                "content": [{"type": "text", "text": text}],
                "structuredContent": e.to_json(),
                "isError": true,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::{Session, Who};

    /// (message, what comes back: `None` for nothing, else the error code or 0 for a result).
    fn cases() -> Vec<(Value, Option<i64>)> {
        vec![
            (
                json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
                Some(0),
            ),
            (
                json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
                None,
            ),
            (json!({"jsonrpc": "2.0", "id": 1, "result": {}}), None),
            (json!({"id": 1, "method": "ping"}), Some(INVALID_REQUEST)),
            (json!({"jsonrpc": "2.0", "id": 1}), Some(INVALID_REQUEST)),
            (json!([]), Some(INVALID_REQUEST)),
            (
                json!({"jsonrpc": "2.0", "id": 1, "method": "workflows/start"}),
                Some(METHOD_NOT_FOUND),
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {}}),
                Some(INVALID_PARAMS),
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "approve"}}),
                Some(INVALID_PARAMS),
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "x"}}),
                Some(RESOURCE_NOT_FOUND),
            ),
            (
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": "validate", "arguments": {"source": ""}}}),
                Some(0),
            ),
        ]
    }

    #[test]
    fn messages_and_their_answers() {
        let session = Session {
            store: None,
            who: Who::Local { actor: "t".into() },
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for (message, expected) in cases() {
            let answer = rt.block_on(handle(&session, message.clone()));
            let got = answer.map(|a| a["error"]["code"].as_i64().unwrap_or(0));
            assert_eq!(got, expected, "{message}");
        }
        // A batch answers each request, in order, and drops the notifications.
        let batch = json!([
            {"jsonrpc": "2.0", "id": "a", "method": "ping"},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": "b", "method": "nope"},
        ]);
        let answer = rt.block_on(handle(&session, batch)).unwrap();
        assert_eq!(answer[0]["id"], "a");
        assert_eq!(answer[1]["error"]["code"], METHOD_NOT_FOUND);
        assert_eq!(answer.as_array().unwrap().len(), 2);
        // The protocol version: the client's when spoken, else the newest.
        for (asked, answered) in [("2025-03-26", "2025-03-26"), ("1999-01-01", VERSIONS[0])] {
            let r = initialize(&json!({"protocolVersion": asked}));
            assert_eq!(r["protocolVersion"], answered);
        }
    }
}
