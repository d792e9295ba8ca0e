import type { CollectorError, HostSample } from '../model/host-sample.js';
import type { HostPaths } from './host-paths.js';

/** Where collectors report what they could not read. Never throws. */
export interface CollectorErrorSink {
  report(error: CollectorError): void;
}

export interface CollectContext {
  paths: HostPaths;
  nowMs: number;
  errors: CollectorErrorSink;
}

/** The part of a HostSample collectors fill in (the cycle runner sets the rest). */
export type HostSampleDraft = Omit<HostSample, 'runs' | 'errors' | 'takenAtMs'>;

/**
 * One collector reads one thing (procfs VFIO users, sysfs, meminfo, eBPF,
 * kernel log) and writes its part of the draft. A collector that throws
 * fails only itself: the cycle runner records success=0 for it and goes on
 * (node_exporter's rule: one failing collector never fails the scrape).
 * "Not present on this host" is not an error: leave the field null.
 */
export interface Collector {
  readonly name: string;
  collect(ctx: CollectContext, draft: HostSampleDraft): void | Promise<void>;
  /** Long-lived collectors (eBPF runner, kmsg follower) release resources here. */
  close?(): void | Promise<void>;
}

export function emptyDraft(): HostSampleDraft {
  return {
    bootId: 'unknown',
    clockTicksPerSecond: 100,
    uptimeSeconds: null,
    kernelRelease: null,
    processes: [],
    processesReadMonotonicMs: null,
    sysfs: null,
    meminfo: null,
    processesScanned: 0,
    ebpf: null,
    kernelLogEvents: [],
  };
}
