/**
 * One benchmark size, measured in the process that runs it (run.ts gives
 * each size a fresh child, so peak RSS is this size's alone). The pipeline
 * is the daemon's own: composePinwatch builds the registry's collectors
 * (host, vfio_users, sysfs; ebpf and kernel_log off), the store and the
 * metrics; this module then drives the cycle pieces itself so each is timed
 * on its own: runCollectionCycle (collect), buildCycleResult (analysis),
 * metrics.observeCycle + store.recordCycle (publish), metrics.render.
 *
 * Every cycle is checked: it must find exactly the generated VMs with no
 * collector error, or the size is reported invalid (a fast cycle that misses
 * VMs is not a result).
 */
import path from 'node:path';
import { analysisThresholdsFrom, composePinwatch } from '../cli/compose-pinwatch.js';
import { runCollectionCycle } from '../collectors/run-collection-cycle.js';
import { VfioUsersCollector } from '../collectors/procfs/vfio-users-collector.js';
import type { HostPaths } from '../collectors/host-paths.js';
import { configSchema } from '../config/config-schema.js';
import { buildCycleResult } from '../daemon/build-cycle-result.js';
import { CycleAttribution } from '../daemon/cycle-attribution.js';
import type { CycleResult } from '../model/cycle.js';
import type { HostSample } from '../model/host-sample.js';
import { silentLogger } from '../model/logger.js';
import type { MetricsFormat } from '../server/metrics/metrics-format.js';
import { createBenchClock } from './bench-clock.js';
import type { CFloorFigures } from './c-floor.js';
import { percentileMs, summarizeTimings, type TimingSummary } from './sample-stats.js';

export interface MeasureHostSizeRequest {
  /** The synthetic host tree (written by the parent, so its cost is not in this process). */
  hostDir: string;
  paths: HostPaths;
  processCount: number;
  fdLinkCount: number;
  /** pids of the generated VMs: every cycle must find exactly these. */
  vmPids: number[];
  steadyCycles: number;
  repeatedSweeps: number;
  renders: number;
  /** The C floor timed on this host by the parent just before (null: not measured). */
  cFloor: CFloorFigures | null;
  /** Scrapes of /metrics over HTTP while full sweeps run back to back on the collection thread (0: skip). */
  scrapes: number;
}

export interface ScrapeFigures {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Full sweeps completed while the scrapes ran. */
  cyclesDuring: number;
}

export interface RenderFigures {
  timing: TimingSummary;
  bodyBytes: number;
  sampleLines: number;
}

export interface MeasureHostSizeResult {
  processCount: number;
  vmCount: number;
  fdLinkCount: number;
  /** The first cycle: a full fd sweep of every process, cold JIT. */
  firstCycleMs: number;
  /** Later full sweeps (every fullScanInterval), warm. */
  repeatedSweeps: TimingSummary;
  /** Cycles between sweeps: what the daemon does every 15 s. */
  steadyCycles: TimingSummary;
  /** Per collector, over the steady cycles (CollectorRun.durationSeconds). */
  steadyCollectorsMs: Record<string, TimingSummary>;
  /** Processes whose fd links vfio_users read, per steady cycle (median). */
  steadyFdScannedProcesses: number;
  /** fd links vfio_users readlink()ed per steady cycle (median). */
  steadyFdLinksRead: number;
  analysis: TimingSummary;
  /** metrics.observeCycle + store.recordCycle (SQLite, steady state). */
  publish: TimingSummary;
  render: Record<MetricsFormat, RenderFigures>;
  /** process.resourceUsage().maxRSS of this child, in bytes. */
  peakRssBytes: number;
  /** RSS once pinwatch is composed, before the first cycle: Node and the modules, no host data. */
  rssAfterStartupBytes: number;
  /** maxRSS reached by the end of each phase, in bytes: which phase sets the peak. */
  peakRssByPhaseBytes: Record<'startup' | 'firstCycle' | 'steadyCycles' | 'repeatedSweeps' | 'renders', number>;
  /** V8 heap in use after a full GC at the end: what the daemon really keeps (the rest of the peak is garbage not yet collected). */
  heapUsedAfterGcBytes: number | null;
  heapUsedBytesAtEnd: number;
  cFloor: CFloorFigures | null;
  scrape: ScrapeFigures | null;
  /** Problems that make the figures invalid (missed VMs, collector errors); empty when valid. */
  problems: string[];
}

const COLLECTION_INTERVAL_MS = 15_000;
const FULL_SCAN_INTERVAL_MS = 300_000;

