#!/usr/bin/env bash
# Installs what the kernel lab needs on a fresh Debian 12 machine, idempotently:
# nothing is installed (and apt is not touched) when every tool is already present.
#   qemu-system-x86 + seabios + ipxe-qemu: the outer TCG machine and the guest's own QEMU
#     (seabios/ipxe are Recommends of qemu-system-x86, skipped by --no-install-recommends,
#     but QEMU cannot boot a q35 machine or load the virtio option ROMs without them)
#   bpftrace: ground-truth probes and pinwatch's eBPF source, run inside the guest
#   busybox-static, cpio: the initramfs;  kmod: modinfo/depmod conventions
#   xz-utils, zstd: kernel modules are .ko.xz (6.12+) or .ko.zst on newer Debian kernels
#   gcc, libc6-dev: the VFIO cases program;  curl: the guest runner scrapes pinwatch
set -euo pipefail

packages=(curl qemu-system-x86 qemu-system-data seabios ipxe-qemu bpftrace busybox-static cpio kmod xz-utils zstd gcc libc6-dev)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all lab packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -q
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}"
