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
import { CollectionWorker } from '../daemon/collection-worker.js';
import type { Logger } from '../model/logger.js';
import type { StoreReader } from '../model/store.js';
import { buildApp } from '../server/app.js';
import { createPinwatchMetrics, type PinwatchMetrics } from '../server/metrics/create-pinwatch-metrics.js';
import type { RuntimeStatsGetter } from '../server/metrics/runtime-stats.js';
import { WebConfigSource } from '../server/web-config/web-config-source.js';
import { EbpfStateRepository } from '../store/ebpf-state-repository.js';
import { bundledMigrationsDir, openDatabase } from '../store/open-database.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { mayCreateDatabaseDirectory } from './database-directory.js';
import { LiveSettings } from './live-settings.js';
import { PINWATCH_VERSION } from './version.js';

export interface ComposeOptions {
  logger: Logger;
  /** The pino logger fastify shares (serve); null for the one-shot commands. */
  httpLogger: FastifyBaseLogger | null;
  /** Open the SQLite store (serve) or keep everything in memory (snapshot, check). */
  withStore: boolean;
  clock?: Clock;
  /** pinwatch's own process and nodejs figures; this process's by default (the golden test fixes them). */
  runtimeStats?: RuntimeStatsGetter;
  /**
   * Run the file-reading collectors (host, vfio_users, sysfs) on a collection thread so
   * HTTP never waits for a /proc sweep (serve, bench). Off: everything in this thread
   * (snapshot and check run one cycle; a thread would only add its start-up).
   * `registryModuleUrl` swaps the registry the thread builds from (tests only).
   */
  collectionThread?: boolean | { registryModuleUrl: string };
}

/** Everything `pinwatch serve` runs, wired once: the composition root. */
export interface PinwatchRuntime {
  config: PinwatchConfig;
  daemon: PinwatchDaemon;
  metrics: PinwatchMetrics;
  app: FastifyInstance;
  collectors: Collector[];
  store: SqliteStore | null;
  /** The collection thread, when the runtime has one (a collector turned on by a reload runs there too). */
  collectionThread: CollectionWorker | null;
  /** What a SIGHUP reload may change while running (cli/reload-config.ts). */
  live: LiveSettings;
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
  const paths: HostPaths = {
    procfs: config.path.procfs,
    sysfs: config.path.sysfs,
    devfs: config.path.devfs,
    runfs: config.path.runfs,
    etcfs: config.path.etcfs,
  };
  // First: a web config that cannot be used stops start-up before anything is opened (WebConfigError).
  // Only `serve` (the one with an HTTP logger) listens; the one-shot commands ignore the file.
  const webConfig = options.httpLogger && config.web.configFile
    ? new WebConfigSource(config.web.configFile, { logger, onReload: (result) => metrics.observeWebConfigReload(result) })
    : null;

  // One connection shared by the store and the eBPF ledger (same file, same migrations).
  const database = options.withStore
    ? openDatabase({ path: config.db.path, migrationsDir: bundledMigrationsDir(), createParentDirectory: mayCreateDatabaseDirectory(config.db.path) })
    : null;
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

  const collectorOptions = {
    fullScanIntervalMs: config.collection.fullScanInterval,
    ebpfSource: ebpfSourceSetting(config.ebpf.source),
    ebpfPrintIntervalSeconds: config.ebpf.printInterval / 1000,
    ebpfPerPageProbes: config.ebpf.perPageProbes,
  };
  const threadSetting = options.collectionThread ?? false;
  const collectionThread =
    threadSetting === false
      ? null
      : new CollectionWorker({
          options: collectorOptions,
          logger,
          ...(typeof threadSetting === 'object' ? { registryModuleUrl: threadSetting.registryModuleUrl } : {}),
        });
  const collectors = buildEnabledCollectors(config.collector, { paths, clock, logger, options: collectorOptions, offThread: collectionThread });
  const ebpfCollector = collectors.find((c): c is EbpfCollector => c instanceof EbpfCollector) ?? null;
  const metrics = createPinwatchMetrics({
    buildInfo: { version: PINWATCH_VERSION, nodeVersion: process.version },
    ...(ebpfCollector ? { ebpfRunnerStats: () => ebpfCollector.runnerStats() } : {}),
    nowMs: () => clock.nowMs(),
    ...(options.runtimeStats ? { runtimeStats: options.runtimeStats } : {}),
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
  const live = new LiveSettings({
    intervalMs: config.collection.interval,
    retentionMs: config.db.retention,
    thresholds: analysisThresholdsFrom(config),
  });

  const daemon = new PinwatchDaemon({
    collect: () => runCollectionCycle(live.activeCollectors(collectors), { paths, clock }),
    analyze: (sample) => buildCycleResult(sample, live.thresholds, attribution),
    onRecorded: (result) => {
      if (result.ebpfLedger) attribution.ledgerPersisted(result.ebpfLedger);
    },
    store,
    metrics,
    logger,
    nowMs: () => clock.nowMs(),
    // Getters: a SIGHUP reload changes these for the next cycle.
    get intervalMs() {
      return live.intervalMs;
    },
    get retentionMs() {
      return live.retentionMs;
    },
  });

  const app = buildApp({
    metrics,
    getLatestCycle: () => daemon.getLatestCycle(),
    store: store ?? emptyStoreReader,
    isReady: () => daemon.isReady(),
    ...(options.httpLogger ? { loggerInstance: options.httpLogger } : {}),
    nowMs: () => clock.nowMs(),
    ...(webConfig ? { webConfig } : {}),
  });

  return {
    config,
    daemon,
    metrics,
    app,
    collectors,
    store,
    collectionThread,
    live,
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
      await collectionThread?.close();
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
