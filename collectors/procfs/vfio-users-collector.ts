import type { CollectorError, MemlockLimit, ProcessReadField, QemuIdentity, VfioProcessSample } from '../../model/host-sample.js';
import type { Clock } from '../clock.js';
import type { CollectContext, Collector, HostSampleDraft } from '../collector.js';
import { procPath } from '../host-paths.js';
import { HostFileError, malformedFileError, toCollectorError } from '../host-file-error.js';
import { maxStartTimeTicks } from '../kernel-range.js';
import { HOST_FILE_READ_CAP_BYTES, listHostDir, SmallHostFileReader } from '../read-host-file.js';
import { isQemuProcess } from '../qemu/is-qemu-process.js';
import { parseQemuCommandLine } from '../qemu/parse-qemu-command-line.js';
import { iommuGroupsOf, vfioBackendOf } from './parse-vfio-fd-target.js';
import { parseProcStatus, type ProcStatus, type SalvagedProcStatus, salvageProcStatus } from './parse-proc-status.js';
import type { ProcStat, ProcStatBounds } from './parse-proc-stat.js';
import { fdsToReread, isSameProcess, type KnownVfioUser, KnownVfioUsers } from './known-vfio-users.js';
import {
  listProcessFds,
  readProcCmdline,
  readProcMemlockLimit,
  readProcStat,
  readVfioHandlesAt,
} from './read-vfio-process.js';
import { type FdScanReason, VfioUserDiscovery } from './vfio-user-discovery.js';

export const VFIO_USERS_COLLECTOR_NAME = 'vfio_users';
export const DEFAULT_FULL_SCAN_INTERVAL_MS = 300_000;
/** 4 cycles: at the default 15 s interval a process that starts charging is read within 60 s. */
export const DEFAULT_STATUS_REREAD_CYCLES = 4;

export interface VfioUsersCollectorOptions {
  /** Time between fd sweeps of every process (the first cycle is always one). */
  fullScanIntervalMs: number;
  /** A known non-VFIO process has its status read once every this many cycles (default 4). */
  statusRereadCycles?: number;
}

/** What the last collect() did, for tests and the benchmark. */
export interface VfioUsersScanStats {
  fullSweep: boolean;
  /** pid -> why its fds were read this cycle. */
  fdScans: Map<number, FdScanReason>;
  /** readlinks of fd entries this cycle (all fds of new candidates, only the VFIO fds of unchanged VFIO users). */
  fdLinksRead: number;
  /** /proc/PID/status files read this cycle (all on a full sweep; VMs, new pids and one slice otherwise). */
  statusReads: number;
}

/**
 * Finds the processes that hold VFIO handles and reads what the kernel
 * charged them: VmLck/VmPin, RLIMIT_MEMLOCK, CAP_IPC_LOCK, start time, argv
 * and, for QEMU, the guest identity. See collectors/README.md for the
 * discovery strategy and its blind spots.
 *
 * A process that goes away mid-read (status or fd directory gone) is dropped
 * for this cycle (reason 'vanished'). A VFIO user with an unreadable or
 * malformed status, stat, limits or cmdline stays listed: the failed values
 * keep their last good value (staleFields) or a placeholder (unknownFields;
 * an unknown limit is never published as unlimited), and the errors go with
 * it (readErrors). A QEMU command line option that does not parse is
 * reported 'malformed' but the process is kept with the rest of its identity.
 */
export class VfioUsersCollector implements Collector {
  readonly name = VFIO_USERS_COLLECTOR_NAME;
  private readonly discovery: VfioUserDiscovery;
  private readonly knownVfioUsers = new KnownVfioUsers();
  private readonly fileReader = new SmallHostFileReader();
  private lastStats: VfioUsersScanStats = { fullSweep: false, fdScans: new Map(), fdLinksRead: 0, statusReads: 0 };

