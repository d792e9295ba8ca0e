import type { CollectorError } from '../model/host-sample.js';
import type { CollectContext, Collector, HostSampleDraft } from './collector.js';
import type { HostPaths } from './host-paths.js';

/** The draft fields one collector fills, as it comes back from the collection thread. */
export type DraftPart = Partial<HostSampleDraft>;

export interface OffThreadCollectRequest {
  collector: string;
  paths: HostPaths;
  /** The cycle's wall-clock time: the thread's collectors read their clock's nowMs() as this (full-sweep schedule). */
  nowMs: number;
  /** The scalar fields earlier collectors filled (vfio_users bounds start times by the uptime the host collector read). */
  before: DraftScalars;
}

/** The scalar draft fields a later collector may read; sent along instead of the whole draft (no 1 MB clone per call). */
export type DraftScalars = Pick<HostSampleDraft, 'bootId' | 'clockTicksPerSecond' | 'uptimeSeconds' | 'kernelRelease'>;

export function draftScalars(draft: HostSampleDraft): DraftScalars {
  return {
    bootId: draft.bootId,
    clockTicksPerSecond: draft.clockTicksPerSecond,
    uptimeSeconds: draft.uptimeSeconds,
    kernelRelease: draft.kernelRelease,
  };
}

export interface OffThreadCollectReply {
  part: DraftPart;
  errors: CollectorError[];
  /** The collector threw (or rejected) with this message: it failed, as it would have in-thread. */
  failure?: string;
}

/**
 * Runs registered collectors on another thread (daemon/collection-worker.ts):
 * collect() resolves with the fields the collector filled, the errors it
 * reported and, when it threw, its message; it rejects only when the thread
 * itself is lost.
 */
export interface OffThreadCollection {
  collect(request: OffThreadCollectRequest, fills: readonly (keyof HostSampleDraft)[]): Promise<OffThreadCollectReply>;
}

/**
 * The main thread's stand-in for a collector that runs on the collection
 * thread: same name, same place in the run order, same error reporting; the
 * reading (thousands of /proc files) blocks that thread, never the one
 * serving HTTP. Only the fields named in `fills` are copied into the draft.
 */
export class OffThreadCollector implements Collector {
  constructor(
    readonly name: string,
    private readonly fills: readonly (keyof HostSampleDraft)[],
    private readonly thread: OffThreadCollection,
  ) {}

  async collect(ctx: CollectContext, draft: HostSampleDraft): Promise<void> {
    const reply = await this.thread.collect({ collector: this.name, paths: ctx.paths, nowMs: ctx.nowMs, before: draftScalars(draft) }, this.fills);
    for (const error of reply.errors) ctx.errors.report(error);
    if (reply.failure !== undefined) throw new Error(reply.failure);
    Object.assign(draft, reply.part);
  }
}
