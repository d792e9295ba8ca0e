import { describe, expect, it } from 'vitest';
import type { CollectorError } from '../model/host-sample.js';
import { silentLogger } from '../model/logger.js';
import { emptyDraft } from './collector.js';
import { createFixedClock } from './fixed-clock.js';
import { OffThreadCollector, type OffThreadCollectReply, type OffThreadCollectRequest, type OffThreadCollection } from './off-thread-collector.js';
import { buildEnabledCollectors } from './registry.js';

const paths = { procfs: '/nonexistent/proc', sysfs: '/nonexistent/sys', devfs: '/nonexistent/dev' };
const error: CollectorError = { collector: 'vfio_users', reason: 'vanished', path: '/proc/9/status', message: 'gone' };

function fakeThread(reply: OffThreadCollectReply): OffThreadCollection & { requests: OffThreadCollectRequest[] } {
  const requests: OffThreadCollectRequest[] = [];
  return {
    requests,
    collect: (request) => {
      requests.push(request);
      return Promise.resolve(reply);
    },
  };
}

describe('OffThreadCollector', () => {
  it('sends the cycle time and the scalars earlier collectors filled; copies back only the fields it fills; reports the errors', async () => {
    const thread = fakeThread({ part: { processesScanned: 312 }, errors: [error] });
    const draft = { ...emptyDraft(), uptimeSeconds: 1234.5 };
    const reported: CollectorError[] = [];
    await new OffThreadCollector('vfio_users', ['processesScanned'], thread).collect({ paths, nowMs: 42, errors: { report: (e) => reported.push(e) } }, draft);
    expect(thread.requests[0]).toEqual({
      collector: 'vfio_users',
      paths,
      nowMs: 42,
      before: { bootId: 'unknown', clockTicksPerSecond: 100, uptimeSeconds: 1234.5, kernelRelease: null },
    });
    expect(draft.processesScanned).toBe(312);
    expect(draft.uptimeSeconds).toBe(1234.5);
    expect(reported).toEqual([error]);
  });

  it('a collector that threw on the thread fails here with its message, after its errors are reported', async () => {
    const thread = fakeThread({ part: {}, errors: [error], failure: '/nonexistent/proc: ENOENT' });
    const reported: CollectorError[] = [];
    await expect(
      new OffThreadCollector('vfio_users', ['processes'], thread).collect({ paths, nowMs: 0, errors: { report: (e) => reported.push(e) } }, emptyDraft()),
    ).rejects.toThrow('/nonexistent/proc: ENOENT');
    expect(reported).toEqual([error]);
  });
});

describe('buildEnabledCollectors with a collection thread', () => {
  it('host, vfio_users and sysfs go to the thread; ebpf and kernel_log (a child, a stream) and the per-VM libvirt and orchestrator reads stay here; a bad option still fails at start-up', () => {
    const deps = { paths, clock: createFixedClock(0), logger: silentLogger, options: { ebpfSource: 'off' as const }, offThread: fakeThread({ part: {}, errors: [] }) };
    const collectors = buildEnabledCollectors({}, deps);
    expect(collectors.map((c) => [c.name, c instanceof OffThreadCollector])).toEqual([
      ['host', true],
      ['vfio_users', true],
      ['sysfs', true],
      ['ebpf', false],
      ['kernel_log', false],
      ['libvirt', false],
      ['orchestrator', false],
    ]);
    expect(() => buildEnabledCollectors({}, { ...deps, options: { fullScanIntervalMs: -5 } })).toThrow('fullScanIntervalMs');
  });
});
