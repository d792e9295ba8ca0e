import type { VfioProcessSample } from '../../model/host-sample.js';
import type { Clock } from '../clock.js';
import type { CollectContext, Collector, HostSampleDraft } from '../collector.js';
import { type HostPaths, procPath } from '../host-paths.js';
import { toCollectorError } from '../host-file-error.js';
import { listHostDir } from '../read-host-file.js';
import { isQemuProcess } from '../qemu/is-qemu-process.js';
import { parseQemuCommandLine } from '../qemu/parse-qemu-command-line.js';
import { iommuGroupsOf, vfioBackendOf } from './parse-vfio-fd-target.js';
import type { ProcStatus } from './parse-proc-status.js';
import {
  readProcCmdline,
  readProcMemlockLimit,
  readProcStat,
  readProcStatus,
  readVfioHandles,
} from './read-vfio-process.js';
import { type FdScanReason, VfioUserDiscovery } from './vfio-user-discovery.js';

export const VFIO_USERS_COLLECTOR_NAME = 'vfio_users';
export const DEFAULT_FULL_SCAN_INTERVAL_MS = 300_000;

export interface VfioUsersCollectorOptions {
  /** Time between fd sweeps of every process (the first cycle is always one). */
  fullScanIntervalMs: number;
}

/** What the last collect() did, for tests and the benchmark. */
export interface VfioUsersScanStats {
  fullSweep: boolean;
  /** pid -> why its fds were read this cycle. */
  fdScans: Map<number, FdScanReason>;
}

/**
 * Finds the processes that hold VFIO handles and reads what the kernel
 * charged them: VmLck/VmPin, RLIMIT_MEMLOCK, CAP_IPC_LOCK, start time, argv
 * and, for QEMU, the guest identity. See collectors/README.md for the
 * discovery strategy and its blind spots.
 *
 * A process that goes away mid-read is dropped for this cycle (reason
 * 'vanished'). A process with a malformed status, stat or limits file is
 * skipped for this cycle (reason 'malformed'): publishing it with a guessed
 * limit (null would read as "unlimited") would be worse than a one-cycle gap.
 * A QEMU command line option that does not parse is reported 'malformed' but
 * the process is kept with the rest of its identity.
 */
export class VfioUsersCollector implements Collector {
  readonly name = VFIO_USERS_COLLECTOR_NAME;
  private readonly discovery: VfioUserDiscovery;
  private lastStats: VfioUsersScanStats = { fullSweep: false, fdScans: new Map() };

  constructor(
    private readonly clock: Clock,
    options: VfioUsersCollectorOptions,
  ) {
    this.discovery = new VfioUserDiscovery(options.fullScanIntervalMs);
  }

  get lastScan(): VfioUsersScanStats {
    return this.lastStats;
  }

  collect(ctx: CollectContext, draft: HostSampleDraft): void {
    const report = (fallbackPath: string, error: unknown) =>
      ctx.errors.report(toCollectorError(this.name, fallbackPath, error));
    const nowMs = this.clock.nowMs();
    const fullSweep = this.discovery.beginCycle(nowMs);
    // Listing procfs itself failing is a collector failure: let it throw.
    const pids = listHostDir(procPath(ctx.paths)).filter((entry) => /^\d+$/.test(entry)).map(Number);
    // Sorted so a cycle's processes and errors come out in a stable order.
    pids.sort((a, b) => a - b);

    const fdScans = new Map<number, FdScanReason>();
    const processes: VfioProcessSample[] = [];
    for (const pid of pids) {
      let status: ProcStatus;
      try {
        status = readProcStatus(ctx.paths, pid);
      } catch (error) {
        report(procPath(ctx.paths, String(pid), 'status'), error);
        continue;
      }
      const reason = this.discovery.fdScanReason(pid, status);
      if (reason === null) continue;
      fdScans.set(pid, reason);
      try {
        const sample = this.readVfioUser(ctx.paths, pid, status, (problem) =>
          ctx.errors.report({
            collector: this.name,
            reason: 'malformed',
            path: procPath(ctx.paths, String(pid), 'cmdline'),
            message: `${procPath(ctx.paths, String(pid), 'cmdline')}: ${problem}`,
          }),
        );
        if (sample) processes.push(sample);
      } catch (error) {
        report(procPath(ctx.paths, String(pid)), error);
      }
    }

    this.discovery.endCycle(nowMs, new Set(pids), new Set(processes.map((p) => p.pid)));
    this.lastStats = { fullSweep, fdScans };
    draft.processes = processes;
    draft.processesScanned = pids.length;
  }

  /** null when the process holds no VFIO handle. Throws HostFileError on unreadable files. */
  private readVfioUser(
    paths: HostPaths,
    pid: number,
    status: ProcStatus,
    reportProblem: (problem: string) => void,
  ): VfioProcessSample | null {
    const handles = readVfioHandles(paths, pid);
    if (handles.length === 0) return null;
    const stat = readProcStat(paths, pid);
    const memlockLimit = readProcMemlockLimit(paths, pid);
    const cmdline = readProcCmdline(paths, pid);
    const problems: string[] = [];
    const qemu = isQemuProcess(cmdline, status.name) ? parseQemuCommandLine(cmdline, problems) : null;
    for (const problem of problems) reportProblem(problem);
    return {
      pid,
      startTimeTicks: stat.startTimeTicks,
      comm: status.name,
      uid: status.realUid,
      // A process holding VFIO fds always has an mm; a missing Vm* line here
      // (it exited between reads and became a zombie) reads as 0.
      lockedBytes: status.lockedBytes ?? 0,
      pinnedBytes: status.pinnedBytes ?? 0,
      residentBytes: status.residentBytes ?? 0,
      hasCapIpcLock: status.hasCapIpcLock,
      memlockLimit,
      handles,
      iommuGroups: iommuGroupsOf(handles),
      backend: vfioBackendOf(handles),
      cmdline,
      qemu,
    };
  }
}

/** Read the options a registry entry passes; throws on a nonsensical interval (a config error). */
export function vfioUsersOptionsFrom(options: { readonly [option: string]: unknown }): VfioUsersCollectorOptions {
  const value = options['fullScanIntervalMs'] ?? DEFAULT_FULL_SCAN_INTERVAL_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`vfio_users: fullScanIntervalMs must be a non-negative number of milliseconds, got ${JSON.stringify(value)}`);
  }
  return { fullScanIntervalMs: value };
}

