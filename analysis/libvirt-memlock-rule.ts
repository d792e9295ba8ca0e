import type { LibvirtDomain, LibvirtHostdev, LibvirtMemlockRule } from '../model/orchestrator.js';
import { formatBytes } from './format-bytes.js';

const GIB = 1024 ** 3;

/**
 * virHostdevIsVFIODevice() (src/hypervisor/virhostdev.c): a subsystem PCI
 * hostdev with the VFIO backend (the only one the QEMU driver has had since
 * libvirt 5.x; `<driver name='vfio'/>` or none) or an mdev.
 */
export function isVfioHostdev(hostdev: LibvirtHostdev): boolean {
  if (hostdev.mode !== 'subsystem') return false;
  if (hostdev.type === 'mdev') return true;
  return hostdev.type === 'pci' && (hostdev.driver === null || hostdev.driver === 'vfio');
}

/**
 * The RLIMIT_MEMLOCK libvirt's QEMU driver gives a domain at start-up,
 * modelled on qemuDomainGetMemLockLimitBytes() (src/qemu/qemu_domain.c) as
 * of libvirt 8.7 (commit 8d5704e2c4) and later:
 *
 *  1. `<memtune><hard_limit>` when set: used as is;
 *  2. `<memoryBacking><locked/>`: unlimited (QEMU mlock()s everything);
 *  3. ppc64 KVM has its own formula (getPPC64MemLockLimitBytes): not modelled;
 *  4. with VFIO hostdevs, NVMe disks or vDPA interfaces:
 *     factor = nvdpa + nnvme + (nvfio with a vIOMMU, else 1 when nvfio > 0),
 *     limit = factor x guest RAM (virDomainDefGetMemoryTotal) + 1 GiB;
 *  5. otherwise 0: libvirt leaves the limit alone.
 *
 * Before 8.7 step 4 counted guest RAM once whatever the vIOMMU: such a
 * libvirt gives a vIOMMU domain RAM + 1 GiB, which the process's real limit
 * (/proc/PID/limits) then shows, and the limit findings judge that.
 * libvirt only raises a limit (qemuDomainSetMaxMemLock keeps a higher one
 * already in place), so the process may have more than this.
 */
export function libvirtMemlockRule(domain: LibvirtDomain): LibvirtMemlockRule {
  if (domain.hardLimitBytes !== null) {
    return {
      rule: 'hard-limit',
      limitBytes: domain.hardLimitBytes,
      memoryFactor: 0,
      explanation: `libvirt sets RLIMIT_MEMLOCK to the domain's <memtune><hard_limit> ${formatBytes(domain.hardLimitBytes)}.`,
    };
  }
  if (domain.memoryLocked) {
    return {
      rule: 'locked',
      limitBytes: null,
      memoryFactor: 0,
      explanation: 'The domain has <memoryBacking><locked/>: libvirt removes the RLIMIT_MEMLOCK limit (unlimited), so only host RAM bounds what it pins.',
    };
  }
  if (domain.arch !== null && domain.arch.startsWith('ppc64') && domain.virtType === 'kvm') {
    return {
      rule: 'not-modelled',
      limitBytes: null,
      memoryFactor: 0,
      explanation: 'libvirt computes ppc64 KVM limits from the PHB windows (getPPC64MemLockLimitBytes), which pinwatch does not model.',
    };
  }
  const nvfio = domain.hostdevs.filter(isVfioHostdev).length;
  const others = domain.nvmeDisks + domain.vdpaInterfaces;
  if (nvfio + others === 0 || domain.memoryBytes === null) {
    return {
      rule: 'none',
      limitBytes: null,
      memoryFactor: 0,
      explanation:
        domain.memoryBytes === null
          ? 'The domain XML gives no <memory>: libvirt\'s limit cannot be computed.'
          : 'The domain has no VFIO hostdev, NVMe disk or vDPA interface: libvirt leaves RLIMIT_MEMLOCK as it found it.',
    };
  }
  const viommu = domain.iommuModel !== null && nvfio > 0;
  const memoryFactor = others + (nvfio === 0 ? 0 : viommu ? nvfio : 1);
  const limitBytes = memoryFactor * domain.memoryBytes + GIB;
  const ram = formatBytes(domain.memoryBytes);
  return {
    rule: viommu ? 'viommu' : 'vfio',
    limitBytes,
    memoryFactor,
    explanation: viommu
      ? `libvirt (8.7 and later) sets RLIMIT_MEMLOCK to ${memoryFactor} x guest RAM ${ram} + 1 GiB = ${formatBytes(limitBytes)}: ` +
        `behind the ${domain.iommuModel} vIOMMU each of the ${nvfio} VFIO device${nvfio === 1 ? '' : 's'} gets its own DMA address space, ` +
        `and vfio_pin_pages_remote charges guest RAM once per address space.`
      : `libvirt sets RLIMIT_MEMLOCK to ${memoryFactor === 1 ? '' : `${memoryFactor} x `}guest RAM ${ram} + 1 GiB = ${formatBytes(limitBytes)} ` +
        `for a domain with host devices (one DMA address space without a vIOMMU).`,
  };
}