export async function measureHostSize(request: MeasureHostSizeRequest): Promise<MeasureHostSizeResult> {
  const clock = createBenchClock(1_764_000_000_000);
  const config = configSchema.parse({
    path: request.paths,
    db: { path: path.join(request.hostDir, 'pinwatch-bench.db') },
    collection: { interval: COLLECTION_INTERVAL_MS, fullScanInterval: FULL_SCAN_INTERVAL_MS },
    collector: { ebpf: false, kernel_log: false },
    ebpf: { source: 'off' },
  });
  const runtime = composePinwatch(config, { logger: silentLogger, httpLogger: null, withStore: true, clock });
  const vfio = runtime.collectors.find((c): c is VfioUsersCollector => c instanceof VfioUsersCollector);
  if (!vfio) throw new Error('the vfio_users collector is not enabled');
  const thresholds = analysisThresholdsFrom(config);
  const attribution = new CycleAttribution({ logger: silentLogger, mode: 'daemon', startedAtMs: clock.nowMs(), initialLedger: null });
  const problems: string[] = [];
  const expectedPids = [...request.vmPids].sort((a, b) => a - b).join(',');

  const checkSample = (label: string, sample: HostSample) => {
    const found = sample.processes.map((p) => p.pid).join(',');
    if (found !== expectedPids) {
      problems.push(`${label}: found ${sample.processes.length} VFIO users, expected the ${request.vmPids.length} generated VMs`);
    }
    for (const error of sample.errors.slice(0, 3)) problems.push(`${label}: ${error.collector} ${error.reason} ${error.path}`);
  };

  interface TimedCycle {
    sample: HostSample;
    result: CycleResult;
    collectMs: number;
    analysisMs: number;
    publishMs: number;
    fullSweep: boolean;
    fdScanned: number;
    fdLinksRead: number;
  }
  const runCycle = async (label: string): Promise<TimedCycle> => {
    const t0 = performance.now();
    const sample = await runCollectionCycle(runtime.collectors, { paths: request.paths, clock });
    const t1 = performance.now();
    const result = buildCycleResult(sample, thresholds, attribution);
    const t2 = performance.now();
    runtime.metrics.observeCycle(result);
    runtime.store?.recordCycle(result);
    const t3 = performance.now();
    checkSample(label, sample);
    return {
      sample,
      result,
      collectMs: t1 - t0,
      analysisMs: t2 - t1,
      publishMs: t3 - t2,
      fullSweep: vfio.lastScan.fullSweep,
      fdScanned: vfio.lastScan.fdScans.size,
      fdLinksRead: vfio.lastScan.fdLinksRead,
    };
  };

  const rssAfterStartupBytes = process.memoryUsage().rss;
  const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;
  const peakRssByPhaseBytes = { startup: maxRssBytes(), firstCycle: 0, steadyCycles: 0, repeatedSweeps: 0, renders: 0 };
  try {
    const first = await runCycle('first cycle');
    peakRssByPhaseBytes.firstCycle = maxRssBytes();
    if (!first.fullSweep) problems.push('the first cycle was not a full sweep');

    // Steady cycles at the daemon's cadence; a sweep that falls due on the way is kept apart.
    const steady: TimedCycle[] = [];
    const sweeps: TimedCycle[] = [];
    while (steady.length < request.steadyCycles) {
      clock.advanceMs(COLLECTION_INTERVAL_MS);
      const cycle = await runCycle(`cycle ${steady.length + sweeps.length + 2}`);
      (cycle.fullSweep ? sweeps : steady).push(cycle);
    }
    peakRssByPhaseBytes.steadyCycles = maxRssBytes();
    while (sweeps.length < request.repeatedSweeps) {
      clock.advanceMs(FULL_SCAN_INTERVAL_MS);
      const cycle = await runCycle(`sweep ${sweeps.length + 1}`);
      if (!cycle.fullSweep) problems.push('a cycle after fullScanInterval was not a full sweep');
      sweeps.push(cycle);
    }

    peakRssByPhaseBytes.repeatedSweeps = maxRssBytes();
    // Render what the last steady cycle published, as a scrape would.
    const last = steady[steady.length - 1] ?? first;
    runtime.metrics.observeCycle(last.result);
    const render = {} as Record<MetricsFormat, RenderFigures>;
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const timesMs: number[] = [];
      let body = '';
      for (let i = 0; i < request.renders; i++) {
        const t0 = performance.now();
        body = runtime.metrics.render(format).body;
        timesMs.push(performance.now() - t0);
      }
      render[format] = {
        timing: summarizeTimings(timesMs),
        bodyBytes: Buffer.byteLength(body),
        sampleLines: body.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length,
      };
    }

    peakRssByPhaseBytes.renders = maxRssBytes();
    // --expose-gc (run.ts starts the child with it): the live heap without garbage.
    const collectGarbage = (globalThis as { gc?: () => void }).gc;
    collectGarbage?.();
    const heapUsedAfterGcBytes = collectGarbage ? process.memoryUsage().heapUsed : null;

    const collectorNames = first.sample.runs.map((run) => run.collector);
    const steadyCollectorsMs = Object.fromEntries(
      collectorNames.map((name) => [
        name,
        summarizeTimings(steady.map((c) => (c.sample.runs.find((run) => run.collector === name)?.durationSeconds ?? 0) * 1000)),
      ]),
    );

    return {
      processCount: request.processCount,
      vmCount: request.vmPids.length,
      fdLinkCount: request.fdLinkCount,
      firstCycleMs: first.collectMs,
      repeatedSweeps: summarizeTimings(sweeps.map((c) => c.collectMs)),
      steadyCycles: summarizeTimings(steady.map((c) => c.collectMs)),
      steadyCollectorsMs,
      steadyFdScannedProcesses: summarizeTimings(steady.map((c) => c.fdScanned)).medianMs,
      steadyFdLinksRead: summarizeTimings(steady.map((c) => c.fdLinksRead)).medianMs,
      analysis: summarizeTimings(steady.map((c) => c.analysisMs)),
      publish: summarizeTimings(steady.map((c) => c.publishMs)),
      render,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      rssAfterStartupBytes,
      peakRssByPhaseBytes,
      heapUsedAfterGcBytes,
      heapUsedBytesAtEnd: process.memoryUsage().heapUsed,
      cFloor: request.cFloor,
      scrape: request.scrapes > 0 ? await measureScrapes(request, problems) : null,
      problems: [...new Set(problems)].slice(0, 20),
    };
  } finally {
    await runtime.close();
  }
}

