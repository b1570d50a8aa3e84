#!/usr/bin/env bash
# The whole test suite: formatting, lints, every cargo test (the Postgres tests use DATABASE_URL, else
# 127.0.0.1:5432, else a throwaway initdb cluster), the shipped templates through `rwf check` and
# `rwf fmt --check`, the editor tests (TextMate grammar, Vim, LSP client, .vsix packaging), and the
# schema-driven fuzzing of `rwf serve` (schemathesis from PyPI in a venv under target/).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
cargo run -q -- check templates stdlib examples --deny-warnings
cargo run -q -- fmt --check templates stdlib examples
bash editors/test.sh
bash tests/fuzz_api.sh
# The web console in headless Chromium (Debian's package; playwright-core from npm never downloads one).
command -v chromium || (apt-get update && apt-get install -y chromium)
cargo build --release --bin rwf
(cd tests/web && npm ci --no-audit --no-fund && RWF_BIN="$PWD/../../target/release/rwf" npm test)
