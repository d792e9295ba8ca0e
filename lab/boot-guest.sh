#!/usr/bin/env bash
# Boots the kernel under QEMU TCG (KVM hangs on this machine) with an emulated Intel IOMMU
# (intremap=on: without interrupt remapping VFIO_SET_IOMMU fails with EPERM) and two edu
# devices, this machine's / as the guest's read-only root over 9p and <results dir> as a
# writable share; the guest runs <results dir>/job.sh (see guest/init.sh) and powers off.
#   usage: boot-guest.sh <kernel dir> <initramfs> <results dir> [timeout seconds]
# Writes <results dir>/console.log and boot.json (seconds to LAB-READY), kills QEMU when
# the timeout expires, and exits with the job's exit code (124 on timeout).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/lab-config.sh"

kdir="$1"; initrd="$2"; results="$3"; timeout_s="${4:-900}"
[ -f "$results/job.sh" ] || lab_die "$results/job.sh missing"
rm -f "$results/job.rc" "$results/console.log" "$results/boot.json"
mem_mb="${LAB_GUEST_MEM_MB:-3072}"

start_ns="$(date +%s%N)"
qemu-system-x86_64 \
  -machine q35,accel=tcg,kernel-irqchip=split -cpu max -m "$mem_mb" -smp 2 \
  -nographic -no-reboot -net none -monitor none -serial "file:$results/console.log" \
  -kernel "$kdir/vmlinuz" -initrd "$initrd" \
  -append "console=ttyS0 intel_iommu=on panic=-1 rdinit=/init loglevel=4 transparent_hugepage=never" \
  -device intel-iommu,caching-mode=on,intremap=on \
  -device edu -device edu \
  -fsdev local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap \
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
  -fsdev local,id=results,path="$results",security_model=none,multidevs=remap \
  -device virtio-9p-pci,fsdev=results,mount_tag=results \
  </dev/null >"$results/qemu.out" 2>&1 &
qemu_pid=$!

ready_s=""
deadline=$(( $(date +%s) + timeout_s ))
while kill -0 "$qemu_pid" 2>/dev/null; do
  if [ -z "$ready_s" ] && grep -q 'LAB-READY' "$results/console.log" 2>/dev/null; then
    ready_s="$(awk -v s="$start_ns" -v n="$(date +%s%N)" 'BEGIN{printf "%.1f", (n-s)/1e9}')"
    lab_log "guest ready (boot to shell) in ${ready_s}s"
    printf '{"bootSeconds": %s}\n' "$ready_s" > "$results/boot.json"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    lab_log "guest timed out after ${timeout_s}s: killing QEMU $qemu_pid"
    kill "$qemu_pid" 2>/dev/null || true
    sleep 2
    kill -9 "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
    tail -n 30 "$results/console.log" >&2 || true
    exit 124
  fi
  sleep 0.5
done
wait "$qemu_pid" || true
total_s="$(awk -v s="$start_ns" -v n="$(date +%s%N)" 'BEGIN{printf "%.1f", (n-s)/1e9}')"
if grep -q 'LAB-INIT-FAILED' "$results/console.log"; then
  grep 'LAB-INIT-FAILED' "$results/console.log" >&2
  lab_die "guest init failed (console: $results/console.log)"
fi
[ -f "$results/job.rc" ] || { tail -n 40 "$results/console.log" >&2; lab_die "guest ended without a job result (console: $results/console.log)"; }
rc="$(cat "$results/job.rc")"
lab_log "guest powered off after ${total_s}s, job exit code $rc"
exit "$rc"
