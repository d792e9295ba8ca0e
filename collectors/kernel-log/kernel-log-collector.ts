/**
 * The `kernel_log` collector: VFIO records of the kernel log since the previous
 * cycle as HostSample.kernelLogEvents ("RLIMIT_MEMLOCK exceeded" from type1, the
 * iommufd compat notice). Attribution to a VM happens in the attribution step
 * (daemon/cycle-attribution.ts), which sees the processes.
 */
import type { KernelLogEvent } from '../../model/host-sample.js';
import type { Logger } from '../../model/logger.js';
import { hostFileErrorFromFs, toCollectorError } from '../host-file-error.js';
import type { CollectContext, Collector, HostSampleDraft } from '../collector.js';
import { procPath, type HostPaths } from '../host-paths.js';
import { readHostText } from '../read-host-file.js';
import { KmsgFollower, type DrainedRecords } from './kmsg-follower.js';
import { recogniseKernelMessage } from './parse-kmsg.js';

export const KERNEL_LOG_COLLECTOR_NAME = 'kernel_log';

export interface KernelLogCollectorDeps {
  paths: HostPaths;
  logger: Logger;
  nowMs(): number;
}

export interface KernelLogStats {
  recordsRead: number;
  malformedRecords: number;
  overruns: number;
}

export class KernelLogCollector implements Collector {
  readonly name = KERNEL_LOG_COLLECTOR_NAME;
  private readonly follower: KmsgFollower;
  private started = false;
  /** Highest kmsg sequence seen: a re-open after an error re-reads the ring buffer; skip what we had. */
  private lastSequence = -1;
  private readonly statsValue: KernelLogStats = { recordsRead: 0, malformedRecords: 0, overruns: 0 };

  constructor(private readonly deps: KernelLogCollectorDeps) {
    this.follower = new KmsgFollower(deps.paths);
  }

  stats(): KernelLogStats {
    return { ...this.statsValue };
  }

  collect(ctx: CollectContext, draft: HostSampleDraft): void {
    let drained: DrainedRecords;
    let beforeStart = false;
    try {
      if (!this.follower.isOpen()) {
        this.follower.open();
        // The first read after opening returns the ring buffer as it was at start-up.
        beforeStart = !this.started;
        this.started = true;
      }
      drained = this.follower.drain();
    } catch (error) {
      this.follower.close();
      ctx.errors.report(toCollectorError(this.name, this.follower.path, hostFileErrorFromFs(this.follower.path, error)));
      return;
    }
    this.statsValue.recordsRead += drained.records.length;
    this.statsValue.malformedRecords += drained.malformed.length;
    this.statsValue.overruns += drained.overruns;
    for (const message of drained.malformed) {
      ctx.errors.report({ collector: this.name, reason: 'malformed', path: this.follower.path, message: `${this.follower.path}: ${message}` });
    }
    if (drained.overruns > 0) this.deps.logger.warn({ overruns: drained.overruns }, 'kernel log: records were overwritten before pinwatch read them');
    const bootMs = this.bootTimeMs(ctx, draft.uptimeSeconds);
    const events: KernelLogEvent[] = [];
    for (const record of drained.records) {
      if (record.sequence <= this.lastSequence) continue;
      this.lastSequence = record.sequence;
      const recognised = recogniseKernelMessage(record.message);
      if (!recognised) continue;
      events.push({
        ...recognised,
        // Whole ms: the store's events.at_ms is an INTEGER column of a STRICT table.
        atMs: Math.round(bootMs === null ? ctx.nowMs : bootMs + record.monotonicUs / 1000),
        monotonicUs: record.monotonicUs,
        sequence: record.sequence,
        beforeStart,
        message: record.message,
      });
    }
    draft.kernelLogEvents = [...draft.kernelLogEvents, ...events];
  }

  /**
   * Wall-clock boot time, to date records: from the uptime the host collector
   * read this cycle (it runs first), else from /proc/uptime; null when unknown.
   */
  private bootTimeMs(ctx: CollectContext, uptimeSeconds: number | null): number | null {
    if (uptimeSeconds !== null) return ctx.nowMs - uptimeSeconds * 1000;
    try {
      const uptime = Number.parseFloat(readHostText(procPath(ctx.paths, 'uptime')).split(/\s+/)[0] ?? '');
      return Number.isFinite(uptime) ? ctx.nowMs - uptime * 1000 : null;
    } catch {
      return null; // the host collector reports /proc/uptime problems
    }
  }

  close(): void {
    this.follower.close();
  }
}

export function createKernelLogCollector(deps: KernelLogCollectorDeps): KernelLogCollector {
  return new KernelLogCollector(deps);
}
