#!/usr/bin/env bash
# Downloads a Debian kernel image package and unpacks it into the lab cache.
#   KERNEL_PACKAGE  package name (default: what linux-image-amd64 depends on, 6.1 on bookworm)
#   KERNEL_DEB      path to a .deb already at hand (e.g. a trixie 6.12 kernel that this
#                   machine's apt sources do not offer); takes precedence over apt
#   LAB_CACHE       cache root (default /var/cache/pinwatch-lab)
# Prints the unpacked kernel directory on stdout: it holds vmlinuz, release (uname -r),
# and root/ (the package's files: boot/, lib/modules/<release>/).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/lab-config.sh"

if [ -n "${KERNEL_DEB:-}" ]; then
  [ -f "$KERNEL_DEB" ] || lab_die "KERNEL_DEB=$KERNEL_DEB: no such file"
  pkg="$(dpkg-deb -f "$KERNEL_DEB" Package)"
else
  pkg="${KERNEL_PACKAGE:-$(lab_default_kernel_package)}"
fi
case "$pkg" in linux-image-*) ;; *) lab_die "'$pkg' is not a linux-image-* package" ;; esac

kdir="$LAB_CACHE/kernels/$pkg"
if [ -f "$kdir/.unpacked" ]; then
  lab_log "kernel $pkg: cached in $kdir"
  printf '%s\n' "$kdir"
  exit 0
fi

mkdir -p "$kdir"
rm -rf "$kdir/root" "$kdir"/*.deb
if [ -n "${KERNEL_DEB:-}" ]; then
  cp "$KERNEL_DEB" "$kdir/"
else
  lab_log "kernel $pkg: apt-get download"
  # apt-get download writes into the current directory; it needs package lists, so
  # refresh them once when the first attempt fails on a fresh machine.
  if ! (cd "$kdir" && apt-get download -q "$pkg" >&2); then
    apt-get update -q >&2
    (cd "$kdir" && apt-get download -q "$pkg" >&2) || lab_die "apt-get download $pkg failed"
  fi
fi
deb="$(ls "$kdir"/*.deb | head -n1)"
lab_log "kernel $pkg: unpacking $(basename "$deb")"
dpkg -x "$deb" "$kdir/root"

vmlinuz="$(ls "$kdir"/root/boot/vmlinuz-* 2>/dev/null | head -n1)"
[ -n "$vmlinuz" ] || lab_die "$deb has no boot/vmlinuz-*"
release="${vmlinuz##*/vmlinuz-}"
# Newer Debian kernels (trixie onwards, merged /usr) ship usr/lib/modules; depmod and the
# initramfs builder look under lib/modules, so point that at it.
if [ ! -d "$kdir/root/lib/modules/$release" ] && [ -d "$kdir/root/usr/lib/modules/$release" ]; then
  mkdir -p "$kdir/root/lib"
  ln -sfn ../usr/lib/modules "$kdir/root/lib/modules"
fi
[ -d "$kdir/root/lib/modules/$release" ] || lab_die "$deb has no lib/modules/$release"
# The package ships no modules.dep (its postinst runs depmod): generate it here.
depmod -b "$kdir/root" "$release" || lab_die "depmod -b $kdir/root $release failed"
ln -sf "root/boot/vmlinuz-$release" "$kdir/vmlinuz"
printf '%s\n' "$release" > "$kdir/release"
touch "$kdir/.unpacked"
lab_log "kernel $pkg: release $release ready in $kdir"
printf '%s\n' "$kdir"
