import type { Database } from 'better-sqlite3';
import type { CycleResult } from '../model/cycle.js';
import type {
  CycleWriteStats,
  EventQuery,
  EventRecord,
  FindingRecord,
  SampleRecord,
  StoreReader,
  StoreWriter,
  VmRecord,
} from '../model/store.js';
import { CycleRecorder } from './cycle-recorder.js';
import { openDatabase } from './open-database.js';
import { StoreError } from './store-error.js';
import { StorePruner, totalPruned, type PruneCounts } from './store-pruner.js';
import { SqliteStoreReader } from './store-reader.js';

export const DEFAULT_KEEP_ALIVE_MS = 30 * 60_000;
export const DEFAULT_PRUNE_BATCH_ROWS = 5_000;

export interface SqliteStoreOptions {
  /** Where the database lives, for error messages (the handle is already open). */
  databasePath: string;
  /** Write a sample / refresh last_seen at least this often when nothing changed (default 30 min). */
  keepAliveMs?: number;
  /** Rows per prune batch (default 5000). */
  pruneBatchRows?: number;
}

export interface OpenStoreOptions {
  path: string;
  migrationsDir: string;
  keepAliveMs?: number;
  busyTimeoutMs?: number;
  pruneBatchRows?: number;
}

/**
 * The pinwatch store on one better-sqlite3 connection: the daemon writes
 * (StoreWriter), the API and CLI read (StoreReader).
 *
 * Errors: every method but close() throws a StoreError (operation, database
 * path, SQLite cause) when SQLite fails (disk full, locked past busy_timeout,
 * I/O error). recordCycle is all-or-nothing and leaves the store's in-memory
 * state as before the call, so the daemon counts the error
 * (pinwatch_store_errors_total) and the next cycle carries on.
 */
export class SqliteStore implements StoreReader, StoreWriter {
  private readonly reader: SqliteStoreReader;
  private readonly recorder: CycleRecorder;
  private readonly pruner: StorePruner;
  private readonly databasePath: string;
  private closed = false;

  /**
   * @param db an open, migrated connection (openDatabase). Shared with other
   *   repositories on the same file (eBPF state); closed by close() only when
   *   ownsDatabase is true (openStore).
   */
  constructor(
    readonly db: Database,
    options: SqliteStoreOptions,
    private readonly ownsDatabase = false,
  ) {
    this.databasePath = options.databasePath;
    this.reader = new SqliteStoreReader(db);
    this.recorder = new CycleRecorder(db, { keepAliveMs: options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS });
    this.pruner = new StorePruner(db, { batchRows: options.pruneBatchRows ?? DEFAULT_PRUNE_BATCH_ROWS });
  }

  recordCycle(result: CycleResult): CycleWriteStats {
    return this.guard('record_cycle', () => this.recorder.record(result));
  }

  /** Rows deleted (samples + findings + events + VMs). */
  prune(nowMs: number, retentionMs: number): number {
    return totalPruned(this.pruneByTable(nowMs, retentionMs));
  }

  pruneByTable(nowMs: number, retentionMs: number): PruneCounts {
    return this.guard('prune', () => this.pruner.prune(nowMs, retentionMs));
  }

  getVm(id: number): VmRecord | null {
    return this.guard('get_vm', () => this.reader.getVm(id));
  }

  listVms(options: { includeExited: boolean }): VmRecord[] {
    return this.guard('list_vms', () => this.reader.listVms(options));
  }

  vmHistory(vmId: number, fromMs: number, toMs: number, limit: number): SampleRecord[] {
    return this.guard('vm_history', () => this.reader.vmHistory(vmId, fromMs, toMs, limit));
  }

  openFindings(vmId: number): FindingRecord[] {
    return this.guard('open_findings', () => this.reader.openFindings(vmId));
  }

  events(query: EventQuery): EventRecord[] {
    return this.guard('events', () => this.reader.events(query));
  }

  /** Checkpoints the WAL into the file and closes the connection if this store opened it. Never throws. */
  close(): void {
    if (this.closed || !this.ownsDatabase) return;
    this.closed = true;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A failed checkpoint is harmless: SQLite replays the WAL on the next open.
    }
    this.db.close();
  }

  private guard<T>(operation: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw new StoreError(operation, this.databasePath, error);
    }
  }
}

/** Opens (creating and migrating) the database at `path` and returns a store that owns it. */
export function openStore(options: OpenStoreOptions): SqliteStore {
  const { db } = openDatabase({
    path: options.path,
    migrationsDir: options.migrationsDir,
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
  try {
    return new SqliteStore(
      db,
      {
        databasePath: options.path,
        ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
        ...(options.pruneBatchRows === undefined ? {} : { pruneBatchRows: options.pruneBatchRows }),
      },
      true,
    );
  } catch (error) {
    db.close();
    throw error;
  }
}
