/**
 * What the ebpf collector reads from: a live bpftrace supervisor or a replay file.
 * Both give the latest committed snapshot and the runner statistics /metrics exports.
 */
import type { EbpfSnapshot, EbpfState } from '../model/ebpf-counters.js';

export type BpftraceExitOutcome = 'clean' | 'error' | 'signal' | 'timeout';

/** Self-metrics of the runner (pinwatch_ebpf_*): a plain object, read by the metrics renderer. */
export interface EbpfRunnerStats {
  state: EbpfState;
  /** Why eBPF is off or failed, in words an operator can act on; null when running. */
  reason: string | null;
  /** bpftrace children started (pinwatch_ebpf_runner_starts_total). */
  starts: number;
  /** Children that exited, by outcome (pinwatch_ebpf_runner_exits_total{outcome}). */
  exits: Record<BpftraceExitOutcome, number>;
  /** Lines of bpftrace output that could not be parsed (pinwatch_ebpf_parse_errors_total). */
  parseErrors: number;
  /** Probes the current child attached (pinwatch_ebpf_probes_attached). */
  probesAttached: number;
  /** Events bpftrace reported lost (perf buffer overruns). */
  lostEvents: number;
}

export interface EbpfCounterSource {
  start(): void;
  /** Stop the child (SIGTERM, then SIGKILL after the deadline); resolves when it is gone. */
  stop(): Promise<void>;
  snapshot(): EbpfSnapshot;
  stats(): EbpfRunnerStats;
}

export function zeroExits(): Record<BpftraceExitOutcome, number> {
  return { clean: 0, error: 0, signal: 0, timeout: 0 };
}
