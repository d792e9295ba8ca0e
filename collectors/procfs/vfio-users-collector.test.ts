import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAP_EFF_NONE, createFixtureTree, type FixtureProcess, openFixtureFd, writeFixtureProcess } from '../../fixtures/fixture-tree.js';
import { makeFixtureTempDir } from '../../fixtures/fixture-temp-dir.js';
import type { CollectorError } from '../../model/host-sample.js';
import { emptyDraft, type HostSampleDraft } from '../collector.js';
import { createFixedClock, type FixedClock } from '../fixed-clock.js';
import type { HostPaths } from '../host-paths.js';
import { VfioUsersCollector, vfioUsersOptionsFrom } from './vfio-users-collector.js';

const FULL_SCAN_MS = 300_000;
const CYCLE_MS = 15_000;

const proc = (p: Partial<FixtureProcess> & Pick<FixtureProcess, 'pid' | 'comm'>): FixtureProcess => ({
  uid: 1000,
  ppid: 1,
  startTimeTicks: 1000 + p.pid,
  vm: { lockedKib: 0, pinnedKib: 0, residentKib: 10240 },
  capEffHex: CAP_EFF_NONE,
  memlock: { soft: 8388608, hard: 8388608 },
  argv: [p.comm],
  fdTargets: ['/dev/null', '/dev/null', '/dev/null'],
  ...p,
});

let dir: string;
let paths: HostPaths;
let clock: FixedClock;
let collector: VfioUsersCollector;

interface CycleOutcome {
  draft: HostSampleDraft;
  errors: CollectorError[];
}

function cycle(): CycleOutcome {
  const draft = emptyDraft();
  const errors: CollectorError[] = [];
  collector.collect({ paths, nowMs: clock.nowMs(), errors: { report: (e) => errors.push(e) } }, draft);
  clock.advanceMs(CYCLE_MS);
  return { draft, errors };
}

const foundPids = (o: CycleOutcome) => o.draft.processes.map((p) => p.pid);

