/**
 * What the recorder remembers about each live VM it last wrote, so a steady
 * cycle is decided in memory: no read, no write.
 */
import type { AccountingClass, FindingKind, Severity } from '../model/findings.js';
import type { VmView } from '../model/cycle.js';

/** The sample fields an operator tracks: a change in any of them is worth a row. RSS is not one (it moves every cycle). */
export interface TrackedSampleValues {
  lockedBytes: number;
  pinnedBytes: number;
  memlockSoftBytes: number | null;
  memlockHardBytes: number | null;
  expectedLockedBytes: number | null;
  accountingClass: AccountingClass;
}

export interface OpenFindingState {
  id: number;
  severity: Severity;
  /** last_seen_ms as stored (refreshed once per keep-alive interval). */
  lastSeenWrittenMs: number;
}

/** Immutable: the recorder builds a new one per change and swaps it in after the commit. */
export interface VmWriteState {
  id: number;
  processKey: string;
  bootId: string;
  pid: number;
  vmName: string;
  comm: string;
  uuid: string | null;
  guestMemoryBytes: number | null;
  lastSeenWrittenMs: number;
  lastSample: TrackedSampleValues | null;
  lastSampleAtMs: number | null;
  openFindings: ReadonlyMap<FindingKind, OpenFindingState>;
}

export function trackedSampleValues(view: VmView): TrackedSampleValues {
  return {
    lockedBytes: view.analysis.lockedBytes,
    pinnedBytes: view.analysis.pinnedBytes,
    memlockSoftBytes: view.process.memlockLimit.softBytes,
    memlockHardBytes: view.process.memlockLimit.hardBytes,
    expectedLockedBytes: view.analysis.expectedLockedBytes,
    accountingClass: view.analysis.accountingClass,
  };
}

export function sameTrackedValues(a: TrackedSampleValues, b: TrackedSampleValues): boolean {
  return (
    a.lockedBytes === b.lockedBytes &&
    a.pinnedBytes === b.pinnedBytes &&
    a.memlockSoftBytes === b.memlockSoftBytes &&
    a.memlockHardBytes === b.memlockHardBytes &&
    a.expectedLockedBytes === b.expectedLockedBytes &&
    a.accountingClass === b.accountingClass
  );
}

export function sameMemlockLimit(a: TrackedSampleValues, b: TrackedSampleValues): boolean {
  return a.memlockSoftBytes === b.memlockSoftBytes && a.memlockHardBytes === b.memlockHardBytes;
}
