import fs from 'node:fs';
import path from 'node:path';
import { parseBootId, parseUptimeSeconds } from '../collectors/procfs/parse-host-kernel-files.js';

/** Why the configured procfs root cannot be used; null when it looks like a procfs. */
export type ProcfsProblem = string | null;

/**
 * Is `procfs` (the --path.procfs root) a procfs pinwatch can read? The root
 * must be a readable directory whose `uptime` (fs/proc/uptime.c) and
 * `sys/kernel/random/boot_id` (drivers/char/random.c, proc_do_uuid) read and
 * parse: every process key is (boot id, pid, start time) and start ticks only
 * become wall-clock time through the uptime. An empty directory, a random
 * tree or an unmounted /proc fail here, so `check` answers UNKNOWN instead of
 * "OK, 0 VFIO users". A fixture tree (fixtures/fixture-tree.ts) writes both
 * files. `self` and the host-wide `stat` are not required: fixture trees and
 * captures have no `self` link, and pinwatch never reads the host's `stat`.
 */
export function probeProcfs(procfs: string): ProcfsProblem {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(procfs);
  } catch (error) {
    return `cannot read procfs ${procfs}: ${describeFsError(error)}`;
  }
  if (!stat.isDirectory()) return `cannot read procfs ${procfs}: not a directory`;
  try {
    fs.readdirSync(procfs);
  } catch (error) {
    return `cannot read procfs ${procfs}: ${describeFsError(error)}`;
  }
  for (const [parts, parse] of [
    [['uptime'], parseUptimeSeconds],
    [['sys', 'kernel', 'random', 'boot_id'], parseBootId],
  ] as const) {
    const file = path.join(procfs, ...parts);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      return `${procfs} is not a procfs: ${file}: ${describeFsError(error)}`;
    }
    try {
      parse(text, file);
    } catch (error) {
      return `${procfs} is not a procfs: ${(error as Error).message}`;
    }
  }
  return null;
}

function describeFsError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException | null)?.code) {
    case 'ENOENT':
      return 'does not exist';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return (error as Error).message;
  }
}
