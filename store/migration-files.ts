import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One forward-only schema migration: `NNNN_name.sql`, applied to reach `version`. */
export interface Migration {
  version: number;
  name: string;
  fileName: string;
  sql: string;
}

/** A migration directory whose file names break the `NNNN_name.sql` contiguous-order rule. */
export class MigrationFileError extends Error {
  constructor(
    readonly directory: string,
    message: string,
  ) {
    super(`migrations in ${directory}: ${message}`);
    this.name = 'MigrationFileError';
  }
}

const MIGRATION_FILE_NAME = /^(\d{4})_([a-z0-9][a-z0-9_]*)\.sql$/;

/**
 * Checks the names of a migration directory and orders them. Pure: the caller
 * reads the directory. Files not ending in .sql (README, notes) are ignored; a
 * .sql file with another name shape is an error, because a migration that is
 * silently skipped would leave the schema behind the code.
 * Versions must run 1, 2, 3... with no gap or duplicate: a gap means a file
 * was lost, a duplicate means two branches took the same number.
 */
export function orderMigrationFileNames(directory: string, fileNames: readonly string[]): { version: number; name: string; fileName: string }[] {
  const parsed: { version: number; name: string; fileName: string }[] = [];
  for (const fileName of fileNames) {
    if (!fileName.endsWith('.sql')) continue;
    const match = MIGRATION_FILE_NAME.exec(fileName);
    if (!match) {
      throw new MigrationFileError(directory, `"${fileName}" is not named NNNN_lowercase_name.sql`);
    }
    parsed.push({ version: Number(match[1]), name: match[2] ?? '', fileName });
  }
  parsed.sort((a, b) => a.version - b.version || a.fileName.localeCompare(b.fileName));
  parsed.forEach((migration, index) => {
    const previous = parsed[index - 1];
    if (previous && previous.version === migration.version) {
      throw new MigrationFileError(directory, `"${previous.fileName}" and "${migration.fileName}" share version ${migration.version}`);
    }
    if (migration.version !== index + 1) {
      throw new MigrationFileError(
        directory,
        `expected version ${String(index + 1).padStart(4, '0')} next, found "${migration.fileName}" (versions must start at 0001 and have no gap)`,
      );
    }
  });
  return parsed;
}

/** Reads and orders the migrations of a directory (see orderMigrationFileNames). */
export function readMigrations(directory: string): Migration[] {
  let fileNames: string[];
  try {
    fileNames = readdirSync(directory);
  } catch (error) {
    throw new MigrationFileError(directory, `cannot list the directory: ${(error as Error).message}`);
  }
  return orderMigrationFileNames(directory, fileNames).map((file) => {
    const sql = readFileSync(join(directory, file.fileName), 'utf8');
    if (sql.trim() === '') throw new MigrationFileError(directory, `"${file.fileName}" is empty`);
    return { ...file, sql };
  });
}
