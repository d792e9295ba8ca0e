import { describe, expect, it } from 'vitest';
import { fdsToReread, isSameProcess, type KnownVfioUser, KnownVfioUsers } from './known-vfio-users.js';

// A QEMU last read with fds 0-6; fds 2, 3 and 4 were its group, container and device fd.
const known: KnownVfioUser = {
  startTimeTicks: 5000,
  comm: 'qemu-system-x86',
  openFds: ['0', '1', '2', '3', '4', '5', '6'],
  vfioHandles: [
    { fd: '2', handle: { kind: 'group', target: '/dev/vfio/12', iommuGroup: 12 } },
    { fd: '3', handle: { kind: 'container', target: '/dev/vfio/vfio' } },
    { fd: '4', handle: { kind: 'device-fd', target: 'anon_inode:[vfio-device]' } },
  ],
  cmdline: ['/usr/bin/qemu-system-x86_64'],
  qemu: null,
  cmdlineProblems: [],
  cmdlineComplete: true,
  lastSample: {
    pid: 77,
    startTimeTicks: 5000,
    comm: 'qemu-system-x86',
    uid: 0,
    lockedBytes: 0,
    pinnedBytes: 0,
    residentBytes: 0,
    hasCapIpcLock: false,
    memlockLimit: { softBytes: null, hardBytes: null },
    handles: [],
    iommuGroups: [],
    backend: 'type1',
    cmdline: ['/usr/bin/qemu-system-x86_64'],
    qemu: null,
  },
};

describe('fdsToReread', () => {
  it.each<[string, string[], string[]]>([
    ['same fd numbers: only the 3 VFIO fds', ['0', '1', '2', '3', '4', '5', '6'], ['2', '3', '4']],
    ['an fd closed (unplug): all', ['0', '1', '2', '3', '5', '6'], ['0', '1', '2', '3', '5', '6']],
    ['an fd opened (hotplug): all', ['0', '1', '2', '3', '4', '5', '6', '7'], ['0', '1', '2', '3', '4', '5', '6', '7']],
    ['same count, other numbers: all', ['0', '1', '2', '3', '4', '5', '9'], ['0', '1', '2', '3', '4', '5', '9']],
    ['no fds left: none to read', [], []],
  ])('%s', (_label, openFds, expected) => expect(fdsToReread(known, openFds)).toEqual(expected));
});

describe('isSameProcess', () => {
  it.each<[string, number, string, boolean]>([
    ['same start time and comm', 5000, 'qemu-system-x86', true],
    ['pid reused: other start time', 9000, 'qemu-system-x86', false],
    ['execve: same start time, new comm', 5000, 'bash', false],
  ])('%s -> %s', (_label, startTimeTicks, comm, expected) => expect(isSameProcess(known, startTimeTicks, comm)).toBe(expected));
});

describe('KnownVfioUsers', () => {
  it('holds exactly the last cycle it was given', () => {
    const users = new KnownVfioUsers();
    users.replaceWith(new Map([[100, known]]));
    expect(users.get(100)).toBe(known);
    users.replaceWith(new Map([[200, known]]));
    expect([users.get(100), users.size]).toEqual([undefined, 1]);
  });
});
