//! The registry of every diagnostic code, for `rwf check --explain CODE` and SARIF rules.
//!
//! Each module that emits codes exports `pub const CODES: &[CodeDoc]`. To register one, add it to
//! `SOURCES`. Registered: `syntax` (RWF001–009), `check` (RWF010–049), `compile` (RWF050–069, RWF140–154),
//! `schedule` (RWF070–089), `hooks` (RWF090–099), `config` (RWF100–119, `rwf.toml`),
//! `check::against_config` (RWF130–133, a template against its `rwf.toml`),
//! `server` (RWF400–504, `rwf serve`).

use crate::diagnostic::CodeDoc;

/// Every module's `CODES`.
const SOURCES: &[&[CodeDoc]] = &[
    crate::syntax::CODES,
    super::CODES,
    crate::compile::CODES,
    crate::schedule::CODES,
    crate::hooks::CODES,
    crate::config::CODES,
    super::against_config::CODES,
    crate::server::CODES,
];

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
        assert_eq!(lookup("RWF001").map(|d| d.code), Some("RWF001"));
        assert_eq!(lookup("RWF050").map(|d| d.code), Some("RWF050"));
        assert_eq!(lookup("rwf106").map(|d| d.code), Some("RWF106"));
        assert_eq!(lookup("rwf016").map(|d| d.code), Some("RWF016"));
        assert!(lookup("RWF999").is_none() && lookup("nope").is_none());
    }

    /// Every module's codes explain, each in its module's range.
    #[test]
    fn every_module_is_registered() {
        let ranges: [(&[CodeDoc], u32, u32); 8] = [
            (crate::syntax::CODES, 1, 9),
            (crate::check::CODES, 10, 49),
            // 140–149: the compile codes of `when` (050–069 is full); 150–154: event waits; 155–159:
            // `for each` over an upstream's output; 160–166: includes.
            (crate::compile::CODES, 50, 166),
            (crate::schedule::CODES, 70, 89),
            (crate::hooks::CODES, 90, 99),
            (crate::config::CODES, 100, 119),
            (super::super::against_config::CODES, 130, 139),
            (crate::server::CODES, 400, 504),
        ];
        for (codes, low, high) in ranges {
            assert!(!codes.is_empty());
            for doc in codes {
                assert_eq!(lookup(doc.code).map(|d| d.code), Some(doc.code));
                let n: u32 = doc.code[3..].parse().unwrap_or(0);
                assert!(
                    (low..=high).contains(&n),
                    "{} outside {low}..={high}",
                    doc.code
                );
            }
        }
        for doc in crate::compile::CODES {
            let n: u32 = doc.code[3..].parse().unwrap_or(0);
            assert!(
                (50..=69).contains(&n) || (140..=166).contains(&n),
                "{} outside the compile ranges",
                doc.code
            );
        }
        let total: usize = ranges.iter().map(|(c, _, _)| c.len()).sum();
        assert_eq!(all_codes().len(), total);
    }
}
