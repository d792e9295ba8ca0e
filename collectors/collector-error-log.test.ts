import { describe, expect, it } from 'vitest';
import type { CollectorError } from '../model/host-sample.js';
import { CollectorErrorLog } from './collector-error-log.js';

const limitsError: CollectorError = {
  collector: 'vfio_users',
  reason: 'malformed',
  path: '/proc/4242/limits',
  message: '/proc/4242/limits: expected a number of bytes or "unlimited": "Max locked memory         lots    5368709120    bytes"',
};

function recordingLogger() {
  const lines: Array<{ level: string; obj: object; msg: string | undefined }> = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj, msg });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('CollectorErrorLog', () => {
  it('logs the first occurrence with the path, the quoted line and why; then once per interval with the suppressed count', () => {
    const { lines, logger } = recordingLogger();
    let now = 0;
    const log = new CollectorErrorLog(logger, () => now, 600_000);
    for (let cycle = 0; cycle < 40; cycle++, now += 15_000) log.record(limitsError); // 10 minutes of 15 s cycles
    log.record(limitsError); // at 600 s: a new line
    expect(lines).toEqual([
      { level: 'warn', obj: { collector: 'vfio_users', reason: 'malformed', path: '/proc/4242/limits' }, msg: limitsError.message },
      {
        level: 'warn',
        obj: { collector: 'vfio_users', reason: 'malformed', path: '/proc/4242/limits', suppressed: 39 },
        msg: `${limitsError.message} (39 more since the last line)`,
      },
    ]);
  });

  it('limits per (file, reason): another file or another reason is logged at once; a vanished process only at debug', () => {
    const { lines, logger } = recordingLogger();
    const log = new CollectorErrorLog(logger, () => 0);
    log.record(limitsError);
    log.record({ ...limitsError, path: '/proc/5151/limits', message: '/proc/5151/limits: x' });
    log.record({ ...limitsError, reason: 'vanished', message: '/proc/4242/limits: gone (ENOENT)' });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['warn', limitsError.message],
      ['warn', '/proc/5151/limits: x'],
      ['debug', '/proc/4242/limits: gone (ENOENT)'],
    ]);
  });

  it('forgets keys quiet for an interval, so pid churn does not grow it without bound', () => {
    const { logger } = recordingLogger();
    let now = 0;
    const log = new CollectorErrorLog(logger, () => now, 1000);
    for (let pid = 0; pid < 5000; pid++, now += 10) log.record({ ...limitsError, path: `/proc/${pid}/limits` });
    expect(log.size).toBeLessThan(1200);
  });
});

describe('collectors built by the registry log their errors', () => {
  it('a malformed limits file gives one warning naming the file, quoting the line and saying why; the next cycles stay quiet', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { makeFixtureTempDir } = await import('../fixtures/fixture-temp-dir.js');
    const { writeDemoHost } = await import('../fixtures/demo-host.js');
    const { buildEnabledCollectors } = await import('./registry.js');
    const { runCollectionCycle } = await import('./run-collection-cycle.js');
    const { createFixedClock } = await import('./fixed-clock.js');
    const dir = makeFixtureTempDir('pinwatch-error-log-');
    try {
      const paths = writeDemoHost(path.join(dir, 'host'));
      const clock = createFixedClock(1_764_000_000_000);
      const { lines, logger } = recordingLogger();
      const collectors = buildEnabledCollectors({ ebpf: false, kernel_log: false }, { paths, clock, logger, options: {} });
      for (let cycle = 0; cycle < 3; cycle++) {
        await runCollectionCycle(collectors, { paths, clock });
        clock.advanceMs(15_000);
      }
      const limitsFile = path.join(paths.procfs, '3313', 'limits');
      const warnings = lines.filter((line) => line.level === 'warn');
      expect(warnings).toEqual([
        {
          level: 'warn',
          obj: { collector: 'vfio_users', reason: 'malformed', path: limitsFile },
          msg: `${limitsFile}: expected a number of bytes or "unlimited": "Max locked memory         lots                 lots                 bytes     "`,
        },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
