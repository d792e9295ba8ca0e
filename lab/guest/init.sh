#!/bin/busybox sh
# /init of the lab's initramfs. Mounts this machine's root (9p tag "hostroot") read-only
# under a tmpfs overlay, the writable results share (tag "results") at /lab-results,
# loads the kernel package's VFIO modules, binds every edu device (1234:11e8) to vfio-pci,
# then runs /lab-results/job.sh inside the overlay and powers off. Markers on the console
# (LAB-READY, LAB-JOB-EXIT) let the harness time the boot and see the outcome.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() { echo "LAB-INIT-FAILED: $*"; poweroff -f; sleep 5; reboot -f; }

for m in $(cat /modules/load-order); do
  insmod "/modules/$m.ko" || fail "insmod $m"
done

# 9p: msize raised from the 8 KiB default (reads of node's binary are otherwise slow);
# cache=loose on the read-only root lets the guest keep file pages (the host tree does not
# change during a run); the results share stays uncached so every write reaches the host.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /lower || fail "mount hostroot"
mount -t tmpfs -o size=75% tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot || fail "mount overlay"
mkdir -p /newroot/lab-results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /newroot/lab-results || fail "mount results"

# vfio-pci claims the edu devices (driver_override, then reprobe).
for d in /sys/bus/pci/devices/*; do
  if [ "$(cat "$d/vendor")" = "0x1234" ] && [ "$(cat "$d/device")" = "0x11e8" ]; then
    bdf="${d##*/}"
    [ -e "$d/driver" ] && echo "$bdf" > "$d/driver/unbind"
    echo vfio-pci > "$d/driver_override"
    echo "$bdf" > /sys/bus/pci/drivers_probe
    echo "LAB-EDU $bdf group $(basename "$(readlink "$d/iommu_group")") driver $(basename "$(readlink "$d/driver")")"
  fi
done

mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
mount -t tracefs tracefs /newroot/sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /newroot/sys/kernel/debug 2>/dev/null
mount -t bpf bpf /newroot/sys/fs/bpf 2>/dev/null
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
# devtmpfs has no /dev/fd links; bash process substitution needs them.
ln -sf /proc/self/fd /newroot/dev/fd
ln -sf /proc/self/fd/0 /newroot/dev/stdin
ln -sf /proc/self/fd/1 /newroot/dev/stdout
ln -sf /proc/self/fd/2 /newroot/dev/stderr
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/run
# /tmp stays the host's (through the writable overlay): CI clones the checkout under /tmp,
# and the guest runs this checkout's files from their host paths.
hostname pinwatch-lab
# Loopback: pinwatch serves on 127.0.0.1 and the runner scrapes it (no other network).
ip link set lo up || ifconfig lo 127.0.0.1 up

echo "LAB-READY uptime $(cut -d' ' -f1 /newroot/proc/uptime)"
chroot /newroot /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  /bin/bash /lab-results/job.sh > /newroot/lab-results/job.log 2>&1
rc=$?
echo "$rc" > /newroot/lab-results/job.rc
sync
echo "LAB-JOB-EXIT $rc uptime $(cut -d' ' -f1 /newroot/proc/uptime)"
poweroff -f
sleep 5
reboot -f
