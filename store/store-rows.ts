/**
 * Row shapes of the 0001 tables as better-sqlite3 returns them, and their
 * mapping to the model records. One place, so a column rename touches one file.
 */
import type { AccountingClass, FindingKind, Severity } from '../model/findings.js';
import type { EventKind, EventRecord, FindingRecord, SampleRecord, VmRecord } from '../model/store.js';

export interface VmRow {
  id: number;
  process_key: string;
  boot_id: string;
  pid: number;
  start_time_ticks: number;
  vm_name: string;
  comm: string;
  uuid: string | null;
  guest_memory_bytes: number | null;
  first_seen_ms: number;
  last_seen_ms: number;
  exited_at_ms: number | null;
}

export interface SampleRow {
  vm_id: number;
  taken_at_ms: number;
  locked_bytes: number;
  pinned_bytes: number;
  resident_bytes: number;
  memlock_soft_bytes: number | null;
  memlock_hard_bytes: number | null;
  expected_locked_bytes: number | null;
  accounting_class: string;
  keep_alive: number;
}

export interface FindingRow {
  id: number;
  vm_id: number;
  kind: string;
  severity: string;
  explanation: string;
  opened_at_ms: number;
  last_seen_ms: number;
  closed_at_ms: number | null;
}

export interface EventRow {
  id: number;
  at_ms: number;
  vm_id: number | null;
  vm_name: string | null;
  kind: string;
  severity: string;
  message: string;
  data_json: string | null;
}

export function vmRecordFromRow(row: VmRow): VmRecord {
  return {
    id: row.id,
    processKey: row.process_key,
    bootId: row.boot_id,
    pid: row.pid,
    startTimeTicks: row.start_time_ticks,
    vmName: row.vm_name,
    comm: row.comm,
    uuid: row.uuid,
    guestMemoryBytes: row.guest_memory_bytes,
    firstSeenMs: row.first_seen_ms,
    lastSeenMs: row.last_seen_ms,
    exitedAtMs: row.exited_at_ms,
  };
}

export function sampleRecordFromRow(row: SampleRow): SampleRecord {
  return {
    takenAtMs: row.taken_at_ms,
    lockedBytes: row.locked_bytes,
    pinnedBytes: row.pinned_bytes,
    residentBytes: row.resident_bytes,
    memlockSoftBytes: row.memlock_soft_bytes,
    memlockHardBytes: row.memlock_hard_bytes,
    expectedLockedBytes: row.expected_locked_bytes,
    // Written only from AccountingClass values by the recorder.
    accountingClass: row.accounting_class as AccountingClass,
    keepAlive: row.keep_alive === 1,
  };
}

export function findingRecordFromRow(row: FindingRow): FindingRecord {
  return {
    vmId: row.vm_id,
    kind: row.kind as FindingKind,
    severity: row.severity as Severity,
    explanation: row.explanation,
    openedAtMs: row.opened_at_ms,
    lastSeenMs: row.last_seen_ms,
    closedAtMs: row.closed_at_ms,
  };
}

export function eventRecordFromRow(row: EventRow): EventRecord {
  return {
    id: row.id,
    atMs: row.at_ms,
    vmId: row.vm_id,
    vmName: row.vm_name,
    kind: row.kind as EventKind,
    severity: row.severity as Severity,
    message: row.message,
    data: eventDataFromJson(row.data_json),
  };
}

/** data_json is written by the recorder as a JSON object; anything else is shown as-is rather than dropped. */
function eventDataFromJson(json: string | null): Record<string, unknown> {
  if (json === null) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    return { value: parsed };
  } catch {
    return { unparsedDataJson: json };
  }
}

/** The inverse of eventDataFromJson: an empty object is stored as NULL (saves a row's bytes). */
export function eventDataToJson(data: Record<string, unknown>): string | null {
  return Object.keys(data).length === 0 ? null : JSON.stringify(data);
}
