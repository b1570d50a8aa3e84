//! The module loader the language server gives the checker: local modules relative to the
//! importing file, `std/...` from the stdlib embedded in the binary.

use crate::compile::ModuleLoader;
use std::path::Path;

#[derive(Debug, Clone, Copy, Default)]
pub struct FsLoader;

impl ModuleLoader for FsLoader {
    fn load(&self, from: &str, path: &str) -> Result<(String, String), String> {
        if path.starts_with("std/") {
            return Err(format!("the standard library module `{path}` is not available"));
        }
        let base = Path::new(from).parent().unwrap_or(Path::new("."));
        let mut target = base.join(path.trim_start_matches("./"));
        if target.extension().is_none() {
            target.set_extension("rwf");
        }
        let text = std::fs::read_to_string(&target)
            .map_err(|e| format!("cannot read `{}`: {e}", target.display()))?;
        Ok((target.display().to_string(), text))
    }
}
