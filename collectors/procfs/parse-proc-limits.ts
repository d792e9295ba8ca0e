import type { MemlockLimit } from '../../model/host-sample.js';
import { malformedFileError, malformedLineError } from '../host-file-error.js';
import { fitsU64 } from '../kernel-range.js';

const MEMLOCK_ROW = 'Max locked memory';

/**
 * One limit value as proc_pid_limits() prints it: "unlimited" for
 * RLIM_INFINITY, else the unsigned long in decimal (at most 2^64 - 1).
 */
function parseLimitValue(path: string, line: string, value: string | undefined): number | null {
  if (value === 'unlimited') return null;
  if (value === undefined || !/^\d+$/.test(value)) {
    throw malformedLineError(path, line, 'expected a number of bytes or "unlimited"');
  }
  if (!fitsU64(value)) throw malformedLineError(path, line, `limit ${value} does not fit an unsigned long`);
  return Number(value);
}

/**
 * RLIMIT_MEMLOCK from /proc/PID/limits (fs/proc/base.c proc_pid_limits()):
 * fixed-width columns "Limit  Soft Limit  Hard Limit  Units". Only the
 * "Max locked memory" row is read; the name contains spaces, so values are
 * taken after the row name rather than by column index. The kernel never
 * holds a soft limit above the hard one (do_prlimit() returns -EINVAL), so
 * such a row is malformed.
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
    if (fields.length > 3) throw malformedLineError(path, line, 'expected soft, hard and "bytes"');
    if (hardBytes !== null && (softBytes === null || softBytes > hardBytes)) {
      throw malformedLineError(path, line, 'soft limit above the hard limit');
    }
    return { softBytes, hardBytes };
  }
  throw malformedFileError(path, `no "${MEMLOCK_ROW}" row`);
}
