import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../model/findings.js';
import { bundledMigrationsDir } from './open-database.js';
import { StoreError } from './store-error.js';
import { openStore, type SqliteStore } from './sqlite-store.js';
import { GIB, TEST_BOOT_ID, processKeyOf, testCycle, testKernelLogEvent, type TestVmSpec } from './test-cycle-builder.js';

const MINUTE_MS = 60_000;
const KEEP_ALIVE_MS = 30 * MINUTE_MS;
const T0 = 1_700_000_000_000;

let workDir: string;
const stores: SqliteStore[] = [];
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'pinwatch-store-'));
});
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  rmSync(workDir, { recursive: true, force: true });
});

function newStore(path = join(workDir, 'pinwatch.db'), busyTimeoutMs?: number): SqliteStore {
  const store = openStore({ path, migrationsDir: bundledMigrationsDir(), keepAliveMs: KEEP_ALIVE_MS, ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }) });
  stores.push(store);
  return store;
}

/** Rows inserted, updated or deleted on this connection so far: a steady cycle must not move it. */
function totalChanges(store: SqliteStore): number {
  return (store.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
}

// Two VMs: web-01 (4 GiB guest, VmLck 4 GiB, soft/hard 8 GiB) and db-01 (16 GiB guest).
const web: TestVmSpec = { pid: 4242, vmName: 'web-01', uuid: '0b5e8f7a-1111-2222-3333-444455556666' };
const dbVm: TestVmSpec = { pid: 5151, vmName: 'db-01', guestMemoryBytes: 16 * GIB, memlockSoftBytes: 20 * GIB };

const headroomLow: Finding = {
  kind: 'memlock-headroom-low',
  severity: 'warning',
  explanation: 'web-01 has 512 MiB of RLIMIT_MEMLOCK headroom left (VmLck 7.5 GiB of 8 GiB)',
};

describe('recordCycle', () => {
  it('first sight: each VM inserted with a sample and a vm-appeared event', () => {
    const store = newStore();
    const stats = store.recordCycle(testCycle({ takenAtMs: T0, vms: [web, dbVm] }));
    expect(stats).toEqual({ vmsInserted: 2, samplesWritten: 2, eventsWritten: 2, vmsExited: 0, rowsRejected: 0, rejections: [] });

    const vms = store.listVms({ includeExited: false });
    expect(vms.map((vm) => [vm.vmName, vm.pid, vm.guestMemoryBytes, vm.exitedAtMs])).toEqual([
      ['db-01', 5151, 16 * GIB, null],
      ['web-01', 4242, 4 * GIB, null],
    ]);
    const webVm = vms[1]!;
    expect(webVm).toMatchObject({
      processKey: processKeyOf(TEST_BOOT_ID, 4242, 1000 + 4242),
      bootId: TEST_BOOT_ID,
      startTimeTicks: 5242,
      comm: 'qemu-system-x86',
      uuid: '0b5e8f7a-1111-2222-3333-444455556666',
      firstSeenMs: T0,
      lastSeenMs: T0,
    });
    expect(store.getVm(webVm.id)).toEqual(webVm);
    expect(store.vmHistory(webVm.id, T0, T0, 10)).toEqual([
      {
        takenAtMs: T0,
        lockedBytes: 4 * GIB,
        pinnedBytes: 0,
        residentBytes: 4 * GIB,
        memlockSoftBytes: 8 * GIB,
        memlockHardBytes: 8 * GIB,
        expectedLockedBytes: 4 * GIB,
        accountingClass: 'ok',
        keepAlive: false,
      },
    ]);
    expect(store.events({ limit: 10 }).map((e) => [e.kind, e.vmName, e.message])).toEqual([
      ['vm-appeared', 'db-01', 'db-01 appeared: pid 5151 (qemu-system-x86)'],
      ['vm-appeared', 'web-01', 'web-01 appeared: pid 4242 (qemu-system-x86)'],
    ]);
  });

  it('a steady cycle (only RSS moved, keep-alive not due) writes nothing', () => {
    const store = newStore();
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [web, dbVm] }));
    const before = totalChanges(store);
    for (let cycle = 1; cycle < 119; cycle += 1) {
      const stats = store.recordCycle(testCycle({ takenAtMs: T0 + cycle * 15_000, vms: [{ ...web, residentBytes: 4 * GIB + cycle * 4096 }, dbVm] }));
      expect(stats).toEqual({ vmsInserted: 0, samplesWritten: 0, eventsWritten: 0, vmsExited: 0, rowsRejected: 0, rejections: [] });
    }
    expect(totalChanges(store)).toBe(before);
  });

  it('a change of VmLck writes a sample; the keep-alive writes one (keep_alive) when nothing changed for 30 min', () => {
    const store = newStore();
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [web] }));
    const id = store.listVms({ includeExited: false })[0]!.id;
    expect(store.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [{ ...web, lockedBytes: 6 * GIB }] })).samplesWritten).toBe(1);
    // 29 min 59 s after the last sample: not yet.
    expect(store.recordCycle(testCycle({ takenAtMs: T0 + 15_000 + KEEP_ALIVE_MS - 1000, vms: [{ ...web, lockedBytes: 6 * GIB }] })).samplesWritten).toBe(0);
    expect(store.recordCycle(testCycle({ takenAtMs: T0 + 15_000 + KEEP_ALIVE_MS, vms: [{ ...web, lockedBytes: 6 * GIB, residentBytes: 5 * GIB }] })).samplesWritten).toBe(1);

    expect(store.vmHistory(id, T0, T0 + 3_600_000, 10).map((s) => [s.takenAtMs - T0, s.lockedBytes / GIB, s.residentBytes / GIB, s.keepAlive])).toEqual([
      [0, 4, 4, false],
      [15_000, 6, 6, false], // the builder sets RSS = VmLck unless told
      [15_000 + KEEP_ALIVE_MS, 6, 5, true],
    ]);
    // last_seen is refreshed on its own keep-alive, not every cycle: first seen at T0,
    // rewritten by the first cycle at least 30 min later (T0 + 30 min 14 s).
    expect(store.getVm(id)!.lastSeenMs).toBe(T0 + 15_000 + KEEP_ALIVE_MS - 1000);
  });

  it.each([
    ['pinnedBytes', { pinnedBytes: 1 * GIB }],
    ['expectedLockedBytes', { expectedLockedBytes: 8 * GIB }],
    ['accountingClass', { accountingClass: 'double-charged' as const }],
    ['memlock hard limit', { memlockHardBytes: 16 * GIB }],
  ])('a change of %s writes a sample', (_field, change) => {
    const store = newStore();
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [web] }));
    expect(store.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [{ ...web, ...change }] })).samplesWritten).toBe(1);
  });

  it('a memlock limit change writes a memlock-limit-changed event with the old and new values', () => {
    const store = newStore();
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [web] }));
    const stats = store.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [{ ...web, memlockSoftBytes: null, memlockHardBytes: null }] }));
    expect(stats).toEqual({ vmsInserted: 0, samplesWritten: 1, eventsWritten: 1, vmsExited: 0, rowsRejected: 0, rejections: [] });
    const [event] = store.events({ kind: 'memlock-limit-changed', limit: 10 });
    expect(event).toMatchObject({
      atMs: T0 + 15_000,
      vmName: 'web-01',
      severity: 'info',
      message: 'web-01: RLIMIT_MEMLOCK changed, soft 8 GiB -> unlimited, hard 8 GiB -> unlimited',
      data: { oldSoftBytes: 8 * GIB, newSoftBytes: null, oldHardBytes: 8 * GIB, newHardBytes: null, lockedBytes: 4 * GIB },
    });
  });

  it('findings: opened with an event, refreshed once per keep-alive, escalation noted, closed with an event', () => {
    const store = newStore();
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [web] }));
    const id = store.listVms({ includeExited: false })[0]!.id;

    expect(store.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [{ ...web, findings: [headroomLow] }] })).eventsWritten).toBe(1);
    expect(store.openFindings(id)).toEqual([
      { vmId: id, kind: 'memlock-headroom-low', severity: 'warning', explanation: headroomLow.explanation, openedAtMs: T0 + 15_000, lastSeenMs: T0 + 15_000, closedAtMs: null },
    ]);
    expect(store.events({ kind: 'finding-opened', limit: 1 })[0]).toMatchObject({
      severity: 'warning',
      message: `web-01: ${headroomLow.explanation}`,
      data: { findingKind: 'memlock-headroom-low' },
    });

    // Continuing, within the keep-alive: nothing written, even with new numbers in the explanation.
    const before = totalChanges(store);
    store.recordCycle(testCycle({ takenAtMs: T0 + 30_000, vms: [{ ...web, findings: [{ ...headroomLow, explanation: 'web-01 has 500 MiB left' }] }] }));
    expect(totalChanges(store)).toBe(before);

    // Keep-alive passed: last_seen and the explanation refreshed (one finding row + the keep-alive sample + vms.last_seen).
    store.recordCycle(testCycle({ takenAtMs: T0 + 15_000 + KEEP_ALIVE_MS, vms: [{ ...web, findings: [{ ...headroomLow, explanation: 'web-01 has 400 MiB left' }] }] }));
    expect(store.openFindings(id)[0]).toMatchObject({ openedAtMs: T0 + 15_000, lastSeenMs: T0 + 15_000 + KEEP_ALIVE_MS, explanation: 'web-01 has 400 MiB left' });

    // Severity moves: written at once, with an event.
    const escalatedAt = T0 + 16_000 + KEEP_ALIVE_MS;
    store.recordCycle(testCycle({ takenAtMs: escalatedAt, vms: [{ ...web, findings: [{ ...headroomLow, severity: 'critical', explanation: 'web-01 has 10 MiB left' }] }] }));
    expect(store.openFindings(id)[0]).toMatchObject({ severity: 'critical', lastSeenMs: escalatedAt });
    expect(store.events({ kind: 'finding-opened', limit: 1 })[0]).toMatchObject({
      severity: 'critical',
      message: 'web-01: memlock-headroom-low is now critical (was warning): web-01 has 10 MiB left',
    });

    // Gone: closed, with an event.
    const stats = store.recordCycle(testCycle({ takenAtMs: escalatedAt + 15_000, vms: [web] }));
    expect(stats.eventsWritten).toBe(1);
    expect(store.openFindings(id)).toEqual([]);
    expect(store.events({ kind: 'finding-closed', limit: 10 }).map((e) => [e.atMs - T0, e.message])).toEqual([
      [escalatedAt + 15_000 - T0, 'web-01: memlock-headroom-low no longer holds'],
    ]);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM findings').get()).toEqual({ n: 1 });
  });

  it('a finding that comes back after closing is a new row (identity is (vm, kind) among open ones)', () => {
    const store = newStore();
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [{ ...web, findings: [headroomLow] }] }));
    store.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [web] }));
    store.recordCycle(testCycle({ takenAtMs: T0 + 30_000, vms: [{ ...web, findings: [headroomLow, { ...headroomLow, severity: 'critical' }] }] }));
    const id = store.listVms({ includeExited: false })[0]!.id;
    // The same kind twice in one cycle: the most severe stands.
    expect(store.openFindings(id).map((f) => [f.severity, f.openedAtMs - T0])).toEqual([['critical', 30_000]]);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM findings').get()).toEqual({ n: 2 });
  });

  it('a VM absent from a successful scan is marked exited, its findings closed, with a vm-exited event', () => {
    const store = newStore();
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [{ ...web, findings: [headroomLow] }, dbVm] }));
    const stats = store.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [dbVm] }));
    expect(stats).toEqual({ vmsInserted: 0, samplesWritten: 0, eventsWritten: 1, vmsExited: 1, rowsRejected: 0, rejections: [] });
    expect(store.listVms({ includeExited: false }).map((vm) => vm.vmName)).toEqual(['db-01']);
    const exited = store.listVms({ includeExited: true }).find((vm) => vm.vmName === 'web-01')!;
    expect(exited.exitedAtMs).toBe(T0 + 15_000);
    expect(store.openFindings(exited.id)).toEqual([]);
    expect(store.events({ vmId: exited.id, limit: 1 })[0]).toMatchObject({
      kind: 'vm-exited',
      message: 'web-01 exited (pid 4242)',
      data: { reason: 'process-gone', pid: 4242 },
    });
  });

  it('a failed scan marks no VM exited, and the next successful one does', () => {
    const store = newStore();
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [web, dbVm] }));
    expect(store.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [], processScanSucceeded: false })).vmsExited).toBe(0);
    expect(store.listVms({ includeExited: false })).toHaveLength(2);
    expect(store.recordCycle(testCycle({ takenAtMs: T0 + 30_000, vms: [dbVm] })).vmsExited).toBe(1);
  });

  it('after a reboot (new boot id) every VM of the old boot is exited, even one whose pid is reused', () => {
    const store = newStore();
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [web, dbVm] }));
    const newBoot = 'a9d1e2f3-0000-4000-8000-000000000001';
    // Same pid and start ticks as web-01 before the reboot: a different process.
    const stats = store.recordCycle(testCycle({ takenAtMs: T0 + 600_000, bootId: newBoot, vms: [web] }));
    expect(stats).toMatchObject({ vmsInserted: 1, vmsExited: 2, rowsRejected: 0, rejections: [] });
    const live = store.listVms({ includeExited: false });
    expect(live.map((vm) => [vm.vmName, vm.bootId])).toEqual([['web-01', newBoot]]);
    expect(store.events({ kind: 'vm-exited', limit: 10 }).map((e) => e.message).sort()).toEqual([
      `db-01 is gone: the host rebooted (pid 5151 was of boot ${TEST_BOOT_ID})`,
      `web-01 is gone: the host rebooted (pid 4242 was of boot ${TEST_BOOT_ID})`,
    ]);
  });

  it('a VM marked exited that shows up again is live again', () => {
    const store = newStore();
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [web] }));
    store.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [] }));
    const stats = store.recordCycle(testCycle({ takenAtMs: T0 + 30_000, vms: [web] }));
    expect(stats).toEqual({ vmsInserted: 0, samplesWritten: 0, eventsWritten: 1, vmsExited: 0, rowsRejected: 0, rejections: [] });
    expect(store.listVms({ includeExited: false }).map((vm) => [vm.vmName, vm.exitedAtMs])).toEqual([['web-01', null]]);
    expect(store.recordCycle(testCycle({ takenAtMs: T0 + 45_000, vms: [] })).vmsExited).toBe(1);
  });

  it('kernel log records become events, attributed by pid, warning for memlock exceeded, deduplicated across restarts', () => {
    const path = join(workDir, 'pinwatch.db');
    const records = [
      testKernelLogEvent({ sequence: 1042, atMs: T0 - 5000 }),
      testKernelLogEvent({
        kind: 'external_memlock_exceeded',
        sequence: 1043,
        atMs: T0 - 4000,
        pid: 4242,
        comm: 'CPU 0/KVM',
        message: 'vfio_pin_page_external: Task CPU 0/KVM (4242) RLIMIT_MEMLOCK (65536) exceeded',
      }),
      testKernelLogEvent({ kind: 'iommufd_compat', sequence: 1044, atMs: T0 - 3000, limitBytes: null, message: 'iommufd: IOMMUFD is providing /dev/vfio/vfio' }),
    ];
    const first = newStore(path);
    expect(first.recordCycle(testCycle({ takenAtMs: T0, vms: [web], kernelLogEvents: records })).eventsWritten).toBe(4);
    first.close();

    // A restart reads /dev/kmsg from the start again.
    const second = newStore(path);
    expect(second.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [web], kernelLogEvents: records })).eventsWritten).toBe(0);
    const events = second.events({ kind: 'kernel-log', limit: 10 });
    expect(events.map((e) => [e.data['sequence'], e.severity, e.vmName])).toEqual([
      [1044, 'info', null],
      [1043, 'warning', 'web-01'],
      [1042, 'warning', null],
    ]);
    expect(events[1]!.data).toMatchObject({ logKind: 'external_memlock_exceeded', bootId: TEST_BOOT_ID, limitBytes: 65_536, comm: 'CPU 0/KVM' });
  });

  it('one row SQLite refuses (a fractional kernel-log time, a start time beyond INTEGER) costs only that row, not the cycle', () => {
    const store = newStore(join(workDir, 'pinwatch.db'));
    const odd: TestVmSpec = { pid: 5151, vmName: 'odd-01', startTimeTicks: 1e23 };
    const stats = store.recordCycle(
      testCycle({ takenAtMs: T0, vms: [web, odd], kernelLogEvents: [testKernelLogEvent({ sequence: 7, atMs: T0 - 1000.5 })] }),
    );
    expect(store.listVms({ includeExited: false }).map((vm) => vm.vmName)).toEqual(['web-01']);
    expect(store.events({ kind: 'kernel-log', limit: 10 }).map((e) => [e.data['sequence'], e.atMs])).toEqual([[7, T0 - 1000]]);
    expect(stats.rowsRejected).toBe(1);
    expect(stats.vmsInserted).toBe(1);
  });

  it('a VM that exited with pages still pinned gets one critical pins-leaked event, however many cycles report it', () => {
    const store = newStore(join(workDir, 'pinwatch.db'));
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [web] }));
    store.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [] }));
    const leak = { processKey: processKeyOf(TEST_BOOT_ID, web.pid, web.startTimeTicks ?? 1000 + web.pid), vmName: 'web-01', exitedAtMs: T0 + 15_000, leakedPages: 1024 };
    const cycle = testCycle({ takenAtMs: T0 + 30_000, vms: [] });
    expect(store.recordCycle({ ...cycle, leaks: [leak] }).eventsWritten).toBe(1);
    expect(store.recordCycle({ ...testCycle({ takenAtMs: T0 + 45_000, vms: [] }), leaks: [leak] }).eventsWritten).toBe(0);
    const events = store.events({ kind: 'pins-leaked', limit: 10 });
    expect(events.map((e) => [e.vmName, e.severity, e.message, e.vmId])).toEqual([
      ['web-01', 'critical', 'web-01 exited with 1024 pages (4096 KiB) still pinned and charged', store.listVms({ includeExited: true })[0]!.id],
    ]);
  });

  it('after a restart, a VM whose values did not change gets no new sample (state loaded from the file)', () => {
    const path = join(workDir, 'pinwatch.db');
    const first = newStore(path);
    first.recordCycle(testCycle({ takenAtMs: T0, vms: [{ ...web, findings: [headroomLow] }, dbVm] }));
    first.close();

    const second = newStore(path);
    const stats = second.recordCycle(testCycle({ takenAtMs: T0 + 60_000, vms: [{ ...web, findings: [headroomLow] }, { ...dbVm, lockedBytes: 17 * GIB }] }));
    expect(stats).toEqual({ vmsInserted: 0, samplesWritten: 1, eventsWritten: 0, vmsExited: 0, rowsRejected: 0, rejections: [] });
    const webId = second.listVms({ includeExited: false }).find((vm) => vm.vmName === 'web-01')!.id;
    expect(second.openFindings(webId).map((f) => f.openedAtMs)).toEqual([T0]);
  });
});

