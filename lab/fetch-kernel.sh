#!/usr/bin/env bash
# Downloads a Debian kernel from Debian's archive and unpacks it into the lab cache.
#   LAB_KERNEL      5.10 | 6.1 | 6.12 | 7.2: the newest kernel of bullseye, bookworm, trixie
#                   or sid, resolved at run time through a PRIVATE apt configuration
#                   (sources.list, lists, cache under LAB_CACHE/apt/<suite>): the host's apt
#                   sources and state are never read nor written. Default 6.1.
#   KERNEL_PACKAGE  a linux-image-* package name instead (resolved in LAB_KERNEL's suite)
#   KERNEL_DEB      path to a .deb already at hand; takes precedence over apt
#   LAB_CACHE       cache root (default /var/cache/pinwatch-lab)
# Sid splits the image: linux-image-<abi> is an empty package depending on
# linux-binary-<abi> (vmlinuz), linux-modules-<abi> and linux-base-<abi>; every one of
# those is downloaded and unpacked into the same root.
# Prints the unpacked kernel directory on stdout: it holds vmlinuz, release (uname -r),
# package, suite, and root/ (the packages' files: boot/, lib/modules/<release>/).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/lab-config.sh"

lab_kernel="${LAB_KERNEL:-6.1}"
suite="$(lab_kernel_suite "$lab_kernel")"

if [ -n "${KERNEL_DEB:-}" ]; then
  [ -f "$KERNEL_DEB" ] || lab_die "KERNEL_DEB=$KERNEL_DEB: no such file"
  pkg="$(dpkg-deb -f "$KERNEL_DEB" Package)"
  parts=()
else
  # Newest at run time: refresh the suite's lists (a few MB) every run. When Debian is
  # unreachable, fall back to the newest kernel of that series already in the cache.
  if lab_apt "$suite" apt-get update -q >&2; then
    pkg="${KERNEL_PACKAGE:-$(lab_apt "$suite" apt-cache depends linux-image-amd64 2>/dev/null |
      awk '/Depends: linux-image-[0-9]/{print $2; exit}')}"
    [ -n "$pkg" ] || lab_die "$suite: linux-image-amd64 depends on no linux-image-<abi> package"
    # The split packages of sid (linux-binary-/linux-modules-/linux-base-<abi>); none on
    # bullseye..trixie, where linux-image-<abi> holds everything.
    abi="${pkg#linux-image-}"
    mapfile -t parts < <(lab_apt "$suite" apt-cache depends "$pkg" 2>/dev/null |
      awk -v abi="$abi" '$1 ~ /Depends:$/ && ($2 == "linux-binary-" abi || $2 == "linux-modules-" abi || $2 == "linux-base-" abi) {print $2}' |
      sort -u)
  else
    cached="$(ls -1d "$LAB_CACHE/kernels/linux-image-$(lab_kernel_abi_glob "$lab_kernel")" 2>/dev/null | sort -V | tail -n1 || true)"
    [ -n "$cached" ] && [ -f "$cached/.unpacked" ] || lab_die "$suite: apt-get update failed and no cached $lab_kernel kernel"
    lab_log "kernel $lab_kernel: $suite unreachable, using the cached $(basename "$cached")"
    printf '%s\n' "$cached"
    exit 0
  fi
fi
case "$pkg" in linux-image-*) ;; *) lab_die "'$pkg' is not a linux-image-* package" ;; esac

kdir="$LAB_CACHE/kernels/$pkg"
if [ -f "$kdir/.unpacked" ]; then
  lab_log "kernel $pkg ($suite): cached in $kdir"
  printf '%s\n' "$kdir"
  exit 0
fi

mkdir -p "$kdir"
rm -rf "$kdir/root" "$kdir"/*.deb
if [ -n "${KERNEL_DEB:-}" ]; then
  cp "$KERNEL_DEB" "$kdir/"
else
  lab_log "kernel $pkg ($suite): downloading $pkg ${parts[*]}"
  (cd "$kdir" && lab_apt "$suite" apt-get download -q "$pkg" "${parts[@]}" >&2) ||
    lab_die "$suite: apt-get download $pkg ${parts[*]} failed"
fi
for deb in "$kdir"/*.deb; do
  lab_log "kernel $pkg: unpacking $(basename "$deb")"
  dpkg -x "$deb" "$kdir/root"
done

# boot/vmlinuz-<release> up to trixie; sid's linux-binary- ships usr/lib/modules/<release>/vmlinuz.
vmlinuz="$(ls "$kdir"/root/boot/vmlinuz-* 2>/dev/null | head -n1 || true)"
if [ -n "$vmlinuz" ]; then
  release="${vmlinuz##*/vmlinuz-}"
else
  vmlinuz="$(ls "$kdir"/root/usr/lib/modules/*/vmlinuz 2>/dev/null | head -n1 || true)"
  [ -n "$vmlinuz" ] || lab_die "$pkg ${parts[*]}: no boot/vmlinuz-* nor usr/lib/modules/*/vmlinuz"
  release="$(basename "$(dirname "$vmlinuz")")"
fi
# Newer Debian kernels (trixie onwards, merged /usr) ship usr/lib/modules; depmod and the
# initramfs builder look under lib/modules, so point that at it.
if [ ! -d "$kdir/root/lib/modules/$release" ] && [ -d "$kdir/root/usr/lib/modules/$release" ]; then
  mkdir -p "$kdir/root/lib"
  ln -sfn ../usr/lib/modules "$kdir/root/lib/modules"
fi
[ -d "$kdir/root/lib/modules/$release" ] || lab_die "$pkg: no lib/modules/$release"
# The package ships no modules.dep (its postinst runs depmod): generate it here.
depmod -b "$kdir/root" "$release" || lab_die "depmod -b $kdir/root $release failed"
ln -sf "${vmlinuz#"$kdir/"}" "$kdir/vmlinuz"
printf '%s\n' "$release" > "$kdir/release"
printf '%s\n' "$pkg" > "$kdir/package"
printf '%s\n' "$suite" > "$kdir/suite"
rm -f "$kdir"/*.deb
touch "$kdir/.unpacked"
lab_log "kernel $pkg: release $release ready in $kdir"
printf '%s\n' "$kdir"
