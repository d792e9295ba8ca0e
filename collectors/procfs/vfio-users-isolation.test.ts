/**
 * One bad process never blinds the rest (issue 9): a VFIO user whose status,
 * stat, limits or cmdline cannot be read or parsed stays listed with what
 * could be read, its last good values marked stale and the error named.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAP_EFF_NONE, createFixtureTree, type FixtureProcess, procStatusText, writeFixtureHostFiles, writeFixtureProcess } from '../../fixtures/fixture-tree.js';
import { makeFixtureTempDir } from '../../fixtures/fixture-temp-dir.js';
import { libvirtKeyValueArgv } from '../../fixtures/qemu-argv.js';
import type { CollectorError, VfioProcessSample } from '../../model/host-sample.js';
import { emptyDraft } from '../collector.js';
import { createFixedClock, type FixedClock } from '../fixed-clock.js';
import type { HostPaths } from '../host-paths.js';
import { HostCollector } from './host-collector.js';
import { VfioUsersCollector } from './vfio-users-collector.js';

const GiB = 1024 ** 3;
const CYCLE_MS = 15_000;

const vmProcess = (pid: number, name: string): FixtureProcess => ({
  pid,
  comm: 'qemu-system-x86',
  uid: 64055,
  ppid: 1,
  startTimeTicks: 5000 + pid,
  vm: { lockedKib: 4 * 1024 * 1024, pinnedKib: 0, residentKib: 4 * 1024 * 1024 },
  capEffHex: CAP_EFF_NONE,
  memlock: { soft: 5 * GiB, hard: 5 * GiB },
  argv: libvirtKeyValueArgv({ name, uuid: '6f1c2a9e-0b1d-4c1e-8f00-0000000000aa', memoryMiB: 4096, vfioHosts: ['0000:21:00.0'] }),
  fdTargets: ['/dev/null', '/dev/vfio/vfio', `/dev/vfio/${pid}`, 'anon_inode:[vfio-device]'],
});

let dir: string;
let paths: HostPaths;
let clock: FixedClock;
let collector: VfioUsersCollector;

function cycle(): { processes: VfioProcessSample[]; errors: CollectorError[] } {
  const draft = emptyDraft();
  const errors: CollectorError[] = [];
  const ctx = { paths, nowMs: clock.nowMs(), errors: { report: (e: CollectorError) => errors.push(e) } };
  new HostCollector().collect(ctx, draft);
  collector.collect(ctx, draft);
  clock.advanceMs(CYCLE_MS);
  return { processes: draft.processes, errors };
}

const byPid = (processes: VfioProcessSample[], pid: number) => processes.find((p) => p.pid === pid);
const procFile = (pid: number, file: string) => path.join(paths.procfs, String(pid), file);

beforeEach(() => {
  dir = makeFixtureTempDir('pinwatch-isolation-');
  paths = createFixtureTree(dir);
  writeFixtureHostFiles(paths, {
    bootId: 'b0b0b0b0-0000-4000-8000-000000000001',
    uptimeSeconds: 86_400,
    kernelRelease: '6.12.0',
    memTotalKib: 64 * 1024 * 1024,
    memAvailableKib: 32 * 1024 * 1024,
    hugePagesTotal: 0,
    hugePageSizeKib: 2048,
  });
  clock = createFixedClock(1_764_000_000_000);
  collector = new VfioUsersCollector(clock, { fullScanIntervalMs: 300_000 });
  writeFixtureProcess(paths, vmProcess(100, 'web-01'));
  writeFixtureProcess(paths, vmProcess(200, 'db-02'));
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a bad file of one VFIO user', () => {
  it('a starttime beyond the host uptime (1e23) is an error naming the file and value; the VM keeps its last good start time, stale', () => {
    cycle();
    const stat = fs.readFileSync(procFile(100, 'stat'), 'utf8').replace(' 5100 ', ' 100000000000000000000000 ');
    fs.writeFileSync(procFile(100, 'stat'), stat);
    const { processes, errors } = cycle();
    const vm = byPid(processes, 100);
    expect(vm?.startTimeTicks).toBe(5100);
    expect(vm?.staleFields).toEqual(['startTimeTicks']);
    expect(vm?.readErrors?.map((e) => [e.path, e.reason])).toEqual([[procFile(100, 'stat'), 'malformed']]);
    expect(vm?.readErrors?.[0]?.message).toContain('100000000000000000000000');
    expect(errors.map((e) => e.path)).toEqual([procFile(100, 'stat')]);
    // The other VM is untouched and complete.
    expect(byPid(processes, 200)?.readErrors ?? []).toEqual([]);
  });

  it('a negative VmLck keeps the VM listed with its last good VmLck, stale, and the error', () => {
    cycle();
    const status = fs.readFileSync(procFile(100, 'status'), 'utf8').replace(/VmLck:.*\n/, 'VmLck:\t      -4 kB\n');
    fs.writeFileSync(procFile(100, 'status'), status);
    const { processes } = cycle();
    const vm = byPid(processes, 100);
    expect(vm?.qemu?.guestName).toBe('web-01');
    expect(vm?.lockedBytes).toBe(4 * GiB);
    expect(vm?.staleFields).toEqual(['lockedBytes']);
    expect(vm?.readErrors?.[0]?.message).toBe(`${procFile(100, 'status')}: expected "<number> kB": "VmLck:\\t      -4 kB"`);
    expect(vm?.memlockLimit.softBytes).toBe(5 * GiB);
  });

  it('a malformed "Max locked memory" row keeps the VM listed with its last good limit, stale, and the error', () => {
    cycle();
    const limits = fs.readFileSync(procFile(100, 'limits'), 'utf8').replace(/Max locked memory.*\n/, 'Max locked memory         lots                 5368709120           bytes     \n');
    fs.writeFileSync(procFile(100, 'limits'), limits);
    const { processes } = cycle();
    const vm = byPid(processes, 100);
    expect(vm?.memlockLimit).toEqual({ softBytes: 5 * GiB, hardBytes: 5 * GiB });
    expect(vm?.staleFields).toEqual(['memlockLimit']);
    expect(vm?.readErrors?.map((e) => [e.path, e.reason])).toEqual([[procFile(100, 'limits'), 'malformed']]);
    expect(vm?.lockedBytes).toBe(4 * GiB);
  });

  it('a malformed limits file on first sight still lists the VM, with the limit unknown (not unlimited) and the error', () => {
    fs.writeFileSync(procFile(100, 'limits'), 'garbage\n');
    const { processes } = cycle();
    const vm = byPid(processes, 100);
    expect(vm?.qemu?.guestName).toBe('web-01');
    expect(vm?.unknownFields).toEqual(['memlockLimit']);
    expect(vm?.staleFields ?? []).toEqual([]);
    expect(vm?.readErrors?.map((e) => e.path)).toEqual([procFile(100, 'limits')]);
  });

  it('a soft limit above the hard limit (setrlimit refuses it) is malformed', () => {
    cycle();
    const limits = fs.readFileSync(procFile(100, 'limits'), 'utf8').replace(/Max locked memory.*\n/, 'Max locked memory         9999999999           5368709120           bytes     \n');
    fs.writeFileSync(procFile(100, 'limits'), limits);
    const vm = byPid(cycle().processes, 100);
    expect(vm?.staleFields).toEqual(['memlockLimit']);
    expect(vm?.readErrors?.[0]?.message).toContain('soft limit above the hard limit');
  });

  it('a status of random bytes keeps a known VM listed with every status value stale', () => {
    cycle();
    fs.writeFileSync(procFile(100, 'status'), Buffer.from([0xff, 0x00, 0x13, 0x37, 0x0a, 0x41]));
    const vm = byPid(cycle().processes, 100);
    expect(vm?.qemu?.guestName).toBe('web-01');
    expect(vm?.lockedBytes).toBe(4 * GiB);
    expect(vm?.staleFields).toEqual(expect.arrayContaining(['lockedBytes', 'pinnedBytes', 'residentBytes', 'uid', 'hasCapIpcLock']));
    expect(vm?.readErrors?.[0]?.path).toBe(procFile(100, 'status'));
  });

  it('the stale marks go away once the file reads well again', () => {
    cycle();
    const good = fs.readFileSync(procFile(100, 'status'), 'utf8');
    fs.writeFileSync(procFile(100, 'status'), good.replace(/VmLck:.*\n/, 'VmLck:\t-1 kB\n'));
    cycle();
    fs.writeFileSync(procFile(100, 'status'), good);
    const vm = byPid(cycle().processes, 100);
    expect(vm?.staleFields ?? []).toEqual([]);
    expect(vm?.readErrors ?? []).toEqual([]);
  });
});

describe('incomplete identity', () => {
  it('a VM seen with a blank cmdline gets its QEMU identity the next cycle, not at the next full sweep', () => {
    fs.writeFileSync(procFile(100, 'cmdline'), '');
    expect(byPid(cycle().processes, 100)?.qemu?.guestName).toBeNull();
    fs.writeFileSync(procFile(100, 'cmdline'), `${vmProcess(100, 'web-01').argv.join('\0')}\0`);
    const vm = byPid(cycle().processes, 100);
    expect(vm?.qemu?.guestName).toBe('web-01');
    expect(vm?.qemu?.memoryBytes).toBe(4 * GiB);
  });

  it('an unreadable cmdline keeps the VM listed (identity from comm) with the error, and is retried', () => {
    fs.rmSync(procFile(100, 'cmdline'));
    const first = byPid(cycle().processes, 100);
    expect(first?.comm).toBe('qemu-system-x86');
    expect(first?.readErrors?.map((e) => [e.path, e.reason])).toEqual([[procFile(100, 'cmdline'), 'vanished']]);
    fs.writeFileSync(procFile(100, 'cmdline'), `${vmProcess(100, 'web-01').argv.join('\0')}\0`);
    expect(byPid(cycle().processes, 100)?.qemu?.guestName).toBe('web-01');
  });
});

describe('huge files', () => {
  it('a 10 MB status is read only up to the cap; the fields before the cap are still read', () => {
    const status = procStatusText(vmProcess(100, 'web-01'));
    fs.writeFileSync(procFile(100, 'status'), status + `Padding:\t${'x'.repeat(10 * 1024 * 1024)}\n`);
    const vm = byPid(cycle().processes, 100);
    expect(vm?.lockedBytes).toBe(4 * GiB);
    expect(vm?.readErrors ?? []).toEqual([]);
  });
});
