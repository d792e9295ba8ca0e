/**
 * pinwatch's own process and Node.js runtime figures, for the process_* and
 * nodejs_* families (names as prom-client's collectDefaultMetrics gives them,
 * so existing dashboards work). They are read at scrape time, from memory and
 * from /proc/self of pinwatch's own process: not through --path.procfs, which
 * names the host tree to observe (a mounted host /proc or a fixture).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface RuntimeStats {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  startTimeSeconds: number;
  residentMemoryBytes: number;
  /** VmSize of /proc/self/status; null where it cannot be read. */
  virtualMemoryBytes: number | null;
  /** Entries of /proc/self/fd; null where it cannot be read. */
  openFds: number | null;
  /** Soft "Max open files" of /proc/self/limits; null when unlimited or unreadable. */
  maxFds: number | null;
  heapTotalBytes: number;
  heapUsedBytes: number;
  externalMemoryBytes: number;
  /** Event-loop delay since the previous read (monitorEventLoopDelay); null before any sample. */
  eventLoopLag: { meanSeconds: number; maxSeconds: number; p99Seconds: number } | null;
}

export type RuntimeStatsGetter = () => RuntimeStats;

/** "VmSize:  123456 kB" -> bytes; null when the field is absent. */
export function parseStatusKilobytes(status: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : null;
}

/** The soft limit of "Max open files" in /proc/PID/limits (fs/proc/base.c proc_pid_limits); null when unlimited. */
export function parseMaxOpenFiles(limits: string): number | null {
  const match = /^Max open files\s+(\S+)\s+\S+\s+files\s*$/m.exec(limits);
  if (!match || match[1] === 'unlimited') return null;
  return Number(match[1]);
}

function readOrNull<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** How often the event-loop histogram is read and reset at most: one window per scrape. */
const LAG_WINDOW_MIN_MS = 1000;

/**
 * The live figures of this process. `procSelf` is the directory of pinwatch's own
 * /proc entry (/proc/self by default; tests point it at a fixture).
 */
export function createRuntimeStatsGetter(options: { procSelf?: string; nowMs?: () => number } = {}): RuntimeStatsGetter {
  const procSelf = options.procSelf ?? '/proc/self';
  const nowMs = options.nowMs ?? Date.now;
  // performance.timeOrigin is when this process started, in ms since the epoch.
  const startTimeSeconds = Math.round(performance.timeOrigin) / 1000;
  let histogram: IntervalHistogram | null = null;
  let lastLag: RuntimeStats['eventLoopLag'] = null;
  let lastLagReadMs = -Infinity;

  const eventLoopLag = (): RuntimeStats['eventLoopLag'] => {
    if (histogram === null) {
      // Started on first use: a module import alone leaves no timer running.
      histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      return null;
    }
    const now = nowMs();
    if (now - lastLagReadMs >= LAG_WINDOW_MIN_MS && histogram.count > 0) {
      lastLag = { meanSeconds: histogram.mean / 1e9, maxSeconds: histogram.max / 1e9, p99Seconds: histogram.percentile(99) / 1e9 };
      histogram.reset();
      lastLagReadMs = now;
    }
    return lastLag;
  };

  return () => {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const status = readOrNull(() => readFileSync(path.join(procSelf, 'status'), 'utf8'));
    return {
      cpuUserSeconds: cpu.user / 1e6,
      cpuSystemSeconds: cpu.system / 1e6,
      startTimeSeconds,
      residentMemoryBytes: memory.rss,
      virtualMemoryBytes: status === null ? null : parseStatusKilobytes(status, 'VmSize'),
      openFds: readOrNull(() => readdirSync(path.join(procSelf, 'fd')).length),
      maxFds: readOrNull(() => parseMaxOpenFiles(readFileSync(path.join(procSelf, 'limits'), 'utf8'))),
      heapTotalBytes: memory.heapTotal,
      heapUsedBytes: memory.heapUsed,
      externalMemoryBytes: memory.external,
      eventLoopLag: eventLoopLag(),
    };
  };
}
