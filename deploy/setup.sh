#!/usr/bin/env bash
# grens set-up on Debian 12, as root (or with sudo available).
#
#   deploy/setup.sh run    install what is missing, build, run grensd with the Dutch
#                          example agreement on 127.0.0.1:50051 (data in ./grens-data,
#                          metrics on http://127.0.0.1:9090/metrics)
#   deploy/setup.sh test   install what is missing, build, run the whole test suite
#   deploy/setup.sh build  install what is missing and build only
#   deploy/setup.sh deps   install what is missing only
#
# Environment: BUILD_DIR (default build), JOBS (default: number of cores),
# GRENS_CMAKE_ARGS (extra cmake arguments), GRENS_METRICS_ADDRESS (default
# 127.0.0.1:9090; empty turns the metrics endpoint off).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
JOBS="${JOBS:-$(nproc)}"

# Debian 12 packages grens builds, tests and runs with.
PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libre2-dev libyaml-cpp-dev libssl-dev libsqlite3-dev libpq-dev
  libgtest-dev libgmock-dev libbenchmark-dev tzdata sqlite3 openssl python3
  libcpp-httplib-dev python3-yaml postgresql
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node.js and npm drive the interoperability test and `buf`; any version >= 18.
  command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

build() {
  local launcher=()
  if command -v ccache >/dev/null; then
    export CCACHE_BASEDIR="$ROOT"
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  # shellcheck disable=SC2086
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja "${launcher[@]}" ${GRENS_CMAKE_ARGS:-} >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

run() {
  mkdir -p "$ROOT/grens-data"
  echo "setup: starting grensd on 127.0.0.1:50051 with policy/examples/nl-agreement.yaml" >&2
  exec "$BUILD_DIR/bin/grensd" \
    --policy "$ROOT/policy/examples/nl-agreement.yaml" \
    --listen 127.0.0.1:50051 \
    --data_dir "$ROOT/grens-data" \
    --metrics_address "${GRENS_METRICS_ADDRESS-127.0.0.1:9090}"
}

run_tests() {
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS"
}

case "${1:-}" in
  deps) install_deps ;;
  build) install_deps; build ;;
  run) install_deps; build; run ;;
  test) install_deps; build; run_tests ;;
  *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
