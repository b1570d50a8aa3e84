//! The `rwf` binary run from the crate root, and its goldens under `tests/golden/cli`
//! (UPDATE_EXPECT=1 rewrites them).

#![allow(dead_code)]

use std::path::Path;

/// `rwf ARGS` in the crate root: (stdout, stderr, exit code).
pub fn rwf(args: &[&str]) -> (String, String, i32) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rwf"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

/// `actual` against `tests/golden/cli/NAME`.
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/cli")
        .join(name);
    super::expect::assert_golden(&path, actual);
}
