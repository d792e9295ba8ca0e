#!/usr/bin/env bash
# Builds the lab's initramfs for an unpacked kernel (see fetch-kernel.sh): busybox-static,
# the kernel package's own modules for 9p root + overlay + VFIO (dependencies resolved from
# modules.dep, compressed modules decompressed here because busybox insmod reads raw ELF),
# and guest/init.sh as /init. Cached by kernel package and the checksum of its inputs.
#   usage: build-initramfs.sh <kernel dir>      prints the initramfs path on stdout
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/lab-config.sh"

kdir="${1:?usage: build-initramfs.sh <kernel dir from fetch-kernel.sh>}"
release="$(cat "$kdir/release")"
moddir="$kdir/root/lib/modules/$release"
[ -f "$moddir/modules.dep" ] || lab_die "$moddir/modules.dep missing (run fetch-kernel.sh)"

# Wanted modules, in the order init loads them. virtio_pci carries the 9p transport;
# vfio-pci needs vfio, vfio_iommu_type1 (the type1 backend pinwatch observes), irqbypass,
# vfio-pci-core. Any of these may be built in (modules.builtin): then it is skipped.
# vfio-pci-core only exists from 5.15 (5.10's vfio-pci is one module): optional.
wanted=(virtio_pci 9pnet_virtio 9p overlay vfio vfio_iommu_type1 irqbypass vfio-pci-core vfio-pci)
declare -A optional=([vfio_pci_core]=1)

busybox_bin="$(command -v busybox || true)"
[ -n "$busybox_bin" ] && file -L "$busybox_bin" 2>/dev/null | grep -q 'statically linked' ||
  busybox_bin=/bin/busybox
[ -x "$busybox_bin" ] || lab_die "busybox-static not installed (lab/install-deps.sh)"

key="$(cat "$LAB_DIR/build-initramfs.sh" "$LAB_DIR/guest/init.sh" "$busybox_bin" | sha256sum | cut -c1-16)"
out="$LAB_CACHE/initramfs/$(basename "$kdir")-$key.cpio.gz"
if [ -f "$out" ]; then
  lab_log "initramfs: cached $out"
  printf '%s\n' "$out"
  exit 0
fi

# Module name (dashes as underscores) -> path relative to $moddir and its dependencies,
# from modules.dep ("kernel/fs/9p/9p.ko.xz: kernel/net/9p/9pnet.ko.xz ..."); one awk pass,
# the file has thousands of lines.
declare -A path_of=()
declare -A deps_of=()
while IFS=$'\t' read -r name lhs deps; do
  path_of["$name"]="$lhs"
  deps_of["$name"]="$deps"
done < <(awk -F': ?' '{
  n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n)
  print n "\t" $1 "\t" $2 }' "$moddir/modules.dep")

declare -A builtin=()
if [ -f "$moddir/modules.builtin" ]; then
  while IFS= read -r name; do builtin["$name"]=1; done < <(awk '{
    n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n); print n }' "$moddir/modules.builtin")
fi

order=()
declare -A seen=()
# Depth-first: a module's dependencies are loaded before it.
visit() {
  local name="${1//-/_}"
  [ -n "${seen[$name]:-}" ] && return 0
  seen["$name"]=1
  if [ -n "${builtin[$name]:-}" ]; then return 0; fi
  if [ -z "${path_of[$name]:-}" ] && [ -n "${optional[$name]:-}" ]; then return 0; fi
  [ -n "${path_of[$name]:-}" ] || lab_die "module $1 not found in $moddir/modules.dep nor modules.builtin"
  local dep
  for dep in ${deps_of[$name]}; do
    dep="${dep##*/}"; visit "${dep%%.ko*}"
  done
  order+=("$name")
}
for m in "${wanted[@]}"; do visit "$m"; done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,sbin,proc,sys,dev,newroot,lower,rw,modules}
cp "$busybox_bin" "$work/bin/busybox"
cp "$LAB_DIR/guest/init.sh" "$work/init"
chmod +x "$work/init"
: > "$work/modules/load-order"
for name in "${order[@]}"; do
  src="$moddir/${path_of[$name]}"
  dst="$work/modules/$name.ko"
  case "$src" in
    *.ko) cp "$src" "$dst" ;;
    *.ko.xz) xz -dc "$src" > "$dst" ;;
    *.ko.zst) zstd -qdc "$src" > "$dst" ;;
    *.ko.gz) gzip -dc "$src" > "$dst" ;;
    *) lab_die "unknown module format: $src" ;;
  esac
  echo "$name" >> "$work/modules/load-order"
done
mkdir -p "$(dirname "$out")"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
lab_log "initramfs: built $out (modules: ${order[*]})"
printf '%s\n' "$out"
