import type { QemuIdentity, VfioProcessSample } from '../model/host-sample.js';

/** Builders for analysis tests: a VFIO user with only the fields a case changes. */
export function qemuIdentity(overrides: Partial<QemuIdentity> = {}): QemuIdentity {
  return {
    guestName: 'web-01',
    uuid: null,
    memoryBytes: 4 * 1024 ** 3,
    maxMemoryBytes: null,
    memoryBackends: [],
    memLock: false,
    vfioDevices: [{ hostAddress: '0000:01:00.0', sysfsdev: null, id: 'hostdev0' }],
    viommu: null,
    ...overrides,
  };
}

export function vfioProcess(overrides: Partial<VfioProcessSample> = {}): VfioProcessSample {
  return {
    pid: 4242,
    startTimeTicks: 100000,
    comm: 'qemu-system-x86',
    uid: 107,
    lockedBytes: 4 * 1024 ** 3,
    pinnedBytes: 0,
    residentBytes: 4 * 1024 ** 3,
    hasCapIpcLock: false,
    memlockLimit: { softBytes: 5 * 1024 ** 3, hardBytes: 5 * 1024 ** 3 },
    handles: [
      { kind: 'container', target: '/dev/vfio/vfio' },
      { kind: 'group', target: '/dev/vfio/12', iommuGroup: 12 },
    ],
    iommuGroups: [12],
    backend: 'type1',
    cmdline: ['qemu-system-x86_64'],
    qemu: qemuIdentity(),
    ...overrides,
  };
}
