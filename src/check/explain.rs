//! The registry of every diagnostic code, for `rwf check --explain CODE` and SARIF rules.
//!
//! Each module that emits codes exports `pub const CODES: &[CodeDoc]`. To register one, add it to
//! `SOURCES`. Registered: `syntax` (RWF001–009), `check` (RWF010–049), `compile` (RWF050–069),
//! `schedule` (RWF070–089), `hooks` (RWF090–099).
//! Not yet (add it here when it exports `CODES`): `config` (RWF100–119).

use crate::diagnostic::CodeDoc;

/// Every module's `CODES`.
const SOURCES: &[&[CodeDoc]] = &[super::CODES, crate::schedule::CODES, crate::hooks::CODES];

/// Every documented code, sorted by code.
pub fn all_codes() -> Vec<&'static CodeDoc> {
    let mut all: Vec<&'static CodeDoc> = SOURCES.iter().flat_map(|s| s.iter()).collect();
    all.sort_by_key(|d| d.code);
    all
}

/// Looks a code up: `RWF012`, `rwf012` and `12` all find RWF012.
pub fn lookup(code: &str) -> Option<&'static CodeDoc> {
    let code = code.trim();
    let digits = code
        .strip_prefix("RWF")
        .or_else(|| code.strip_prefix("rwf"))
        .unwrap_or(code);
    let number: u32 = digits.parse().ok()?;
    let wanted = format!("RWF{number:03}");
    SOURCES
        .iter()
        .flat_map(|s| s.iter())
        .find(|d| d.code == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_well_formed_and_documented() {
        let mut seen = HashSet::new();
        for doc in all_codes() {
            assert!(seen.insert(doc.code), "duplicate {}", doc.code);
            assert!(
                doc.code.len() == 6
                    && doc.code.starts_with("RWF")
                    && doc.code[3..].bytes().all(|b| b.is_ascii_digit()),
                "{}",
                doc.code
            );
            assert!(!doc.title.is_empty() && !doc.what.is_empty() && !doc.why.is_empty());
            assert!(!doc.example.is_empty(), "{} has no example", doc.code);
        }
        assert_eq!(lookup("12").map(|d| d.code), Some("RWF012"));
        assert_eq!(lookup("rwf016").map(|d| d.code), Some("RWF016"));
        assert!(lookup("RWF999").is_none() && lookup("nope").is_none());
    }
}
