#!/usr/bin/env bash
# `bash benches/dbos/run.sh`: DBOS (from PyPI, in a virtual environment under target/) against rwf on
# DBOS's own workload, 200 workflows × 20 sequential steps (rwf: `builtin:succeed` agents through the
# real worker loop, `rwf bench --shape chain`), on the same PostgreSQL server, interleaved ROUNDS times
# (default 3); prints each rate and the ratio rwf / DBOS. DATABASE_URL names the server (default
# postgres://postgres@127.0.0.1:5432/postgres); each side works in a scratch database of its own.
# SHAPE=fan runs rwf's default shape instead (a root checkpoint, 9 parallel agents and 9 checkpoints,
# a final checkpoint: tasks settled per second) against the same DBOS chain. WORKERS=N runs N rwf
# workers side by side (`rwf bench --workers`).
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
rounds=${ROUNDS:-3}
workflows=${WORKFLOWS:-200}
steps=${STEPS:-20}
shape=${SHAPE:-chain}
workers=${WORKERS:-1}
venv=target/dbos_venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check 'dbos==3.4.0'
cargo build --release --quiet
server=${url%/*}
dbos_db=rwf_dbos_bench
psql "$url" -qc "DROP DATABASE IF EXISTS $dbos_db WITH (FORCE)" 2>/dev/null || true
dbos_rates=()
rwf_rates=()
for ((r = 1; r <= rounds; r++)); do
  # DBOS's database is recreated each round so both start from empty tables.
  psql "$url" -qc "DROP DATABASE IF EXISTS $dbos_db WITH (FORCE)"
  out=$("$venv/bin/python" benches/dbos/chain.py "$server/$dbos_db" "$workflows" "$steps")
  echo "round $r $out"
  dbos_rates+=("$(sed -E 's/.*= ([0-9]+) steps\/s.*/\1/' <<<"$out")")
  if [ "$shape" = fan ]; then
    out=$(target/release/rwf bench --database-url "$url" --shape fan --workflows "$workflows" \
      --tasks "$steps" --workers "$workers" --throughput-only | grep '^(a)')
    echo "round $r rwf: $out"
    rwf_rates+=("$(sed -E 's/.*= ([0-9]+) tasks\/s.*/\1/' <<<"$out")")
  else
    out=$(target/release/rwf bench --database-url "$url" --shape chain --workflows "$workflows" \
      --tasks "$steps" --workers "$workers" --max-in-flight "$workflows" | sed -n 1p)
    echo "round $r rwf: $out"
    rwf_rates+=("$(sed -E 's/.*= ([0-9]+) steps\/s.*/\1/' <<<"$out")")
  fi
done
psql "$url" -qc "DROP DATABASE IF EXISTS $dbos_db WITH (FORCE)"
sum() { local s=0; for x in "$@"; do s=$((s + x)); done; echo "$s"; }
d=$(sum "${dbos_rates[@]}")
w=$(sum "${rwf_rates[@]}")
echo "rwf ($shape, $workers worker(s)) / DBOS on $workflows × $steps sequential steps, $rounds interleaved rounds:" \
  "$((w / rounds)) / $((d / rounds)) steps/s = $(awk -v w="$w" -v d="$d" 'BEGIN { printf "%.2f", w / d }')×"
