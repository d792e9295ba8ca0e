import type { CycleResult } from '../model/cycle.js';
import type { HostSample } from '../model/host-sample.js';
import type { Logger } from '../model/logger.js';
import type { CycleWriteStats, StoreWriter } from '../model/store.js';

/** What the daemon reports to /metrics besides the cycle itself. */
export interface DaemonMetricsSink {
  observeCycle(result: CycleResult): void;
  observeStoreWrite(table: string, rows: number): void;
  observeStoreError(operation: string): void;
}

export interface DaemonDeps {
  /** One collection cycle over the registered collectors (never throws for a collector's fault). */
  collect(): Promise<HostSample>;
  /** Sample -> CycleResult (analysis + the attribution step). */
  analyze(sample: HostSample): CycleResult;
  /** The store committed the cycle (its eBPF ledger changes need not be written again). */
  onRecorded?(result: CycleResult): void;
  store: StoreWriter | null;
  metrics: DaemonMetricsSink;
  logger: Logger;
  nowMs(): number;
  intervalMs: number;
  retentionMs: number;
  /** How often old rows are pruned (default hourly). */
  pruneEveryMs?: number;
}

/**
 * The sampling loop: collect, analyze, store the changes, publish to /metrics.
 * Cycles never overlap; a failing store never loses the cycle (it stays in
 * memory and in /metrics) and never stops the loop. stop() lets the write in
 * progress finish, so SIGTERM never leaves a half-written cycle.
 */
export class PinwatchDaemon {
  private latest: CycleResult | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<CycleResult | null> | null = null;
  private stopped = false;
  private lastPruneMs = Number.NEGATIVE_INFINITY; // prune on the first cycle, then hourly

  constructor(private readonly deps: DaemonDeps) {}

  getLatestCycle(): CycleResult | null {
    return this.latest;
  }

  isReady(): boolean {
    return this.latest !== null;
  }

  /** Run one cycle now (used by start(), by `pinwatch snapshot` and by tests). */
  async runCycle(): Promise<CycleResult> {
    const { deps } = this;
    const sample = await deps.collect();
    const result = deps.analyze(sample);
    this.latest = result;
    deps.metrics.observeCycle(result);
    if (deps.store) this.record(deps.store, result);
    return result;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const startedMs = this.deps.nowMs();
      this.inFlight = this.runCycle().catch((error: unknown) => {
        this.deps.logger.error({ err: error }, 'collection cycle failed');
        return null;
      });
      void this.inFlight.then(() => {
        this.inFlight = null;
        const elapsed = this.deps.nowMs() - startedMs;
        this.schedule(Math.max(0, this.deps.intervalMs - elapsed));
      });
    }, delayMs);
  }

  private record(store: StoreWriter, result: CycleResult): void {
    const { deps } = this;
    let stats: CycleWriteStats;
    try {
      stats = store.recordCycle(result);
    } catch (error) {
      deps.metrics.observeStoreError('record_cycle');
      deps.logger.error({ err: error }, 'store: recording the cycle failed; it stays in memory and /metrics');
      return;
    }
    deps.onRecorded?.(result);
    for (const rejection of stats.rejections) {
      // One row SQLite refused; the rest of the cycle is stored (store/cycle-recorder.ts).
      deps.metrics.observeStoreError(`record_${rejection.row}`);
      deps.logger.error({ row: rejection.row, key: rejection.key }, `store: ${rejection.row} row ${rejection.key} was not stored: ${rejection.message}`);
    }
    deps.metrics.observeStoreWrite('vms', stats.vmsInserted);
    deps.metrics.observeStoreWrite('samples', stats.samplesWritten);
    deps.metrics.observeStoreWrite('events', stats.eventsWritten);
    const now = result.sample.takenAtMs;
    if (now - this.lastPruneMs >= (deps.pruneEveryMs ?? 3_600_000)) {
      this.lastPruneMs = now;
      try {
        const deleted = store.prune(now, deps.retentionMs);
        if (deleted > 0) deps.logger.info({ deleted }, 'store: pruned rows older than the retention');
      } catch (error) {
        deps.metrics.observeStoreError('prune');
        deps.logger.error({ err: error }, 'store: pruning failed');
      }
    }
  }
}
