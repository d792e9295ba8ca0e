/**
 * What the eBPF probes on the VFIO pin/charge/release paths counted, per tgid,
 * since they attached. Produced by ebpf/ (from bpftrace JSON or a replay file),
 * consumed by analysis/ (mismatches), store/ (baselines) and server/ (metrics).
 *
 * All counts are 4 KiB pages (PAGE_SIZE on x86-64) and are cumulative since
 * `attachedAtMs`: they only grow while the same bpftrace child runs.
 */

/** errno (positive number, e.g. 12 for ENOMEM) -> count. */
export type ErrnoCounts = Map<number, number>;

export interface EbpfTgidCounters {
  /** The tgid in whose context the kernel function ran (bpftrace `pid`). */
  tgid: number;
  comm: string | null;
  /** Calls of vfio_pin_pages_remote. */
  pinCalls: number;
  /** Sum of vfio_pin_pages_remote's positive returns: pages pinned and mapped. */
  pinnedPages: number;
  /** vfio_pin_pages_remote negative returns: errno -> calls (MAP_DMA failures). */
  pinErrors: ErrnoCounts;
  /** Increments of locked_vm the kernel applied (mm_lock_acct / vfio_lock_acct clone returned 0). */
  chargedPages: number;
  /** Decrements of locked_vm the kernel applied. */
  unchargedPages: number;
  /** Charges (either sign) that failed: errno -> pages (ESRCH=3 at exit, ENOMEM=12 over the limit). */
  chargeFailedPages: ErrnoCounts;
  /** Calls of vfio_unpin_pages_remote. */
  unpinCalls: number;
  /** Sum of vfio_unpin_pages_remote's returns: pages actually released (reserved pfns excluded). */
  unpinnedPages: number;
  /**
   * Sum of vfio_unpin_pages_remote's npage argument: every page unmapped, reserved pfns
   * included (put_pfn() skips those, so they are missing from unpinnedPages). The
   * difference is the reserved pages that are no longer mapped.
   */
  unmappedPages: number;
  /** iommufd: pages added to / removed from pinned accounting (iopt_pages_add/sub_npinned). */
  iommufdPinnedPages: number;
  iommufdUnpinnedPages: number;
}

export type EbpfState = 'running' | 'off' | 'starting' | 'failed';

export interface EbpfSnapshot {
  state: EbpfState;
  /** Why eBPF is off or failed, in words an operator can act on; null when running. */
  reason: string | null;
  /** When the current bpftrace child reported its probes attached; null before. */
  attachedAtMs: number | null;
  probesAttached: number;
  perTgid: Map<number, EbpfTgidCounters>;
  /**
   * Releases that ran outside any known VFIO user's context (fd release after
   * exit from a kworker) and could not be attributed through dma->task.
   */
  unattributedUnpinnedPages: number;
  unattributedUnchargedPages: number;
  /**
   * When the counters were read, on CLOCK_MONOTONIC in ms (bpftrace's nsecs and Node's
   * process.hrtime share it): bpftrace reads its maps after printStartedMonotonicMs (its
   * interval probe fired then; print() reads the maps later, in user space) and before
   * receivedMonotonicMs (pinwatch received the tick line that ends the print). null
   * before the first print. Lets the analysis tell whether a /proc read happened before
   * or after the counters it is compared with (analysis/ebpf-observations.ts).
   */
  printStartedMonotonicMs: number | null;
  receivedMonotonicMs: number | null;
}
