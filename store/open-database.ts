import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate, type MigrationOutcome } from './migrate.js';
import { readMigrations } from './migration-files.js';

export interface OpenDatabaseOptions {
  /** Database file. ':memory:' for tests. */
  path: string;
  /**
   * Create a missing parent directory (default true). `serve` passes false
   * for a --db.path the operator chose (cli/database-directory.ts): a typo
   * there is an error naming the directory, not a new directory tree.
   */
  createParentDirectory?: boolean;
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
  if (!inMemory && (options.createParentDirectory ?? true)) mkdirSync(dirname(options.path), { recursive: true });
  const migrations = readMigrations(options.migrationsDir);
  // better-sqlite3 checks this itself, but without naming the path.
  if (!inMemory && !existsSync(dirname(options.path))) {
    throw new Error(`cannot open the database ${options.path}: the directory ${dirname(options.path)} does not exist`);
  }
  let db: Database;
  try {
    db = new BetterSqlite3(options.path);
  } catch (error) {
    throw describeOpenError(options.path, error);
  }
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
    throw describeOpenError(options.path, error);
  }
}

/**
 * SQLite's own messages ("unable to open database file", "file is not a
 * database", "database or disk is full") name neither the file nor the
 * cause. This names the path and, for SQLITE_CANTOPEN, finds out which of
 * the usual causes it is. Other errors (migrations) already name the path
 * and pass through unchanged.
 */
function describeOpenError(path: string, error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error as Error;
  const why = sqliteReason(path, code, (error as Error).message);
  return new Error(`cannot open the database ${path}: ${why}`, { cause: error });
}

function sqliteReason(path: string, code: string, message: string): string {
  if (code.startsWith('SQLITE_CANTOPEN')) {
    const directory = dirname(path);
    if (!existsSync(directory)) return `the directory ${directory} does not exist`;
    if (!statSync(directory).isDirectory()) return `${directory} is not a directory`;
    if (existsSync(path) && statSync(path).isDirectory()) return 'it is a directory';
    try {
      accessSync(directory, constants.W_OK | constants.X_OK);
    } catch {
      return `no permission to write in ${directory}`;
    }
    return 'unable to open the database file';
  }
  if (code.startsWith('SQLITE_NOTADB')) return 'the file is not an SQLite database';
  if (code.startsWith('SQLITE_FULL')) return 'the disk is full (SQLite: database or disk is full)';
  if (code.startsWith('SQLITE_READONLY')) return 'the file or its directory is read-only';
  if (code.startsWith('SQLITE_CORRUPT')) return 'the file is corrupt (SQLite: database disk image is malformed)';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'another process holds a lock on it';
  return `${message} (${code})`;
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
