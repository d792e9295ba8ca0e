/** process_* and nodejs_* self-metrics, named as prom-client's collectDefaultMetrics names them. */
import { performance } from 'node:perf_hooks';
import { counterFamily, gaugeFamily, type MetricFamily } from './metric-family.js';
import type { RuntimeStats, RuntimeStatsGetter } from './runtime-stats.js';

/** One read of /proc/self per scrape, shared by every family of that scrape. */
const SNAPSHOT_REUSE_MS = 100;

export function runtimeFamilies(getStats: RuntimeStatsGetter): MetricFamily[] {
  let snapshot: { atMs: number; stats: RuntimeStats } | null = null;
  const stats = (): RuntimeStats => {
    const now = performance.now();
    if (snapshot === null || now - snapshot.atMs > SNAPSHOT_REUSE_MS) snapshot = { atMs: now, stats: getStats() };
    return snapshot.stats;
  };
  const gauge = (name: string, help: string, value: (s: RuntimeStats) => number | null | undefined) =>
    gaugeFamily({
      name,
      help,
      labelNames: [],
      fill: (emit) => {
        const v = value(stats());
        if (v !== null && v !== undefined) emit({}, v);
      },
    });
  const counter = (name: string, help: string, value: (s: RuntimeStats) => number) =>
    counterFamily({ name, help, labelNames: [], fill: (emit) => emit({}, value(stats())) });
  return [
    counter('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', (s) => s.cpuUserSeconds),
    counter('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', (s) => s.cpuSystemSeconds),
    counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (s) => s.cpuUserSeconds + s.cpuSystemSeconds),
    gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', (s) => s.startTimeSeconds),
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', (s) => s.residentMemoryBytes),
    gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', (s) => s.virtualMemoryBytes),
    gauge('process_open_fds', 'Number of open file descriptors.', (s) => s.openFds),
    gauge('process_max_fds', 'Maximum number of open file descriptors.', (s) => s.maxFds),
    gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', (s) => s.heapTotalBytes),
    gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', (s) => s.heapUsedBytes),
    gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', (s) => s.externalMemoryBytes),
    gauge('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays since the previous scrape.', (s) => s.eventLoopLag?.meanSeconds),
    gauge('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay since the previous scrape.', (s) => s.eventLoopLag?.maxSeconds),
    gauge('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays since the previous scrape.', (s) => s.eventLoopLag?.p99Seconds),
  ];
}
