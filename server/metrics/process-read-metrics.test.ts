/** A VFIO user whose read was incomplete stays in /metrics, flagged (issue 9). */
import { describe, expect, it } from 'vitest';
import { GiB, testCycle, testVm } from '../test-support/cycle-builder.js';
import { createPinwatchMetrics } from './create-pinwatch-metrics.js';

const samples = (body: string, name: string) => body.split('\n').filter((line) => line.startsWith(`${name}{`));

describe('pinwatch_process_read_complete', () => {
  const cycle = testCycle({
    vms: [
      testVm({
        process: {
          lockedBytes: 4 * GiB,
          readErrors: [{ collector: 'vfio_users', reason: 'malformed', path: '/proc/4242/limits', message: '/proc/4242/limits: no "Max locked memory" row' }],
          unknownFields: ['memlockLimit'],
          memlockLimit: { softBytes: null, hardBytes: null },
        },
      }),
      testVm({ process: { pid: 5151, startTimeTicks: 200000, qemu: null, comm: 'dpdk-testpmd' } }),
    ],
  });
  const metrics = createPinwatchMetrics({ buildInfo: { version: '0.1.0', nodeVersion: 'v20.19.0' } });
  metrics.observeCycle(cycle);
  const body = metrics.render('prometheus').body;

  it('is 0 for the VM with a failed file and 1 for the complete one', () => {
    expect(samples(body, 'pinwatch_process_read_complete')).toEqual([
      'pinwatch_process_read_complete{vm="web-01"} 0',
      'pinwatch_process_read_complete{vm="dpdk-testpmd"} 1',
    ]);
  });

  it('keeps the incomplete VM in the other families; an unknown limit is left out, never +Inf (unlimited)', () => {
    expect(samples(body, 'pinwatch_process_locked_memory_bytes')).toContain(`pinwatch_process_locked_memory_bytes{vm="web-01"} ${4 * GiB}`);
    expect(samples(body, 'pinwatch_process_memlock_limit_bytes').filter((line) => line.includes('web-01'))).toEqual([]);
  });
});
