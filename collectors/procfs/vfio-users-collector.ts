import type { QemuIdentity, VfioProcessSample } from '../../model/host-sample.js';
import type { Clock } from '../clock.js';
import type { CollectContext, Collector, HostSampleDraft } from '../collector.js';
import { procPath } from '../host-paths.js';
import { toCollectorError } from '../host-file-error.js';
import { listHostDir, SmallHostFileReader } from '../read-host-file.js';
import { isQemuProcess } from '../qemu/is-qemu-process.js';
import { parseQemuCommandLine } from '../qemu/parse-qemu-command-line.js';
import { iommuGroupsOf, vfioBackendOf } from './parse-vfio-fd-target.js';
import type { ProcStatus } from './parse-proc-status.js';
import type { ProcStat } from './parse-proc-stat.js';
import { fdsToReread, isSameProcess, type KnownVfioUser, KnownVfioUsers } from './known-vfio-users.js';
import {
  listProcessFds,
  readProcCmdline,
  readProcMemlockLimit,
  readProcStat,
  readProcStatus,
  readVfioHandlesAt,
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
  /** readlinks of fd entries this cycle (all fds of new candidates, only the VFIO fds of unchanged VFIO users). */
  fdLinksRead: number;
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
  private readonly knownVfioUsers = new KnownVfioUsers();
  private readonly fileReader = new SmallHostFileReader();
  private lastStats: VfioUsersScanStats = { fullSweep: false, fdScans: new Map(), fdLinksRead: 0 };

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
    const scan: CycleScan = { fullSweep, fdLinksRead: 0, knownNext: new Map() };
    // Every VmLck of this cycle is read within this window: the analysis orders it against eBPF prints.
    const readStartMs = this.clock.monotonicMs();
    for (const pid of pids) {
      const pidDir = procPath(ctx.paths, String(pid));
      let status: ProcStatus;
      try {
        status = readProcStatus(this.fileReader, pidDir);
      } catch (error) {
        report(`${pidDir}/status`, error);
        continue;
      }
      const reason = this.discovery.fdScanReason(pid, status);
      if (reason === null) continue;
      fdScans.set(pid, reason);
      try {
        const sample = this.readVfioUser(pidDir, pid, status, scan, (problem) =>
          ctx.errors.report({
            collector: this.name,
            reason: 'malformed',
            path: `${pidDir}/cmdline`,
            message: `${pidDir}/cmdline: ${problem}`,
          }),
        );
        if (sample) processes.push(sample);
      } catch (error) {
        report(pidDir, error);
      }
    }

    this.discovery.endCycle(nowMs, new Set(pids), new Set(processes.map((p) => p.pid)));
    this.knownVfioUsers.replaceWith(scan.knownNext);
    this.lastStats = { fullSweep, fdScans, fdLinksRead: scan.fdLinksRead };
    draft.processes = processes;
    draft.processesReadMonotonicMs = processes.length > 0 ? { startMs: readStartMs, endMs: this.clock.monotonicMs() } : null;
    draft.processesScanned = pids.length;
  }

  /**
   * null when the process holds no VFIO handle. Throws HostFileError on unreadable files.
   * A VFIO user already known from last cycle as the same process (see
   * known-vfio-users.ts) between full sweeps: its argv and QEMU identity are
   * reused and only its VFIO fds are read again when its fd numbers did not
   * change. status, stat and limits are read every cycle: VmLck/VmPin move
   * with every DMA map and prlimit(2) can change RLIMIT_MEMLOCK at any time.
   */
  private readVfioUser(
    pidDir: string,
    pid: number,
    status: ProcStatus,
    scan: CycleScan,
    reportProblem: (problem: string) => void,
  ): VfioProcessSample | null {
    const known = scan.fullSweep ? undefined : this.knownVfioUsers.get(pid);
    let stat: ProcStat | null = null;
    let same: KnownVfioUser | null = null;
    if (known && known.comm === status.name) {
      stat = readProcStat(this.fileReader, pidDir);
      if (isSameProcess(known, stat.startTimeTicks, status.name)) same = known;
    }
    const openFds = listProcessFds(pidDir);
    const fdsToRead = same ? fdsToReread(same, openFds) : openFds;
    scan.fdLinksRead += fdsToRead.length;
    const vfioHandles = readVfioHandlesAt(pidDir, fdsToRead);
    if (vfioHandles.length === 0) return null;
    stat ??= readProcStat(this.fileReader, pidDir);
    const memlockLimit = readProcMemlockLimit(this.fileReader, pidDir);

    let cmdline: string[];
    let qemu: QemuIdentity | null;
    let cmdlineProblems: string[];
    if (same) {
      ({ cmdline, qemu } = same);
      cmdlineProblems = [...same.cmdlineProblems];
    } else {
      cmdline = readProcCmdline(pidDir);
      cmdlineProblems = [];
      qemu = isQemuProcess(cmdline, status.name) ? parseQemuCommandLine(cmdline, cmdlineProblems) : null;
    }
    for (const problem of cmdlineProblems) reportProblem(problem);
    scan.knownNext.set(pid, {
      startTimeTicks: stat.startTimeTicks,
      comm: status.name,
      openFds,
      vfioHandles,
      cmdline,
      qemu,
      cmdlineProblems,
    });

    const handles = vfioHandles.map((h) => h.handle);
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

/** One cycle's running state of the fd scan. */
interface CycleScan {
  fullSweep: boolean;
  fdLinksRead: number;
  /** This cycle's VFIO users, remembered for the next cycle. */
  knownNext: Map<number, KnownVfioUser>;
}

/** Read the options a registry entry passes; throws on a nonsensical interval (a config error). */
export function vfioUsersOptionsFrom(options: { readonly [option: string]: unknown }): VfioUsersCollectorOptions {
  const value = options['fullScanIntervalMs'] ?? DEFAULT_FULL_SCAN_INTERVAL_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`vfio_users: fullScanIntervalMs must be a non-negative number of milliseconds, got ${JSON.stringify(value)}`);
  }
  return { fullScanIntervalMs: value };
}

