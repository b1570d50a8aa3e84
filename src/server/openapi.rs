//! `GET /api/v1/openapi.json`: the OpenAPI 3.0 document, generated from the endpoints' own request and
//! response types (`schemars`) and the route table that also builds the router.

use super::endpoint::Doc;
use super::problem::Body as Problem;
use schemars::gen::SchemaSettings;
use serde_json::{json, Map, Value};

/// Routes that are not typed JSON endpoints (streams, calendars, health), described by hand.
pub struct Extra {
    pub path: &'static str,
    pub summary: &'static str,
    pub content_type: &'static str,
    pub public: bool,
    pub query: &'static [(&'static str, &'static str)],
}

fn parameters(path: &str, query: &[(&str, &str)]) -> Vec<Value> {
    let mut out: Vec<Value> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let mut param = if name == "id" {
                json!({"schema": {"type": "string", "format": "uuid"}})
            } else {
                json!({"schema": {"type": "string", "minLength": 1}})
            };
            if name == "task" {
                param["description"] = json!(
                    "A task key, percent-encoded: a `for each` or `repeat` copy's key has \
                     brackets (`review[de]` is `review%5Bde%5D`)."
                );
            }
            param["name"] = json!(name);
            param["in"] = json!("path");
            param["required"] = json!(true);
            param
        })
        .collect();
    for (name, description) in query {
        out.push(json!({
            "name": name, "in": "query", "required": false,
            "description": description, "schema": {"type": "string"}
        }));
    }
    out
}

fn problem_responses(responses: &mut Map<String, Value>) {
    responses.insert(
        "default".into(),
        json!({
            "description": "A problem (RFC 9457) with its RWF code",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        }),
    );
}

/// The whole document.
pub fn document(docs: &[Doc], extras: &[Extra]) -> Value {
    let mut gen = SchemaSettings::openapi3().into_generator();
    gen.subschema_for::<Problem>();
    let mut paths: Map<String, Value> = Map::new();
    for d in docs {
        let mut responses = Map::new();
        let mut created = json!({
            "description": d.status.canonical_reason().unwrap_or("OK"),
            "content": {"application/json": {"schema": (d.response)(&mut gen)}}
        });
        if d.status == axum::http::StatusCode::CREATED {
            created["links"] = links(d.path, docs);
        }
        responses.insert(d.status.as_u16().to_string(), created);
        problem_responses(&mut responses);
        let mut op = json!({
            "summary": d.summary,
            "description": format!("Who may call it: {}.", d.role),
            "operationId": operation_id(d.method.as_str(), d.path),
            "x-rwf-role": d.role,
            "parameters": parameters(d.path, d.query),
            "responses": responses,
        });
        if d.public {
            op["security"] = json!([]);
        }
        if let Some(schema) = (d.request)(&mut gen) {
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": schema}}
            });
        }
        let entry = paths.entry(d.path.to_string()).or_insert_with(|| json!({}));
        entry[d.method.as_str().to_ascii_lowercase()] = op;
    }
    for e in extras {
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({"description": "OK", "content": {e.content_type: {"schema": {
                "type": if e.content_type == "application/json" { "object" } else { "string" }
            }}}}),
        );
        problem_responses(&mut responses);
        let mut op = json!({
            "summary": e.summary,
            "operationId": operation_id("get", e.path),
            "parameters": parameters(e.path, e.query),
            "responses": responses,
        });
        if e.public {
            op["security"] = json!([]);
        }
        paths.entry(e.path.to_string()).or_insert_with(|| json!({}))["get"] = op;
    }
    let schemas: Map<String, Value> = gen
        .take_definitions()
        .into_iter()
        .map(|(k, v)| (k, serde_json::to_value(v).unwrap_or(Value::Null)))
        .collect();
    let mut paths = Value::Object(paths);
    let mut schemas = Value::Object(schemas);
    no_boolean_schemas(&mut paths);
    no_boolean_schemas(&mut schemas);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "rwf",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Release workflows over HTTP: the same store and rules as the `rwf` CLI. \
                            Errors are application/problem+json with an RWF code."
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
        }
    })
}

fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for seg in path.trim_start_matches("/api/v1").split('/') {
        let seg = seg.trim_start_matches('{').trim_end_matches('}');
        if seg.is_empty() {
            continue;
        }
        id.push('_');
        id.push_str(&seg.replace(['-', '.'], "_"));
    }
    id
}

/// OpenAPI 3.0 has no boolean schemas: `true` (any JSON, e.g. a `serde_json::Value` field) becomes `{}`.
fn no_boolean_schemas(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match key.as_str() {
                    "items" | "schema" if child == &Value::Bool(true) => *child = json!({}),
                    "properties" => {
                        if let Value::Object(props) = child {
                            for p in props.values_mut() {
                                if p == &Value::Bool(true) {
                                    *p = json!({});
                                }
                            }
                        }
                    }
                    _ => {}
                }
                no_boolean_schemas(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(no_boolean_schemas),
        _ => {}
    }
}

/// What a created resource's `id` leads to: every operation on `{path}/{id}...` (OpenAPI links, which
/// clients and schemathesis' stateful mode follow).
fn links(path: &str, docs: &[Doc]) -> Value {
    let prefix = format!("{path}/{{id}}");
    let mut out = Map::new();
    for d in docs.iter().filter(|d| d.path.starts_with(&prefix)) {
        let id = operation_id(d.method.as_str(), d.path);
        out.insert(
            id.clone(),
            json!({"operationId": id, "parameters": {"id": "$response.body#/id"}}),
        );
    }
    Value::Object(out)
}
