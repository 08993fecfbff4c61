#!/usr/bin/env bash
# Runs every micro benchmark in the build tree with repetitions and writes the
# medians, with the machine they ran on, into bench/README.md between the
# "results" markers. Usage: bench/run.sh [BUILD_DIR] [--smoke]
#   --smoke  one short repetition each, no README change (CI proves they still run)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
SMOKE=0
[ "${2:-}" = "--smoke" ] && SMOKE=1

cmake --build "$BUILD" -j "${JOBS:-2}" >/dev/null
OUT="$(mktemp -d)"
for bin in "$BUILD"/bench/*_bench; do
  [ -x "$bin" ] || continue
  name="$(basename "$bin")"
  if [ "$SMOKE" = 1 ]; then
    "$bin" --benchmark_min_time=0.01 >/dev/null
    echo "bench smoke: $name ok"
  else
    echo "bench: $name" >&2
    "$bin" --benchmark_repetitions="${REPS:-7}" --benchmark_report_aggregates_only=true \
      --benchmark_format=json >"$OUT/$name.json"
  fi
done
[ "$SMOKE" = 1 ] && exit 0
python3 "$ROOT/bench/results_table.py" "$OUT" "$ROOT/bench/README.md" "$BUILD"
echo "bench: results written to bench/README.md" >&2
