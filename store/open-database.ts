import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate, type MigrationOutcome } from './migrate.js';
import { readMigrations } from './migration-files.js';

export interface OpenDatabaseOptions {
  /** Database file; its parent directory is created. ':memory:' for tests. */
  path: string;
  /** Directory of NNNN_name.sql migrations (see bundledMigrationsDir). */
  migrationsDir: string;
  /** How long a write waits for another connection's lock before SQLITE_BUSY (default 5 s). */
  busyTimeoutMs?: number;
  /** Stop at this schema version (migration tests); default: the newest. */
  targetVersion?: number;
}

export interface OpenedDatabase {
  /** Owned by the caller: close it (db.close()) when done. */
  db: Database;
  path: string;
  migration: MigrationOutcome;
}

/**
 * Opens (creating if needed) the pinwatch database and migrates it.
 * WAL: readers (the API, `pinwatch` CLI in another process) never block the
 * sampling loop's writes, and a crash mid-cycle loses at most that cycle.
 * synchronous=NORMAL: in WAL mode a power loss can drop the last commits but
 * never corrupts the file, and each cycle's commit skips an fsync.
 * foreign_keys is per connection in SQLite and off by default; the schema's
 * ON DELETE CASCADE / SET NULL rely on it.
 * Throws (and closes the handle) when the file cannot be opened or migrated.
 */
export function openDatabase(options: OpenDatabaseOptions): OpenedDatabase {
  const inMemory = options.path === ':memory:';
  if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });
  const migrations = readMigrations(options.migrationsDir);
  const db = new BetterSqlite3(options.path);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    if (!inMemory) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`database ${options.path}: could not switch to WAL (journal_mode is ${String(mode)})`);
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const migration = migrate(db, migrations, {
      databasePath: options.path,
      ...(options.targetVersion === undefined ? {} : { targetVersion: options.targetVersion }),
    });
    return { db, path: options.path, migration };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * The migrations/ directory shipped with pinwatch, found from this module's
 * location: ../migrations when run from source (vitest), ../../migrations when
 * run from dist/store/. The daemon passes the result to openDatabase; tests
 * can pass any directory.
 */
export function bundledMigrationsDir(moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates = [join(here, '..', 'migrations'), join(here, '..', '..', 'migrations')];
  const found = candidates.find((dir) => existsSync(join(dir, '0001_initial.sql')));
  if (!found) throw new Error(`pinwatch migrations not found; looked in ${candidates.join(' and ')}`);
  return found;
}
