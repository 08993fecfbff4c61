#!/usr/bin/env bash
# Interoperability test: installs @grpc/grpc-js and @grpc/proto-loader from npm,
# starts the real grensd on an ephemeral port with the Dutch example agreement,
# runs interop.mjs against it, and stops grensd with SIGTERM.
# Usage: run.sh BIN_DIR
set -euo pipefail
BIN="$1"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
if [ ! -d "$HERE/node_modules/@grpc/grpc-js" ]; then
  (cd "$HERE" && npm install --silent --no-audit --no-fund >/dev/null)
fi
WORK="$(mktemp -d)"
trap 'kill -9 "${PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$BIN/grensd" --policy "$ROOT/policy/examples/nl-agreement.yaml" --listen 127.0.0.1:0 --clock_start 2026-06-03T13:00:00Z \
  --data_dir "$WORK/data" --ready_file "$WORK/ready" 2>"$WORK/grensd.log" &
PID=$!
# grensd writes the ready file once it is SERVING; poll for it, bounded.
for _ in $(seq 600); do
  [ -s "$WORK/ready" ] && break
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/grensd.log"; exit 1; }
  read -r -t 0.05 <> <(:) || true
done
[ -s "$WORK/ready" ] || { echo "grensd did not become ready"; cat "$WORK/grensd.log"; exit 1; }
node "$HERE/interop.mjs" "$(head -1 "$WORK/ready")" "$ROOT/proto"
kill -TERM "$PID"
wait "$PID"
