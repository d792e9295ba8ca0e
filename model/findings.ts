/**
 * What the analysis concludes about each VM and the host. Pure data: produced
 * by analysis/, stored by store/, exported by server/.
 */

export type Severity = 'info' | 'warning' | 'critical';

/**
 * How VmLck compares with the charge VFIO should make for this VM
 * (guest RAM x DMA address spaces, docs/kernel.md).
 */
export type AccountingClass =
  | 'ok'
  | 'double-charged' // ~2x expected: mlock (mem-lock=on) or several containers
  | 'over' // above expected + overhead allowance, not a 2x pattern
  | 'under' // below expected: RAM not (yet) mapped, zero pages on old kernels
  | 'underflow' // VmLck implausibly large: locked_vm wrapped below zero
  | 'iommufd' // iommufd charges VmPin (and VmLck only in MM mode)
  | 'unknown'; // guest RAM unknown (not QEMU, or no -m)

export type FindingKind =
  // From /proc and /sys (issue "pinwatch core")
  | 'memlock-headroom-low'
  | 'memlock-limit-below-expected'
  | 'memlock-limit-bypassed'
  | 'locked-double-charged'
  | 'locked-over-expected'
  | 'locked-under-expected'
  | 'locked-underflow'
  | 'iommufd-charges-pinned'
  // From eBPF and the kernel log (issue "eBPF collector")
  | 'mapped-not-charged'
  | 'charge-drift'
  | 'charge-failed'
  | 'pins-leaked-after-exit'
  | 'map-dma-failed'
  | 'kernel-memlock-exceeded'
  // From the layers above QEMU: libvirt, OpenStack, KubeVirt, Proxmox (issue 12)
  | 'orchestrator-limit-below-charge'
  | 'orchestrator-limit-mismatch'
  | 'libvirt-viommu-limit'
  // Host-level (issue 12)
  | 'host-pinned-memory-high';

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** One sentence an operator can act on, with the numbers. */
  explanation: string;
}

/** One VM's verdict for one cycle. */
export interface VmAnalysis {
  /** Stable key of the process: `${bootId}:${pid}:${startTimeTicks}`. */
  processKey: string;
  /** Metric label: QEMU guest name, else comm; disambiguated on collision. */
  vmName: string;
  guestMemoryBytes: number | null;
  /** Separate DMA address spaces: 1 without vIOMMU, N devices with one. */
  dmaAddressSpaces: number;
  /** guestMemoryBytes x dmaAddressSpaces; null when guest RAM is unknown. */
  expectedLockedBytes: number | null;
  lockedBytes: number;
  pinnedBytes: number;
  /** soft RLIMIT_MEMLOCK - VmLck; null when unlimited. Negative = over the limit. */
  memlockHeadroomBytes: number | null;
  /** VmLck / soft RLIMIT_MEMLOCK; null when unlimited. */
  memlockUsedRatio: number | null;
  accountingClass: AccountingClass;
  findings: Finding[];
  /** Who runs the VM (libvirt, OpenStack, KubeVirt, Proxmox) and the limit that layer gives it. */
  orchestrator?: import('./orchestrator.js').VmOrchestrator;
}

export interface HostAnalysis {
  vfioUsers: number;
  lockedBytes: number;
  pinnedBytes: number;
  expectedLockedBytes: number;
  guestMemoryBytes: number;
  memTotalBytes: number | null;
  /** Smallest headroom over all VMs with a finite limit; null if none. */
  minMemlockHeadroomBytes: number | null;
  findingsBySeverity: Record<Severity, number>;
  /** Host RAM pinned for DMA, each page once (analysis/host-pinned-memory.ts). */
  pinnedPhysicalBytes?: number;
  /** pinnedPhysicalBytes / MemTotal; null when MemTotal is unknown. */
  pinnedMemoryRatio?: number | null;
  /** Host-level findings (host-pinned-memory-high). */
  findings?: Finding[];
}