  constructor(
    private readonly clock: Clock,
    options: VfioUsersCollectorOptions,
  ) {
    this.discovery = new VfioUserDiscovery(options.fullScanIntervalMs, options.statusRereadCycles ?? DEFAULT_STATUS_REREAD_CYCLES);
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
    const scan: CycleScan = {
      fullSweep,
      fdLinksRead: 0,
      knownNext: new Map(),
      statBounds: { maxStartTimeTicks: maxStartTimeTicks(draft.uptimeSeconds, draft.clockTicksPerSecond) },
    };
    // Every VmLck of this cycle is read within this window: the analysis orders it against eBPF prints.
    const readStartMs = this.clock.monotonicMs();
    let statusReads = 0;
    for (const pid of pids) {
      if (!this.discovery.readsStatus(pid)) continue;
      statusReads += 1;
      const pidDir = procPath(ctx.paths, String(pid));
      const read = new ProcessRead(this.name);
      let status: ProcStatus | null;
      try {
        status = this.readStatus(pidDir, read);
      } catch (error) {
        // vanished, permission, io: nothing of the process can be trusted this cycle.
        report(`${pidDir}/status`, error);
        continue;
      }
      if (status === null) {
        // Not even a name (no Name: line, no known comm): reported, not listed.
        for (const error of read.errors) ctx.errors.report(error);
        continue;
      }
      const reason = this.discovery.fdScanReason(pid, status);
      if (reason === null) {
        for (const error of read.errors) ctx.errors.report(error);
        continue;
      }
      fdScans.set(pid, reason);
      try {
        const sample = this.readVfioUser(pidDir, pid, status, scan, read, (problem) =>
          ctx.errors.report({
            collector: this.name,
            reason: 'malformed',
            path: `${pidDir}/cmdline`,
            message: `${pidDir}/cmdline: ${problem}`,
          }),
        );
        for (const error of read.errors) ctx.errors.report(error);
        if (sample) processes.push(sample);
      } catch (error) {
        for (const earlier of read.errors) ctx.errors.report(earlier);
        report(pidDir, error);
      }
    }

    this.discovery.endCycle(nowMs, new Set(pids), new Set(processes.map((p) => p.pid)));
    this.knownVfioUsers.replaceWith(scan.knownNext);
    this.lastStats = { fullSweep, fdScans, fdLinksRead: scan.fdLinksRead, statusReads };
    draft.processes = processes;
    draft.processesReadMonotonicMs = processes.length > 0 ? { startMs: readStartMs, endMs: this.clock.monotonicMs() } : null;
    draft.processesScanned = pids.length;
  }

  /**
   * status, strictly parsed; a malformed one is salvaged: the lines that
   * parse are used, the others reported (read.errors) and their fields taken
   * from the last good read (stale) by readVfioUser. null when not even the
   * name can be told. Throws for vanished / permission / io.
   */
  private readStatus(pidDir: string, read: ProcessRead): ProcStatus | null {
    const file = `${pidDir}/status`;
    const { text, truncated } = this.fileReader.readCapped(file, HOST_FILE_READ_CAP_BYTES.status);
    try {
      return parseProcStatus(text, file);
    } catch (error) {
      if (!(error instanceof HostFileError) || error.reason !== 'malformed') throw error;
    }
    const { fields, problems } = salvageProcStatus(text, file);
    read.salvagedStatus = fields;
    for (const problem of problems) read.fail(problem);
    if (truncated) read.fail(malformedFileError(file, `longer than ${HOST_FILE_READ_CAP_BYTES.status} bytes; read up to that`));
    const pid = Number(pidDir.slice(pidDir.lastIndexOf('/') + 1));
    const name = fields.name ?? this.knownVfioUsers.get(pid)?.comm ?? null;
    if (name === null) return null;
    return {
      name,
      realUid: fields.realUid ?? 0,
      // A status that failed to parse is no proof the process has no mm: 0,
      // not null, keeps it a candidate (the real values come from the last good read).
      lockedBytes: fields.lockedBytes ?? 0,
      pinnedBytes: fields.pinnedBytes ?? 0,
      residentBytes: fields.residentBytes ?? 0,
      hasCapIpcLock: fields.hasCapIpcLock ?? false,
    };
  }

