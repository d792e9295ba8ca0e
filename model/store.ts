/**
 * The store's interfaces as the daemon (writer) and the server/CLI (reader) use
 * them. Implemented by store/ on better-sqlite3; the server only sees these.
 */
import type { CycleResult } from './cycle.js';
import type { AccountingClass, FindingKind, Severity } from './findings.js';

/** Collector names, as registered and as exported in pinwatch_collector_* labels. */
export const COLLECTOR_NAMES = ['host', 'vfio_users', 'sysfs', 'ebpf', 'kernel_log'] as const;
export type CollectorName = (typeof COLLECTOR_NAMES)[number];

export interface VmRecord {
  /** Store id: stable for the life of the process, used in /api/v1/vms/:id/history. */
  id: number;
  /** `${bootId}:${pid}:${startTimeTicks}` */
  processKey: string;
  bootId: string;
  pid: number;
  startTimeTicks: number;
  vmName: string;
  comm: string;
  uuid: string | null;
  guestMemoryBytes: number | null;
  firstSeenMs: number;
  lastSeenMs: number;
  /** When pinwatch first saw it gone; null while it runs. */
  exitedAtMs: number | null;
}

export interface SampleRecord {
  takenAtMs: number;
  lockedBytes: number;
  pinnedBytes: number;
  residentBytes: number;
  memlockSoftBytes: number | null;
  memlockHardBytes: number | null;
  expectedLockedBytes: number | null;
  accountingClass: AccountingClass;
  /** true when written only because the keep-alive interval passed (no change). */
  keepAlive: boolean;
}

export interface FindingRecord {
  vmId: number;
  kind: FindingKind;
  severity: Severity;
  explanation: string;
  openedAtMs: number;
  lastSeenMs: number;
  closedAtMs: number | null;
}

export type EventKind =
  | 'vm-appeared'
  | 'vm-exited'
  | 'finding-opened'
  | 'finding-closed'
  | 'memlock-limit-changed'
  | 'kernel-log'
  | 'pins-leaked';

export interface EventRecord {
  id: number;
  atMs: number;
  vmId: number | null;
  vmName: string | null;
  kind: EventKind;
  severity: Severity;
  message: string;
  data: Record<string, unknown>;
}

export interface EventQuery {
  fromMs?: number;
  toMs?: number;
  vmId?: number;
  kind?: EventKind;
  /** Newest first; at most this many. */
  limit: number;
}

export interface StoreReader {
  getVm(id: number): VmRecord | null;
  /** Live VMs by default; with includeExited, exited ones too (newest first). */
  listVms(options: { includeExited: boolean }): VmRecord[];
  /** Samples of one VM in [fromMs, toMs], oldest first, at most `limit`. */
  vmHistory(vmId: number, fromMs: number, toMs: number, limit: number): SampleRecord[];
  openFindings(vmId: number): FindingRecord[];
  events(query: EventQuery): EventRecord[];
}

export interface CycleWriteStats {
  vmsInserted: number;
  samplesWritten: number;
  eventsWritten: number;
  vmsExited: number;
  /** Rows SQLite refused (one VM's or one event's): rolled back alone, the rest of the cycle is kept. */
  rowsRejected: number;
  /** What each refused row was and why, for the log. */
  rejections: RowRejection[];
}

export interface RowRejection {
  /** 'vm' (a VM's row, sample and findings) or 'event'. */
  row: 'vm' | 'event' | 'ebpf_ledger';
  /** The VM's processKey, or the event's kind. */
  key: string;
  message: string;
}

export interface StoreWriter {
  /**
   * Record one cycle: upsert VMs, write a sample where VmLck/VmPin/limits/expected
   * changed or the keep-alive interval passed, open/close findings, append events,
   * and mark VMs exited only if the vfio_users collector succeeded this cycle.
   * One transaction: a crash leaves the previous cycle intact.
   */
  recordCycle(result: CycleResult): CycleWriteStats;
  /** Delete samples, closed findings, events and exited VMs older than nowMs - retentionMs. */
  prune(nowMs: number, retentionMs: number): number;
  close(): void;
}
