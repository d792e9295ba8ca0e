#!/usr/bin/env bash
# The kernel lab on every Debian kernel pinwatch supports, in sequence: 5.10 (bullseye),
# 6.1 (bookworm), 6.12 (trixie), 7.2 (sid), each the newest of its series at run time
# (lab/fetch-kernel.sh, cached under LAB_CACHE). Every kernel runs even when an earlier one
# fails; the exit code is non-zero when any failed. Prints each kernel's wall time.
#   LAB_KERNELS="5.10 6.1 6.12 7.2"   which ones, in order
#   LAB_RESULTS=<dir>                 results root: <dir>/<kernel>/ (default LAB_CACHE/results/<time>-all)
#   LAB_COST_ROUNDS (default 1 here)  probe-cost attach rounds per kernel (3 for a cost study)
# Everything else as lab/run-lab.sh.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/lab-config.sh"
kernels=(${LAB_KERNELS:-5.10 6.1 6.12 7.2})
root="${LAB_RESULTS:-$LAB_CACHE/results/$(date +%Y%m%d-%H%M%S)-all}"
mkdir -p "$root"
export LAB_COST_ROUNDS="${LAB_COST_ROUNDS:-1}"
started=$(date +%s)

[ "${LAB_SKIP_DEPS:-0}" = 1 ] || bash "$LAB_DIR/install-deps.sh" || lab_die "install-deps failed"

declare -A rc_of=() secs_of=()
for k in "${kernels[@]}"; do
  t0=$(date +%s)
  lab_log "=== kernel $k: starting"
  LAB_KERNEL="$k" LAB_RESULTS="$root/$k" LAB_SKIP_DEPS=1 bash "$LAB_DIR/run-lab.sh"
  rc_of[$k]=$?
  secs_of[$k]=$(( $(date +%s) - t0 ))
  lab_log "=== kernel $k: exit ${rc_of[$k]} in ${secs_of[$k]}s"
done

failed=0
{
  echo "kernel lab, all kernels ($(( $(date +%s) - started ))s in total; results in $root):"
  for k in "${kernels[@]}"; do
    release="$(sed -n 's/.*"kernelRelease":"\([^"]*\)".*/\1/p' "$root/$k/env.json" 2>/dev/null)"
    printf '  %-5s %-24s %-6s %5ss\n' "$k" "${release:-?}" "$([ "${rc_of[$k]}" -eq 0 ] && echo pass || echo FAIL)" "${secs_of[$k]}"
    [ "${rc_of[$k]}" -eq 0 ] || failed=1
  done
} | tee "$root/all-kernels.txt"
exit "$failed"
