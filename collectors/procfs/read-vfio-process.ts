/**
 * Readers for one process's files under <procfs>/PID. Each returns parsed
 * records or throws a HostFileError (vanished / permission / io / malformed).
 */
import type { MemlockLimit, VfioHandle } from '../../model/host-sample.js';
import { type HostPaths, procPath } from '../host-paths.js';
import { HostFileError } from '../host-file-error.js';
import { HOST_FILE_READ_CAP_BYTES, listHostDir, readHostBytesCapped, readHostLink, type SmallHostFileReader } from '../read-host-file.js';
import { parseProcCmdline } from './parse-proc-cmdline.js';
import { parseProcLimits } from './parse-proc-limits.js';
import { parseProcStat, type ProcStat, type ProcStatBounds } from './parse-proc-stat.js';
import { parseProcStatus, type ProcStatus } from './parse-proc-status.js';
import { parseVfioFdTarget } from './parse-vfio-fd-target.js';

/**
 * The readers take the process's directory (procPath(paths, pid)), joined
 * once per process: path.join per file was ~2% of a steady cycle. status,
 * stat and limits are read every cycle, through the collector's reusable
 * buffer (SmallHostFileReader).
 */
export function readProcStatus(reader: SmallHostFileReader, pidDir: string): ProcStatus {
  const file = `${pidDir}/status`;
  return parseProcStatus(reader.readText(file, HOST_FILE_READ_CAP_BYTES.status), file);
}

export function readProcStat(reader: SmallHostFileReader, pidDir: string, bounds?: ProcStatBounds): ProcStat {
  const file = `${pidDir}/stat`;
  return parseProcStat(reader.readText(file, HOST_FILE_READ_CAP_BYTES.stat), file, bounds);
}

export function readProcMemlockLimit(reader: SmallHostFileReader, pidDir: string): MemlockLimit {
  const file = `${pidDir}/limits`;
  return parseProcLimits(reader.readText(file, HOST_FILE_READ_CAP_BYTES.limits), file);
}

/** argv; a cmdline past its cap keeps the whole arguments before it (the QEMU options that matter come first). */
export function readProcCmdline(pidDir: string): string[] {
  return parseProcCmdline(readHostBytesCapped(`${pidDir}/cmdline`, HOST_FILE_READ_CAP_BYTES.cmdline).bytes);
}

/** One open fd that is a VFIO handle, with its fd number (to re-read just that link later). */
export interface FdVfioHandle {
  fd: string;
  handle: VfioHandle;
}

/**
 * The fd numbers a process has open, in numeric order (so handles come out
 * the same on every filesystem). Listing <procfs>/PID/fd needs ptrace read
 * access (proc_fd_access_allowed): root or CAP_SYS_PTRACE for other users'
 * processes. A vanished fd directory means the process is gone: that throws.
 */
export function listProcessFds(pidDir: string): string[] {
  return listHostDir(`${pidDir}/fd`).sort((a, b) => Number(a) - Number(b));
}

/**
 * readlink the given fds and keep the VFIO handles among them. An fd that
 * closes between the listing and its readlink (ENOENT) is simply not open
 * any more: skipped, not an error.
 */
export function readVfioHandlesAt(pidDir: string, fds: readonly string[]): FdVfioHandle[] {
  const fdDir = `${pidDir}/fd`;
  const handles: FdVfioHandle[] = [];
  for (const fd of fds) {
    let target: string;
    try {
      target = readHostLink(`${fdDir}/${fd}`);
    } catch (error) {
      if (error instanceof HostFileError && error.reason === 'vanished') continue;
      throw error;
    }
    const handle = parseVfioFdTarget(target);
    if (handle) handles.push({ fd, handle });
  }
  return handles;
}

/** The VFIO handles among all of a process's open fds (one readlink per fd). */
export function readVfioHandles(paths: HostPaths, pid: number): VfioHandle[] {
  const pidDir = procPath(paths, String(pid));
  return readVfioHandlesAt(pidDir, listProcessFds(pidDir)).map((h) => h.handle);
}
