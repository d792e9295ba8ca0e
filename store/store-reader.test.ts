import { describe, expect, it } from 'vitest';
import { bundledMigrationsDir } from './open-database.js';
import { openStore } from './sqlite-store.js';
import { GIB, testCycle, testKernelLogEvent } from './test-cycle-builder.js';

const T0 = 1_700_000_000_000;

/**
 * Fixture: web-01 (pid 4242) has VmLck 1, 2, 3, 4, 5 GiB at T0 + 0, 15, 30, 45, 60 s;
 * db-01 (pid 5151) runs at T0 only and exits at T0 + 15 s; old-01 (pid 6161)
 * appears at T0 + 30 s and exits at T0 + 45 s. One kernel-log record at T0 + 60 s.
 */
function fixtureStore() {
  const store = openStore({ path: ':memory:', migrationsDir: bundledMigrationsDir() });
  const web = (gib: number) => ({ pid: 4242, vmName: 'web-01', lockedBytes: gib * GIB });
  store.recordCycle(testCycle({ takenAtMs: T0, vms: [web(1), { pid: 5151, vmName: 'db-01' }] }));
  store.recordCycle(testCycle({ takenAtMs: T0 + 15_000, vms: [web(2)] }));
  store.recordCycle(testCycle({ takenAtMs: T0 + 30_000, vms: [web(3), { pid: 6161, vmName: 'old-01' }] }));
  store.recordCycle(testCycle({ takenAtMs: T0 + 45_000, vms: [web(4)] }));
  store.recordCycle(testCycle({ takenAtMs: T0 + 60_000, vms: [web(5)], kernelLogEvents: [testKernelLogEvent({ atMs: T0 + 60_000 })] }));
  const idOf = (name: string) => store.listVms({ includeExited: true }).find((vm) => vm.vmName === name)!.id;
  return { store, webId: idOf('web-01'), dbId: idOf('db-01'), oldId: idOf('old-01') };
}

describe('SqliteStoreReader', () => {
  it('vmHistory: samples in [from, to] inclusive, oldest first, at most limit', () => {
    const { store, webId } = fixtureStore();
    const lockedGib = (from: number, to: number, limit: number) => store.vmHistory(webId, T0 + from, T0 + to, limit).map((s) => s.lockedBytes / GIB);
    expect(lockedGib(0, 60_000, 100)).toEqual([1, 2, 3, 4, 5]);
    expect(lockedGib(15_000, 45_000, 100)).toEqual([2, 3, 4]);
    expect(lockedGib(0, 60_000, 2)).toEqual([1, 2]);
    expect(lockedGib(61_000, 120_000, 100)).toEqual([]);
    expect(lockedGib(0, 60_000, 0)).toEqual([]);
    expect(lockedGib(0, 60_000, -1)).toEqual([]); // never "no limit"
    expect(store.vmHistory(9999, T0, T0 + 60_000, 100)).toEqual([]);
  });

  it('listVms: live ones by name; with exited ones, those after, most recently exited first', () => {
    const { store } = fixtureStore();
    expect(store.listVms({ includeExited: false }).map((vm) => vm.vmName)).toEqual(['web-01']);
    expect(store.listVms({ includeExited: true }).map((vm) => [vm.vmName, vm.exitedAtMs === null ? null : vm.exitedAtMs - T0])).toEqual([
      ['web-01', null],
      ['old-01', 45_000],
      ['db-01', 15_000],
    ]);
  });

  it('getVm: null for an unknown id', () => {
    const { store, dbId } = fixtureStore();
    expect(store.getVm(dbId)?.vmName).toBe('db-01');
    expect(store.getVm(424242)).toBeNull();
  });

  it('events: newest first, filtered by time, VM and kind, at most limit', () => {
    const { store, webId, oldId } = fixtureStore();
    const summary = (query: Parameters<typeof store.events>[0]) => store.events(query).map((e) => `${(e.atMs - T0) / 1000}s ${e.kind} ${e.vmName}`);
    expect(summary({ limit: 100 })).toEqual([
      '60s kernel-log null',
      '45s vm-exited old-01',
      '30s vm-appeared old-01',
      '15s vm-exited db-01',
      '0s vm-appeared db-01',
      '0s vm-appeared web-01',
    ]);
    expect(summary({ limit: 2 })).toEqual(['60s kernel-log null', '45s vm-exited old-01']);
    expect(summary({ fromMs: T0 + 15_000, toMs: T0 + 30_000, limit: 100 })).toEqual(['30s vm-appeared old-01', '15s vm-exited db-01']);
    expect(summary({ vmId: oldId, limit: 100 })).toEqual(['45s vm-exited old-01', '30s vm-appeared old-01']);
    expect(summary({ vmId: webId, limit: 100 })).toEqual(['0s vm-appeared web-01']);
    expect(summary({ kind: 'vm-exited', limit: 100 })).toEqual(['45s vm-exited old-01', '15s vm-exited db-01']);
    expect(summary({ kind: 'vm-exited', vmId: webId, limit: 100 })).toEqual([]);
  });
});
