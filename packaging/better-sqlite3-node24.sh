#!/usr/bin/env bash
# Prints the path of better-sqlite3's native addon built for the bundled Node 24 runtime
# (packaging/node-runtime.sh): a copy of node_modules/better-sqlite3 is compiled with
# node-gyp under that node binary against its headers (--nodedir), so the addon's ABI
# (NODE_MODULE_VERSION) is Node 24's while the checkout's own build stays Node 20's.
# Cached by better-sqlite3 version and Node version (a build takes ~1-2 min).
#   PINWATCH_CACHE_DIR   default /var/cache/pinwatch
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache_dir=${PINWATCH_CACHE_DIR:-/var/cache/pinwatch}
node24=$(bash "$here/node-runtime.sh")
node_version=$("$node24/bin/node" --version)
pkg="$repo/node_modules/better-sqlite3"
[ -f "$pkg/package.json" ] || { echo "better-sqlite3-node24: $pkg missing (run npm ci first)" >&2; exit 1; }
bs3_version=$("$node24/bin/node" -p "require('$pkg/package.json').version")
out="$cache_dir/better-sqlite3-$bs3_version-node-$node_version.node"
if [ -s "$out" ]; then
  echo "$out"
  exit 0
fi
node_gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$node_gyp" ] || { echo "better-sqlite3-node24: node-gyp not found at $node_gyp" >&2; exit 1; }
work=$(mktemp -d "$cache_dir/better-sqlite3-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r "$pkg/." "$work/"
rm -rf "$work/build"
echo "better-sqlite3-node24: compiling better-sqlite3 $bs3_version for node $node_version (once; cached)" >&2
(cd "$work" && PATH="$node24/bin:$PATH" nice -n 10 "$node24/bin/node" "$node_gyp" rebuild --release --nodedir="$node24" -j 2 >"$work/build.log" 2>&1) \
  || { tail -n 30 "$work/build.log" >&2; echo "better-sqlite3-node24: node-gyp failed (log above)" >&2; exit 1; }
# Prove the ABI before caching: loading it under Node 24 opens an in-memory database.
"$node24/bin/node" -e "
const Database = require('$work');
const db = new Database(':memory:', { nativeBinding: '$work/build/Release/better_sqlite3.node' });
if (db.prepare('select 1 as one').get().one !== 1) process.exit(1);
" || { echo "better-sqlite3-node24: the built addon does not load under node $node_version" >&2; exit 1; }
cp "$work/build/Release/better_sqlite3.node" "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
