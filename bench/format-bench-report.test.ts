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
  problems: [],
};

describe('judgeTargets', () => {
  it('PASS at or under the limit, MISS over it', () => {
    expect(judgeTargets(run).map((v) => [v.name, v.pass])).toEqual([
      ['steady collection cycle (median)', true],
      ['/metrics render, prometheus (median)', true],
      ['/metrics render, openmetrics (median)', false],
      ['peak RSS', false],
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

  it('prints each target with its verdict', () => {
    expect(report).toContain('  PASS  steady collection cycle (median): 45.0ms (target <= 70ms)');
    expect(report).toContain('  MISS  /metrics render, openmetrics (median): 6.0ms (target <= 5ms)');
    expect(report).toContain('  MISS  peak RSS: 139.0 MiB (target <= 64 MiB)');
  });

  it('says when no 2000-process run was made, and lists invalid runs', () => {
    const small = formatBenchReport([{ ...run, processCount: 500, problems: ['first cycle: found 49 VFIO users, expected the 50 generated VMs'] }]);
    expect(small).toContain('Targets not judged: no 2,000-process run.');
    expect(small).toContain('INVALID 500 processes: first cycle: found 49 VFIO users, expected the 50 generated VMs');
  });
});
