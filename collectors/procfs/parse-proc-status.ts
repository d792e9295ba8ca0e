import { type HostFileError, malformedFileError, malformedLineError } from '../host-file-error.js';
import { fitsU64, U32_MAX } from '../kernel-range.js';

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
  // task_mem() prints pages << (PAGE_SHIFT - 10) as an unsigned long: never above 2^64 - 1 kB.
  if (!fitsU64(match[1])) throw malformedLineError(path, line, `${match[1]} kB does not fit an unsigned long`);
  return Number(match[1]) * 1024;
}

/** What could be read of a status, each field null when its line is absent or bad. */
export interface SalvagedProcStatus {
  name: string | null;
  realUid: number | null;
  lockedBytes: number | null;
  pinnedBytes: number | null;
  residentBytes: number | null;
  /** null when the CapEff line is absent or bad. */
  hasCapIpcLock: boolean | null;
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
  const fields = scanProcStatus(text, path, (error) => {
    throw error;
  });
  if (fields.name === null) throw malformedFileError(path, 'no "Name:" line');
  if (fields.realUid === null) throw malformedFileError(path, 'no "Uid:" line');
  return {
    name: fields.name,
    realUid: fields.realUid,
    lockedBytes: fields.lockedBytes,
    pinnedBytes: fields.pinnedBytes,
    residentBytes: fields.residentBytes,
    // A status without CapEff (not a real kernel) is read as "no capability":
    // the safe side, since it keeps limit findings visible.
    hasCapIpcLock: fields.hasCapIpcLock ?? false,
  };
}

/**
 * Every field of a status that parses, and every line that does not (each a
 * malformed HostFileError naming the file and quoting the line): for a
 * process whose status is partly bad, so it stays listed with what could be
 * read. A missing Name or Uid line is a problem too.
 */
export function salvageProcStatus(text: string, path: string): { fields: SalvagedProcStatus; problems: HostFileError[] } {
  const problems: HostFileError[] = [];
  const fields = scanProcStatus(text, path, (error) => problems.push(error));
  if (fields.name === null) problems.push(malformedFileError(path, 'no "Name:" line'));
  if (fields.realUid === null) problems.push(malformedFileError(path, 'no "Uid:" line'));
  return { fields, problems };
}

/** One pass; a bad line goes to onProblem (which may throw) and leaves its field null. */
function scanProcStatus(text: string, path: string, onProblem: (error: HostFileError) => void): SalvagedProcStatus {
  const tryParse = <T>(parse: () => T): T | null => {
    try {
      return parse();
    } catch (error) {
      onProblem(error as HostFileError);
      return null;
    }
  };
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
    if (colon <= start || colon > end) {
      onProblem(malformedLineError(path, text.slice(start, end), 'expected "Key:\\tvalue"'));
      start = end + 1;
      continue;
    }
    const keyLength = colon - start;
    // Dispatch on the key's length first: most lines are skipped without slicing anything.
    if (keyLength === 4 && text.startsWith('Name', start)) {
      // Name keeps inner spaces; only the separating tab goes.
      name = text.slice(text.charCodeAt(colon + 1) === 9 ? colon + 2 : colon + 1, end);
    } else if (keyLength === 3 && text.startsWith('Uid', start)) {
      const line = text.slice(start, end);
      const first = line.slice(4).trim().split(/\s+/)[0] ?? '';
      // uid_t is 32 bits (from_kuid_munged() never prints more).
      if (!/^\d{1,10}$/.test(first) || Number(first) > U32_MAX) onProblem(malformedLineError(path, line, 'expected four numeric uids'));
      else realUid = Number(first);
    } else if (keyLength === 6 && text.startsWith('CapEff', start)) {
      const value = text.slice(colon + 1, end).trim();
      if (!/^[0-9a-fA-F]{1,16}$/.test(value)) onProblem(malformedLineError(path, text.slice(start, end), 'expected a hex capability mask'));
      // Only bit 14 is needed: the low 4 hex digits, no BigInt per process.
      else capEffLow16Bits = Number.parseInt(value.slice(-4), 16);
    } else if (keyLength === 5 && text.startsWith('Vm', start)) {
      const kib = () => parseKibValue(path, text.slice(start, end), text.slice(colon + 1, end).trim());
      if (text.startsWith('VmLck', start)) lockedBytes = tryParse(kib);
      else if (text.startsWith('VmPin', start)) pinnedBytes = tryParse(kib);
      else if (text.startsWith('VmRSS', start)) residentBytes = tryParse(kib);
    }
    start = end + 1;
  }

  return {
    name,
    realUid,
    lockedBytes,
    pinnedBytes,
    residentBytes,
    hasCapIpcLock: capEffLow16Bits === null ? null : (capEffLow16Bits & CAP_IPC_LOCK_MASK_IN_LOW_16_BITS) !== 0,
  };
}
