#!/usr/bin/env bash
# Runs every libFuzzer target of a GRENS_FUZZ build for a bounded time, one
# after the other, each from its seed corpus (tests/fuzz/corpus/<name>/), the
# inputs of bugs fuzzing found before (tests/fuzz/regressions/<name>/) and what
# earlier runs in the same build dir learned (BUILD_DIR/fuzz-work/corpus/).
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [NAME...]     (NAME: "json", "policy_yaml", ...)
#
# Exit status 1 if any target crashed, leaked, timed out or broke a property;
# the input is in BUILD_DIR/fuzz-work/artifacts/ and the log beside it. Fix the
# bug, add a test, and keep the input in tests/fuzz/regressions/<name>/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:?usage: run.sh BUILD_DIR SECONDS [NAME...]}"
BUDGET="${2:?usage: run.sh BUILD_DIR SECONDS [NAME...]}"
shift 2
WORK="$BUILD/fuzz-work"
# Scratch files (the decision log target's SQLite database) on tmpfs when there
# is one: the log's own fsyncs would otherwise set the pace. Removed at the end,
# whatever the targets left behind.
scratch_root=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && scratch_root=/dev/shm
TMPDIR="$(mktemp -d "$scratch_root/grens-fuzz-run.XXXXXX")"
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
mkdir -p "$WORK/corpus" "$WORK/artifacts" "$WORK/seeds"

# The adapter target's input is "<platform>\n<headers>\n\n<payload>": every
# golden payload the adapter tests have becomes a seed (tests/adapters/testdata/
# <platform>/<case>.json or .form), so new platforms are seeded as they arrive.
adapter_seeds() {
  local out="$WORK/seeds/adapter"
  rm -rf "$out" && mkdir -p "$out"
  local f platform
  for f in "$ROOT"/tests/adapters/testdata/*/*.json "$ROOT"/tests/adapters/testdata/*/*.form; do
    [ -f "$f" ] || continue
    platform="$(basename "$(dirname "$f")")"
    { printf '%s\n\n' "$platform"; cat "$f"; } >"$out/$platform-$(basename "$f")"
  done
  echo "$out"
}

if [ "$#" -gt 0 ]; then
  names=("$@")
else
  names=()
  for bin in "$BUILD"/fuzz/*_fuzz; do
    [ -x "$bin" ] && names+=("$(basename "$bin" _fuzz)")
  done
fi
[ "${#names[@]}" -gt 0 ] || { echo "fuzz: no targets in $BUILD/fuzz (configure with -DGRENS_FUZZ=ON)" >&2; exit 1; }

failed=()
for name in "${names[@]}"; do
  bin="$BUILD/fuzz/${name}_fuzz"
  corpus="$WORK/corpus/$name"
  mkdir -p "$corpus"
  dirs=("$corpus")
  for d in "$ROOT/tests/fuzz/corpus/$name" "$ROOT/tests/fuzz/regressions/$name"; do
    [ -d "$d" ] && dirs+=("$d")
  done
  [ "$name" = adapter ] && dirs+=("$(adapter_seeds)")
  options=(-max_total_time="$BUDGET" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1
           -artifact_prefix="$WORK/artifacts/$name-")
  [ -f "$ROOT/tests/fuzz/$name.dict" ] && options+=(-dict="$ROOT/tests/fuzz/$name.dict")
  log="$WORK/$name.log"
  if "$bin" "${options[@]}" "${dirs[@]}" >"$log" 2>&1; then
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)"
    echo "fuzz: $name ok: ${execs:-?} runs in ${BUDGET}s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l)"
  else
    failed+=("$name")
    echo "fuzz: $name FAILED (log: $log)" >&2
    grep -E '^==[0-9]+==|ERROR: libFuzzer|SUMMARY|property violated|Test unit written|runtime error' "$log" |
      head -20 >&2 || tail -30 "$log" >&2
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}; inputs in $WORK/artifacts/ (keep each in tests/fuzz/regressions/<name>/ once fixed)" >&2
  exit 1
fi
