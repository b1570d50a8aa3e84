#!/usr/bin/env bash
# `bash benches/plan_warnings.sh [TASKS] [WARNINGS]`: `rwf plan` and `rwf check` on a generated template
# of TASKS checkpoints (default 5,000), WARNINGS of them (default 2,000, spread evenly) scheduled past the
# horizon (RWF024), with the release binary. Target: ≤ 300 ms each. Uses hyperfine when installed.
set -euo pipefail
cd "$(dirname "$0")/.."
tasks=${1:-5000}
warnings=${2:-2000}
out=target/bench_plan_warnings
mkdir -p "$out"
file="$out/big_${tasks}_${warnings}.rwf"
{
  echo 'template big "Big ${product}" version 1 {'
  echo '  param product: string = "W"'
  echo '  param release: datetime'
  echo '  param tz: timezone = "UTC"'
  echo '  target release in tz'
  for ((i = 0; i < tasks; i++)); do
    if (((i * warnings) / tasks != ((i + 1) * warnings) / tasks)); then
      at="at release - $((1000 + i % 500)) days"
    else
      at="at release - $(((tasks - i) % 300)) days at 09:00"
    fi
    echo "  checkpoint t$i \"Checkpoint $i\" { $at }"
  done
  echo '}'
} >"$file"
cargo build --release --quiet
rwf=target/release/rwf
found=$("$rwf" check "$file" --release 2026-09-15T09:00 --format short 2>/dev/null | grep -c RWF024 || true)
echo "$file: $tasks tasks, $found warnings"
plan=("$rwf" plan "$file" --release 2026-09-15T09:00)
check=("$rwf" check "$file" --release 2026-09-15T09:00)
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs 10 --output=null "${plan[*]}" "${check[*]}"
else
  for cmd in plan check; do
    best=
    for _ in 1 2 3 4 5; do
      start=$(date +%s%N)
      if [ "$cmd" = plan ]; then "${plan[@]}" >/dev/null 2>&1; else "${check[@]}" >/dev/null 2>&1; fi
      ms=$((($(date +%s%N) - start) / 1000000))
      if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "rwf $cmd: best of 5 = ${best} ms"
  done
fi
