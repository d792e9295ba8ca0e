#!/usr/bin/env bash
# The kernel lab, end to end: installs what it needs, fetches a Debian kernel (default: the
# one bookworm's linux-image-amd64 depends on), builds the initramfs and vfio-cases, builds
# pinwatch, boots the kernel under QEMU TCG with an emulated IOMMU and two edu devices, runs
# every VFIO case against ground-truth bpftrace and pinwatch inside it, then asserts on the
# host (lab/kernel-lab.lab.test.ts) that pinwatch agrees with the kernel. Exit 0 only when
# every assertion holds. Everything downloaded or built is cached under LAB_CACHE.
#
#   KERNEL_PACKAGE=linux-image-6.1.0-56-amd64   a package apt can download
#   KERNEL_DEB=/path/linux-image-....deb        or a .deb at hand (e.g. trixie's 6.12)
#   LAB_CACHE=/var/cache/pinwatch-lab           cache root (kernels, initramfs, builds, results)
#   LAB_RESULTS=<dir>                           where results go (default LAB_CACHE/results/<time>)
#   LAB_BT=<file>                               ground-truth bpftrace script (default: generated in
#                                               the guest for its kernel, guest/ground-truth-bt.sh)
#   LAB_REQUIRE_PINWATCH=1                      0: run the kernel side only when pinwatch does not build
#   LAB_TIMEOUT_S=1800                          guest deadline; QEMU is killed when it expires
#   LAB_CASE_MIB=64 LAB_COST_MIB=256 LAB_COST_ROUNDS=3
#   LAB_COST_GROUND_TRUTH=1                     also time the ground-truth script (comparison only)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/lab-config.sh"
lab_started=$(date +%s)

[ "${LAB_SKIP_DEPS:-0}" = 1 ] || bash "$LAB_DIR/install-deps.sh"

kdir="$(bash "$LAB_DIR/fetch-kernel.sh")"
initrd="$(bash "$LAB_DIR/build-initramfs.sh" "$kdir")"

src="$LAB_DIR/vfio-cases/vfio-cases.c"
bin="$LAB_CACHE/build/vfio-cases-$(sha256sum "$src" | cut -c1-16)"
if [ ! -x "$bin" ]; then
  mkdir -p "$LAB_CACHE/build"
  gcc -O2 -Wall -Wextra -Werror -o "$bin.tmp" "$src"
  mv "$bin.tmp" "$bin"
  lab_log "vfio-cases: built $bin"
fi

pinwatch_main=""
if [ "${LAB_REQUIRE_PINWATCH:-1}" != skip ]; then
  # The guest runs this checkout's pinwatch through the 9p root: build it here.
  if (cd "$REPO_DIR" && npm run build --silent) >"$LAB_CACHE/build/npm-build.log" 2>&1 &&
     [ -f "$REPO_DIR/dist/cli/main.js" ]; then
    pinwatch_main="$REPO_DIR/dist/cli/main.js"
    lab_log "pinwatch: built $pinwatch_main"
  elif [ "${LAB_REQUIRE_PINWATCH:-1}" = 1 ]; then
    tail -n 30 "$LAB_CACHE/build/npm-build.log" >&2
    lab_die "pinwatch does not build (npm run build); LAB_REQUIRE_PINWATCH=0 runs the kernel side alone"
  else
    lab_log "pinwatch: not built (npm run build failed); running the kernel side only"
  fi
fi

results="${LAB_RESULTS:-$LAB_CACHE/results/$(date +%Y%m%d-%H%M%S)}"
rm -rf "$results"
mkdir -p "$results"
mkdir -p "$LAB_CACHE/results"
# Keep the last 5 runs' results.
{ ls -1dt "$LAB_CACHE"/results/2* 2>/dev/null || true; } | tail -n +6 | xargs -r rm -rf
ln -sfn "$results" "$LAB_CACHE/results/latest"
bt="${LAB_BT:-}"
cat > "$results/job.sh" <<JOB
export LAB_OUT=/lab-results
export LAB_BIN='$bin'
export LAB_BT='$bt'
export LAB_PINWATCH='$pinwatch_main'
export LAB_PINWATCH_FLAGS='${LAB_PINWATCH_FLAGS:-}'
export LAB_CASE_MIB='${LAB_CASE_MIB:-64}'
export LAB_COST_MIB='${LAB_COST_MIB:-256}'
export LAB_COST_ROUNDS='${LAB_COST_ROUNDS:-3}'
export LAB_COST_GROUND_TRUTH='${LAB_COST_GROUND_TRUTH:-0}'
exec bash '$LAB_DIR/guest/run-cases.sh'
JOB

lab_log "booting $(cat "$kdir/release") (results in $results)"
guest_rc=0
bash "$LAB_DIR/boot-guest.sh" "$kdir" "$initrd" "$results" "${LAB_TIMEOUT_S:-1800}" || guest_rc=$?
grep -E '^\[guest' "$results/job.log" >&2 || true
[ "$guest_rc" -ne 124 ] || lab_die "guest timed out (console: $results/console.log)"
[ -f "$results/env.json" ] || lab_die "guest produced no results (job log: $results/job.log)"

lab_log "asserting pinwatch against the kernel"
test_rc=0
(cd "$REPO_DIR" && LAB_RESULTS="$results" LAB_GUEST_RC="$guest_rc" \
  npx vitest run --config lab/vitest.lab.config.ts) || test_rc=$?
[ -f "$results/summary.txt" ] && cat "$results/summary.txt"
lab_log "kernel lab finished in $(( $(date +%s) - lab_started ))s (guest exit $guest_rc, assertions exit $test_rc)"
[ "$test_rc" -eq 0 ] || exit "$test_rc"
exit 0
