#!/usr/bin/env bash
# The whole test suite: formatting, lints, every cargo test (Postgres tests find or start a server).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