describe('store errors', () => {
  it('a locked database throws a StoreError; the cycle is written by the next call', () => {
    const path = join(workDir, 'pinwatch.db');
    const store = newStore(path, 50);
    const other = new BetterSqlite3(path);
    other.exec('BEGIN IMMEDIATE');
    let error: unknown;
    try {
      store.recordCycle(testCycle({ takenAtMs: T0, vms: [web] }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toBe(`store ${path}: record_cycle failed: database is locked`);
    expect((error as StoreError).sqliteCode).toBe('SQLITE_BUSY');
    other.exec('ROLLBACK');
    other.close();
    expect(store.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [web] }))).toEqual({ vmsInserted: 1, samplesWritten: 1, eventsWritten: 1, vmsExited: 0, rowsRejected: 0, rejections: [] });
  });

  it('a failure mid-cycle rolls the whole cycle back and the in-memory state with it', () => {
    const store = newStore();
    store.recordCycle(testCycle({ takenAtMs: T0, vms: [web] }));
    const id = store.listVms({ includeExited: false })[0]!.id;
    // Simulated disk error on the 3rd write of the cycle (after the sample and the finding rows).
    store.db.exec("CREATE TEMP TRIGGER fail_event BEFORE INSERT ON events WHEN NEW.kind = 'finding-opened' BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END");
    const changed = testCycle({ takenAtMs: T0 + 15_000, vms: [{ ...web, lockedBytes: 6 * GIB, findings: [headroomLow] }] });
    expect(() => store.recordCycle(changed)).toThrow('record_cycle failed: disk I/O error (simulated)');
    expect(store.vmHistory(id, 0, T0 * 2, 10)).toHaveLength(1);
    expect(store.openFindings(id)).toEqual([]);

    store.db.exec('DROP TRIGGER temp.fail_event');
    // Had the failed cycle updated the in-memory state, this would write nothing.
    expect(store.recordCycle({ ...changed, sample: { ...changed.sample, takenAtMs: T0 + 30_000 } })).toEqual({
      vmsInserted: 0,
      samplesWritten: 1,
      eventsWritten: 1,
      vmsExited: 0, rowsRejected: 0, rejections: []
    });
    expect(store.openFindings(id).map((f) => f.kind)).toEqual(['memlock-headroom-low']);
  });

  it('a reader on a closed database throws a StoreError naming the operation', () => {
    const store = newStore(join(workDir, 'closed.db'));
    store.close();
    expect(() => store.listVms({ includeExited: false })).toThrow(/list_vms failed: The database connection is not open/);
  });
});
