import type { AnalyzedVm } from '../analysis/analyze-host.js';
import type { ExitedVmLeak, VmEbpfView } from '../model/cycle.js';
import type { Finding } from '../model/findings.js';
import type { HostSample } from '../model/host-sample.js';

/** Per-VM eBPF figures and findings for one cycle, keyed by processKey. */
export interface EbpfAttributionResult {
  views: Map<string, VmEbpfView>;
  findings: Map<string, Finding[]>;
  leaks: ExitedVmLeak[];
  /** Cumulative pages released in no VM's context (kept across restarts). */
  unattributedReleasedPagesTotal: number;
}

/**
 * Turns the eBPF counters of a cycle into per-VM views, keeping baselines and
 * offsets across bpftrace and pinwatch restarts. Implemented in ebpf/; the
 * daemon runs without it when eBPF is off.
 */
export interface EbpfAttribution {
  attribute(sample: HostSample, vms: readonly AnalyzedVm[]): EbpfAttributionResult;
}