  /**
   * null when the process holds no VFIO handle. Throws HostFileError when the
   * process cannot be listed at all (its fd directory is gone or refused, or
   * its start time was never read).
   * A VFIO user already known from last cycle as the same process (see
   * known-vfio-users.ts) between full sweeps: its argv and QEMU identity are
   * reused and only its VFIO fds are read again when its fd numbers did not
   * change. status, stat and limits are read every cycle: VmLck/VmPin move
   * with every DMA map and prlimit(2) can change RLIMIT_MEMLOCK at any time.
   * A file that fails once the process is known to hold VFIO handles leaves
   * it listed: the field keeps its last good value (stale) or a placeholder
   * (unknown), and the error goes with the process.
   */
  private readVfioUser(
    pidDir: string,
    pid: number,
    status: ProcStatus,
    scan: CycleScan,
    read: ProcessRead,
    reportProblem: (problem: string) => void,
  ): VfioProcessSample | null {
    const previous = this.knownVfioUsers.get(pid);
    const known = scan.fullSweep ? undefined : previous;
    let stat: ProcStat | null = null;
    let statError: unknown = null;
    const readStat = (): ProcStat | null => {
      try {
        return readProcStat(this.fileReader, pidDir, scan.statBounds);
      } catch (error) {
        statError = error;
        return null;
      }
    };
    let same: KnownVfioUser | null = null;
    if (known && known.comm === status.name) {
      stat = readStat();
      if (isSameProcess(known, stat?.startTimeTicks ?? known.startTimeTicks, status.name)) same = known;
    }
    const openFds = listProcessFds(pidDir);
    const fdsToRead = same ? fdsToReread(same, openFds) : openFds;
    scan.fdLinksRead += fdsToRead.length;
    const vfioHandles = readVfioHandlesAt(pidDir, fdsToRead);
    if (vfioHandles.length === 0) return null;
    if (stat === null && statError === null) stat = readStat();

    // The last good read of this very process (same pid, start time and comm), full sweep or not.
    const last = previous && previous.comm === status.name && (stat === null || stat.startTimeTicks === previous.startTimeTicks) ? previous : undefined;
    let startTimeTicks: number;
    if (stat) startTimeTicks = stat.startTimeTicks;
    else if (last) {
      read.fail(statError);
      read.stale('startTimeTicks');
      startTimeTicks = last.startTimeTicks;
    } else {
      // No start time, no identity (pid, start time): reported, not listed this cycle.
      throw statError;
    }

    let memlockLimit: MemlockLimit;
    try {
      memlockLimit = readProcMemlockLimit(this.fileReader, pidDir);
    } catch (error) {
      read.fail(error);
      memlockLimit = read.carry('memlockLimit', last, (s) => s.memlockLimit, { softBytes: null, hardBytes: null });
    }

    let cmdline: string[];
    let qemu: QemuIdentity | null;
    let cmdlineProblems: string[];
    let cmdlineComplete: boolean;
    if (same && same.cmdlineComplete) {
      ({ cmdline, qemu } = same);
      cmdlineProblems = [...same.cmdlineProblems];
      cmdlineComplete = true;
    } else {
      cmdlineProblems = [];
      try {
        cmdline = readProcCmdline(pidDir);
        // A blank argv (a task between fork and execve, or past exit_mm()) names nothing: read it again next cycle.
        cmdlineComplete = cmdline.length > 0;
        qemu = isQemuProcess(cmdline, status.name) ? parseQemuCommandLine(cmdline, cmdlineProblems) : null;
      } catch (error) {
        read.fail(error);
        cmdlineComplete = false;
        if (last && last.cmdlineComplete) {
          read.stale('cmdline');
          ({ cmdline, qemu } = last);
          cmdlineProblems = [...last.cmdlineProblems];
        } else {
          read.unknown('cmdline');
          cmdline = [];
          qemu = null;
        }
      }
    }
    for (const problem of cmdlineProblems) reportProblem(problem);

    const salvaged = read.salvagedStatus;
    const fromStatus = <K extends 'uid' | 'lockedBytes' | 'pinnedBytes' | 'residentBytes' | 'hasCapIpcLock'>(
      field: K,
      value: VfioProcessSample[K] | null | undefined,
      fresh: VfioProcessSample[K],
      placeholder: VfioProcessSample[K],
    ): VfioProcessSample[K] => {
      if (!salvaged) return fresh;
      if (value !== null && value !== undefined) return value;
      return read.carry(field, last, (s) => s[field], placeholder);
    };
    const sample: VfioProcessSample = {
      pid,
      startTimeTicks,
      comm: status.name,
      uid: fromStatus('uid', salvaged?.realUid, status.realUid, 0),
      // A process holding VFIO fds always has an mm; a missing Vm* line here
      // (it exited between reads and became a zombie) reads as 0.
      lockedBytes: fromStatus('lockedBytes', salvaged?.lockedBytes, status.lockedBytes ?? 0, 0),
      pinnedBytes: fromStatus('pinnedBytes', salvaged?.pinnedBytes, status.pinnedBytes ?? 0, 0),
      residentBytes: fromStatus('residentBytes', salvaged?.residentBytes, status.residentBytes ?? 0, 0),
      hasCapIpcLock: fromStatus('hasCapIpcLock', salvaged?.hasCapIpcLock, status.hasCapIpcLock, false),
      memlockLimit,
      handles: vfioHandles.map((h) => h.handle),
      iommuGroups: [],
      backend: 'unknown',
      cmdline,
      qemu,
    };
    sample.iommuGroups = iommuGroupsOf(sample.handles);
    sample.backend = vfioBackendOf(sample.handles);
    if (read.errors.length > 0) sample.readErrors = [...read.errors];
    if (read.staleFields.length > 0) sample.staleFields = [...read.staleFields];
    if (read.unknownFields.length > 0) sample.unknownFields = [...read.unknownFields];

    scan.knownNext.set(pid, {
      startTimeTicks,
      comm: status.name,
      openFds,
      vfioHandles,
      cmdline,
      qemu,
      cmdlineProblems,
      cmdlineComplete,
      lastSample: sample,
    });
    return sample;
  }
}

