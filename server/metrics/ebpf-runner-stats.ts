/**
 * What the server needs to know about the bpftrace child runner, read at scrape
 * time through an injected getter. The ebpf/ runner owns these numbers and
 * their type; the server only renders them.
 */
import type { BpftraceExitOutcome, EbpfRunnerStats } from '../../ebpf/ebpf-source.js';

export type { EbpfRunnerStats } from '../../ebpf/ebpf-source.js';

export const EBPF_RUNNER_EXIT_OUTCOMES = ['clean', 'error', 'signal', 'timeout'] as const satisfies readonly BpftraceExitOutcome[];
export type EbpfRunnerExitOutcome = BpftraceExitOutcome;

export type EbpfRunnerStatsGetter = () => EbpfRunnerStats;
