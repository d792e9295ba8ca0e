import type { MemlockLimit } from '../../model/host-sample.js';
import { malformedFileError, malformedLineError } from '../host-file-error.js';

const MEMLOCK_ROW = 'Max locked memory';

/** One limit value as proc_pid_limits() prints it: a decimal or "unlimited" (RLIM_INFINITY). */
function parseLimitValue(path: string, line: string, value: string | undefined): number | null {
  if (value === 'unlimited') return null;
  if (value === undefined || !/^\d+$/.test(value)) {
    throw malformedLineError(path, line, 'expected a number of bytes or "unlimited"');
  }
  return Number(value);
}

/**
 * RLIMIT_MEMLOCK from /proc/PID/limits (fs/proc/base.c proc_pid_limits()):
 * fixed-width columns "Limit  Soft Limit  Hard Limit  Units". Only the
 * "Max locked memory" row is read; the name contains spaces, so values are
 * taken after the row name rather than by column index.
 */
export function parseProcLimits(text: string, path: string): MemlockLimit {
  for (const line of text.split('\n')) {
    if (!line.startsWith(MEMLOCK_ROW)) continue;
    const fields = line.slice(MEMLOCK_ROW.length).trim().split(/\s+/);
    const softBytes = parseLimitValue(path, line, fields[0]);
    const hardBytes = parseLimitValue(path, line, fields[1]);
    if (fields[2] !== undefined && fields[2] !== 'bytes') {
      throw malformedLineError(path, line, 'expected the unit "bytes"');
    }
    return { softBytes, hardBytes };
  }
  throw malformedFileError(path, `no "${MEMLOCK_ROW}" row`);
}
