#!/usr/bin/env bash
# Load figures of `rwf serve` on loopback with wrk (Debian: apt-get install -y wrk): p50/p99 latency of
# `GET /api/v1/workflows/{id}` (status) and `POST .../approvals/ok/approve` (each request a different
# open approval, decided by a person of its approver team) under 50 concurrent connections. Uses the
# release binary over a scratch database; prints wrk's latency distributions.
#
#   DATABASE_URL  an admin URL of the Postgres server (default postgres://postgres@127.0.0.1:5432/postgres)
#   RWF_LOAD_PORT port (default 18320)   RWF_LOAD_WORKFLOWS approvals to open (default 4000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release --bin rwf
rwf="$PWD/target/release/rwf"
admin_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db="rwf_load_$(date +%s)_$$"
export DATABASE_URL="${admin_url%/*}/$db"
port=${RWF_LOAD_PORT:-18320}
n=${RWF_LOAD_WORKFLOWS:-4000}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  psql "$admin_url" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql "$admin_url" -q -c "CREATE DATABASE $db" >/dev/null
cp tests/fixtures/server/rwf.toml "$work/rwf.toml"
cat > "$work/bench.rwf" <<'RWF'
template api_bench "API bench ${n}" version 1 {
  param n: string "Instance"
  param release: datetime "GA instant"

  target release in "UTC"

  approval ok "Sign-off" {
    approvers team("legal") quorum 1
  }

  checkpoint done "Done" { after ok }
}
RWF
"$rwf" db migrate 2>/dev/null
ann=$(cd "$work" && "$rwf" admin token create --person ann 2>/dev/null)
lee=$(cd "$work" && "$rwf" admin token create --person lee 2>/dev/null)
boss=$(cd "$work" && "$rwf" admin token create --person boss 2>/dev/null)
"$rwf" serve --listen "127.0.0.1:$port" --config "$work/rwf.toml" --pool 24 2>/dev/null &
pids+=($!)
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.1; done
jq -Rs '{source: .}' "$work/bench.rwf" \
  | curl -fs -H "Authorization: Bearer $boss" -H 'Content-Type: application/json' -d @- "$base/api/v1/templates" >/dev/null
release=$(date -u -d '+30 days' +%Y-%m-%dT09:00)
echo "creating and starting $n workflows..." >&2
seq "$n" | xargs -P 8 -I{} sh -c '
  id=$(curl -fs -H "Authorization: Bearer $0" -H "Content-Type: application/json" \
    -d "{\"template\":\"api_bench\",\"release\":\"$1\",\"sets\":{\"n\":\"{}\"},\"owner\":\"team:release\"}" \
    "$2/api/v1/workflows" | jq -r .id)
  curl -fs -o /dev/null -X POST -H "Authorization: Bearer $0" "$2/api/v1/workflows/$id/start"
  echo "$id"' "$ann" "$release" "$base" > "$work/ids"
"$rwf" worker --concurrency 2 2>/dev/null &
worker=$!
pids+=($worker)
until [ "$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM rwf.tasks WHERE key = 'ok' AND status = 'waiting_input'")" -ge "$n" ]; do
  sleep 1
done
kill "$worker"; wait "$worker" 2>/dev/null || true
echo "$n approvals open" >&2
cat > "$work/load.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  i = tid
  mode = os.getenv("MODE")
  headers = { ["Authorization"] = "Bearer " .. os.getenv("TOKEN"), ["Content-Type"] = "application/json" }
end
function request()
  local id = ids[(i % #ids) + 1]
  i = i + 2
  if mode == "approve" then
    return wrk.format("POST", "/api/v1/workflows/" .. id .. "/approvals/ok/approve", headers, "{}")
  end
  return wrk.format("GET", "/api/v1/workflows/" .. id, headers)
end
LUA
echo "== status: GET /api/v1/workflows/{id}, 50 connections, 10 s"
IDS="$work/ids" MODE=status TOKEN="$ann" wrk -t2 -c50 -d10s --latency -s "$work/load.lua" "$base"
# Approvals: at most one request per open approval, so the run is bounded by the number opened.
echo "== approve: POST .../approvals/ok/approve (each a different approval), 50 connections"
IDS="$work/ids" MODE=approve TOKEN="$lee" wrk -t2 -c50 -d"${RWF_LOAD_APPROVE_SECONDS:-8}s" --latency -s "$work/load.lua" "$base"
decided=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM rwf.approval_decisions")
echo "approvals decided: $decided of $n (a request beyond $n would be a refusal, counted by wrk as non-2xx)"
