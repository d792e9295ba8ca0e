import { describe, expect, it } from 'vitest';
import { defaultAnalysisThresholds } from '../analysis/thresholds.js';
import { vfioProcess } from '../analysis/test-process.js';
import type { CycleResult } from '../model/cycle.js';
import type { HostSample } from '../model/host-sample.js';
import { silentLogger } from '../model/logger.js';
import type { StoreWriter } from '../model/store.js';
import { CycleAttribution } from './cycle-attribution.js';
import { buildCycleResult } from './build-cycle-result.js';
import { PinwatchDaemon } from './pinwatch-daemon.js';

function sample(takenAtMs: number): HostSample {
  return {
    takenAtMs,
    bootId: 'b',
    clockTicksPerSecond: 100,
    uptimeSeconds: 10,
    kernelRelease: null,
    processesReadMonotonicMs: null,
    processes: [vfioProcess({ lockedBytes: 4 * 1024 ** 3 })],
    sysfs: null,
    meminfo: null,
    processesScanned: 1,
    ebpf: null,
    kernelLogEvents: [],
    errors: [],
    runs: [{ collector: 'vfio_users', success: true, durationSeconds: 0.001 }],
  };
}

function recordingMetrics() {
  const calls = { cycles: 0, writes: [] as string[], storeErrors: [] as string[] };
  return {
    calls,
    sink: {
      observeCycle: () => void (calls.cycles += 1),
      observeStoreWrite: (table: string, rows: number) => void calls.writes.push(`${table}:${rows}`),
      observeStoreError: (op: string) => void calls.storeErrors.push(op),
    },
  };
}

function fakeStore(fail: boolean): StoreWriter & { recorded: CycleResult[]; pruned: number[] } {
  const recorded: CycleResult[] = [];
  const pruned: number[] = [];
  return {
    recorded,
    pruned,
    recordCycle(result) {
      if (fail) throw new Error('SQLITE_FULL: database or disk is full');
      recorded.push(result);
      return { vmsInserted: 1, samplesWritten: 1, eventsWritten: 2, vmsExited: 0, rowsRejected: 0, rejections: [] };
    },
    prune(nowMs, retentionMs) {
      pruned.push(nowMs - retentionMs);
      return 0;
    },
    close() {},
  };
}

function daemon(store: StoreWriter, metrics: ReturnType<typeof recordingMetrics>, now = { ms: 1_000_000 }) {
  return new PinwatchDaemon({
    collect: async () => sample(now.ms),
    analyze: (s) => buildCycleResult(s, defaultAnalysisThresholds, new CycleAttribution({ logger: silentLogger, mode: 'daemon', startedAtMs: 0, initialLedger: null })),
    store,
    metrics: metrics.sink,
    logger: silentLogger,
    nowMs: () => now.ms,
    intervalMs: 10,
    retentionMs: 1000,
  });
}

describe('PinwatchDaemon', () => {
  it('a cycle is analysed, stored, published and becomes the latest', async () => {
    const metrics = recordingMetrics();
    const store = fakeStore(false);
    const d = daemon(store, metrics);
    expect(d.isReady()).toBe(false);
    const result = await d.runCycle();
    expect(d.isReady()).toBe(true);
    expect(d.getLatestCycle()).toBe(result);
    expect(result.vms[0]?.analysis.vmName).toBe('web-01');
    expect(result.host.lockedBytes).toBe(4 * 1024 ** 3);
    expect(store.recorded).toHaveLength(1);
    expect(store.pruned).toEqual([1_000_000 - 1000]);
    expect(metrics.calls).toEqual({ cycles: 1, writes: ['vms:1', 'samples:1', 'events:2'], storeErrors: [] });
  });

  it('a failing store is counted and the cycle stays in memory', async () => {
    const metrics = recordingMetrics();
    const d = daemon(fakeStore(true), metrics);
    const result = await d.runCycle();
    expect(d.getLatestCycle()).toBe(result);
    expect(metrics.calls.storeErrors).toEqual(['record_cycle']);
    expect(metrics.calls.cycles).toBe(1);
  });

  it('a row the store refused is counted by what it was, and the rest of the cycle counts as written', async () => {
    const metrics = recordingMetrics();
    const store = fakeStore(false);
    store.recordCycle = () => ({
      vmsInserted: 1, samplesWritten: 1, eventsWritten: 1, vmsExited: 0, rowsRejected: 1,
      rejections: [{ row: 'vm', key: 'b:5151:1e+23', message: 'cannot store REAL value in INTEGER column vms.start_time_ticks' }],
    });
    await daemon(store, metrics).runCycle();
    expect(metrics.calls.storeErrors).toEqual(['record_vm']);
    expect(metrics.calls.writes).toEqual(['vms:1', 'samples:1', 'events:1']);
  });

  it('start runs cycles on the interval and stop waits for the one in flight', async () => {
    const metrics = recordingMetrics();
    const store = fakeStore(false);
    const d = daemon(store, metrics);
    d.start();
    await new Promise((resolve) => setTimeout(resolve, 80));
    await d.stop();
    const after = store.recorded.length;
    expect(after).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(store.recorded.length).toBe(after); // nothing runs after stop
  });
});
