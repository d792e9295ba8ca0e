import { describe, expect, it } from 'vitest';
import { zeroTotals } from '../model/ebpf-counter-totals.js';
import type { VmLedgerEntry } from '../analysis/ebpf-ledger.js';
import { EbpfStateRepository } from './ebpf-state-repository.js';
import { bundledMigrationsDir, openDatabase } from './open-database.js';

function entry(overrides: Partial<VmLedgerEntry> = {}): VmLedgerEntry {
  return {
    processKey: 'boot:1682:17000', pid: 1682, vmName: 'qemu-run', baselineLockedBytes: 0, baselineAtMs: 2_500_000, baselineConfirmed: true, coverage: 'full',
    offsets: { ...zeroTotals(), pinnedPages: 118386, chargeFailedPages: new Map([[3, 20448]]) },
    runAttachedAtMs: 2_000_000, runCounters: { ...zeroTotals(), unpinnedPages: 117985 }, runStartCounters: zeroTotals(),
    exitedAtMs: null, updatedAtMs: 3_000_000, ...overrides,
  };
}

describe('EbpfStateRepository (migration 0002)', () => {
  it('what is saved is what a restarted pinwatch loads', () => {
    const { db } = openDatabase({ path: ':memory:', migrationsDir: bundledMigrationsDir() });
    const repo = new EbpfStateRepository(db);
    const host = { runAttachedAtMs: 2_000_000, unattributedOffsets: { unpinnedPages: 3, unchargedPages: 1 }, unattributedRun: { unpinnedPages: 9, unchargedPages: 0 } };
    repo.save([entry()], host, 3_000_000);
    const loaded = new EbpfStateRepository(db).loadEntries().get('boot:1682:17000');
    expect(loaded?.offsets.pinnedPages).toBe(118386);
    expect([...(loaded?.offsets.chargeFailedPages ?? [])]).toEqual([[3, 20448]]);
    expect(loaded?.runCounters.unpinnedPages).toBe(117985);
    expect(loaded).toMatchObject({ coverage: 'full', runAttachedAtMs: 2_000_000, exitedAtMs: null, vmName: 'qemu-run' });
    expect(repo.loadHost()).toEqual(host);
    db.close();
  });

  it('an unconfirmed baseline stays unconfirmed across a restart (migration 0003)', () => {
    const { db } = openDatabase({ path: ':memory:', migrationsDir: bundledMigrationsDir() });
    new EbpfStateRepository(db).save([entry({ baselineConfirmed: false, coverage: 'partial', baselineLockedBytes: 90 * 1024 ** 2 })], { runAttachedAtMs: 2_000_000, unattributedOffsets: { unpinnedPages: 0, unchargedPages: 0 }, unattributedRun: { unpinnedPages: 0, unchargedPages: 0 } }, 3_000_000);
    expect(new EbpfStateRepository(db).load().entries.get('boot:1682:17000')).toMatchObject({ baselineConfirmed: false, baselineLockedBytes: 90 * 1024 ** 2 });
    db.close();
  });

  it('upserts by process_key and prunes only exited VMs older than the cut', () => {
    const { db } = openDatabase({ path: ':memory:', migrationsDir: bundledMigrationsDir() });
    const repo = new EbpfStateRepository(db);
    const host = { runAttachedAtMs: null, unattributedOffsets: { unpinnedPages: 0, unchargedPages: 0 }, unattributedRun: { unpinnedPages: 0, unchargedPages: 0 } };
    repo.save([entry(), entry({ processKey: 'boot:2:2', pid: 2, exitedAtMs: 1_000 })], host, 3_000_000);
    repo.save([entry({ coverage: 'partial' })], host, 3_015_000);
    expect(repo.loadEntries().get('boot:1682:17000')?.coverage).toBe('partial');
    expect(repo.pruneExited(2_000)).toBe(1);
    expect([...repo.loadEntries().keys()]).toEqual(['boot:1682:17000']);
    db.close();
  });
});
