/**
 * What the server needs to know about the bpftrace child runner, read at scrape
 * time through an injected getter (the ebpf/ runner owns these numbers; the
 * server only renders them).
 */
import type { EbpfState } from '../../model/ebpf-counters.js';

export const EBPF_RUNNER_EXIT_OUTCOMES = ['clean', 'error', 'signal', 'timeout'] as const;
export type EbpfRunnerExitOutcome = (typeof EBPF_RUNNER_EXIT_OUTCOMES)[number];

export interface EbpfRunnerStats {
  state: EbpfState;
  /** Why eBPF is not running, in words an operator can act on; null when running. */
  reason: string | null;
  probesAttached: number;
  /** bpftrace children started since pinwatch started. */
  starts: number;
  /** bpftrace children that exited since pinwatch started, by how they ended. */
  exitsByOutcome: Record<EbpfRunnerExitOutcome, number>;
  /** Lines of bpftrace output that could not be parsed since pinwatch started. */
  parseErrors: number;
}

export type EbpfRunnerStatsGetter = () => EbpfRunnerStats;
