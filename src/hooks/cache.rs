//! Compiled hook files, cached by the sha256 of their source (and the limits they were compiled under).
//!
//! A hit is used only when the stored source is byte-for-byte the source asked for, so a hash that
//! lies (or collides) can never hand back another file's code. Memoisation only: no IO.

use super::sandbox::Limits;
use rhai::{Engine, ParseError, AST};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Entries kept before the cache is emptied (hook files are few and small).
const CAPACITY: usize = 512;

struct Entry {
    source: Arc<str>,
    ast: Arc<AST>,
}

type Key = (String, String, Limits);

fn cache() -> &'static Mutex<HashMap<Key, Entry>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Entry>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// sha256 of a hook file's source, lowercase hex (as `HookFile.sha256`).
pub fn sha256_hex(source: &str) -> String {
    hex::encode(Sha256::digest(source.as_bytes()))
}

/// The compiled AST of `source`, from the cache when the same source was compiled before.
/// `path` becomes the AST's source name (it appears in rhai's error positions).
pub fn compile(
    engine: &Engine,
    limits: &Limits,
    path: &str,
    source: &str,
) -> Result<Arc<AST>, ParseError> {
    let key = (sha256_hex(source), path.to_string(), *limits);
    if let Ok(map) = cache().lock() {
        if let Some(entry) = map.get(&key) {
            if &*entry.source == source {
                return Ok(entry.ast.clone());
            }
        }
    }
    let mut ast = engine.compile(source)?;
    ast.set_source(path);
    let ast = Arc::new(ast);
    if let Ok(mut map) = cache().lock() {
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(
            key,
            Entry {
                source: source.into(),
                ast: ast.clone(),
            },
        );
    }
    Ok(ast)
}
