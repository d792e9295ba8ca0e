import { describe, expect, it } from 'vitest';
import type { ProcStatus } from './parse-proc-status.js';
import { isKnownVfioProgram, VfioUserDiscovery } from './vfio-user-discovery.js';

const status = (name: string, lockedBytes: number | null = 0, pinnedBytes: number | null = 0): ProcStatus => ({
  name,
  realUid: 0,
  lockedBytes,
  pinnedBytes,
  residentBytes: 0,
  hasCapIpcLock: false,
});

describe('isKnownVfioProgram', () => {
  it.each([
    ['qemu-system-x86', true],
    ['qemu-kvm', true],
    ['cloud-hyperviso', true],
    ['crosvm', true],
    ['firecracker', true],
    ['lkvm', true],
    ['kvmtool', true],
    ['dpdk-testpmd', true],
    ['spdk_tgt', true],
    ['vfio-test', true],
    ['bash', false],
    ['libvirtd', false],
    ['', false],
  ])('%j -> %s', (comm, expected) => expect(isKnownVfioProgram(comm)).toBe(expected));
});

describe('VfioUserDiscovery', () => {
  it('sweeps on the first cycle and again once the interval has passed', () => {
    const discovery = new VfioUserDiscovery(300_000);
    const sweeps: boolean[] = [];
    for (const nowMs of [0, 15_000, 299_999, 300_000, 315_000, 600_000]) {
      sweeps.push(discovery.beginCycle(nowMs));
      discovery.endCycle(nowMs, new Set([1]), new Set());
    }
    expect(sweeps).toEqual([true, false, false, true, false, true]);
  });

  it('a cycle that never ended (collector threw) does not count as a sweep', () => {
    const discovery = new VfioUserDiscovery(300_000);
    expect(discovery.beginCycle(0)).toBe(true);
    expect(discovery.beginCycle(15_000)).toBe(true);
  });

  it('reasons between sweeps, in priority order', () => {
    const discovery = new VfioUserDiscovery(300_000);
    discovery.beginCycle(0);
    discovery.endCycle(0, new Set([10, 11, 12, 13, 14]), new Set([10]));
    discovery.beginCycle(15_000);
    expect([
      discovery.fdScanReason(10, status('bash')),
      discovery.fdScanReason(11, status('bash', 4096)),
      discovery.fdScanReason(12, status('bash', 0, 4096)),
      discovery.fdScanReason(13, status('qemu-system-x86')),
      discovery.fdScanReason(14, status('bash')),
      discovery.fdScanReason(15, status('bash')),
      discovery.fdScanReason(14, status('kworker/0:1', null, null)),
    ]).toEqual(['was-vfio-user', 'locked-or-pinned', 'locked-or-pinned', 'known-program', null, 'new-pid', null]);
  });

  it('never lists the fds of a process without an mm (kernel thread), unless it was a VFIO user', () => {
    const discovery = new VfioUserDiscovery(300_000);
    expect(discovery.beginCycle(0)).toBe(true);
    // On a sweep: a kthread is skipped, a process with an mm is read.
    expect([discovery.fdScanReason(2, status('kthreadd', null, null)), discovery.fdScanReason(10, status('bash'))]).toEqual([null, 'full-sweep']);
    discovery.endCycle(0, new Set([2, 10]), new Set([10]));
    discovery.beginCycle(15_000);
    expect([
      discovery.fdScanReason(3, status('kworker/1:0', null, null)), // new pid, no mm
      discovery.fdScanReason(10, status('qemu-system-x86', null, null)), // VFIO user past exit_mm(): still read
    ]).toEqual([null, 'was-vfio-user']);
    discovery.endCycle(15_000, new Set([2, 3, 10]), new Set([10]));
    expect(discovery.beginCycle(300_000)).toBe(true);
    expect(discovery.fdScanReason(10, status('qemu-system-x86', null, null))).toBe('full-sweep');
  });
});
