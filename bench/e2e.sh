#!/usr/bin/env bash
# End-to-end load in one run: the null server (gRPC ceiling), grensd's pipeline
# with logging off, and grensd with durable logging, each at 16 and 64 unary
# calls in flight, as one stream of single events and as one stream of
# 100-event messages. Medians of REPS runs; every figure also as
# a ratio to the null server measured in the same run. Writes the table into
# bench/README.md between the e2e markers.
# Usage: bench/e2e.sh [BUILD_DIR]   (REPS, SECONDS to override; --smoke for CI)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
REPS="${REPS:-3}"
SECS="${SECONDS_PER_RUN:-4}"
SMOKE=0
[ "${2:-}" = "--smoke" ] && { SMOKE=1; REPS=1; SECS=0.5; }
cmake --build "$BUILD" -j "${JOBS:-2}" --target grensd grens_load grens_null_server grens_nolog_server >/dev/null
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
POLICY="$ROOT/policy/examples/nl-agreement.yaml"

start() {  # name command...
  local name="$1"; shift
  rm -f "$WORK/ready"
  "$@" --ready_file "$WORK/ready" 2>"$WORK/$name.log" &
  PID=$!
  for _ in $(seq 400); do [ -s "$WORK/ready" ] && break; read -r -t 0.05 <> <(:) || true; done
  [ -s "$WORK/ready" ] || { cat "$WORK/$name.log"; exit 1; }
  ADDR="$(head -1 "$WORK/ready")"
}

measure() {  # name
  for run in $(seq "$REPS"); do
    for load in "--inflight 16" "--inflight 64" "--mode stream" "--mode stream --batch 100"; do
      # shellcheck disable=SC2086
      "$BUILD/bench/grens_load" --target "$ADDR" $load --seconds "$SECS" --warmup 0.5 |
        sed "s/^{/{\"server\":\"$1\",\"run\":$run,/" >>"$WORK/results.jsonl"
    done
  done
}

start null "$BUILD/bench/grens_null_server" --listen 127.0.0.1:0
measure null; kill "$PID"; wait "$PID" 2>/dev/null || true
start nolog "$BUILD/bench/grens_nolog_server" --listen 127.0.0.1:0 --policy "$POLICY" \
  --clock_start 2026-06-03T13:00:00Z
measure nolog; kill "$PID"; wait "$PID" 2>/dev/null || true
start grensd "$BUILD/bin/grensd" --listen 127.0.0.1:0 --policy "$POLICY" --data_dir "$WORK/data" \
  --clock_start 2026-06-03T13:00:00Z
measure grensd; kill -TERM "$PID"; wait "$PID" 2>/dev/null || true

if [ "$SMOKE" = 1 ]; then
  echo "e2e smoke: $(wc -l <"$WORK/results.jsonl") runs ok"
  exit 0
fi
python3 "$ROOT/bench/e2e_table.py" "$WORK/results.jsonl" "$ROOT/bench/README.md"
cat "$WORK/results.jsonl" >&2
