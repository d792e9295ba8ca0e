import { describe, expect, it } from 'vitest';
import type { HostSample } from '../model/host-sample.js';
import { analyzeVm, analyzeVms, summarizeHost } from './analyze-host.js';
import { defaultAnalysisThresholds as thresholds } from './thresholds.js';
import { qemuIdentity, vfioProcess } from './test-process.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function kinds(vm: ReturnType<typeof analyzeVm>): string[] {
  return vm.findings.map((f) => `${f.kind}:${f.severity}`).sort();
}

describe('analyzeVm', () => {
  it('the real 6.1 capture (qemu-run, -m 64, root): ok against expected, limit bypassed by CAP_IPC_LOCK', () => {
    // fixtures/captures/linux-6.1/qemu-run-proc-status.txt: VmLck 81792 kB; limits: 8388608 soft and hard.
    const vm = analyzeVm(
      vfioProcess({
        pid: 1682,
        lockedBytes: 81792 * 1024,
        hasCapIpcLock: true,
        memlockLimit: { softBytes: 8388608, hardBytes: 8388608 },
        qemu: qemuIdentity({ guestName: null, memoryBytes: 64 * MiB }),
      }),
      'qemu-system-x86',
      'boot-a',
      thresholds,
    );
    expect(vm.processKey).toBe('boot-a:1682:100000');
    expect(vm.guestMemoryBytes).toBe(67108864);
    expect(vm.expectedLockedBytes).toBe(67108864);
    expect(vm.accountingClass).toBe('ok'); // 16 MiB of ROM/VGA RAM above guest RAM is within the 1 GiB allowance
    expect(vm.memlockHeadroomBytes).toBe(8388608 - 83755008);
    expect(vm.memlockUsedRatio).toBeCloseTo(83755008 / 8388608, 6);
    expect(kinds(vm)).toEqual(['memlock-limit-bypassed:info']);
  });

  it('a healthy VM sized by libvirt has no finding', () => {
    const vm = analyzeVm(vfioProcess({ lockedBytes: 4 * GiB + 20 * MiB }), 'web-01', 'b', thresholds);
    expect(vm.accountingClass).toBe('ok');
    expect(vm.memlockHeadroomBytes).toBe(GiB - 20 * MiB);
    expect(vm.findings).toEqual([]);
  });

  it('mem-lock=on doubles VmLck: double-charged with the mlock explanation', () => {
    const vm = analyzeVm(
      vfioProcess({
        lockedBytes: 16 * GiB + 18 * MiB,
        memlockLimit: { softBytes: 20 * GiB, hardBytes: 20 * GiB },
        qemu: qemuIdentity({ memoryBytes: 8 * GiB, memLock: true }),
      }),
      'db-02',
      'b',
      thresholds,
    );
    expect(vm.expectedLockedBytes).toBe(8 * GiB);
    expect(vm.accountingClass).toBe('double-charged');
    expect(kinds(vm)).toEqual(['locked-double-charged:warning']);
    expect(vm.findings[0]?.explanation).toContain('mem-lock=on');
  });

  it('a small mem-lock=on guest is still reported doubled (cause known)', () => {
    const vm = analyzeVm(
      vfioProcess({ lockedBytes: 128 * MiB + 4 * MiB, qemu: qemuIdentity({ memoryBytes: 64 * MiB, memLock: true }) }),
      'tiny',
      'b',
      thresholds,
    );
    expect(vm.accountingClass).toBe('double-charged');
  });

  it('vIOMMU with two devices: expected is 2 x guest RAM, VmLck 2x is ok', () => {
    const vm = analyzeVm(
      vfioProcess({
        lockedBytes: 8 * GiB + 30 * MiB,
        iommuGroups: [12, 13],
        memlockLimit: { softBytes: 9 * GiB, hardBytes: 9 * GiB },
        qemu: qemuIdentity({
          viommu: 'intel-iommu',
          vfioDevices: [
            { hostAddress: '0000:01:00.0', sysfsdev: null, id: 'a' },
            { hostAddress: '0000:02:00.0', sysfsdev: null, id: 'b' },
          ],
        }),
      }),
      'gpu-train-3',
      'b',
      thresholds,
    );
    expect(vm.dmaAddressSpaces).toBe(2);
    expect(vm.expectedLockedBytes).toBe(8 * GiB);
    expect(vm.accountingClass).toBe('ok');
    // 1 GiB - 30 MiB left: hot-plugging a third device would charge 4 GiB more.
    expect(kinds(vm)).toEqual(['memlock-headroom-low:warning']);
    expect(vm.findings[0]?.explanation).toContain('hot-plugging another VFIO device');
  });

  it('near the limit without vIOMMU: warning below 256 MiB of headroom', () => {
    const near = analyzeVm(
      vfioProcess({ lockedBytes: 16 * GiB + 100 * MiB, memlockLimit: { softBytes: 16.25 * GiB, hardBytes: 17 * GiB }, qemu: qemuIdentity({ memoryBytes: 16 * GiB }) }),
      'near',
      'b',
      thresholds,
    );
    expect(near.memlockHeadroomBytes).toBe(156 * MiB);
    expect(kinds(near)).toEqual(['memlock-headroom-low:warning']);
    expect(near.findings[0]?.explanation).toBe(
      'Only 156 MiB of RLIMIT_MEMLOCK 16.3 GiB is left (99.1% used): a hotplug or a new DMA mapping may fail with ENOMEM.',
    );
  });

  it('a 24 GiB guest sized by libvirt (guest RAM + 1 GiB) is 96% used and healthy', () => {
    const vm = analyzeVm(
      vfioProcess({ lockedBytes: 24 * GiB + 40 * MiB, memlockLimit: { softBytes: 25 * GiB, hardBytes: 25 * GiB }, qemu: qemuIdentity({ memoryBytes: 24 * GiB }) }),
      'render-09',
      'b',
      thresholds,
    );
    expect(vm.memlockUsedRatio).toBeGreaterThan(0.96);
    expect(vm.findings).toEqual([]);
  });

  it('limit below expected without CAP_IPC_LOCK: critical, and VmLck stuck at the limit', () => {
    const vm = analyzeVm(
      vfioProcess({ lockedBytes: 4 * GiB, memlockLimit: { softBytes: 4 * GiB, hardBytes: 4 * GiB }, qemu: qemuIdentity({ memoryBytes: 8 * GiB }) }),
      'small-limit',
      'b',
      thresholds,
    );
    expect(vm.accountingClass).toBe('under');
    expect(kinds(vm)).toEqual([
      'locked-under-expected:info',
      'memlock-headroom-low:critical',
      'memlock-limit-below-expected:critical',
    ]);
    expect(vm.findings.find((f) => f.kind === 'memlock-limit-below-expected')?.explanation).toContain('raise the limit to at least 9 GiB');
  });

  it('an underflowed VmLck (18446744073709551612 kB) is critical and no limit finding follows', () => {
    const vm = analyzeVm(vfioProcess({ lockedBytes: 18446744073709551612 * 1024 }), 'live-upd', 'b', thresholds);
    expect(vm.accountingClass).toBe('underflow');
    expect(vm.memlockHeadroomBytes).toBeNull();
    expect(vm.memlockUsedRatio).toBeNull();
    expect(kinds(vm)).toEqual(['locked-underflow:critical']);
  });

  it('iommufd charges VmPin', () => {
    const vm = analyzeVm(
      vfioProcess({ backend: 'iommufd', lockedBytes: 0, pinnedBytes: 4 * GiB }),
      'cdev-vm',
      'b',
      thresholds,
    );
    expect(vm.accountingClass).toBe('iommufd');
    expect(kinds(vm)).toEqual(['iommufd-charges-pinned:info']);
  });

  it('a process with nothing locked gets no headroom finding, however small its limit (lab: 32 MiB, "0.0% used")', () => {
    const idle = analyzeVm(
      vfioProcess({ lockedBytes: 0, memlockLimit: { softBytes: 32 * MiB, hardBytes: 32 * MiB }, qemu: null, comm: 'vfio-cases' }),
      'vfio-cases',
      'b',
      thresholds,
    );
    expect(idle.memlockHeadroomBytes).toBe(32 * MiB);
    expect(kinds(idle)).toEqual([]);
  });

  it('unlimited RLIMIT_MEMLOCK: no headroom, no ratio', () => {
    const vm = analyzeVm(vfioProcess({ memlockLimit: { softBytes: null, hardBytes: null } }), 'u', 'b', thresholds);
    expect(vm.memlockHeadroomBytes).toBeNull();
    expect(vm.memlockUsedRatio).toBeNull();
    expect(vm.findings).toEqual([]);
  });

  it('a non-QEMU VFIO user has unknown class and no expected charge', () => {
    const vm = analyzeVm(vfioProcess({ comm: 'dpdk-testpmd', qemu: null, lockedBytes: 2 * GiB }), 'dpdk-testpmd', 'b', thresholds);
    expect(vm.expectedLockedBytes).toBeNull();
    expect(vm.accountingClass).toBe('unknown');
  });
});

