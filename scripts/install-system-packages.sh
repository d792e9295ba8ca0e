#!/usr/bin/env bash
# Debian packages pinwatch's tests and lab use, installed idempotently:
#   prometheus (promtool: lint /metrics, test rules; a real Prometheus for the e2e suite),
#   bpftrace (the eBPF runner inside the kernel lab), qemu-system-x86 + busybox-static +
#   cpio + kmod (the kernel lab), build-essential + python3 (better-sqlite3 builds from source),
#   openssl + curl (the web config tests make certificates and scrape over TLS with basic auth),
#   chromium (the status page checked in a real headless browser by the e2e suite),
#   debootstrap + lintian (the .deb's install test), systemd (systemd-analyze: the unit's score).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(prometheus bpftrace qemu-system-x86 busybox-static cpio kmod build-essential python3 ca-certificates openssl curl chromium debootstrap lintian systemd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${packages[*]})"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
