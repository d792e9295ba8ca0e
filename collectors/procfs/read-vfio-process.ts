/**
 * Readers for one process's files under <procfs>/PID. Each returns parsed
 * records or throws a HostFileError (vanished / permission / io / malformed).
 */
import type { MemlockLimit, VfioHandle } from '../../model/host-sample.js';
import { type HostPaths, procPath } from '../host-paths.js';
import { HostFileError } from '../host-file-error.js';
import { listHostDir, readHostBytes, readHostLink, readHostText } from '../read-host-file.js';
import { parseProcCmdline } from './parse-proc-cmdline.js';
import { parseProcLimits } from './parse-proc-limits.js';
import { parseProcStat, type ProcStat } from './parse-proc-stat.js';
import { parseProcStatus, type ProcStatus } from './parse-proc-status.js';
import { parseVfioFdTarget } from './parse-vfio-fd-target.js';

export function readProcStatus(paths: HostPaths, pid: number): ProcStatus {
  const file = procPath(paths, String(pid), 'status');
  return parseProcStatus(readHostText(file), file);
}

export function readProcStat(paths: HostPaths, pid: number): ProcStat {
  const file = procPath(paths, String(pid), 'stat');
  return parseProcStat(readHostText(file), file);
}

export function readProcMemlockLimit(paths: HostPaths, pid: number): MemlockLimit {
  const file = procPath(paths, String(pid), 'limits');
  return parseProcLimits(readHostText(file), file);
}

export function readProcCmdline(paths: HostPaths, pid: number): string[] {
  return parseProcCmdline(readHostBytes(procPath(paths, String(pid), 'cmdline')));
}

/**
 * The VFIO handles among a process's open fds. Listing <procfs>/PID/fd needs
 * ptrace read access (proc_fd_access_allowed): root or CAP_SYS_PTRACE for
 * other users' processes. An fd that closes between the listing and its
 * readlink (ENOENT) is simply not open any more: skipped, not an error.
 * A vanished fd directory means the process is gone: that throws.
 */
export function readVfioHandles(paths: HostPaths, pid: number): VfioHandle[] {
  const fdDir = procPath(paths, String(pid), 'fd');
  const handles: VfioHandle[] = [];
  // Numeric fd order, so handles come out the same on every filesystem.
  const fds = listHostDir(fdDir).sort((a, b) => Number(a) - Number(b));
  for (const fd of fds) {
    let target: string;
    try {
      target = readHostLink(`${fdDir}/${fd}`);
    } catch (error) {
      if (error instanceof HostFileError && error.reason === 'vanished') continue;
      throw error;
    }
    const handle = parseVfioFdTarget(target);
    if (handle) handles.push(handle);
  }
  return handles;
}
