//! Canonical JSON and the content hash: sorted keys, no insignificant whitespace, sha256 in hex.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Canonical JSON text of any spec value. `serde_json::Value` keeps object keys in a `BTreeMap`
/// (the crate is built without `preserve_order`), so going through it sorts every object's keys.
pub fn canonical_json<T: Serialize>(value: &T) -> String {
    let value = serde_json::to_value(value).expect("spec types always serialise");
    serde_json::to_string(&value).expect("a JSON value always serialises")
}

/// sha256 of the canonical JSON, lowercase hex.
pub fn content_hash<T: Serialize>(value: &T) -> String {
    hex::encode(Sha256::digest(canonical_json(value).as_bytes()))
}
