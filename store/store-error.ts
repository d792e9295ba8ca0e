/**
 * A store operation failed (disk full, database locked past busy_timeout, I/O
 * error, constraint broken by a bug). Thrown by every SqliteStore method except
 * close(); the daemon counts it in pinwatch_store_errors_total{operation} and
 * keeps the cycle in memory. The store's own in-memory state is left as it was
 * before the failed call, so the next call works on consistent state.
 */
export class StoreError extends Error {
  constructor(
    readonly operation: string,
    readonly databasePath: string,
    cause: unknown,
  ) {
    super(`store ${databasePath}: ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreError';
  }

  /** SQLite's extended result code when the cause was a SQLite error (SQLITE_FULL, SQLITE_BUSY, ...). */
  get sqliteCode(): string | null {
    const cause = this.cause as { code?: unknown } | undefined;
    return typeof cause?.code === 'string' ? cause.code : null;
  }
}
