import { describe, expect, it } from 'vitest';
import type { KernelLogEvent, VfioProcessSample } from '../model/host-sample.js';
import { attributeKernelLogEvent } from './kernel-log-attribution.js';

const MiB = 1024 ** 2;

function process(overrides: Partial<VfioProcessSample> = {}): VfioProcessSample {
  return {
    pid: 1682, startTimeTicks: 17000, comm: 'qemu-system-x86', uid: 0, lockedBytes: 81792 * 1024, pinnedBytes: 0, residentBytes: 0,
    hasCapIpcLock: true, memlockLimit: { softBytes: 8 * MiB, hardBytes: 8 * MiB }, handles: [], iommuGroups: [4], backend: 'type1',
    cmdline: [], qemu: null, ...overrides,
  };
}

describe('attributeKernelLogEvent', () => {
  const event = (overrides: Partial<KernelLogEvent>): KernelLogEvent => ({
    kind: 'memlock_exceeded', atMs: 0, monotonicUs: 176341724, sequence: 1, limitBytes: 33554432, comm: null, pid: null,
    beforeStart: false, message: 'vfio_pin_pages_remote: RLIMIT_MEMLOCK (33554432) exceeded', ...overrides,
  });
  const limited = process({ pid: 10, hasCapIpcLock: false, memlockLimit: { softBytes: 33554432, hardBytes: 33554432 } });
  const capable = process({ pid: 11, hasCapIpcLock: true, memlockLimit: { softBytes: 33554432, hardBytes: 33554432 } });
  const other = process({ pid: 12, hasCapIpcLock: false, memlockLimit: { softBytes: 64 * MiB, hardBytes: 64 * MiB } });

  it.each([
    ['the one non-capable VM with that soft limit', event({}), [limited, capable, other], 10],
    ['nobody when two VMs share the limit', event({}), [limited, { ...limited, pid: 13 }], null],
    ['nobody when no VM has that limit', event({ limitBytes: 1 }), [limited], null],
    ['the named pid for vfio_pin_page_external', event({ kind: 'external_memlock_exceeded', pid: 12, comm: 'qemu' }), [limited, other], 12],
    // started at 170 s (17000 ticks): the record at 176.3 s can be its doing, one at 120 s cannot
    ['nobody for a record older than the only VM with that limit', event({ monotonicUs: 120_000_000 }), [limited], null],
    ['nobody for a named pid that started after the record (pid reuse)', event({ kind: 'external_memlock_exceeded', pid: 12, monotonicUs: 100_000_000 }), [other], null],
  ])('%s', (_name, e, processes, pid) => {
    expect(attributeKernelLogEvent(e, processes, 100)?.pid ?? null).toBe(pid);
  });
});