/**
 * What went wrong reading one process this cycle: its errors (reported to
 * the sink and kept on the sample) and which fields are stale or unknown.
 */
class ProcessRead {
  readonly errors: CollectorError[] = [];
  readonly staleFields: ProcessReadField[] = [];
  readonly unknownFields: ProcessReadField[] = [];
  /** Set when status failed to parse and was salvaged line by line. */
  salvagedStatus: SalvagedProcStatus | null = null;

  constructor(private readonly collector: string) {}

  fail(error: unknown): void {
    this.errors.push(toCollectorError(this.collector, 'unknown', error));
  }

  stale(field: ProcessReadField): void {
    this.staleFields.push(field);
  }

  unknown(field: ProcessReadField): void {
    this.unknownFields.push(field);
  }

  /** The last good value of a field (stale), or the placeholder (unknown) when there never was one. */
  carry<T>(field: ProcessReadField, last: KnownVfioUser | undefined, pick: (sample: VfioProcessSample) => T, placeholder: T): T {
    if (last && !last.lastSample.unknownFields?.includes(field)) {
      this.stale(field);
      return pick(last.lastSample);
    }
    this.unknown(field);
    return placeholder;
  }
}

/** One cycle's running state of the fd scan. */
interface CycleScan {
  fullSweep: boolean;
  fdLinksRead: number;
  /** This cycle's VFIO users, remembered for the next cycle. */
  knownNext: Map<number, KnownVfioUser>;
  /** The host's uptime in ticks: no start time can be later. */
  statBounds: ProcStatBounds;
}

/** Read the options a registry entry passes; throws on a nonsensical interval (a config error). */
export function vfioUsersOptionsFrom(options: { readonly [option: string]: unknown }): VfioUsersCollectorOptions {
  const value = options['fullScanIntervalMs'] ?? DEFAULT_FULL_SCAN_INTERVAL_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`vfio_users: fullScanIntervalMs must be a non-negative number of milliseconds, got ${JSON.stringify(value)}`);
  }
  const cycles = options['statusRereadCycles'] ?? DEFAULT_STATUS_REREAD_CYCLES;
  if (typeof cycles !== 'number' || !Number.isInteger(cycles) || cycles < 1) {
    throw new Error(`vfio_users: statusRereadCycles must be a whole number >= 1, got ${JSON.stringify(cycles)}`);
  }
  return { fullScanIntervalMs: value, statusRereadCycles: cycles };
}