beforeEach(() => {
  dir = makeFixtureTempDir('pinwatch-vfio-users-');
  paths = createFixtureTree(dir);
  clock = createFixedClock(1_764_000_000_000);
  collector = new VfioUsersCollector(clock, { fullScanIntervalMs: FULL_SCAN_MS });
  writeFixtureProcess(paths, proc({ pid: 1, comm: 'systemd', uid: 0 }));
  writeFixtureProcess(paths, proc({ pid: 2, comm: 'kthreadd', uid: 0, vm: null, argv: [], fdTargets: [] }));
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('vfio_users discovery strategy', () => {
  it('a non-VMM process with VmLck 0 that opens VFIO after the first cycle is found at the next full sweep, not before', () => {
    writeFixtureProcess(paths, proc({ pid: 500, comm: 'gpu-agent' }));
    const first = cycle();
    expect(first.draft.processesScanned).toBe(3);
    expect(collector.lastScan.fullSweep).toBe(true);
    expect(foundPids(first)).toEqual([]);

    openFixtureFd(paths, 500, 3, '/dev/vfio/7');
    // Cycles until just before the sweep interval: not a candidate, never fd-scanned.
    const cyclesBeforeSweep = FULL_SCAN_MS / CYCLE_MS - 1;
    for (let i = 0; i < cyclesBeforeSweep; i++) {
      const outcome = cycle();
      expect(collector.lastScan.fullSweep).toBe(false);
      expect(collector.lastScan.fdScans.has(500)).toBe(false);
      expect(foundPids(outcome)).toEqual([]);
    }

    const sweep = cycle();
    expect(collector.lastScan.fullSweep).toBe(true);
    expect(collector.lastScan.fdScans.get(500)).toBe('full-sweep');
    expect(foundPids(sweep)).toEqual([500]);
    expect(sweep.draft.processes[0]?.iommuGroups).toEqual([7]);

    // Once known, it is re-read every cycle (to see it close its handles).
    const after = cycle();
    expect(collector.lastScan.fdScans.get(500)).toBe('was-vfio-user');
    expect(foundPids(after)).toEqual([500]);
  });

  it('a new pid is fd-scanned once, then only if it becomes a candidate', () => {
    cycle();
    writeFixtureProcess(paths, proc({ pid: 600, comm: 'python3' }));
    cycle();
    expect(collector.lastScan.fdScans.get(600)).toBe('new-pid');
    cycle();
    expect(collector.lastScan.fdScans.has(600)).toBe(false);
  });

  it('a new pid that already holds a group is found on its first cycle, even with VmLck 0 and a non-VMM name', () => {
    cycle();
    writeFixtureProcess(paths, proc({ pid: 700, comm: 'my-vfio-test', fdTargets: ['/dev/null', '/dev/vfio/12'] }));
    expect(foundPids(cycle())).toEqual([700]);
  });

  it('candidates between sweeps: VmLck/VmPin > 0 and known VMM names; others are skipped', () => {
    writeFixtureProcess(paths, proc({ pid: 800, comm: 'chronyd', vm: { lockedKib: 4560, pinnedKib: 0, residentKib: 4560 } }));
    writeFixtureProcess(paths, proc({ pid: 801, comm: 'rdma-app', vm: { lockedKib: 0, pinnedKib: 1024, residentKib: 4560 } }));
    writeFixtureProcess(paths, proc({ pid: 802, comm: 'cloud-hyperviso' }));
    writeFixtureProcess(paths, proc({ pid: 803, comm: 'firecracker' }));
    writeFixtureProcess(paths, proc({ pid: 804, comm: 'bash' }));
    cycle();
    // Known non-VFIO processes are read in rotating slices: over 4 steady cycles, each once.
    const scanned: Record<number, string> = {};
    for (let i = 0; i < 4; i++) {
      cycle();
      Object.assign(scanned, Object.fromEntries(collector.lastScan.fdScans));
    }
    expect(scanned).toEqual({
      800: 'locked-or-pinned',
      801: 'locked-or-pinned',
      802: 'known-program',
      803: 'known-program',
    });
  });

  it('a steady cycle reads the status of the VMs, the new pids and a quarter of the rest, not of every process', () => {
    for (let pid = 100; pid < 140; pid++) writeFixtureProcess(paths, proc({ pid, comm: 'worker' }));
    writeFixtureProcess(paths, proc({ pid: 900, comm: 'qemu-system-x86', fdTargets: ['/dev/vfio/vfio', '/dev/vfio/12'] }));
    cycle();
    expect(collector.lastScan.statusReads).toBe(43); // full sweep: 40 workers, systemd, kthreadd, the VM
    const reads: number[] = [];
    for (let i = 0; i < 4; i++) {
      writeFixtureProcess(paths, proc({ pid: 1000 + i, comm: 'new' }));
      const outcome = cycle();
      expect(foundPids(outcome)).toEqual([900]);
      reads.push(collector.lastScan.statusReads);
    }
    // Each cycle: the VM, the new pid and 1/4 of the 42 known others (by pid modulo 4, rotating).
    // 4 x (VM + new pid) + each of the 42 once + the earlier new pids whose slice came up (at most 3).
    const total = reads.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(4 * 2 + 42);
    expect(total).toBeLessThanOrEqual(4 * 2 + 42 + 3);
    expect(Math.max(...reads)).toBeLessThanOrEqual(2 + 12);
  });

  it('a known process that starts charging and opens VFIO between sweeps is found within 4 cycles (its status slice)', () => {
    for (let pid = 100; pid < 110; pid++) writeFixtureProcess(paths, proc({ pid, comm: 'worker' }));
    cycle();
    cycle();
    fs.rmSync(path.join(paths.procfs, '105'), { recursive: true });
    writeFixtureProcess(paths, proc({ pid: 105, comm: 'worker', vm: { lockedKib: 1048576, pinnedKib: 0, residentKib: 1048576 }, fdTargets: ['/dev/vfio/vfio', '/dev/vfio/3'] }));
    const foundAfter: number[] = [];
    for (let i = 1; i <= 4; i++) if (foundPids(cycle()).includes(105)) foundAfter.push(i);
    expect(foundAfter[0]).toBeLessThanOrEqual(4);
    expect(foundAfter.at(-1)).toBe(4); // once found, read every cycle
  });
});

describe('vfio_users errors', () => {
  it('a process whose fd directory vanished is counted vanished; the scan goes on', () => {
    writeFixtureProcess(paths, proc({ pid: 900, comm: 'qemu-system-x86', omitFiles: ['fd'] }));
    writeFixtureProcess(paths, proc({ pid: 901, comm: 'qemu-system-x86', fdTargets: ['/dev/vfio/3', '/dev/vfio/vfio'] }));
    const outcome = cycle();
    expect(foundPids(outcome)).toEqual([901]);
    expect(outcome.errors.map((e) => [e.reason, e.path])).toEqual([['vanished', path.join(paths.procfs, '900', 'fd')]]);
  });

  it('a malformed status is counted malformed with the file and the quoted line; the process stays listed, VmLck unknown', () => {
    writeFixtureProcess(paths, proc({ pid: 910, comm: 'qemu-system-x86', fdTargets: ['/dev/vfio/3'] }));
    fs.writeFileSync(path.join(paths.procfs, '910', 'status'), 'Name:\tqemu-system-x86\nUid:\t0\t0\t0\t0\nVmLck:\tlots\n');
    const outcome = cycle();
    expect(foundPids(outcome)).toEqual([910]);
    expect(outcome.draft.processes[0]?.unknownFields).toEqual(['lockedBytes', 'pinnedBytes', 'residentBytes', 'hasCapIpcLock']);
    expect(outcome.errors).toEqual([
      {
        collector: 'vfio_users',
        reason: 'malformed',
        path: path.join(paths.procfs, '910', 'status'),
        message: `${path.join(paths.procfs, '910', 'status')}: expected "<number> kB": "VmLck:\\tlots"`,
      },
    ]);
  });

  it('a QEMU option that does not parse is reported malformed, the VM kept with the rest of its identity', () => {
    writeFixtureProcess(
      paths,
      proc({
        pid: 920,
        comm: 'qemu-system-x86',
        argv: ['/usr/bin/qemu-system-x86_64', '-name', 'guest=web-01', '-m', '4G', '-device', '{"driver":"vfio-pci",'],
        fdTargets: ['/dev/vfio/3', '/dev/vfio/vfio'],
      }),
    );
    const outcome = cycle();
    expect(outcome.draft.processes[0]?.qemu?.guestName).toBe('web-01');
    expect(outcome.draft.processes[0]?.qemu?.memoryBytes).toBe(4 * 1024 ** 3);
    expect(outcome.errors.map((e) => [e.reason, e.path])).toEqual([['malformed', path.join(paths.procfs, '920', 'cmdline')]]);
  });

  it('a process that exits between listing and reading its status is counted vanished', () => {
    // Simulated: a pid directory without a status file, as /proc shows a reaped task.
    fs.mkdirSync(path.join(paths.procfs, '930'));
    const outcome = cycle();
    expect(outcome.errors.map((e) => [e.reason, e.path])).toEqual([['vanished', path.join(paths.procfs, '930', 'status')]]);
  });

  it('an unreadable procfs root fails the collector (it throws)', () => {
    fs.rmSync(paths.procfs, { recursive: true });
    expect(() => cycle()).toThrow(paths.procfs);
  });
});

describe('vfioUsersOptionsFrom', () => {
  it.each<[Record<string, unknown>, number | string]>([
    [{}, 300_000],
    [{ fullScanIntervalMs: 60_000 }, 60_000],
    [{ fullScanIntervalMs: 0 }, 0],
    [{ fullScanIntervalMs: -1 }, 'non-negative'],
    [{ fullScanIntervalMs: '5m' }, 'non-negative'],
    [{ statusRereadCycles: 0 }, 'whole number >= 1'],
    [{ statusRereadCycles: 1.5 }, 'whole number >= 1'],
  ])('%j', (options, expected) => {
    if (typeof expected === 'number') expect(vfioUsersOptionsFrom(options)).toEqual({ fullScanIntervalMs: expected, statusRereadCycles: 4 });
    else expect(() => vfioUsersOptionsFrom(options)).toThrow(expected);
  });
});

describe('vfio_users between sweeps: what a known VM costs and what it still sees', () => {
  // A VM with 7 fds: 2 = group 12, 3 = container, 4 = device fd; the rest is not VFIO.
  const vmFds = ['/dev/null', 'socket:[1001]', '/dev/vfio/12', '/dev/vfio/vfio', 'anon_inode:[vfio-device]', '/dev/kvm', 'anon_inode:[kvm-vm]'];
  const vm = (over: Partial<FixtureProcess> = {}) =>
    proc({
      pid: 1000,
      comm: 'qemu-system-x86',
      uid: 64055,
      startTimeTicks: 5000,
      vm: { lockedKib: 4 * 1024 * 1024, pinnedKib: 0, residentKib: 4 * 1024 * 1024 },
      memlock: { soft: 5 * 1024 ** 3, hard: 5 * 1024 ** 3 },
      argv: ['/usr/bin/qemu-system-x86_64', '-name', 'guest=web-01', '-m', '4G'],
      fdTargets: vmFds,
      ...over,
    });
  const fdLink = (pid: number, fd: number) => path.join(paths.procfs, String(pid), 'fd', String(fd));
  const replaceFd = (pid: number, fd: number, target: string) => {
    fs.rmSync(fdLink(pid, fd));
    fs.symlinkSync(target, fdLink(pid, fd));
  };
  const vmOf = (o: CycleOutcome) => o.draft.processes.find((p) => p.pid === 1000);

  it('a known VM with unchanged fd numbers: only its 3 VFIO fds are read again, same identity', () => {
    writeFixtureProcess(paths, vm());
    const first = cycle();
    // Full sweep: every fd of systemd (3) and the VM (7); kthreadd has no mm and is not listed.
    expect(collector.lastScan.fdLinksRead).toBe(10);
    const second = cycle();
    expect(collector.lastScan.fdScans.get(1000)).toBe('was-vfio-user');
    expect(collector.lastScan.fdLinksRead).toBe(3);
    expect(vmOf(second)).toEqual(vmOf(first));
    expect(vmOf(second)?.qemu?.guestName).toBe('web-01');
  });

  it('a VFIO fd whose number is reused by another file within one cycle is seen as closed', () => {
    writeFixtureProcess(paths, vm());
    cycle();
    replaceFd(1000, 4, 'socket:[2002]'); // device fd closed, number 4 reused: same fd numbers
    expect(vmOf(cycle())?.handles.map((h) => h.kind)).toEqual(['group', 'container']);
    replaceFd(1000, 2, '/dev/vfio/13'); // group 12 closed, group 13 opened at the same number
    expect(vmOf(cycle())?.iommuGroups).toEqual([13]);
  });

  it('an fd closed or opened makes it read every fd again: a group added by hotplug at a new number is seen', () => {
    writeFixtureProcess(paths, vm());
    cycle();
    openFixtureFd(paths, 1000, 7, '/dev/vfio/40');
    const after = cycle();
    expect(collector.lastScan.fdLinksRead).toBe(8);
    expect(vmOf(after)?.iommuGroups).toEqual([12, 40]);
  });

  it('a VM that closed every VFIO handle is no longer a VFIO user', () => {
    writeFixtureProcess(paths, vm());
    cycle();
    for (const fd of [2, 3, 4]) fs.rmSync(fdLink(1000, fd));
    expect(vmOf(cycle())).toBeUndefined();
  });

  it('RLIMIT_MEMLOCK, VmLck and VmPin are read every cycle (prlimit, DMA maps)', () => {
    writeFixtureProcess(paths, vm());
    cycle();
    const dir = path.join(paths.procfs, '1000');
    fs.writeFileSync(path.join(dir, 'limits'), fs.readFileSync(path.join(dir, 'limits'), 'utf8').replaceAll('5368709120', '8589934592'));
    fs.writeFileSync(path.join(dir, 'status'), fs.readFileSync(path.join(dir, 'status'), 'utf8').replace(/VmLck:\s+\d+ kB/, 'VmLck:\t 6291456 kB'));
    const after = vmOf(cycle());
    expect(after?.memlockLimit).toEqual({ softBytes: 8 * 1024 ** 3, hardBytes: 8 * 1024 ** 3 });
    expect(after?.lockedBytes).toBe(6 * 1024 ** 3);
  });

  it('a reused pid (other start time) has its argv read again: the new guest is named', () => {
    writeFixtureProcess(paths, vm());
    cycle();
    fs.rmSync(path.join(paths.procfs, '1000'), { recursive: true });
    writeFixtureProcess(paths, vm({ startTimeTicks: 9000, argv: ['/usr/bin/qemu-system-x86_64', '-name', 'guest=db-02', '-m', '8G'] }));
    const after = vmOf(cycle());
    expect([after?.startTimeTicks, after?.qemu?.guestName, after?.qemu?.memoryBytes]).toEqual([9000, 'db-02', 8 * 1024 ** 3]);
  });

  it('an execve (same pid and start time, new comm) has its argv read again', () => {
    writeFixtureProcess(paths, vm({ comm: 'vfio-launcher', argv: ['/usr/libexec/vfio-launcher'] }));
    expect(vmOf(cycle())?.qemu).toBeNull();
    const dir = path.join(paths.procfs, '1000');
    fs.writeFileSync(path.join(dir, 'status'), fs.readFileSync(path.join(dir, 'status'), 'utf8').replace('vfio-launcher', 'qemu-system-x86'));
    fs.writeFileSync(path.join(dir, 'cmdline'), '/usr/bin/qemu-system-x86_64\0-name\0guest=web-01\0');
    expect(vmOf(cycle())?.qemu?.guestName).toBe('web-01');
  });

  it('a QEMU option that does not parse is still reported every cycle while the argv is reused', () => {
    writeFixtureProcess(paths, vm({ argv: ['/usr/bin/qemu-system-x86_64', '-device', '{"driver":"vfio-pci",'] }));
    expect(cycle().errors.map((e) => e.reason)).toEqual(['malformed']);
    expect(cycle().errors.map((e) => e.reason)).toEqual(['malformed']);
  });

  it('blind spot: a non-VFIO fd number reused for a VFIO handle, no other fd change, is found at the next full sweep', () => {
    writeFixtureProcess(paths, vm());
    cycle();
    replaceFd(1000, 5, '/dev/vfio/41'); // /dev/kvm's number now holds group 41
    for (let i = 0; i < FULL_SCAN_MS / CYCLE_MS - 1; i++) expect(vmOf(cycle())?.iommuGroups).toEqual([12]);
    expect(vmOf(cycle())?.iommuGroups).toEqual([12, 41]);
    expect(collector.lastScan.fullSweep).toBe(true);
  });
});
