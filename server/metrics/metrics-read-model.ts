/**
 * What the metric families read at scrape time: the latest cycle, the
 * cumulative tallies kept since start, and the eBPF runner's own figures.
 * Owned by createPinwatchMetrics; families only read it.
 */
import type { CycleResult } from '../../model/cycle.js';
import type { EbpfRunnerStats } from './ebpf-runner-stats.js';
import type { LabelledTally } from './labelled-tally.js';

export interface BuildInfo {
  version: string;
  nodeVersion: string;
}

export interface PinwatchTallies {
  collectionCycles: LabelledTally<never>;
  collectorErrors: LabelledTally<'collector' | 'reason'>;
  storeWrites: LabelledTally<'table'>;
  storeErrors: LabelledTally<'operation'>;
  badRequests: LabelledTally<'route'>;
  httpRequests: LabelledTally<'route' | 'code'>;
  httpServerErrors: LabelledTally<'route'>;
  webConfigReloads: LabelledTally<'result'>;
  kernelLogEvents: LabelledTally<'kind'>;
  kernelMemlockExceeded: LabelledTally<'vm'>;
}

export interface MetricsReadModel {
  readonly buildInfo: BuildInfo;
  latestCycle(): CycleResult | null;
  /** When observeCycle last ran (ms since the epoch); null before the first cycle. */
  lastCycleObservedAtMs(): number | null;
  readonly tallies: PinwatchTallies;
  /** null when no runner-stats getter was injected (eBPF not wired). */
  ebpfRunnerStats(): EbpfRunnerStats | null;
}
