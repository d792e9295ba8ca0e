import { describe, expect, it } from 'vitest';
import type { Collector } from './collector.js';
import { createFixedClock } from './fixed-clock.js';
import { runCollectionCycle } from './run-collection-cycle.js';

const paths = { procfs: '/p', sysfs: '/s', devfs: '/d' };

describe('runCollectionCycle', () => {
  it('runs collectors in order on one draft, times each, and keeps going after one throws', async () => {
    const clock = createFixedClock(1_764_000_000_000);
    const order: string[] = [];
    const collectors: Collector[] = [
      {
        name: 'host',
        collect: (_ctx, draft) => {
          order.push('host');
          draft.bootId = 'b1';
          clock.advanceMs(20);
        },
      },
      {
        name: 'vfio_users',
        collect: () => {
          order.push('vfio_users');
          clock.advanceMs(5);
          throw new Error('procfs unreadable');
        },
      },
      {
        name: 'sysfs',
        collect: async (ctx, draft) => {
          order.push('sysfs');
          ctx.errors.report({ collector: 'wrong-name', reason: 'permission', path: '/s/x', message: '/s/x: permission denied (EACCES)' });
          draft.processesScanned = 7;
          clock.advanceMs(250);
        },
      },
    ];
    const sample = await runCollectionCycle(collectors, { paths, clock });
    expect(order).toEqual(['host', 'vfio_users', 'sysfs']);
    expect(sample.takenAtMs).toBe(1_764_000_000_000);
    expect(sample.bootId).toBe('b1');
    expect(sample.processesScanned).toBe(7);
    expect(sample.runs).toEqual([
      { collector: 'host', success: true, durationSeconds: 0.02 },
      { collector: 'vfio_users', success: false, durationSeconds: 0.005, errorMessage: 'procfs unreadable' },
      { collector: 'sysfs', success: true, durationSeconds: 0.25 },
    ]);
    expect(sample.errors).toEqual([
      { collector: 'vfio_users', reason: 'io', path: 'vfio_users', message: 'collector vfio_users failed: procfs unreadable' },
      // The runner stamps the collector's own name on what it reports.
      { collector: 'sysfs', reason: 'permission', path: '/s/x', message: '/s/x: permission denied (EACCES)' },
    ]);
  });

  it('a rejected promise counts as a failure too; no collectors gives an empty sample', async () => {
    const clock = createFixedClock(0);
    const failing: Collector = { name: 'kernel_log', collect: async () => Promise.reject(new Error('kmsg closed')) };
    const sample = await runCollectionCycle([failing], { paths, clock });
    expect(sample.runs).toEqual([{ collector: 'kernel_log', success: false, durationSeconds: 0, errorMessage: 'kmsg closed' }]);
    const empty = await runCollectionCycle([], { paths, clock });
    expect(empty.runs).toEqual([]);
    expect(empty.processes).toEqual([]);
    expect(empty.bootId).toBe('unknown');
  });
});
