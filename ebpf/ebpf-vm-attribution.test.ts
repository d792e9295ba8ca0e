import { describe, expect, it } from 'vitest';
import type { AnalyzedVm } from '../analysis/analyze-host.js';
import { defaultAnalysisThresholds } from '../analysis/thresholds.js';
import { analyzeVms } from '../analysis/analyze-host.js';
import type { EbpfSnapshot } from '../model/ebpf-counters.js';
import type { HostSample, VfioProcessSample } from '../model/host-sample.js';
import { silentLogger } from '../model/logger.js';
import { EbpfStateRepository } from '../store/ebpf-state-repository.js';
import { bundledMigrationsDir, openDatabase } from '../store/open-database.js';
import { emptyTgidCounters } from './bpftrace-output.js';
import { EbpfVmAttribution } from './ebpf-vm-attribution.js';

const qemu: VfioProcessSample = {
  pid: 1682, startTimeTicks: 17000, comm: 'qemu-system-x86', uid: 0, lockedBytes: 81792 * 1024, pinnedBytes: 0, residentBytes: 0,
  hasCapIpcLock: true, memlockLimit: { softBytes: 8 * 1024 ** 2, hardBytes: 8 * 1024 ** 2 }, handles: [], iommuGroups: [4],
  backend: 'type1', cmdline: [], qemu: null,
};

function snapshot(attachedAtMs: number, pinnedPages: number, chargedPages: number): EbpfSnapshot {
  return {
    state: 'running', reason: null, attachedAtMs, probesAttached: 4,
    perTgid: new Map([[1682, { ...emptyTgidCounters(1682), pinnedPages, chargedPages }]]),
    unattributedUnpinnedPages: 0, unattributedUnchargedPages: 0,
  };
}

function sample(takenAtMs: number, ebpf: EbpfSnapshot): HostSample {
  // booted at 0; QEMU started at 170 s (17000 ticks at 100 Hz)
  return {
    takenAtMs, bootId: 'b', clockTicksPerSecond: 100, uptimeSeconds: takenAtMs / 1000, kernelRelease: '6.1.0-56-amd64',
    processes: [qemu], sysfs: null, meminfo: null, processesScanned: 1, ebpf, kernelLogEvents: [], errors: [],
    runs: [{ collector: 'vfio_users', success: true, durationSeconds: 0 }],
  };
}

const vms = (s: HostSample): AnalyzedVm[] => analyzeVms(s, defaultAnalysisThresholds);

describe('EbpfVmAttribution', () => {
  it('gives the qemu-run VM its view: full coverage, 256 BAR pages not charged, no drift', () => {
    const attribution = new EbpfVmAttribution({ store: null, logger: silentLogger });
    const s = sample(200_000, snapshot(100_000, 20704, 20448));
    const result = attribution.attribute(s, vms(s));
    const view = result.views.get('b:1682:17000');
    expect(view).toMatchObject({ coverage: 'full', mappedNotChargedPages: 256, lockedDriftBytes: 0, pinnedPagesTotal: 20704 });
    expect(result.findings.get('b:1682:17000')?.map((f) => f.kind)).toEqual(['mapped-not-charged']);
  });

  it('a failing ledger write is counted and the cycle still gets its views', () => {
    const storeErrors: string[] = [];
    const failingStore = {
      loadEntries: () => new Map(),
      loadHost: () => ({ runAttachedAtMs: null, unattributedOffsets: { unpinnedPages: 0, unchargedPages: 0 }, unattributedRun: { unpinnedPages: 0, unchargedPages: 0 } }),
      save: () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
      pruneExited: () => 0,
    };
    const attribution = new EbpfVmAttribution({ store: failingStore, logger: silentLogger, onStoreError: (op) => storeErrors.push(op) });
    const s = sample(200_000, snapshot(100_000, 20704, 20448));
    expect(attribution.attribute(s, vms(s)).views.get('b:1682:17000')?.pinnedPagesTotal).toBe(20704);
    expect(storeErrors).toEqual(['ebpf_ledger']);
  });

  it('a pinwatch restart with a new bpftrace run neither resets nor double counts the totals', () => {
    const { db } = openDatabase({ path: ':memory:', migrationsDir: bundledMigrationsDir() });
    const first = new EbpfVmAttribution({ store: new EbpfStateRepository(db), logger: silentLogger });
    const s1 = sample(200_000, snapshot(100_000, 20704, 20448));
    first.attribute(s1, vms(s1));
    // pinwatch restarts: a new attribution loads the ledger; its bpftrace attached at 300 s and saw 100 more pages
    const second = new EbpfVmAttribution({ store: new EbpfStateRepository(db), logger: silentLogger });
    const s2 = sample(310_000, snapshot(300_000, 100, 100));
    const view = second.attribute(s2, vms(s2)).views.get('b:1682:17000');
    expect(view?.pinnedPagesTotal).toBe(20804);
    expect(view?.chargedPagesTotal).toBe(20548);
    expect(view?.coverage).toBe('partial'); // the gap between the two runs was not observed
    db.close();
  });
});