/**
 * The serve setup (collection thread on) with full sweeps back to back (fullScanInterval 0,
 * interval 100 ms, the minimum), scraped over HTTP every 100 ms: what a scrape costs while
 * the heaviest collection runs. Run after the peak RSS figures are taken (it is a second runtime).
 */
async function measureScrapes(request: MeasureHostSizeRequest, problems: string[]): Promise<ScrapeFigures> {
  const config = configSchema.parse({
    path: request.paths,
    db: { path: path.join(request.hostDir, 'pinwatch-bench-scrape.db') },
    collection: { interval: 100, fullScanInterval: 0 },
    collector: { ebpf: false, kernel_log: false },
    ebpf: { source: 'off' },
  });
  const runtime = composePinwatch(config, { logger: silentLogger, httpLogger: null, withStore: true, collectionThread: true });
  try {
    runtime.daemon.start();
    await runtime.app.listen({ host: '127.0.0.1', port: 0 });
    const address = runtime.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('bench: no TCP address');
    const url = `http://127.0.0.1:${address.port}/metrics`;
    const readyBy = Date.now() + 60_000;
    while (!runtime.daemon.isReady() && Date.now() < readyBy) await new Promise((r) => setTimeout(r, 20));
    if (!runtime.daemon.isReady()) problems.push('scrape phase: no cycle completed within 60 s');
    await (await fetch(url)).text(); // connection and route warm-up, not counted
    let cycles = 0;
    let lastTakenAt = runtime.daemon.getLatestCycle()?.sample.takenAtMs;
    const timesMs: number[] = [];
    for (let i = 0; i < request.scrapes; i++) {
      const started = performance.now();
      const response = await fetch(url);
      await response.text();
      timesMs.push(performance.now() - started);
      if (response.status !== 200) problems.push(`scrape phase: /metrics answered ${response.status}`);
      const takenAt = runtime.daemon.getLatestCycle()?.sample.takenAtMs;
      if (takenAt !== lastTakenAt) {
        cycles += 1;
        lastTakenAt = takenAt;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { count: timesMs.length, p50Ms: percentileMs(timesMs, 50), p99Ms: percentileMs(timesMs, 99), maxMs: Math.max(...timesMs), cyclesDuring: cycles };
  } finally {
    await runtime.close();
  }
}
