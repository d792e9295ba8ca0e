import type { MeasureHostSizeResult } from './measure-host-size.js';

/**
 * The targets ("pinwatch core"), all judged on the 2000-process host
 * (one VM in ten): a steady collection cycle in at most 70 ms, /metrics
 * rendered in at most 5 ms (both formats), peak RSS at most 64 MiB. Judged
 * on medians; the p90 is printed next to them.
 */
export const TARGET_PROCESS_COUNT = 2000;

export interface BenchTarget {
  name: string;
  limit: number;
  unit: 'ms' | 'MiB';
  measured(result: MeasureHostSizeResult): number;
}

const MiB = 1024 * 1024;

export const BENCH_TARGETS: readonly BenchTarget[] = [
  { name: 'steady collection cycle (median)', limit: 70, unit: 'ms', measured: (r) => r.steadyCycles.medianMs },
  { name: '/metrics render, prometheus (median)', limit: 5, unit: 'ms', measured: (r) => r.render.prometheus.timing.medianMs },
  { name: '/metrics render, openmetrics (median)', limit: 5, unit: 'ms', measured: (r) => r.render.openmetrics.timing.medianMs },
  { name: 'peak RSS', limit: 64, unit: 'MiB', measured: (r) => r.peakRssBytes / MiB },
];

export interface TargetVerdict {
  name: string;
  limit: number;
  unit: BenchTarget['unit'];
  measured: number;
  pass: boolean;
}

/** PASS when the measured figure is at most the limit and the size's run was valid. */
export function judgeTargets(result: MeasureHostSizeResult, targets: readonly BenchTarget[] = BENCH_TARGETS): TargetVerdict[] {
  return targets.map((target) => {
    const measured = target.measured(result);
    return { name: target.name, limit: target.limit, unit: target.unit, measured, pass: result.problems.length === 0 && measured <= target.limit };
  });
}
