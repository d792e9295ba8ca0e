/**
 * The eBPF mismatches of one VM (docs/kernel.md): what VFIO pinned vs what it charged vs
 * what VmLck shows, with one sentence per finding an operator can act on. Pure: the
 * counters come summed across bpftrace runs from analysis/ebpf-ledger.ts, and VmLck is
 * compared with them only at an observation where both agree in time
 * (analysis/ebpf-observations.ts).
 */
import type { EbpfCoverage, ExitedVmLeak, VmEbpfView } from '../model/cycle.js';
import type { ErrnoCounts } from '../model/ebpf-counters.js';
import type { Finding } from '../model/findings.js';
import type { VfioProcessSample } from '../model/host-sample.js';
import { formatBytes } from './format-bytes.js';

const PAGE_SIZE_BYTES = 4096;

/** Counter fields the analysis reads (EbpfCounterTotals of model/ebpf-counter-totals.ts satisfies it). */
export interface VmEbpfTotals {
  pinnedPages: number;
  pinErrors: ErrnoCounts;
  chargedPages: number;
  unchargedPages: number;
  chargeFailedPages: ErrnoCounts;
  unpinnedPages: number;
  unmappedPages: number;
}

/**
 * VmLck against VFIO's net charge at the last observation where /proc and the counters
 * described the same state (analysis/ebpf-observations.ts).
 */
export interface ChargeDriftObservation {
  /** VmLck at that observation minus the baseline. */
  lockedGrowthBytes: number;
  /** (charged - uncharged) x 4 KiB since the baseline. */
  vfioNetChargedBytes: number;
}

/** A VM's eBPF bookkeeping as the ledger keeps it. */
export interface VmEbpfLedgerView {
  coverage: EbpfCoverage;
  baselineLockedBytes: number;
  baselineAtMs: number;
  totals: VmEbpfTotals;
}

export interface EbpfMismatchThresholds {
  /** |drift| below this is noise (QEMU's own small mlocks). */
  driftToleranceBytes: number;
  /** VmLck above this is an underflowed counter: drift is meaningless (analysis/thresholds.ts). */
  underflowBytes: number;
  /** How long after exit a VM's pins must be released before they count as leaked. */
  leakGraceMs: number;
}

export const defaultEbpfMismatchThresholds: EbpfMismatchThresholds = {
  driftToleranceBytes: 64 * 1024 ** 2,
  underflowBytes: 2 ** 56,
  leakGraceMs: 60_000,
};

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  3: 'ESRCH',
  4: 'EINTR',
  12: 'ENOMEM',
  14: 'EFAULT',
  16: 'EBUSY',
  17: 'EEXIST',
  22: 'EINVAL',
  28: 'ENOSPC',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

function pages(n: number): string {
  return `${n} page${n === 1 ? '' : 's'} (${formatBytes(n * PAGE_SIZE_BYTES)})`;
}

/**
 * Pages pinned whose charge was never applied, ever: reserved pfns (MMIO BARs; the zero
 * page on kernels up to 6.1). vfio_pin_pages_remote() returns them in its run length but
 * vfio_lock_acct() is only asked for the others.
 */
export function reservedPinnedPages(totals: VmEbpfTotals): number {
  return Math.max(0, totals.pinnedPages - totals.chargedPages);
}

/**
 * Reserved pages mapped now: those pinned, minus those unmapped since. An unmap calls
 * vfio_unpin_pages_remote() with every page of the range (unmappedPages) and put_pfn()
 * releases only the non-reserved ones (unpinnedPages): the difference left the mapping
 * without ever being charged.
 */
export function mappedNotChargedPages(totals: VmEbpfTotals): number {
  const reservedUnmapped = Math.max(0, totals.unmappedPages - totals.unpinnedPages);
  return Math.max(0, reservedPinnedPages(totals) - reservedUnmapped);
}

/** Pins neither released nor reserved: what an exited VM still holds. */
export function outstandingPinnedPages(totals: VmEbpfTotals): number {
  return Math.max(0, totals.pinnedPages - totals.unpinnedPages - reservedPinnedPages(totals));
}

function memlockText(process: VfioProcessSample): string {
  const soft = process.memlockLimit.softBytes;
  return soft === null ? 'unlimited' : formatBytes(soft);
}

/**
 * @param drift VmLck against VFIO's charge at the last consistent observation; null until
 *   there has been one (no charge-drift judgment before).
 */
