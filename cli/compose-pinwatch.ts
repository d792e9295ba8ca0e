import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { defaultAnalysisThresholds, type AnalysisThresholds } from '../analysis/thresholds.js';
import { createSystemClock, type Clock } from '../collectors/clock.js';
import type { Collector } from '../collectors/collector.js';
import { EbpfCollector, type EbpfSourceSetting } from '../collectors/ebpf/ebpf-collector.js';
import type { HostPaths } from '../collectors/host-paths.js';
import { buildEnabledCollectors } from '../collectors/registry.js';
import { runCollectionCycle } from '../collectors/run-collection-cycle.js';
import type { PinwatchConfig } from '../config/config-schema.js';
import { buildCycleResult } from '../daemon/build-cycle-result.js';
import { PinwatchDaemon } from '../daemon/pinwatch-daemon.js';
import { defaultEbpfMismatchThresholds } from '../analysis/ebpf-mismatches.js';
import { CycleAttribution } from '../daemon/cycle-attribution.js';
import type { Logger } from '../model/logger.js';
import type { StoreReader } from '../model/store.js';
import { buildApp } from '../server/app.js';
import { createPinwatchMetrics, type PinwatchMetrics } from '../server/metrics/create-pinwatch-metrics.js';
import { EbpfStateRepository } from '../store/ebpf-state-repository.js';
import { bundledMigrationsDir, openDatabase } from '../store/open-database.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { PINWATCH_VERSION } from './version.js';

export interface ComposeOptions {
  logger: Logger;
  /** The pino logger fastify shares (serve); null for the one-shot commands. */
  httpLogger: FastifyBaseLogger | null;
  /** Open the SQLite store (serve) or keep everything in memory (snapshot, check). */
  withStore: boolean;
  clock?: Clock;
}

/** Everything `pinwatch serve` runs, wired once: the composition root. */
export interface PinwatchRuntime {
  config: PinwatchConfig;
  daemon: PinwatchDaemon;
  metrics: PinwatchMetrics;
  app: FastifyInstance;
  collectors: Collector[];
  store: SqliteStore | null;
  /** Start long-lived collectors (bpftrace) so probes attach before the first cycle. */
  startSources(): void;
  /** Stop the loop (finishing the cycle in flight), the collectors' children, the server and the store. */
  close(): Promise<void>;
}

/** 'auto' means: run bpftrace if this host allows it; the runner reports off with the reason otherwise. */
export function ebpfSourceSetting(source: string): EbpfSourceSetting {
  return source === 'auto' ? 'bpftrace' : (source as EbpfSourceSetting);
}

export function analysisThresholdsFrom(config: PinwatchConfig): AnalysisThresholds {
  return {
    ...defaultAnalysisThresholds,
    overheadAllowanceBytes: config.analysis.overheadAllowance,
    headroomWarningBytes: config.analysis.headroomWarning,
    underRatio: config.analysis.underRatio,
    doubleChargeRatio: config.analysis.doubleChargeRatio,
  };
}

export function composePinwatch(config: PinwatchConfig, options: ComposeOptions): PinwatchRuntime {
  const clock = options.clock ?? createSystemClock();
  const { logger } = options;
  const paths: HostPaths = { procfs: config.path.procfs, sysfs: config.path.sysfs, devfs: config.path.devfs };

  // One connection shared by the store and the eBPF ledger (same file, same migrations).
  const database = options.withStore ? openDatabase({ path: config.db.path, migrationsDir: bundledMigrationsDir() }) : null;
  let store: SqliteStore | null = null;
  let ebpfState: EbpfStateRepository | null = null;
  try {
    if (database) {
      store = new SqliteStore(database.db, { databasePath: config.db.path, keepAliveMs: config.db.keepAlive }, true);
      ebpfState = new EbpfStateRepository(database.db);
    }
  } catch (error) {
    database?.db.close();
    throw error;
  }

  const collectors = buildEnabledCollectors(config.collector, {
    paths,
    clock,
    logger,
    options: {
      fullScanIntervalMs: config.collection.fullScanInterval,
      ebpfSource: ebpfSourceSetting(config.ebpf.source),
      ebpfPrintIntervalSeconds: config.ebpf.printInterval / 1000,
      ebpfPerPageProbes: config.ebpf.perPageProbes,
    },
  });
  const ebpfCollector = collectors.find((c): c is EbpfCollector => c instanceof EbpfCollector) ?? null;
  const metrics = createPinwatchMetrics({
    buildInfo: { version: PINWATCH_VERSION, nodeVersion: process.version },
    ...(ebpfCollector ? { ebpfRunnerStats: () => ebpfCollector.runnerStats() } : {}),
    nowMs: () => clock.nowMs(),
  });
  // One attribution step for every command: the daemon keeps its ledger across restarts
  // (it is written with each cycle); snapshot and check judge the kernel log as it stands.
  const attribution = new CycleAttribution({
    logger,
    mode: options.withStore ? 'daemon' : 'one-shot',
    startedAtMs: clock.nowMs(),
    initialLedger: ebpfState?.load() ?? null,
    thresholds: { ...defaultEbpfMismatchThresholds, leakGraceMs: config.ebpf.leakGrace },
  });
  const thresholds = analysisThresholdsFrom(config);

  const daemon = new PinwatchDaemon({
    collect: () => runCollectionCycle(collectors, { paths, clock }),
    analyze: (sample) => buildCycleResult(sample, thresholds, attribution),
    onRecorded: (result) => {
      if (result.ebpfLedger) attribution.ledgerPersisted(result.ebpfLedger);
    },
    store,
    metrics,
    logger,
    nowMs: () => clock.nowMs(),
    intervalMs: config.collection.interval,
    retentionMs: config.db.retention,
  });

  const app = buildApp({
    metrics,
    getLatestCycle: () => daemon.getLatestCycle(),
    store: store ?? emptyStoreReader,
    isReady: () => daemon.isReady(),
    ...(options.httpLogger ? { loggerInstance: options.httpLogger } : {}),
    nowMs: () => clock.nowMs(),
  });

  return {
    config,
    daemon,
    metrics,
    app,
    collectors,
    store,
    startSources: () => ebpfCollector?.start(),
    async close() {
      await daemon.stop();
      await app.close();
      for (const collector of collectors) {
        try {
          await collector.close?.();
        } catch (error) {
          logger.error({ err: error, collector: collector.name }, 'closing a collector failed');
        }
      }
      store?.close();
    },
  };
}

/** The one-shot commands keep no history: the API's store-backed routes answer empty. */
const emptyStoreReader: StoreReader = {
  getVm: () => null,
  listVms: () => [],
  vmHistory: () => [],
  openFindings: () => [],
  events: () => [],
};
