#!/usr/bin/env bash
# Runs inside the lab guest (the host's userland over 9p under a tmpfs overlay, as root;
# see lab/guest/init.sh). Starts Debian's libvirtd, then two domains, one after the other
# (they share the edu devices):
#   lab-one     96 MiB, first edu as <hostdev managed='no'>, OpenStack Nova metadata
#   lab-viommu  96 MiB, intel vIOMMU (caching_mode=on, as VFIO needs), both edu devices on
#               pcie.0 (each its own IOMMU address space)
#   lab-viommu-bridge  the same with libvirt's own placement: both behind one pcie-pci-bridge
# and, for each, once VmLck is stable: /proc/PID/{status,limits}, libvirt's live XML
# (/run/libvirt/qemu/<name>.xml) and pinwatch's /metrics and /api/v1/vms, into
# $LAB_OUT/domains/<name>/ for lab/libvirt/libvirt.lab.test.ts.
# Environment (from run-libvirt-lab.sh): LAB_OUT, LAB_PINWATCH (dist/cli/main.js), LAB_GUEST_MIB.
set -uo pipefail
OUT="${LAB_OUT:?}"
PINWATCH="${LAB_PINWATCH:?}"
GUEST_MIB="${LAB_GUEST_MIB:-96}"
PW_ADDR=127.0.0.1:9477
mkdir -p "$OUT/domains"
: > "$OUT/runner-errors.txt"
log() { printf '[guest %6.1fs] %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*"; }
err() { log "ERROR: $*"; printf '%s\n' "$*" >> "$OUT/runner-errors.txt"; }
scrape() { curl -sf --max-time 10 "http://$PW_ADDR$1"; }
VIRSH=(virsh -c qemu:///system)

edu=()
for d in /sys/bus/pci/devices/*; do
  [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] && edu+=("${d##*/}")
done
[ "${#edu[@]}" -ge 2 ] || { err "need two edu devices bound to vfio-pci, found ${#edu[@]}"; exit 1; }

# libvirt in a guest without systemd, cgroups or an LSM: QEMU as root, but with its
# capabilities cleared (clear_emulator_capabilities, the default), so the RLIMIT_MEMLOCK
# libvirt sets is enforced by __account_locked_vm() as for an unprivileged QEMU.
cat > /etc/libvirt/qemu.conf <<'CONF'
user = "root"
group = "root"
clear_emulator_capabilities = 1
security_driver = "none"
namespaces = [ ]
cgroup_controllers = [ ]
remember_owner = 0
CONF
mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt/qemu /run/libvirt
virtlogd -d || err "virtlogd did not start"
libvirtd -d || { err "libvirtd did not start"; exit 1; }
for _ in $(seq 1 240); do "${VIRSH[@]}" version >/dev/null 2>&1 && break; sleep 0.5; done
"${VIRSH[@]}" version > "$OUT/libvirt-version.txt" 2>&1 || { err "libvirtd does not answer: $(cat "$OUT/libvirt-version.txt")"; exit 1; }
libvirt_version="$(libvirtd --version | awk '{print $NF}')"
cat > "$OUT/env.json" <<JSON
{"kernelRelease":"$(uname -r)","eduDevices":["${edu[0]}","${edu[1]}"],"libvirtVersion":"$libvirt_version","guestMiB":$GUEST_MIB}
JSON
log "kernel $(uname -r), libvirt $libvirt_version, edu ${edu[*]}"

node "$PINWATCH" serve --path.procfs /proc --path.sysfs /sys --path.devfs /dev --path.runfs /run \
  --db.path /tmp/pinwatch-libvirt-lab.db --web.listen-address "$PW_ADDR" --ebpf.source off \
  --collection.interval 1s --collection.full-scan-interval 1s > "$OUT/pinwatch.log" 2>&1 &
PW_PID=$!
for _ in $(seq 1 180); do scrape /readyz >/dev/null 2>&1 && break; sleep 0.5; done
scrape /readyz >/dev/null || { err "pinwatch not ready: $(tail -n 5 "$OUT/pinwatch.log")"; exit 1; }

hostdev_xml() { # host-bdf [guest-slot on pcie.0]
  local bdf="$1" slot="${2:-}" guest=""
  # edu is conventional PCI: by default libvirt plugs it into a pcie-pci-bridge. A slot on
  # pcie.0 (a root-complex integrated device) gives it its own requester id instead.
  [ -n "$slot" ] && guest="<address type='pci' domain='0x0000' bus='0x00' slot='$slot' function='0x0'/>"
  printf "<hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/></source>%s</hostdev>\n" \
    "${bdf:0:4}" "${bdf:5:2}" "${bdf:8:2}" "${bdf:11:1}" "$guest"
}

domain_xml() { # name uuid devices-xml extra-devices features metadata
  cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <uuid>$2</uuid>
  $6
  <memory unit='MiB'>$GUEST_MIB</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/>$5</features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    $3
    $4
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
XML
}

wait_vmlck_stable() { # pid
  local pid="$1" last="" same=0 v
  for _ in $(seq 1 240); do
    v="$(awk '/^VmLck:/{print $2}' "/proc/$pid/status" 2>/dev/null)" || return 1
    [ -n "$v" ] || return 1
    if [ "$v" = "$last" ] && [ "$v" != 0 ]; then same=$((same + 1)); else same=0; fi
    last="$v"
    [ "$same" -ge 8 ] && return 0
    sleep 0.5
  done
  return 1
}

run_domain() { # name xml-file
  local name="$1" xml="$2" dir="$OUT/domains/$1" pid
  mkdir -p "$dir"
  cp "$xml" "$dir/defined.xml"
  "${VIRSH[@]}" define "$xml" > "$dir/virsh.txt" 2>&1 || { err "$name: define failed: $(cat "$dir/virsh.txt")"; return 1; }
  "${VIRSH[@]}" start "$name" >> "$dir/virsh.txt" 2>&1 || { err "$name: start failed: $(tail -n 5 "$dir/virsh.txt"; tail -n 5 "/var/log/libvirt/qemu/$name.log")"; return 1; }
  pid="$(cat "/run/libvirt/qemu/$name.pid")"
  echo "$pid" > "$dir/pid"
  wait_vmlck_stable "$pid" || err "$name: VmLck never stable"
  # Two pinwatch cycles after the numbers settled.
  sleep 3
  cat "/proc/$pid/status" > "$dir/status.txt"
  cat "/proc/$pid/limits" > "$dir/limits.txt"
  tr '\0' '\n' < "/proc/$pid/cmdline" > "$dir/cmdline.txt"
  cp "/run/libvirt/qemu/$name.xml" "$dir/live.xml"
  scrape /metrics > "$dir/metrics.txt" || err "$name: /metrics failed"
  scrape /api/v1/vms > "$dir/vms.json" || err "$name: /api/v1/vms failed"
  node "$PINWATCH" snapshot --path.runfs /run --ebpf.source off --no-collector.kernel_log > "$dir/snapshot.txt" 2>&1 || err "$name: pinwatch snapshot failed: $(tail -n 3 "$dir/snapshot.txt")"
  cp "/var/log/libvirt/qemu/$name.log" "$dir/qemu.log" 2>/dev/null
  "${VIRSH[@]}" destroy "$name" >> "$dir/virsh.txt" 2>&1 || err "$name: destroy failed"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  log "$name: pid $pid, VmLck $(awk '/^VmLck:/{print $2, $3}' "$dir/status.txt"), $(grep 'Max locked memory' "$dir/limits.txt" | tr -s ' ')"
}

nova_metadata="<metadata><nova:instance xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'>
  <nova:package version='27.1.0'/><nova:name>lab-web-7</nova:name>
  <nova:flavor name='lab.tiny'><nova:memory>$GUEST_MIB</nova:memory><nova:vcpus>1</nova:vcpus></nova:flavor>
  <nova:owner><nova:user uuid='9a2b7c3d4e5f40718293a4b5c6d7e8f9'>alice</nova:user><nova:project uuid='3f1d2c3b4a5948372615a4b3c2d1e0f9'>lab-project</nova:project></nova:owner>
</nova:instance></metadata>"

domain_xml lab-one 5a0c1e2d-3b4f-4a5e-8d6c-7b8a9c0d1e01 "$(hostdev_xml "${edu[0]}")" "" "" "$nova_metadata" > /tmp/lab-one.xml
run_domain lab-one /tmp/lab-one.xml
viommu="<iommu model='intel'><driver caching_mode='on'/></iommu>"
domain_xml lab-viommu 5a0c1e2d-3b4f-4a5e-8d6c-7b8a9c0d1e02 "$(hostdev_xml "${edu[0]}" 0x05)$(hostdev_xml "${edu[1]}" 0x06)" \
  "$viommu" "" "" > /tmp/lab-viommu.xml
run_domain lab-viommu /tmp/lab-viommu.xml
domain_xml lab-viommu-bridge 5a0c1e2d-3b4f-4a5e-8d6c-7b8a9c0d1e03 "$(hostdev_xml "${edu[0]}")$(hostdev_xml "${edu[1]}")" \
  "$viommu" "" "" > /tmp/lab-viommu-bridge.xml
run_domain lab-viommu-bridge /tmp/lab-viommu-bridge.xml

kill "$PW_PID" 2>/dev/null; wait "$PW_PID" 2>/dev/null
dmesg > "$OUT/dmesg.txt"
cp /var/log/libvirt/libvirtd.log "$OUT/" 2>/dev/null
log "done"
exit 0