export function analyzeVmEbpf(
  process: VfioProcessSample,
  ledger: VmEbpfLedgerView,
  drift: ChargeDriftObservation | null,
  thresholds: EbpfMismatchThresholds = defaultEbpfMismatchThresholds,
): { view: VmEbpfView; findings: Finding[] } {
  const { totals } = ledger;
  const notCharged = mappedNotChargedPages(totals);
  const driftBytes = drift === null ? null : drift.lockedGrowthBytes - drift.vfioNetChargedBytes;
  const view: VmEbpfView = {
    coverage: ledger.coverage,
    baselineLockedBytes: ledger.baselineLockedBytes,
    baselineAtMs: ledger.baselineAtMs,
    pinnedPagesTotal: totals.pinnedPages,
    chargedPagesTotal: totals.chargedPages,
    unchargedPagesTotal: totals.unchargedPages,
    unpinnedPagesTotal: totals.unpinnedPages,
    mappedNotChargedPages: notCharged,
    chargeFailedPagesTotal: new Map(totals.chargeFailedPages),
    mapFailuresTotal: new Map(totals.pinErrors),
    lockedDriftBytes: driftBytes,
  };
  const findings: Finding[] = [];

  if (notCharged > 0) {
    findings.push({
      kind: 'mapped-not-charged',
      severity: 'info',
      explanation:
        `${pages(notCharged)} were pinned for DMA but never charged to VmLck: reserved pfns such as a passed-through ` +
        `device's MMIO BARs or the zero page (kernels up to 6.1); they never count against RLIMIT_MEMLOCK, so VmLck understates the mapped memory by that much.`,
    });
  }

  const driftMeaningful = process.backend !== 'iommufd' && process.lockedBytes < thresholds.underflowBytes;
  if (drift !== null && driftBytes !== null && driftMeaningful && Math.abs(driftBytes) >= thresholds.driftToleranceBytes) {
    const { lockedGrowthBytes, vfioNetChargedBytes } = drift;
    const since = ledger.coverage === 'full' ? 'since the VM started' : 'since the probes attached';
    findings.push({
      kind: 'charge-drift',
      severity: 'warning',
      explanation:
        driftBytes > 0
          ? `VmLck grew by ${formatBytes(lockedGrowthBytes)} ${since} but VFIO charged only ${formatBytes(vfioNetChargedBytes)}: ` +
            `${formatBytes(driftBytes)} was locked outside VFIO (mlock, e.g. QEMU -overcommit mem-lock=on, or another driver); size RLIMIT_MEMLOCK for both.`
          : `VmLck grew by ${formatBytes(lockedGrowthBytes)} ${since} while VFIO's net charge was ${formatBytes(vfioNetChargedBytes)}: ` +
            `${formatBytes(-driftBytes)} of VFIO's charge is missing from VmLck (munlock, an un-charge the probes missed, or a locked_vm accounting bug); compare with the kernel's VFIO fixes.`,
    });
  }

  for (const [errno, failedPages] of totals.chargeFailedPages) {
    if (failedPages <= 0) continue;
    if (errno === 3) {
      findings.push({
        kind: 'charge-failed',
        severity: 'info',
        explanation:
          `The un-charge of ${pages(failedPages)} failed with ESRCH: it ran after the process's mm was gone ` +
          `(vfio_lock_acct at release), so locked_vm went away with the mm; nothing to fix.`,
      });
    } else if (errno === 12) {
      findings.push({
        kind: 'charge-failed',
        severity: 'critical',
        explanation:
          `Charging ${pages(failedPages)} failed with ENOMEM: RLIMIT_MEMLOCK (soft ${memlockText(process)}, VmLck ${formatBytes(process.lockedBytes)}) ` +
          `would have been exceeded; raise the VM's memlock limit to guest RAM x DMA address spaces + 1 GiB.`,
      });
    } else {
      findings.push({
        kind: 'charge-failed',
        severity: 'warning',
        explanation: `A locked_vm charge of ${pages(failedPages)} failed with ${errnoName(errno)}; the DMA mapping it belonged to was undone.`,
      });
    }
  }

  for (const [errno, calls] of totals.pinErrors) {
    if (calls <= 0) continue;
    findings.push({
      kind: 'map-dma-failed',
      severity: errno === 12 ? 'critical' : 'warning',
      explanation:
        errno === 12
          ? `vfio_pin_pages_remote failed ${calls} time${calls === 1 ? '' : 's'} with ENOMEM: VFIO_MAP_DMA hit RLIMIT_MEMLOCK ` +
            `(soft ${memlockText(process)}${process.hasCapIpcLock ? ', although the process has CAP_IPC_LOCK' : ''}), so part of guest memory has no DMA mapping; raise the memlock limit to guest RAM x DMA address spaces + 1 GiB.`
          : `vfio_pin_pages_remote failed ${calls} time${calls === 1 ? '' : 's'} with ${errnoName(errno)}: VFIO_MAP_DMA of part of guest memory failed; check the kernel log and the VMM's log for the mapping.`,
    });
  }

  return { view, findings };
}

export interface ExitedVmEbpf {
  processKey: string;
  vmName: string;
  exitedAtMs: number;
  totals: VmEbpfTotals;
  /** The probes ran without interruption from the exit until now (else releases may have been missed). */
  observedSinceExit: boolean;
}

/** A VM that exited with pins still outstanding, once the grace period for release passed. */
export function exitedVmLeak(
  vm: ExitedVmEbpf,
  nowMs: number,
  thresholds: EbpfMismatchThresholds = defaultEbpfMismatchThresholds,
): { leak: ExitedVmLeak; finding: Finding } | null {
  if (!vm.observedSinceExit || nowMs - vm.exitedAtMs < thresholds.leakGraceMs) return null;
  const leakedPages = outstandingPinnedPages(vm.totals);
  if (leakedPages === 0) return null;
  return {
    leak: { processKey: vm.processKey, vmName: vm.vmName, exitedAtMs: vm.exitedAtMs, leakedPages },
    finding: {
      kind: 'pins-leaked-after-exit',
      severity: 'critical',
      explanation:
        `${vm.vmName} exited ${Math.round((nowMs - vm.exitedAtMs) / 1000)} s ago with ${pages(leakedPages)} still pinned for DMA: ` +
        `its VFIO container was not released (another process still holds the fd, or a kernel leak); that memory stays unusable until it is.`,
    },
  };
}
