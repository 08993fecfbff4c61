#!/usr/bin/env bash
# `buf lint` over proto/ (issue 2: the protos pass buf lint). buf comes from the
# npm package @bufbuild/buf, installed once into the build tree.
set -euo pipefail
SRC="$1"; BUILD="$2"
TOOLS="$BUILD/npm-tools"
if [ ! -x "$TOOLS/node_modules/.bin/buf" ]; then
  mkdir -p "$TOOLS"
  npm install --silent --prefix "$TOOLS" @bufbuild/buf >/dev/null
fi
cd "$SRC/proto"
"$TOOLS/node_modules/.bin/buf" lint
echo "buf lint: ok"
