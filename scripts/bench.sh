#!/usr/bin/env bash
# Runs every benchmark (scripts/bench_*.ts) one after another and prints their tables.
# Benchmarks start their own registry; run them on a quiet machine — figures from a loaded one
# say little. Usage: bash scripts/bench.sh [name…]   (e.g. bash scripts/bench.sh build layer)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deno=$("$root/scripts/ensure-deno.sh")
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$root"/scripts/bench_*.ts; do names+=("$(basename "$f" .ts | sed 's/^bench_//')"); done
fi
for n in "${names[@]}"; do
  echo "== bench_$n"
  "$deno" run -A "$root/scripts/bench_$n.ts"
  echo
done
