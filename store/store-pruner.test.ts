import { describe, expect, it } from 'vitest';
import type { Finding } from '../model/findings.js';
import { bundledMigrationsDir } from './open-database.js';
import { openStore } from './sqlite-store.js';
import { GIB, testCycle, type TestVmSpec } from './test-cycle-builder.js';

const DAY_MS = 86_400_000;
const T0 = 1_700_000_000_000;
const at = (day: number) => T0 + day * DAY_MS;

const overExpected: Finding = { kind: 'locked-over-expected', severity: 'warning', explanation: 'F1' };
const doubleCharged: Finding = { kind: 'locked-double-charged', severity: 'warning', explanation: 'F2' };
const headroomLow: Finding = { kind: 'memlock-headroom-low', severity: 'warning', explanation: 'F3' };

/**
 * Timeline (keep-alive 100 days, so only changes write samples):
 *   day 0: web-01 (1 GiB, F1), steady-01, exited-old (F1), exited-recent appear
 *   day 1: web-01 2 GiB, F1 closed, F2 opened; exited-old exits (its F1 closed)
 *   day 8: exited-recent exits; web-01 opens F3
 *   day 9: web-01 3 GiB, F3 closed
 * Pruned at day 10 with a 7-day retention: cutoff day 3.
 */
function fixtureStore(batchRows: number) {
  const store = openStore({ path: ':memory:', migrationsDir: bundledMigrationsDir(), keepAliveMs: 100 * DAY_MS, pruneBatchRows: batchRows });
  const web = (gib: number, findings: Finding[]): TestVmSpec => ({ pid: 1, vmName: 'web-01', lockedBytes: gib * GIB, findings });
  const steady: TestVmSpec = { pid: 2, vmName: 'steady-01' };
  const exitedOld: TestVmSpec = { pid: 3, vmName: 'exited-old', findings: [overExpected] };
  const exitedRecent: TestVmSpec = { pid: 4, vmName: 'exited-recent' };
  store.recordCycle(testCycle({ takenAtMs: at(0), vms: [web(1, [overExpected]), steady, exitedOld, exitedRecent] }));
  store.recordCycle(testCycle({ takenAtMs: at(1), vms: [web(2, [doubleCharged]), steady, exitedRecent] }));
  store.recordCycle(testCycle({ takenAtMs: at(8), vms: [web(2, [doubleCharged, headroomLow]), steady] }));
  store.recordCycle(testCycle({ takenAtMs: at(9), vms: [web(3, [doubleCharged]), steady] }));
  return store;
}

describe('prune', () => {
  it.each([1, 2, 5000])('deletes what is older than the retention, keeps the rest (batches of %i rows)', (batchRows) => {
    const store = fixtureStore(batchRows);
    const counts = store.pruneByTable(at(10), 7 * DAY_MS);
    // samples: web-01 day 0 and day 1, exited-old day 0; findings: web-01 F1 (closed day 1),
    // exited-old F1; events: the 6 of day 0 and 3 of day 1; vms: exited-old.
    expect(counts).toEqual({ samples: 3, findings: 2, events: 9, vms: 1 });

    const vms = store.listVms({ includeExited: true });
    expect(vms.map((vm) => vm.vmName)).toEqual(['steady-01', 'web-01', 'exited-recent']);
    const history = (name: string) =>
      store.vmHistory(vms.find((vm) => vm.vmName === name)!.id, 0, at(100), 100).map((s) => [(s.takenAtMs - T0) / DAY_MS, s.lockedBytes / GIB]);
    expect(history('web-01')).toEqual([[9, 3]]);
    // A live VM's latest sample stays however old: it is the value in effect now.
    expect(history('steady-01')).toEqual([[0, 4]]);
    expect(history('exited-recent')).toEqual([[0, 4]]);

    expect(store.db.prepare('SELECT kind, closed_at_ms IS NULL AS open FROM findings ORDER BY id').all()).toEqual([
      { kind: 'locked-double-charged', open: 1 },
      { kind: 'memlock-headroom-low', open: 0 },
    ]);
    expect(store.events({ limit: 100 }).map((e) => `${(e.atMs - T0) / DAY_MS} ${e.kind} ${e.vmName}`)).toEqual([
      '9 finding-closed web-01',
      '8 vm-exited exited-recent', // exits are recorded after the cycle's VMs: newer id
      '8 finding-opened web-01',
    ]);
    // Nothing left to prune.
    expect(store.prune(at(10), 7 * DAY_MS)).toBe(0);
  });

  it('returns the total rows deleted', () => {
    expect(fixtureStore(100).prune(at(10), 7 * DAY_MS)).toBe(3 + 2 + 9 + 1);
  });

  it('a retention longer than the history deletes nothing', () => {
    const store = fixtureStore(100);
    expect(store.prune(at(10), 30 * DAY_MS)).toBe(0);
    expect(store.listVms({ includeExited: true })).toHaveLength(4);
  });

  it('the store keeps recording after a prune (in-memory state still matches the file)', () => {
    const store = fixtureStore(100);
    store.prune(at(10), 7 * DAY_MS);
    const stats = store.recordCycle(testCycle({ takenAtMs: at(10), vms: [{ pid: 1, vmName: 'web-01', lockedBytes: 3 * GIB, findings: [doubleCharged] }, { pid: 2, vmName: 'steady-01' }] }));
    expect(stats).toEqual({ vmsInserted: 0, samplesWritten: 0, eventsWritten: 0, vmsExited: 0, rowsRejected: 0, rejections: [] });
  });
});
