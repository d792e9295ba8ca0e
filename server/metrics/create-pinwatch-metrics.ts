/**
 * The metrics the daemon feeds and /metrics renders. The daemon calls
 * observeCycle after each collection cycle and observeStore* around store
 * writes; a scrape only renders what was observed (no I/O, no collection).
 *
 * The families are data (metric-family.ts): the exposition writer renders
 * them for /metrics. The tests mirror them into a prom-client Registry
 * (server/test-support/registry-mirror.ts) to cross-check names and output;
 * production never loads prom-client.
 */
import { COLLECTOR_NAMES } from '../../model/store.js';
import type { CycleResult } from '../../model/cycle.js';
import type { CollectorError } from '../../model/host-sample.js';
import type { EbpfRunnerStats, EbpfRunnerStatsGetter } from './ebpf-runner-stats.js';
import { ebpfRunnerFamilies } from './ebpf-runner-metrics.js';
import { writeExposition } from './exposition-writer.js';
import { hostFamilies } from './host-metrics.js';
import { KERNEL_LOG_EVENT_KINDS, kernelLogFamilies, memlockExceededVmLabel } from './kernel-log-metrics.js';
import { LabelledTally } from './labelled-tally.js';
import type { MetricFamily } from './metric-family.js';
import type { BuildInfo, MetricsReadModel, PinwatchTallies } from './metrics-read-model.js';
import { METRICS_CONTENT_TYPES, type MetricsFormat } from './metrics-format.js';
import { processFamilies } from './process-metrics.js';
import { runtimeFamilies } from './runtime-metrics.js';
import { createRuntimeStatsGetter, type RuntimeStatsGetter } from './runtime-stats.js';
import { selfFamilies } from './self-metrics.js';
import { sysfsFamilies } from './sysfs-metrics.js';
import { vmDmaFamilies } from './vm-dma-metrics.js';
import { vmFamilies } from './vm-metrics.js';

const collectorErrorReasonSet: Record<CollectorError['reason'], true> = {
  vanished: true,
  malformed: true,
  permission: true,
  io: true,
};
/** What the daemon writes to the store: a whole cycle, one refused row of a kind, the hourly prune. */
const STORE_OPERATIONS = ['record_cycle', 'record_vm', 'record_event', 'record_ebpf_ledger', 'prune'] as const;

export const COLLECTOR_ERROR_REASONS = Object.keys(collectorErrorReasonSet) as CollectorError['reason'][];

/** The routes that take parameters: their bad-request counters start at 0. */
export const API_ROUTES_WITH_PARAMETERS = ['/api/v1/vms', '/api/v1/vms/:id/history', '/api/v1/events'] as const;

export interface PinwatchMetricsOptions {
  buildInfo: BuildInfo;
  /** The bpftrace runner's figures, read at scrape time; omitted when eBPF is not wired. */
  ebpfRunnerStats?: EbpfRunnerStatsGetter;
  /** Wall clock in ms since the epoch (pinwatch_last_collection_timestamp_seconds); Date.now by default. */
  nowMs?: () => number;
  /** pinwatch's own process_* and nodejs_* figures; this process's by default. */
  runtimeStats?: RuntimeStatsGetter;
}

export interface RenderedMetrics {
  contentType: string;
  body: string;
}

export interface PinwatchMetrics {
  readonly buildInfo: BuildInfo;
  /** The families in output order, as /metrics renders them. */
  readonly families: readonly MetricFamily[];
  /** Keep the cycle for the gauges and add its errors, cycle and kernel log records to the counters. */
  observeCycle(result: CycleResult): void;
  observeStoreWrite(table: string, rows: number): void;
  observeStoreError(operation: string): void;
  /** A request refused with 400; `route` is the route's URL pattern (bounded cardinality). */
  observeBadRequest(route: string): void;
  /** A route the app serves: its 5xx counter starts at 0. */
  registerHttpRoute(route: string): void;
  /** An answered request; `route` is the route's URL pattern, or 'unmatched'. */
  observeHttpRequest(route: string, statusCode: number): void;
  observeWebConfigReload(result: 'success' | 'failure'): void;
  /** The bpftrace runner's figures now (the status page shows them); null when eBPF is not wired. */
  ebpfRunnerStats(): EbpfRunnerStats | null;
  /** The exposition of the latest observed state; synchronous: memory only. */
  render(format: MetricsFormat): RenderedMetrics;
}

