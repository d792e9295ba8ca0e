/**
 * The result of one collection cycle, as the server and the CLI see it:
 * what was read, what the analysis concluded, and the eBPF view per VM.
 * Held in memory by the daemon (the last one) and rendered by /metrics and the API.
 */
import type { HostAnalysis, VmAnalysis } from './findings.js';
import type { ErrnoCounts } from './ebpf-counters.js';
import type { HostSample, KernelLogEvent, VfioProcessSample } from './host-sample.js';
import type { HostLedger, VmLedgerEntry } from './ebpf-ledger.js';

export type EbpfCoverage = 'full' | 'partial';

/** Per-VM eBPF figures, cumulative across bpftrace restarts and pinwatch restarts. */
export interface VmEbpfView {
  coverage: EbpfCoverage;
  /** VmLck when the probes first covered this VM. */
  baselineLockedBytes: number;
  baselineAtMs: number;
  pinnedPagesTotal: number;
  chargedPagesTotal: number;
  unchargedPagesTotal: number;
  unpinnedPagesTotal: number;
  /** Pages pinned whose charge was never requested: reserved pfns (MMIO BARs, zero page). */
  mappedNotChargedPages: number;
  chargeFailedPagesTotal: ErrnoCounts;
  mapFailuresTotal: ErrnoCounts;
  /**
   * (VmLck - baseline) - (charged - uncharged) x 4096 at the last observation where /proc and
   * the counters described the same state: charges outside VFIO (mlock). null before the
   * first such observation (analysis/ebpf-observations.ts).
   */
  lockedDriftBytes: number | null;
}

export interface VmView {
  process: VfioProcessSample;
  analysis: VmAnalysis;
  ebpf: VmEbpfView | null;
}

/** A VFIO user that exited with pages still pinned and charged (DOMAIN.md section 3.7). */
export interface ExitedVmLeak {
  processKey: string;
  vmName: string;
  exitedAtMs: number;
  leakedPages: number;
}

/** A kernel log record and the VM it is about, decided once in the attribution step. */
export interface AttributedKernelLogEvent {
  event: KernelLogEvent;
  /** The VM's processKey, or null when no running VM can be held responsible. */
  processKey: string | null;
  vmName: string | null;
}

/** The eBPF ledger entries this cycle changed: the store writes them in the cycle's transaction. */
export interface EbpfLedgerChanges {
  entries: VmLedgerEntry[];
  host: HostLedger;
  /** Entries of VMs that exited before this time are deleted. */
  pruneExitedBeforeMs: number | null;
}

export interface CycleResult {
  sample: HostSample;
  vms: VmView[];
  host: HostAnalysis;
  leaks: ExitedVmLeak[];
  /** Every recognised kernel log record of this cycle, attributed. */
  kernelLogEvents: AttributedKernelLogEvent[];
  /** null without eBPF, or when nothing in the ledger changed. */
  ebpfLedger: EbpfLedgerChanges | null;
  /**
   * Pages released where no VM could be attributed, cumulative across bpftrace
   * and pinwatch restarts (the per-run figure is in sample.ebpf); null without eBPF.
   */
  ebpfUnattributedReleasedPagesTotal: number | null;
}
