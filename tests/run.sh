#!/usr/bin/env bash
# The whole test suite: formatting, lints, every cargo test (the Postgres tests use DATABASE_URL, else
# 127.0.0.1:5432, else a throwaway initdb cluster), the shipped templates through `rwf check` and
# `rwf fmt --check`, the README walkthrough, and the editor tests (TextMate grammar, Vim, LSP client,
# .vsix packaging; editors/test.sh installs npm packages and, without vim, vim-nox with apt-get), and the
# schema-driven fuzzing of `rwf serve` (schemathesis from PyPI in a venv under target/), and `rwf mcp` through
# the official MCP Python SDK (`mcp` from PyPI, pinned, in a venv under target/).
# Benches are not run here (`cargo bench` runs them, optimised). Last line: one summary.
set -uo pipefail
cd "$(dirname "$0")/.."
steps=0
step() {
  echo "== $*" >&2
  if ! "$@"; then
    echo "tests/run.sh: FAILED at step $((steps + 1)): $*" >&2
    exit 1
  fi
  steps=$((steps + 1))
}
step cargo fmt --all -- --check
step cargo clippy --all-targets -- -D warnings
step cargo test --lib --bins --tests
step cargo run -q -- check templates stdlib examples --deny-warnings
step cargo run -q -- check --deny-warnings examples/rwf.toml templates examples/hooked_release.rwf examples/first_release.rwf
step cargo run -q -- fmt --check templates stdlib examples
step bash editors/test.sh
step bash tests/fuzz_api.sh
step bash tests/mcp_client.sh
# Every shipped holiday pack, every year, against the pinned `holidays` package (venv under target/).
holiday_packs() {
  { [ -x target/holidays-venv/bin/python ] || python3 -m venv target/holidays-venv; } &&
    target/holidays-venv/bin/pip install -q "holidays==$(sed -n 's/^PINNED = "\(.*\)"/\1/p' tests/fixtures/schedule/gen_holidays.py)" &&
    target/holidays-venv/bin/python tests/fixtures/schedule/check_holidays.py
}
step holiday_packs
# The web console in headless Chromium (Debian's package; playwright-core from npm never downloads one),
# against a release build (the 1,000-task drag is timed).
web_console() {
  { command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium); } &&
    cargo build --release --bin rwf &&
    (cd tests/web && npm ci --no-audit --no-fund && RWF_BIN="$PWD/../../target/release/rwf" npm test)
}
step web_console
echo "tests/run.sh: all $steps steps passed"
