#!/usr/bin/env bash
# Schema-driven fuzzing of `rwf serve`: schemathesis (from PyPI, in a venv under target/) generates
# requests for every operation of the server's own /api/v1/openapi.json and checks that no response is
# a 5xx and that every response matches the document (status, content type, schema). The server runs
# on loopback over a scratch database holding a pushed template and a workflow; the token is an org
# admin's, so generated requests reach every handler's rules rather than stopping at 403.
#
#   DATABASE_URL  an admin URL of the Postgres server (default postgres://postgres@127.0.0.1:5432/postgres)
#   RWF_FUZZ_PORT port to serve on (default 18310)     RWF_FUZZ_EXAMPLES examples per operation (default 25)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/schemathesis-venv
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis>=3.30,<4' 'hypothesis>=6.100,<6.120'
fi
cargo build -q
rwf="$PWD/target/debug/rwf"
admin_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db="rwf_fuzz_$(date +%s)_$$"
db_url="${admin_url%/*}/$db"
port=${RWF_FUZZ_PORT:-18310}
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  psql "$admin_url" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql "$admin_url" -q -c "CREATE DATABASE $db" >/dev/null
cp tests/fixtures/server/rwf.toml "$work/rwf.toml"
export DATABASE_URL=$db_url
"$rwf" db migrate 2>/dev/null
token=$(cd "$work" && "$rwf" admin token create --person boss 2>/dev/null)
"$rwf" serve --listen "127.0.0.1:$port" --config "$work/rwf.toml" 2>"$work/serve.log" &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.1; done
auth=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")
jq -Rs '{source: .}' tests/fixtures/server/release.rwf | curl -fs "${auth[@]}" -d @- "$base/api/v1/templates" >/dev/null
curl -fs "${auth[@]}" -d '{"template":"srv_release","release":"2030-01-15T09:00","sets":{"product":"Fuzz"},"owner":"team:release"}' \
  "$base/api/v1/workflows" >/dev/null
# Event streams never end: schemathesis cannot read them to the end, so they are left out.
"$venv/bin/st" run "$base/api/v1/openapi.json" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-path-regex '/(events|stream)$' \
  --hypothesis-max-examples "${RWF_FUZZ_EXAMPLES:-25}" \
  --stateful=links \
  --hypothesis-deadline none \
  --request-timeout 20000 \
  --show-trace
if grep -q '"status":5' "$work/serve.log"; then
  echo "the server answered 5xx:" >&2
  grep '"status":5' "$work/serve.log" >&2
  exit 1
fi
