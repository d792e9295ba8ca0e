import { malformedFileError, malformedLineError } from '../host-file-error.js';

/** CAP_IPC_LOCK is capability 14 (include/uapi/linux/capability.h): bit 2 of the 4th hex digit from the right. */
const CAP_IPC_LOCK_MASK_IN_LOW_16_BITS = 1 << 14;

/** What pinwatch needs from /proc/PID/status (fs/proc/array.c, fs/proc/task_mmu.c task_mem()). */
export interface ProcStatus {
  /** `Name:` (the comm, at most 15 bytes, escaped by the kernel). */
  name: string;
  /** First field of `Uid:` (real uid). */
  realUid: number;
  /**
   * VmLck / VmPin / VmRSS in bytes; null when the line is absent. Kernel
   * threads have no mm, so task_mem() prints no Vm* lines for them at all.
   */
  lockedBytes: number | null;
  pinnedBytes: number | null;
  residentBytes: number | null;
  hasCapIpcLock: boolean;
}

const KIB_LINE = /^(\d+) kB$/;

/**
 * Parse a "   81792 kB" value into bytes. Uses Number() on the decimal string:
 * an underflowed locked_vm prints as ~18446744073709551612 kB (DOMAIN.md 1),
 * which must stay a huge positive number (~1.9e22 bytes), never wrap or fail.
 */
function parseKibValue(path: string, line: string, value: string): number {
  const match = KIB_LINE.exec(value);
  if (!match?.[1]) throw malformedLineError(path, line, 'expected "<number> kB"');
  return Number(match[1]) * 1024;
}

/**
 * One pass over the lines without splitting the file: a real status has ~55
 * lines and pinwatch needs 6, and this parser runs for every process on every
 * cycle (2000 times a cycle on the 2000-process bench host). Splitting and
 * trimming every line cost ~3 us a file and most of the cycle's garbage;
 * walking the text with indexOf and slicing only the wanted values costs
 * about a third of that. Every line must still be "Key:..." (a line without
 * a colon is malformed), as before.
 */
export function parseProcStatus(text: string, path: string): ProcStatus {
  let name: string | null = null;
  let realUid: number | null = null;
  let capEffLow16Bits: number | null = null;
  let lockedBytes: number | null = null;
  let pinnedBytes: number | null = null;
  let residentBytes: number | null = null;

  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end === start) {
      start = end + 1;
      continue;
    }
    const colon = text.indexOf(':', start);
    if (colon <= start || colon > end) throw malformedLineError(path, text.slice(start, end), 'expected "Key:\\tvalue"');
    const keyLength = colon - start;
    // Dispatch on the key's length first: most lines are skipped without slicing anything.
    if (keyLength === 4 && text.startsWith('Name', start)) {
      // Name keeps inner spaces; only the separating tab goes.
      name = text.slice(text.charCodeAt(colon + 1) === 9 ? colon + 2 : colon + 1, end);
    } else if (keyLength === 3 && text.startsWith('Uid', start)) {
      const line = text.slice(start, end);
      const first = line.slice(4).trim().split(/\s+/)[0] ?? '';
      if (!/^\d+$/.test(first)) throw malformedLineError(path, line, 'expected four numeric uids');
      realUid = Number(first);
    } else if (keyLength === 6 && text.startsWith('CapEff', start)) {
      const value = text.slice(colon + 1, end).trim();
      if (!/^[0-9a-fA-F]{1,16}$/.test(value)) throw malformedLineError(path, text.slice(start, end), 'expected a hex capability mask');
      // Only bit 14 is needed: the low 4 hex digits, no BigInt per process.
      capEffLow16Bits = Number.parseInt(value.slice(-4), 16);
    } else if (keyLength === 5 && text.startsWith('Vm', start)) {
      if (text.startsWith('VmLck', start)) lockedBytes = parseKibValue(path, text.slice(start, end), text.slice(colon + 1, end).trim());
      else if (text.startsWith('VmPin', start)) pinnedBytes = parseKibValue(path, text.slice(start, end), text.slice(colon + 1, end).trim());
      else if (text.startsWith('VmRSS', start)) residentBytes = parseKibValue(path, text.slice(start, end), text.slice(colon + 1, end).trim());
    }
    start = end + 1;
  }

  if (name === null) throw malformedFileError(path, 'no "Name:" line');
  if (realUid === null) throw malformedFileError(path, 'no "Uid:" line');
  return {
    name,
    realUid,
    lockedBytes,
    pinnedBytes,
    residentBytes,
    // A status without CapEff (not a real kernel) is read as "no capability":
    // the safe side, since it keeps limit findings visible.
    hasCapIpcLock: capEffLow16Bits !== null && (capEffLow16Bits & CAP_IPC_LOCK_MASK_IN_LOW_16_BITS) !== 0,
  };
}
