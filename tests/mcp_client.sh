#!/usr/bin/env bash
# `rwf mcp` through the official MCP Python SDK (`mcp` from PyPI, pinned, in a venv under target/): over
# stdio and over `rwf serve`'s POST /api/v1/mcp with a token, on a scratch database that is dropped
# afterwards. See tests/mcp_client/client_test.py.
#
#   DATABASE_URL  an admin URL of the Postgres server (default postgres://postgres@127.0.0.1:5432/postgres)
#   RWF_MCP_PORT  port to serve on (default 18320)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/mcp-venv
if ! "$venv/bin/python" -c 'import mcp, importlib.metadata as m; assert m.version("mcp") == "1.26.0"' 2>/dev/null; then
  rm -rf "$venv"
  python3.11 -m venv "$venv" 2>/dev/null || python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'mcp==1.26.0'
fi
cargo build -q --bin rwf
admin_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db="rwf_mcp_$(date +%s)_$$"
work=$(mktemp -d)
cleanup() {
  psql "$admin_url" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql "$admin_url" -q -c "CREATE DATABASE $db" >/dev/null
cp tests/fixtures/server/rwf.toml "$work/rwf.toml"
RWF_BIN="$PWD/target/debug/rwf" DATABASE_URL="${admin_url%/*}/$db" RWF_WORK="$work" \
  RWF_PORT="${RWF_MCP_PORT:-18320}" "$venv/bin/python" tests/mcp_client/client_test.py </dev/null
