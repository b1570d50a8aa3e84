//! The resources an assistant can read: the language reference (`grammar/README.md`, embedded), the
//! templates shipped with rwf (their `.rwf` source) and the stored template versions (canonical spec).

use super::protocol::{RpcError, RESOURCE_NOT_FOUND};
use super::templates::SHIPPED;
use super::Session;
use serde_json::{json, Value};

const REFERENCE_URI: &str = "rwf://reference/language";
const REFERENCE: &str = include_str!("../../grammar/README.md");
const SHIPPED_PREFIX: &str = "rwf://templates/shipped/";
const STORED_PREFIX: &str = "rwf://templates/stored/";

pub async fn list(session: &Session<'_>) -> Value {
    let mut out = vec![json!({
        "uri": REFERENCE_URI, "name": "language-reference", "title": "The .rwf language reference",
        "mimeType": "text/markdown",
    })];
    for (key, _) in SHIPPED {
        out.push(json!({
            "uri": format!("{SHIPPED_PREFIX}{key}.rwf"), "name": format!("{key}.rwf"),
            "title": format!("Shipped template {key}"), "mimeType": "text/plain",
        }));
    }
    if let Some(store) = &session.store {
        // A database that cannot be read lists no stored templates; reading one says why.
        for t in store.template_versions().await.unwrap_or_default() {
            out.push(json!({
                "uri": format!("{STORED_PREFIX}{}@{}", t.key, t.version),
                "name": format!("{}@{}", t.key, t.version),
                "title": format!("Stored template {}@{}", t.key, t.version),
                "mimeType": "application/json",
            }));
        }
    }
    json!({"resources": out})
}

fn contents(uri: &str, mime: &str, text: &str) -> Value {
    json!({"contents": [{"uri": uri, "mimeType": mime, "text": text}]})
}

pub async fn read(session: &Session<'_>, uri: &str) -> Result<Value, RpcError> {
    let missing = || {
        RpcError::new(
            RESOURCE_NOT_FOUND,
            format!("no resource `{uri}`; `resources/list` lists them"),
        )
    };
    if uri == REFERENCE_URI {
        return Ok(contents(uri, "text/markdown", REFERENCE));
    }
    if let Some(file) = uri.strip_prefix(SHIPPED_PREFIX) {
        let key = file.strip_suffix(".rwf").unwrap_or(file);
        let (_, text) = SHIPPED
            .iter()
            .find(|(k, _)| *k == key)
            .ok_or_else(missing)?;
        return Ok(contents(uri, "text/plain", text));
    }
    if let Some(name) = uri.strip_prefix(STORED_PREFIX) {
        let (key, version) = crate::ops::parse_template_ref(name)
            .map_err(|e| RpcError::new(RESOURCE_NOT_FOUND, e))?;
        let store = session.store.as_ref().ok_or_else(missing)?;
        let spec = crate::ops::stored_template(store, &key, version)
            .await
            .map_err(|e| RpcError::new(-32603, e.to_string()))?
            .ok_or_else(missing)?;
        return Ok(contents(
            uri,
            "application/json",
            &crate::spec::canonical_json(&spec),
        ));
    }
    Err(missing())
}
