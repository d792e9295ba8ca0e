import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPinwatchMetrics } from './create-pinwatch-metrics.js';
import { createRuntimeStatsGetter, parseMaxOpenFiles, parseStatusKilobytes } from './runtime-stats.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pinwatch-runtime-stats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// /proc/self/limits as fs/proc/base.c proc_pid_limits prints it.
const LIMITS = [
  'Limit                     Soft Limit           Hard Limit           Units     ',
  'Max locked memory         8388608              8388608              bytes     ',
  'Max open files            1024                 524288               files     ',
  '',
].join('\n');

describe('pinwatch\'s own process figures', () => {
  it('parses VmSize and the soft open-files limit', () => {
    expect(parseStatusKilobytes('Name:\tnode\nVmSize:\t  1101544 kB\nVmRSS:\t   81000 kB\n', 'VmSize')).toBe(1101544 * 1024);
    expect(parseMaxOpenFiles(LIMITS)).toBe(1024);
    expect(parseMaxOpenFiles(LIMITS.replace('1024                 524288', 'unlimited            unlimited'))).toBeNull();
  });

  it('reads a /proc/self tree: fds, limits, virtual memory', () => {
    const self = path.join(dir, 'self');
    mkdirSync(path.join(self, 'fd'), { recursive: true });
    for (const fd of ['0', '1', '2', '7']) writeFileSync(path.join(self, 'fd', fd), '');
    writeFileSync(path.join(self, 'limits'), LIMITS);
    writeFileSync(path.join(self, 'status'), 'VmSize:\t  2048 kB\n');
    const stats = createRuntimeStatsGetter({ procSelf: self })();
    expect(stats).toMatchObject({ openFds: 4, maxFds: 1024, virtualMemoryBytes: 2048 * 1024 });
    expect(stats.residentMemoryBytes).toBeGreaterThan(0);
  });

  it('leaves out what it cannot read instead of failing the scrape', () => {
    const stats = createRuntimeStatsGetter({ procSelf: path.join(dir, 'absent') })();
    expect(stats).toMatchObject({ openFds: null, maxFds: null, virtualMemoryBytes: null });
    const metrics = createPinwatchMetrics({ buildInfo: { version: '0.1.0', nodeVersion: 'v20.19.0' }, runtimeStats: () => stats });
    const text = metrics.render('prometheus').body;
    expect(text).not.toMatch(/^process_open_fds /m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('on this machine: the real /proc/self, CPU time that grows, a start time in the past', () => {
    const getStats = createRuntimeStatsGetter();
    const first = getStats();
    const until = Date.now() + 50;
    while (Date.now() < until) Math.sqrt(Math.random());
    const second = getStats();
    expect(second.cpuUserSeconds + second.cpuSystemSeconds).toBeGreaterThan(first.cpuUserSeconds + first.cpuSystemSeconds);
    expect(second.startTimeSeconds).toBeLessThanOrEqual(Date.now() / 1000);
    expect(second.openFds).toBeGreaterThan(2);
  });
});

describe('process_* and nodejs_* families', () => {
  it('render the names prom-client\'s default metrics use, with the values given', () => {
    const metrics = createPinwatchMetrics({
      buildInfo: { version: '0.1.0', nodeVersion: 'v20.19.0' },
      runtimeStats: () => ({
        cpuUserSeconds: 1.5,
        cpuSystemSeconds: 0.25,
        startTimeSeconds: 1764800000,
        residentMemoryBytes: 83755008,
        virtualMemoryBytes: 1101544 * 1024,
        openFds: 23,
        maxFds: 1024,
        heapTotalBytes: 30000000,
        heapUsedBytes: 20000000,
        externalMemoryBytes: 2000000,
        eventLoopLag: { meanSeconds: 0.0101, maxSeconds: 0.02, p99Seconds: 0.019 },
      }),
    });
    const text = metrics.render('prometheus').body;
    for (const line of [
      'process_cpu_user_seconds_total 1.5',
      'process_cpu_system_seconds_total 0.25',
      'process_cpu_seconds_total 1.75',
      'process_start_time_seconds 1764800000',
      'process_resident_memory_bytes 83755008',
      'process_open_fds 23',
      'process_max_fds 1024',
      'nodejs_heap_size_used_bytes 20000000',
      'nodejs_eventloop_lag_p99_seconds 0.019',
      '# TYPE process_cpu_seconds_total counter',
    ]) {
      expect(text).toContain(`${line}\n`);
    }
  });
});
