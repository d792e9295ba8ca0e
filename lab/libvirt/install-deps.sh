#!/usr/bin/env bash
# Installs what the libvirt lab needs on top of the kernel lab's tools, idempotently:
# Debian's libvirt (libvirt-daemon-system: libvirtd + the QEMU driver; libvirt-clients:
# virsh). It goes on the HOST: the lab guest runs the host's userland over 9p read-only.
# apt is not touched when everything is present.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/../install-deps.sh"

packages=(libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "libvirt install-deps: libvirt present"
  exit 0
fi
echo "libvirt install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -q
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}"
