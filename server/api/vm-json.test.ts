/** One VM's odd value never fails the answer for the others (issue 9: 500 "Invalid time value" for all 50 VMs). */
import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { createPinwatchMetrics } from '../metrics/create-pinwatch-metrics.js';
import { testCycle, testVm } from '../test-support/cycle-builder.js';
import { fakeStoreReader } from '../test-support/fake-store-reader.js';
import { vmJson } from './vm-json.js';

const badStatus = '/proc/4242/status';

function cycleWithOddVm() {
  const odd = testVm({
    process: {
      startTimeTicks: 1e23,
      readErrors: [{ collector: 'vfio_users', reason: 'malformed', path: badStatus, message: `${badStatus}: expected "<number> kB": "VmLck:\\t-4 kB"` }],
      staleFields: ['lockedBytes'],
      unknownFields: ['memlockLimit'],
    },
  });
  const fine = testVm({ process: { pid: 5151, startTimeTicks: 200000, qemu: null, comm: 'dpdk-testpmd' } });
  return testCycle({ vms: [odd, fine] });
}

describe('VM JSON', () => {
  it('a start time past any date gives startedAt null instead of throwing', () => {
    const cycle = cycleWithOddVm();
    const [odd] = cycle.vms;
    if (!odd) throw new Error('no VM');
    const json = vmJson(odd, cycle.sample, null);
    expect(json.startedAt).toBeNull();
    expect(json.startTimeTicks).toBe(1e23);
  });

  it('GET /api/v1/vms answers 200 with every VM, the odd one carrying its error, stale and unknown fields', async () => {
    const metrics = createPinwatchMetrics({ buildInfo: { version: '0.1.0', nodeVersion: 'v20.19.0' } });
    const cycle = cycleWithOddVm();
    metrics.observeCycle(cycle);
    const app = buildApp({
      metrics,
      getLatestCycle: () => cycle,
      store: fakeStoreReader({}),
      isReady: () => true,
      nowMs: () => cycle.sample.takenAtMs,
    });
    const response = await app.inject({ url: '/api/v1/vms' });
    expect(response.statusCode).toBe(200);
    const vms = response.json().vms as Array<Record<string, unknown>>;
    expect(vms.map((vm) => vm['vmName'])).toEqual(['web-01', 'dpdk-testpmd']);
    expect(vms[0]).toMatchObject({
      startedAt: null,
      readComplete: false,
      readErrors: [{ file: badStatus, reason: 'malformed', message: `${badStatus}: expected "<number> kB": "VmLck:\\t-4 kB"` }],
      staleFields: ['lockedBytes'],
      unknownFields: ['memlockLimit'],
    });
    expect(vms[1]).toMatchObject({ readComplete: true, readErrors: [], staleFields: [], unknownFields: [] });
    await app.close();
  });
});
