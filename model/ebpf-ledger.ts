/**
 * The eBPF ledger's records: per-VM baselines, coverage and counter offsets that carry the
 * eBPF counters across bpftrace and pinwatch restarts. The transitions are in
 * analysis/ebpf-ledger.ts; store/ebpf-state-repository.ts persists them.
 */
import type { EbpfCoverage } from './cycle.js';
import type { EbpfCounterTotals } from './ebpf-counter-totals.js';

export interface VmLedgerEntry {
  processKey: string;
  pid: number;
  vmName: string;
  baselineLockedBytes: number;
  baselineAtMs: number;
  /** false while the baseline is an estimate not yet checked against a consistent observation. */
  baselineConfirmed: boolean;
  coverage: EbpfCoverage;
  /** Counters of finished runs. */
  offsets: EbpfCounterTotals;
  /** The run runCounters belong to (its attachedAtMs). */
  runAttachedAtMs: number;
  /** Last counters seen for this pid in that run. */
  runCounters: EbpfCounterTotals;
  /** Part of runCounters that belonged to an earlier process with the same pid. */
  runStartCounters: EbpfCounterTotals;
  exitedAtMs: number | null;
  updatedAtMs: number;
}

export interface HostLedger {
  runAttachedAtMs: number | null;
  unattributedOffsets: { unpinnedPages: number; unchargedPages: number };
  unattributedRun: { unpinnedPages: number; unchargedPages: number };
}

