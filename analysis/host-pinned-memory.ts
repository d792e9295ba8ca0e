import type { Finding, VmAnalysis } from '../model/findings.js';
import { formatBytes } from './format-bytes.js';

/** Share of MemTotal pinned for DMA at which the host gets a warning, then a critical finding. */
export const HOST_PINNED_WARNING_RATIO = 0.8;
export const HOST_PINNED_CRITICAL_RATIO = 0.9;

export interface HostPinnedMemory {
  /** Host RAM held pinned for DMA by the VFIO users, each page once (see below). */
  pinnedBytes: number;
  /** pinnedBytes / MemTotal; null when MemTotal is unknown. */
  ratio: number | null;
  /** VMs whose soft RLIMIT_MEMLOCK is unlimited: nothing but host RAM bounds them. */
  unlimitedVms: number;
  findings: Finding[];
}

/**
 * Pinned pages cannot be reclaimed, swapped or migrated
 * (FOLL_LONGTERM pins, mm/gup.c), so what all VMs pin is taken from host RAM
 * for good. Per VM the charge (VmLck, or VmPin for iommufd) counts a page once
 * per DMA address space and mem-lock=on counts it again, while the page itself
 * is pinned once: the physical figure is the charge capped at guest RAM.
 * An underflowed VmLck is not memory and is left out. When the limits are
 * unlimited (KubeVirt since 2026, `<locked/>` domains) this is the only bound.
 */
export function hostPinnedMemory(
  vms: readonly VmAnalysis[],
  memTotalBytes: number | null,
  unlimitedVms: number,
): HostPinnedMemory {
  let pinnedBytes = 0;
  for (const vm of vms) {
    if (vm.accountingClass === 'underflow') continue;
    const charge = Math.max(vm.lockedBytes, vm.pinnedBytes);
    pinnedBytes += vm.guestMemoryBytes === null ? charge : Math.min(charge, vm.guestMemoryBytes);
  }
  const ratio = memTotalBytes === null || memTotalBytes <= 0 ? null : pinnedBytes / memTotalBytes;
  const findings: Finding[] = [];
  if (ratio !== null && ratio >= HOST_PINNED_WARNING_RATIO) {
    findings.push({
      kind: 'host-pinned-memory-high',
      severity: ratio >= HOST_PINNED_CRITICAL_RATIO ? 'critical' : 'warning',
      explanation:
        `VFIO users pin ${formatBytes(pinnedBytes)} of the host's ${formatBytes(memTotalBytes ?? 0)} RAM (${(ratio * 100).toFixed(1)}%): ` +
        `pinned pages cannot be reclaimed or swapped, so the host and the next VM start run short of memory` +
        (unlimitedVms > 0
          ? `; ${unlimitedVms} VM${unlimitedVms === 1 ? ' has' : 's have'} an unlimited RLIMIT_MEMLOCK, so no limit stops them before the host does.`
          : '.'),
    });
  }
  return { pinnedBytes, ratio, unlimitedVms, findings };
}
