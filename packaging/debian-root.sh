#!/usr/bin/env bash
# Prints the path of a cached Debian 12 (bookworm) minbase root tarball, made once with
# debootstrap from Debian's mirror (the test install of the .deb unpacks a fresh copy of it
# each run, so nothing a test did survives into the next one).
#   PINWATCH_CACHE_DIR   where the tarball is kept (default /var/cache/pinwatch)
#   DEBIAN_MIRROR        default http://deb.debian.org/debian
set -euo pipefail
cache_dir=${PINWATCH_CACHE_DIR:-/var/cache/pinwatch}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
tarball="$cache_dir/debian-bookworm-minbase.tar.gz"
if [ -s "$tarball" ]; then
  echo "$tarball"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debian-root: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
mkdir -p "$cache_dir"
work=$(mktemp -d "$cache_dir/debootstrap.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "debian-root: debootstrap --variant=minbase bookworm from $mirror (once; cached in $tarball)" >&2
nice -n 10 debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/log" 2>&1 \
  || { tail -n 30 "$work/log" >&2; echo "debian-root: debootstrap failed (log above)" >&2; exit 1; }
# The apt package lists and downloaded .debs are not needed to test a dpkg -i.
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
tar -C "$work/root" -czf "$tarball.tmp" .
mv "$tarball.tmp" "$tarball"
echo "$tarball"
