#!/usr/bin/env bash
# npm run test:package: the .deb, installed for real into a fresh Debian 12 minbase root
# (debootstrap, cached by packaging/debian-root.sh), with dpkg in a chroot:
#   dpkg -i; pinwatch --version / demo --snapshot / check on the real 6.1 capture host,
#   as the pinwatch user; dpkg -r keeps config and data; dpkg -P removes them, the user
#   and the group. Then lintian on the .deb (report in dist/pkg/lintian.txt).
# Needs root (chroot, mount). Every failed assertion names what it expected.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export PINWATCH_CACHE_DIR=${PINWATCH_CACHE_DIR:-/var/cache/pinwatch}
failures=0
pass() { printf '  ok    %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*"; failures=$((failures + 1)); }
expect() { # expect DESCRIPTION COMMAND...: passes when the command succeeds
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

[ "$(id -u)" -eq 0 ] || { echo "test-package: needs root (chroot and mount)" >&2; exit 1; }
for tool in dpkg-deb chroot mount; do
  command -v "$tool" >/dev/null || { echo "test-package: $tool not found" >&2; exit 1; }
done

bash packaging/build-deb.sh
version=$(node -p "require('./package.json').version")
node_version=v$(tr -d '[:space:]' <packaging/node-version)
deb="$repo/dist/pkg/pinwatch_${version}_amd64.deb"
root_tarball=$(bash packaging/debian-root.sh)

work=$(mktemp -d /var/tmp/pinwatch-package-test.XXXXXX)
root="$work/root"
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$root"
tar -xzf "$root_tarball" -C "$root"
mount -t proc proc "$root/proc"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
as_pinwatch() { chroot --userspec=pinwatch:pinwatch "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/var/lib/pinwatch "$@"; }

# The fixture root `pinwatch check` reads: the real linux-6.1 captures as a proc/sys/dev
# tree (fixtures/capture-host.ts), compiled here only, never shipped.
tool_out="$work/fixture-writer"
npx tsc --outDir "$tool_out" --rootDir . --module nodenext --moduleResolution nodenext --target es2022 \
  --skipLibCheck --types node packaging/write-capture-host.ts
ln -s "$repo/fixtures/captures" "$tool_out/fixtures/captures"
echo '{"type":"module"}' >"$tool_out/package.json"
node "$tool_out/packaging/write-capture-host.js" "$root/srv/capture-host" >/dev/null
chmod -R a+rX "$root/srv/capture-host"

echo "test-package: dpkg -i $(basename "$deb") into a fresh Debian 12 root"
cp "$deb" "$root/tmp/pinwatch.deb"
in_root dpkg -i /tmp/pinwatch.deb >"$work/dpkg-i.log" 2>&1 || { cat "$work/dpkg-i.log"; fail "dpkg -i"; exit 1; }
pass "dpkg -i installs with the minbase root's packages only (Depends satisfied)"

got=$(in_root dpkg-query -W -f='${Status}' pinwatch)
expect "dpkg says '$got'" [ "$got" = "install ok installed" ]
passwd_line=$(in_root getent passwd pinwatch || true)
uid=$(echo "$passwd_line" | cut -d: -f3)
expect "pinwatch is a system user ($passwd_line)" sh -c "[ -n '$uid' ] && [ '$uid' -lt 1000 ]"
expect "pinwatch's home is /var/lib/pinwatch, shell nologin" [ "$(echo "$passwd_line" | cut -d: -f6,7)" = "/var/lib/pinwatch:/usr/sbin/nologin" ]
expect "group pinwatch exists" sh -c "chroot '$root' getent group pinwatch >/dev/null"
state=$(in_root stat -c '%U:%G %a' /var/lib/pinwatch)
expect "/var/lib/pinwatch is pinwatch:pinwatch 750 (got $state)" [ "$state" = "pinwatch:pinwatch 750" ]
expect "/etc/pinwatch/pinwatch.yaml is a conffile" grep -qx /etc/pinwatch/pinwatch.yaml "$root/var/lib/dpkg/info/pinwatch.conffiles"
expect "packaged config sets db.path /var/lib/pinwatch/pinwatch.db" grep -Eq '^  path: /var/lib/pinwatch/pinwatch.db' "$root/etc/pinwatch/pinwatch.yaml"
expect "unit installed at /lib/systemd/system/pinwatch.service" [ -f "$root/lib/systemd/system/pinwatch.service" ]
expect "unit enabled for multi-user.target" [ -L "$root/etc/systemd/system/multi-user.target.wants/pinwatch.service" ]
shipped_tests=$(cd "$root/usr/lib/pinwatch" && find dist fixtures -name '*.test.*' -o -name '*test-support*' -o -name 'test' -o -name 'bench' -o -name 'lab' -o -name '*.ts' | head -5)
expect "no test helpers, tests, bench or lab in /usr/lib/pinwatch (found: ${shipped_tests:-none})" [ -z "$shipped_tests" ]

got=$(as_pinwatch pinwatch --version)
expect "pinwatch --version prints '$got' (expected pinwatch $version (Node.js $node_version))" \
  [ "$got" = "pinwatch $version (Node.js $node_version)" ]

as_pinwatch pinwatch demo --snapshot >"$work/demo.txt" 2>&1 || true
expect "pinwatch demo --snapshot lists the demo VMs (web-01 ok, db-02 double-charged)" \
  sh -c "grep -Eq '^web-01 .* ok\$' '$work/demo.txt' && grep -Eq '^db-02 .* double-charged\$' '$work/demo.txt'"

check_status=0
as_pinwatch pinwatch check --path.procfs /srv/capture-host/proc --path.sysfs /srv/capture-host/sys \
  --path.devfs /srv/capture-host/dev >"$work/check.txt" 2>&1 || check_status=$?
expect "pinwatch check on the 6.1 capture host: exit 0, '$(head -c 200 "$work/check.txt")'" \
  sh -c "[ $check_status -eq 0 ] && grep -q '^PINWATCH OK - 1 VFIO user' '$work/check.txt'"

# The database at the installed default path, written by the pinwatch user (better-sqlite3
# built for the bundled Node 24: a wrong ABI fails here).
db_status=0
as_pinwatch sh -c 'PINWATCH_CONFIG=/etc/pinwatch/pinwatch.yaml pinwatch snapshot --path.procfs /srv/capture-host/proc --path.sysfs /srv/capture-host/sys --path.devfs /srv/capture-host/dev' >"$work/snapshot.txt" 2>&1 || db_status=$?
expect "pinwatch snapshot with the packaged config exits 0 ($(tail -n 1 "$work/snapshot.txt"))" [ "$db_status" -eq 0 ]

# The daemon as the unit runs it (pinwatch user, packaged config), on the capture host:
# it opens the database at the installed default path with better-sqlite3 built for the
# bundled Node 24 (a wrong ABI fails here) and answers /readyz and /api/v1/vms.
port=$(( 20000 + RANDOM % 20000 ))
chroot --userspec=pinwatch:pinwatch "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/var/lib/pinwatch \
  PINWATCH_CONFIG=/etc/pinwatch/pinwatch.yaml pinwatch serve --web.listen-address "127.0.0.1:$port" \
  --path.procfs /srv/capture-host/proc --path.sysfs /srv/capture-host/sys --path.devfs /srv/capture-host/dev \
  --ebpf.source off --collection.interval 1s >"$work/serve.log" 2>&1 &
serve_pid=$!
ready=no
for _ in $(seq 1 60); do
  if node -e "fetch('http://127.0.0.1:$port/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then ready=yes; break; fi
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 1
done
expect "pinwatch serve (pinwatch user, packaged config) answers /readyz" [ "$ready" = yes ]
vms=$(node -e "fetch('http://127.0.0.1:$port/api/v1/vms').then(r => r.json()).then(b => console.log(JSON.stringify(b).length > 2 ? JSON.stringify(b).slice(0, 300) : ''), () => {})" || true)
expect "/api/v1/vms answers ($vms)" [ -n "$vms" ]
build_info=$(node -e "fetch('http://127.0.0.1:$port/metrics').then(r => r.text()).then(t => console.log(t.split('\\n').find(l => l.startsWith('pinwatch_build_info')) ?? ''), () => {})" || true)
expect "/metrics pinwatch_build_info names $node_version ($build_info)" grep -qF "node_version=\"$node_version\"" <<<"$build_info"
kill -TERM "$serve_pid" 2>/dev/null || true
wait "$serve_pid" 2>/dev/null || true
db_owner=$(in_root stat -c '%U' /var/lib/pinwatch/pinwatch.db 2>/dev/null || echo missing)
expect "the database /var/lib/pinwatch/pinwatch.db exists, owned by pinwatch (got $db_owner)" [ "$db_owner" = pinwatch ]
[ "$ready" = yes ] || sed 's/^/  serve: /' "$work/serve.log" | tail -n 20

echo "test-package: dpkg -r"
in_root dpkg -r pinwatch >"$work/dpkg-r.log" 2>&1 || { cat "$work/dpkg-r.log"; fail "dpkg -r"; }
expect "dpkg -r removes /usr/lib/pinwatch, /usr/bin/pinwatch and the unit" \
  sh -c "[ ! -e '$root/usr/lib/pinwatch' ] && [ ! -e '$root/usr/bin/pinwatch' ] && [ ! -e '$root/lib/systemd/system/pinwatch.service' ]"
expect "dpkg -r keeps the conffile /etc/pinwatch/pinwatch.yaml" [ -f "$root/etc/pinwatch/pinwatch.yaml" ]
expect "dpkg -r keeps /var/lib/pinwatch and the pinwatch user" sh -c "[ -d '$root/var/lib/pinwatch' ] && chroot '$root' getent passwd pinwatch >/dev/null"

echo "test-package: dpkg -P"
in_root dpkg -P pinwatch >"$work/dpkg-p.log" 2>&1 || { cat "$work/dpkg-p.log"; fail "dpkg -P"; }
expect "dpkg -P removes /etc/pinwatch" [ ! -e "$root/etc/pinwatch" ]
expect "dpkg -P removes /var/lib/pinwatch" [ ! -e "$root/var/lib/pinwatch" ]
expect "dpkg -P removes the pinwatch user and group" sh -c "! chroot '$root' getent passwd pinwatch >/dev/null && ! chroot '$root' getent group pinwatch >/dev/null"
left=$(find "$root/etc/systemd" "$root/var/lib/systemd" -name 'pinwatch*' 2>/dev/null | sed "s|^$root||")
expect "dpkg -P leaves no systemd links or state (found: ${left:-none})" [ -z "$left" ]
got=$(in_root dpkg-query -W -f='${Status}' pinwatch 2>/dev/null || true)
expect "dpkg knows nothing of pinwatch any more ('$got')" sh -c "[ -z '$got' ] || [ '$got' = 'unknown ok not-installed' ]"

if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 "$deb" >"$repo/dist/pkg/lintian.txt" 2>&1 || true
  errors=$(grep -c '^E:' "$repo/dist/pkg/lintian.txt" || true)
  warnings=$(grep -c '^W:' "$repo/dist/pkg/lintian.txt" || true)
  echo "test-package: lintian: $errors errors, $warnings warnings (dist/pkg/lintian.txt)"
  grep -E '^(E|W):' "$repo/dist/pkg/lintian.txt" | sed 's/^/  /' | head -30
else
  fail "lintian not installed (apt-get install lintian)"
fi

if [ "$failures" -gt 0 ]; then
  echo "test-package: $failures check(s) failed"
  exit 1
fi
echo "test-package: all checks passed"
