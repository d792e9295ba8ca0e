import type { MeasureHostSizeResult } from './measure-host-size.js';

/**
 * The targets of issue 10, judged per size. Collection is judged against the C floor
 * timed in the same run on the same host (bench/c-floor.c: status + limits + readlink of
 * every fd of every process), so a loaded machine moves both sides: the steady cycle
 * <= 0.25x the floor and a full sweep <= 1.0x; peak RSS (VmHWM) <= 96 MiB at 2000
 * processes and <= 160 MiB at 8000; a scrape's p99 <= 25 ms at 8000 while full sweeps
 * run back to back on the collection thread; the /metrics render <= 5 ms at 2000.
 */
export const TARGET_PROCESS_COUNT = 2000;

export interface BenchTarget {
  name: string;
  /** The sizes (processes) it is judged at. */
  sizes: readonly number[];
  limit: number;
  unit: 'ms' | 'MiB' | 'x';
  /** null when the run did not measure it (no floor, no scrape phase). */
  measured(result: MeasureHostSizeResult): number | null;
}

const MiB = 1024 * 1024;
const ofFloor = (ms: number, r: MeasureHostSizeResult) => (r.cFloor ? ms / r.cFloor.timing.medianMs : null);

export const BENCH_TARGETS: readonly BenchTarget[] = [
  { name: 'steady cycle / C floor (medians)', sizes: [2000, 8000], limit: 0.25, unit: 'x', measured: (r) => ofFloor(r.steadyCycles.medianMs, r) },
  { name: 'full sweep / C floor (medians)', sizes: [500, 2000, 8000], limit: 1.0, unit: 'x', measured: (r) => ofFloor(r.repeatedSweeps.medianMs, r) },
  { name: 'peak RSS (VmHWM)', sizes: [2000], limit: 96, unit: 'MiB', measured: (r) => r.peakRssBytes / MiB },
  { name: 'peak RSS (VmHWM)', sizes: [8000], limit: 160, unit: 'MiB', measured: (r) => r.peakRssBytes / MiB },
  { name: 'scrape p99 during back-to-back sweeps', sizes: [8000], limit: 25, unit: 'ms', measured: (r) => r.scrape?.p99Ms ?? null },
  { name: '/metrics render, prometheus (median)', sizes: [2000], limit: 5, unit: 'ms', measured: (r) => r.render.prometheus.timing.medianMs },
  { name: '/metrics render, openmetrics (median)', sizes: [2000], limit: 5, unit: 'ms', measured: (r) => r.render.openmetrics.timing.medianMs },
];

export interface TargetVerdict {
  name: string;
  processCount: number;
  limit: number;
  unit: BenchTarget['unit'];
  measured: number | null;
  pass: boolean;
}

/** The targets that apply to this size; PASS when measured, at most the limit, and the run was valid. */
export function judgeTargets(result: MeasureHostSizeResult, targets: readonly BenchTarget[] = BENCH_TARGETS): TargetVerdict[] {
  return targets
    .filter((target) => target.sizes.includes(result.processCount))
    .map((target) => {
      const measured = target.measured(result);
      return {
        name: target.name,
        processCount: result.processCount,
        limit: target.limit,
        unit: target.unit,
        measured,
        pass: result.problems.length === 0 && measured !== null && measured <= target.limit,
      };
    });
}
