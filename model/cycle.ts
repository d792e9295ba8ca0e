/**
 * The result of one collection cycle, as the server and the CLI see it:
 * what was read, what the analysis concluded, and the eBPF view per VM.
 * Held in memory by the daemon (the last one) and rendered by /metrics and the API.
 */
import type { HostAnalysis, VmAnalysis } from './findings.js';
import type { ErrnoCounts } from './ebpf-counters.js';
import type { HostSample, VfioProcessSample } from './host-sample.js';

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
  /** (VmLck now - baseline) - (charged - uncharged) * 4096: charges outside VFIO (mlock). */
  lockedDriftBytes: number;
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

export interface CycleResult {
  sample: HostSample;
  vms: VmView[];
  host: HostAnalysis;
  leaks: ExitedVmLeak[];
  /**
   * Pages released where no VM could be attributed, cumulative across bpftrace
   * and pinwatch restarts (the per-run figure is in sample.ebpf); null without eBPF.
   */
  ebpfUnattributedReleasedPagesTotal: number | null;
}
