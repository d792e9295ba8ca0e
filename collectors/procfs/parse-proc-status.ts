import { malformedFileError, malformedLineError } from '../host-file-error.js';

/** CAP_IPC_LOCK is capability 14 (include/uapi/linux/capability.h). */
const CAP_IPC_LOCK_BIT = 14n;

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

export function parseProcStatus(text: string, path: string): ProcStatus {
  let name: string | null = null;
  let realUid: number | null = null;
  let capEff: bigint | null = null;
  let lockedBytes: number | null = null;
  let pinnedBytes: number | null = null;
  let residentBytes: number | null = null;

  for (const line of text.split('\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedLineError(path, line, 'expected "Key:\\tvalue"');
    const key = line.slice(0, colon);
    // Name keeps inner spaces; other values are trimmed of the kernel's padding.
    const rawValue = line.slice(colon + 1);
    const value = rawValue.trim();
    switch (key) {
      case 'Name':
        name = rawValue.replace(/^\t/, '');
        break;
      case 'Uid': {
        const first = value.split(/\s+/)[0] ?? '';
        if (!/^\d+$/.test(first)) throw malformedLineError(path, line, 'expected four numeric uids');
        realUid = Number(first);
        break;
      }
      case 'CapEff':
        if (!/^[0-9a-fA-F]{1,16}$/.test(value)) throw malformedLineError(path, line, 'expected a hex capability mask');
        capEff = BigInt(`0x${value}`);
        break;
      case 'VmLck':
        lockedBytes = parseKibValue(path, line, value);
        break;
      case 'VmPin':
        pinnedBytes = parseKibValue(path, line, value);
        break;
      case 'VmRSS':
        residentBytes = parseKibValue(path, line, value);
        break;
      default:
        break;
    }
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
    hasCapIpcLock: capEff !== null && ((capEff >> CAP_IPC_LOCK_BIT) & 1n) === 1n,
  };
}
