#!/usr/bin/env bash
# grensd's memory: resident set size (VmRSS) idle after start-up, then every
# SAMPLE seconds under closed-loop load (64 unary calls in flight, durable
# log) for MINUTES minutes, and idle again after the load. Writes the table
# into bench/README.md between the memory markers.
# Usage: bench/memory.sh [BUILD_DIR]   (MINUTES=10, SAMPLE=30; --smoke for CI)
#
# "Flat" means: after the first minute (allocator arenas, SQLite's page cache
# and gRPC's buffers filled once), RSS stops growing while the log on disk
# grows by millions of records.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
MINUTES="${MINUTES:-10}"
SAMPLE="${SAMPLE:-30}"
SMOKE=0
[ "${2:-}" = "--smoke" ] && { SMOKE=1; MINUTES=0.05; SAMPLE=1; }
cmake --build "$BUILD" -j "${JOBS:-2}" --target grensd grens_load >/dev/null
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BUILD/bin/grensd" --listen 127.0.0.1:0 --policy "$ROOT/policy/examples/nl-agreement.yaml" \
  --data_dir "$WORK/data" --clock_start 2026-06-03T13:00:00Z --ready_file "$WORK/ready" 2>"$WORK/grensd.log" &
PID=$!
for _ in $(seq 400); do [ -s "$WORK/ready" ] && break; read -r -t 0.05 <> <(:) || true; done
[ -s "$WORK/ready" ] || { cat "$WORK/grensd.log"; exit 1; }
ADDR="$(head -1 "$WORK/ready")"

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"; }
# The WAL must stay bounded under load (it is copied back and rewound).
wal_kib() { local b; b="$(stat -c %s "$WORK/data/decisions.db-wal" 2>/dev/null || echo 0)"; echo $((b / 1024)); }
pause() { read -r -t "$1" <> <(:) || true; }  # sleep without a child process

pause 2
idle_start="$(rss_kib)"
seconds="$(awk -v m="$MINUTES" 'BEGIN {printf "%d", m * 60 + 0.5}')"
[ "$seconds" -lt 1 ] && seconds=1
"$BUILD/bench/grens_load" --target "$ADDR" --inflight 64 --seconds "$seconds" --warmup 0 >"$WORK/load.json" &
LOAD=$!
: >"$WORK/samples"
elapsed=0
while kill -0 "$LOAD" 2>/dev/null; do
  pause "$SAMPLE"
  elapsed=$((elapsed + SAMPLE))
  kill -0 "$LOAD" 2>/dev/null && echo "$elapsed $(rss_kib) $(wal_kib)" >>"$WORK/samples"
done
wait "$LOAD"
pause 2
idle_end="$(rss_kib)"
records="$(du -sk "$WORK/data" | cut -f1)"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true

if [ "$SMOKE" = 1 ]; then
  echo "memory smoke: idle ${idle_start} KiB, after load ${idle_end} KiB"
  exit 0
fi
python3 - "$WORK/samples" "$WORK/load.json" "$idle_start" "$idle_end" "$records" "$MINUTES" "$ROOT/bench/README.md" <<'EOF'
import json, pathlib, subprocess, sys
sys.path.insert(0, str(pathlib.Path(sys.argv[7]).parent))
from readme_section import replace_section
samples = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
load = json.load(open(sys.argv[2]))
idle_start, idle_end, disk_kib, minutes = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
readme = pathlib.Path(sys.argv[7])
mib = lambda kib: f"{kib / 1024:.1f} MiB"
after_first_minute = [rss for t, rss, _ in samples if t > 60] or [rss for _, rss, _ in samples]
lines = ["| when | RSS | WAL file |", "| --- | --- | --- |", f"| idle, after start-up | {mib(idle_start)} | |"]
lines += [f"| {t} s under load | {mib(rss)} | {mib(wal)} |" for t, rss, wal in samples]
lines += [f"| idle, after the load | {mib(idle_end)} | |"]
growth = after_first_minute[-1] - after_first_minute[0]
rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=readme.parent).stdout.strip()
head = (f"grensd with the Dutch agreement and the durable SQLite log, {minutes} minutes at 64 unary calls in flight "
        f"({load['calls_per_s']:,.0f} calls/s, {load['calls_per_s'] * float(minutes) * 60:,.0f} decisions, log on disk "
        f"{mib(disk_kib)}, largest WAL sampled {mib(max(w for _, _, w in samples))}); commit {rev}. From the first sample after one minute to the last: "
        f"{'+' if growth >= 0 else ''}{growth / 1024:.1f} MiB.")
replace_section(readme, "memory", f"{head}\n\n" + "\n".join(lines))
EOF
echo "memory: results written to bench/README.md" >&2
