import { describe, expect, it } from 'vitest';
import { judgeTargets } from './bench-targets.js';
import { formatBenchReport } from './format-bench-report.js';
import type { MeasureHostSizeResult } from './measure-host-size.js';

const MiB = 1024 * 1024;
const timing = (medianMs: number, p90Ms = medianMs) => ({ count: 30, medianMs, p90Ms, minMs: medianMs, maxMs: p90Ms });

// A 2000-process run: steady cycle 45 ms (target 70), renders 1.2 / 6.0 ms (target 5), peak RSS 139 MiB (target 64).
const run: MeasureHostSizeResult = {
  processCount: 2000,
  vmCount: 200,
  fdLinkCount: 38056,
  firstCycleMs: 281,
  repeatedSweeps: timing(226),
  steadyCycles: timing(45, 61.3),
  steadyCollectorsMs: { host: timing(0.2), vfio_users: timing(34), sysfs: timing(10) },
  steadyFdScannedProcesses: 232,
  steadyFdLinksRead: 856,
  analysis: timing(0.5),
  publish: timing(0.7),
  render: {
    prometheus: { timing: timing(1.2), bodyBytes: 307 * 1024, sampleLines: 4451 },
    openmetrics: { timing: timing(6), bodyBytes: 310 * 1024, sampleLines: 4451 },
  },
  peakRssBytes: 139 * MiB,
  rssAfterStartupBytes: 80 * MiB,
  peakRssByPhaseBytes: { startup: 80 * MiB, firstCycle: 87 * MiB, steadyCycles: 120 * MiB, repeatedSweeps: 123 * MiB, renders: 139 * MiB },
  heapUsedAfterGcBytes: 28.5 * MiB,
  heapUsedBytesAtEnd: 60 * MiB,
  cFloor: { timing: timing(150), processes: 2000, fdLinks: 38056 },
  scrape: { count: 100, p50Ms: 4, p99Ms: 30, maxMs: 31, cyclesDuring: 20 },
  problems: [],
};

describe('judgeTargets', () => {
  it('PASS at or under the limit, MISS over it', () => {
    // steady 45 / floor 150 = 0.30x (limit 0.25), sweep 226 / 150 = 1.51x, RSS 139 MiB (limit 96 at 2000).
    expect(judgeTargets(run).map((v) => [v.name, v.pass])).toEqual([
      ['steady cycle / C floor (medians)', false],
      ['full sweep / C floor (medians)', false],
      ['peak RSS (VmHWM)', false],
      ['/metrics render, prometheus (median)', true],
      ['/metrics render, openmetrics (median)', false],
    ]);
    const fast = { ...run, steadyCycles: timing(37.5), repeatedSweeps: timing(150), peakRssBytes: 96 * MiB };
    expect(judgeTargets(fast).slice(0, 3).every((v) => v.pass)).toBe(true);
  });

  it('at 8000 processes the scrape p99 and the 160 MiB limit apply; without a floor the ratios are not measured, never passed', () => {
    const big = { ...run, processCount: 8000, peakRssBytes: 150 * MiB, cFloor: null };
    expect(judgeTargets(big).map((v) => [v.name, v.measured, v.pass])).toEqual([
      ['steady cycle / C floor (medians)', null, false],
      ['full sweep / C floor (medians)', null, false],
      ['peak RSS (VmHWM)', 150, true],
      ['scrape p99 during back-to-back sweeps', 30, false],
    ]);
  });

  it('an invalid run (VMs missed) passes nothing', () => {
    expect(judgeTargets({ ...run, problems: ['cycle 3: found 199 VFIO users'] }).some((v) => v.pass)).toBe(false);
  });
});

describe('formatBenchReport', () => {
  const report = formatBenchReport([run]);

  it('prints the row a reader checks: sweep, steady median / p90, fds read, renders, peak RSS with start-up and live heap', () => {
    expect(report).toContain(
      '| 2,000 | 200 | 38,056 | 281 ms | 226 ms | 45.0 / 61.3 ms | 34.0 ms | 856 links of 232 processes | 0.5 ms | 0.7 ms | 1.2 / 6.0 ms | 4,451 samples, 307 KiB | 139.0 MiB (80.0; 28.5) |',
    );
  });

  it('prints the ratios to the C floor and the scrape figures', () => {
    expect(report).toContain('| 2,000 | 150 ms (2,000, 38,056) | 0.30x | 1.87x | 1.51x | 4.0 / 30.0 ms (100) |');
  });

  it('prints each target with its verdict', () => {
    expect(report).toContain('  MISS  steady cycle / C floor (medians): 0.30x (target <= 0.25x)');
    expect(report).toContain('  MISS  /metrics render, openmetrics (median): 6.0ms (target <= 5ms)');
    expect(report).toContain('  MISS  peak RSS (VmHWM): 139.0 MiB (target <= 96 MiB)');
  });

  it('says when no 2000-process run was made, and lists invalid runs', () => {
    const small = formatBenchReport([{ ...run, processCount: 500, problems: ['first cycle: found 49 VFIO users, expected the 50 generated VMs'] }]);
    expect(small).toContain('Targets not judged: no 2,000-process run.');
    expect(small).toContain('INVALID 500 processes: first cycle: found 49 VFIO users, expected the 50 generated VMs');
  });
});
