import type { Database } from 'better-sqlite3';
import type { Migration } from './migration-files.js';

/** The database's schema is newer than the migrations this pinwatch ships. */
export class DatabaseTooNewError extends Error {
  constructor(
    readonly databasePath: string,
    readonly databaseVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `database ${databasePath} is at schema version ${databaseVersion}, but this pinwatch only knows versions up to ${knownVersion}: ` +
        'it was written by a newer pinwatch; run that version, or point db.path at another file',
    );
    this.name = 'DatabaseTooNewError';
  }
}

/** A migration's SQL failed; nothing of the pending batch was applied. */
export class MigrationFailedError extends Error {
  constructor(
    readonly databasePath: string,
    readonly fileName: string,
    cause: unknown,
  ) {
    super(`database ${databasePath}: migration ${fileName} failed, schema left unchanged: ${(cause as Error).message}`, { cause });
    this.name = 'MigrationFailedError';
  }
}

export interface MigrationOutcome {
  fromVersion: number;
  toVersion: number;
  applied: string[];
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema to `targetVersion` (default: the newest migration).
 * `PRAGMA user_version` holds the version reached. All pending migrations run in
 * ONE immediate transaction together with the user_version update, so a failure
 * (or a crash) leaves the schema exactly as it was, and two processes starting at
 * once cannot both apply the same migration (the second waits, then finds nothing
 * pending). A database newer than the code is refused, never "downgraded".
 * `migrations` must be ordered and contiguous (readMigrations guarantees it).
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[],
  options: { databasePath: string; targetVersion?: number },
): MigrationOutcome {
  const knownVersion = migrations.length;
  const targetVersion = options.targetVersion ?? knownVersion;
  if (targetVersion > knownVersion || targetVersion < 0) {
    throw new RangeError(`target schema version ${targetVersion} is outside 0..${knownVersion}`);
  }
  const run = db.transaction((): MigrationOutcome => {
    const fromVersion = schemaVersion(db);
    if (fromVersion > knownVersion) throw new DatabaseTooNewError(options.databasePath, fromVersion, knownVersion);
    const pending = migrations.filter((m) => m.version > fromVersion && m.version <= targetVersion);
    for (const migration of pending) {
      try {
        db.exec(migration.sql);
      } catch (error) {
        throw new MigrationFailedError(options.databasePath, migration.fileName, error);
      }
    }
    const toVersion = Math.max(fromVersion, targetVersion);
    // user_version lives in the database header and is written inside this transaction.
    if (toVersion !== fromVersion) db.pragma(`user_version = ${toVersion}`);
    return { fromVersion, toVersion, applied: pending.map((m) => m.fileName) };
  });
  return run.immediate();
}