describe('analyzeVms and summarizeHost', () => {
  const sample: HostSample = {
    takenAtMs: 0,
    bootId: 'boot-1',
    clockTicksPerSecond: 100,
    uptimeSeconds: 1000,
    kernelRelease: '6.1.0-56-amd64',
    processesReadMonotonicMs: null,
    processes: [
      vfioProcess({ pid: 10, startTimeTicks: 500, qemu: null, comm: 'dpdk-testpmd', lockedBytes: 1 * GiB }),
      vfioProcess({ pid: 11, startTimeTicks: 900, qemu: null, comm: 'dpdk-testpmd', lockedBytes: 2 * GiB }),
      vfioProcess({ pid: 12, lockedBytes: 4 * GiB + 10 * MiB }),
      vfioProcess({ pid: 13, lockedBytes: 18446744073709551612 * 1024, qemu: qemuIdentity({ guestName: 'broken' }) }),
    ],
    sysfs: null,
    meminfo: { memTotalBytes: 64 * GiB, memAvailableBytes: 20 * GiB, hugetlbTotalBytes: 0 },
    processesScanned: 300,
    ebpf: null,
    kernelLogEvents: [],
    errors: [],
    runs: [],
  };

  it('names colliding comms by start time, never by pid', () => {
    const names = analyzeVms(sample, thresholds).map((vm) => vm.analysis.vmName);
    expect(names).toEqual(['dpdk-testpmd', 'dpdk-testpmd@900', 'web-01', 'broken']);
  });

  it('host totals leave the underflowed counter out', () => {
    const vms = analyzeVms(sample, thresholds).map((vm) => vm.analysis);
    const host = summarizeHost(sample, vms);
    expect(host.vfioUsers).toBe(4);
    expect(host.lockedBytes).toBe(1 * GiB + 2 * GiB + 4 * GiB + 10 * MiB);
    expect(host.expectedLockedBytes).toBe(8 * GiB); // web-01 and broken, 4 GiB each
    expect(host.memTotalBytes).toBe(64 * GiB);
    expect(host.minMemlockHeadroomBytes).toBe(5 * GiB - (4 * GiB + 10 * MiB));
    expect(host.findingsBySeverity).toEqual({ info: 0, warning: 0, critical: 1 });
  });
});
