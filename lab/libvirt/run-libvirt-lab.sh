#!/usr/bin/env bash
# The libvirt lab: a real libvirtd (Debian's) inside the kernel lab's guest starts two
# domains with the guest's edu devices as <hostdev managed='no'>, and pinwatch must name
# them (domain, uuid, Nova metadata) and judge them by libvirt's RLIMIT_MEMLOCK rule.
# Reuses the kernel lab's fetch-kernel.sh, build-initramfs.sh and boot-guest.sh.
#   sudo bash lab/libvirt/run-libvirt-lab.sh      # or: npm run test:lab:libvirt (as root)
# Environment: KERNEL_PACKAGE / KERNEL_DEB (as the kernel lab), LAB_RESULTS (results dir,
# default $LAB_CACHE/libvirt-results/<time>), LAB_SKIP_DEPS=1, LAB_TIMEOUT_S (default 1500).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../lib/lab-config.sh"
started=$(date +%s)

[ "${LAB_SKIP_DEPS:-0}" = 1 ] || bash "$here/install-deps.sh"
command -v libvirtd >/dev/null || lab_die "libvirtd not installed (lab/libvirt/install-deps.sh)"

kdir="$(bash "$LAB_DIR/fetch-kernel.sh")"
initrd="$(bash "$LAB_DIR/build-initramfs.sh" "$kdir")"

mkdir -p "$LAB_CACHE/build"
(cd "$REPO_DIR" && npm run build --silent) >"$LAB_CACHE/build/npm-build-libvirt.log" 2>&1 ||
  { tail -n 30 "$LAB_CACHE/build/npm-build-libvirt.log" >&2; lab_die "pinwatch does not build (npm run build)"; }

results="${LAB_RESULTS:-$LAB_CACHE/libvirt-results/$(date +%Y%m%d-%H%M%S)}"
rm -rf "$results"
mkdir -p "$results"
cat > "$results/job.sh" <<JOB
export LAB_OUT=/lab-results
export LAB_PINWATCH='$REPO_DIR/dist/cli/main.js'
export LAB_GUEST_MIB='${LAB_LIBVIRT_GUEST_MIB:-96}'
exec bash '$here/guest-libvirt-job.sh'
JOB

lab_log "libvirt lab: booting $(cat "$kdir/release") (results in $results)"
guest_rc=0
bash "$LAB_DIR/boot-guest.sh" "$kdir" "$initrd" "$results" "${LAB_TIMEOUT_S:-1500}" || guest_rc=$?
grep -E '^\[guest' "$results/job.log" >&2 || true
[ "$guest_rc" -ne 124 ] || lab_die "guest timed out (console: $results/console.log)"
[ -f "$results/env.json" ] || lab_die "guest produced no results (job log: $results/job.log)"

lab_log "asserting pinwatch against libvirt"
test_rc=0
(cd "$REPO_DIR" && LAB_RESULTS="$results" LAB_GUEST_RC="$guest_rc" \
  npx vitest run --config lab/libvirt/vitest.libvirt-lab.config.ts) || test_rc=$?
lab_log "libvirt lab finished in $(( $(date +%s) - started ))s (guest exit $guest_rc, assertions exit $test_rc)"
exit "$test_rc"