/** Output order: pinwatch itself, its process and runtime, host, per-process, per-VM, sysfs, eBPF, kernel log. */
function allFamilies(model: MetricsReadModel, runtimeStats: RuntimeStatsGetter): MetricFamily[] {
  return [
    ...selfFamilies(model),
    ...runtimeFamilies(runtimeStats),
    ...hostFamilies(model),
    ...processFamilies(model),
    ...vmFamilies(model),
    ...sysfsFamilies(model),
    ...ebpfRunnerFamilies(model),
    ...vmDmaFamilies(model),
    ...kernelLogFamilies(model),
  ];
}

function createTallies(): PinwatchTallies {
  const tallies: PinwatchTallies = {
    collectionCycles: new LabelledTally<never>([]),
    collectorErrors: new LabelledTally(['collector', 'reason']),
    storeWrites: new LabelledTally(['table']),
    storeErrors: new LabelledTally(['operation']),
    badRequests: new LabelledTally(['route']),
    httpRequests: new LabelledTally(['route', 'code']),
    httpServerErrors: new LabelledTally(['route']),
    webConfigReloads: new LabelledTally(['result']),
    kernelLogEvents: new LabelledTally(['kind']),
    kernelMemlockExceeded: new LabelledTally(['vm']),
  };
  // Label sets known up front start at 0, so rate() and increase() see the first error.
  tallies.collectionCycles.preset({});
  for (const collector of COLLECTOR_NAMES) {
    for (const reason of COLLECTOR_ERROR_REASONS) tallies.collectorErrors.preset({ collector, reason });
  }
  for (const kind of KERNEL_LOG_EVENT_KINDS) tallies.kernelLogEvents.preset({ kind });
  for (const route of API_ROUTES_WITH_PARAMETERS) tallies.badRequests.preset({ route });
  for (const result of ['success', 'failure']) tallies.webConfigReloads.preset({ result });
  // From 0, so increase() sees the first failure (the daemon's operations: pinwatch-daemon.ts).
  for (const operation of STORE_OPERATIONS) tallies.storeErrors.preset({ operation });
  return tallies;
}

export function createPinwatchMetrics(options: PinwatchMetricsOptions): PinwatchMetrics {
  const nowMs = options.nowMs ?? Date.now;
  const tallies = createTallies();
  let latestCycle: CycleResult | null = null;
  let lastCycleObservedAtMs: number | null = null;

  const model: MetricsReadModel = {
    buildInfo: options.buildInfo,
    latestCycle: () => latestCycle,
    lastCycleObservedAtMs: () => lastCycleObservedAtMs,
    tallies,
    ebpfRunnerStats: () => options.ebpfRunnerStats?.() ?? null,
  };

  const families = allFamilies(model, options.runtimeStats ?? createRuntimeStatsGetter());

  return {
    buildInfo: options.buildInfo,
    families,
    observeCycle(result) {
      latestCycle = result;
      lastCycleObservedAtMs = nowMs();
      tallies.collectionCycles.add({}, 1);
      for (const error of result.sample.errors) {
        tallies.collectorErrors.add({ collector: error.collector, reason: error.reason }, 1);
      }
      for (const attributed of result.kernelLogEvents) {
        const { event } = attributed;
        // Records logged before pinwatch started were counted by the previous
        // run (or predate it): counting them again at every restart would make
        // increase() report old failures as new. They are kept as events.
        if (event.beforeStart) continue;
        tallies.kernelLogEvents.add({ kind: event.kind }, 1);
        if (event.kind === 'memlock_exceeded' || event.kind === 'external_memlock_exceeded') {
          tallies.kernelMemlockExceeded.add({ vm: memlockExceededVmLabel(attributed) }, 1);
        }
      }
    },
    observeStoreWrite(table, rows) {
      tallies.storeWrites.add({ table }, rows);
    },
    observeStoreError(operation) {
      tallies.storeErrors.add({ operation }, 1);
    },
    observeBadRequest(route) {
      tallies.badRequests.add({ route }, 1);
    },
    registerHttpRoute(route) {
      tallies.httpServerErrors.preset({ route });
    },
    observeHttpRequest(route, statusCode) {
      tallies.httpRequests.add({ route, code: String(statusCode) }, 1);
      if (statusCode >= 500) tallies.httpServerErrors.add({ route }, 1);
    },
    observeWebConfigReload(result) {
      tallies.webConfigReloads.add({ result }, 1);
    },
    ebpfRunnerStats: () => model.ebpfRunnerStats(),
    render(format) {
      return { contentType: METRICS_CONTENT_TYPES[format], body: writeExposition(families, format) };
    },
  };
}
