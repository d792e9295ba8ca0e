import type { Database, Statement } from 'better-sqlite3';
import type { EventQuery, EventRecord, FindingRecord, SampleRecord, StoreReader, VmRecord } from '../model/store.js';
import {
  eventRecordFromRow,
  findingRecordFromRow,
  sampleRecordFromRow,
  vmRecordFromRow,
  type EventRow,
  type FindingRow,
  type SampleRow,
  type VmRow,
} from './store-rows.js';

/**
 * The read side of the store, for the API and the CLI. Statements are prepared
 * once; each query is shaped so an index answers it (see query-plans.test.ts).
 * Methods throw the SQLite error as is; SqliteStore wraps it in a StoreError.
 */
export class SqliteStoreReader implements StoreReader {
  private readonly sql: ReturnType<typeof prepareReaderStatements>;

  constructor(db: Database) {
    this.sql = prepareReaderStatements(db);
  }

  getVm(id: number): VmRecord | null {
    const row = this.sql.vmById.get(id) as VmRow | undefined;
    return row === undefined ? null : vmRecordFromRow(row);
  }

  /** Live VMs by name; with includeExited, then exited ones, most recently exited first. */
  listVms(options: { includeExited: boolean }): VmRecord[] {
    const live = (this.sql.liveVms.all() as VmRow[]).map(vmRecordFromRow);
    if (!options.includeExited) return live;
    return live.concat((this.sql.exitedVms.all() as VmRow[]).map(vmRecordFromRow));
  }

  /**
   * Samples of one VM in [fromMs, toMs], oldest first, at most `limit`.
   * Samples are written on change (and per keep-alive), so the value in effect
   * at fromMs may be in the last sample before it.
   */
  vmHistory(vmId: number, fromMs: number, toMs: number, limit: number): SampleRecord[] {
    const rows = this.sql.vmHistory.all({ vmId, fromMs, toMs, limit: rowLimit(limit) }) as SampleRow[];
    return rows.map(sampleRecordFromRow);
  }

  openFindings(vmId: number): FindingRecord[] {
    return (this.sql.openFindings.all(vmId) as FindingRow[]).map(findingRecordFromRow);
  }

  /** Newest first. With vmId the (vm_id, at_ms) index answers, else the at_ms one; kind is a filter on top. */
  events(query: EventQuery): EventRecord[] {
    const params = {
      fromMs: query.fromMs ?? Number.MIN_SAFE_INTEGER,
      toMs: query.toMs ?? Number.MAX_SAFE_INTEGER,
      kind: query.kind ?? null,
      limit: rowLimit(query.limit),
    };
    const rows =
      query.vmId === undefined
        ? (this.sql.eventsByTime.all(params) as EventRow[])
        : (this.sql.eventsByVm.all({ ...params, vmId: query.vmId }) as EventRow[]);
    return rows.map(eventRecordFromRow);
  }
}

/** SQLite reads a negative LIMIT as "no limit": a caller's bad value must not turn into a full scan. */
function rowLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.trunc(limit)) : 0;
}

/** The reader's statements; exported for the query-plan test, which must test the very SQL used here. */
export const READER_SQL = {
  vmById: 'SELECT * FROM vms WHERE id = ?',
  liveVms: 'SELECT * FROM vms WHERE exited_at_ms IS NULL ORDER BY vm_name, id',
  exitedVms: 'SELECT * FROM vms WHERE exited_at_ms IS NOT NULL ORDER BY exited_at_ms DESC, id DESC',
  vmHistory: `SELECT * FROM samples WHERE vm_id = @vmId AND taken_at_ms BETWEEN @fromMs AND @toMs
    ORDER BY taken_at_ms LIMIT @limit`,
  openFindings: 'SELECT * FROM findings WHERE vm_id = ? AND closed_at_ms IS NULL ORDER BY id',
  eventsByTime: `SELECT * FROM events WHERE at_ms BETWEEN @fromMs AND @toMs AND (@kind IS NULL OR kind = @kind)
    ORDER BY at_ms DESC, id DESC LIMIT @limit`,
  eventsByVm: `SELECT * FROM events WHERE vm_id = @vmId AND at_ms BETWEEN @fromMs AND @toMs AND (@kind IS NULL OR kind = @kind)
    ORDER BY at_ms DESC, id DESC LIMIT @limit`,
} as const;

function prepareReaderStatements(db: Database): Record<keyof typeof READER_SQL, Statement> {
  return {
    vmById: db.prepare(READER_SQL.vmById),
    liveVms: db.prepare(READER_SQL.liveVms),
    exitedVms: db.prepare(READER_SQL.exitedVms),
    vmHistory: db.prepare(READER_SQL.vmHistory),
    openFindings: db.prepare(READER_SQL.openFindings),
    eventsByTime: db.prepare(READER_SQL.eventsByTime),
    eventsByVm: db.prepare(READER_SQL.eventsByVm),
  };
}
