/**
 * For the one-test-per-migration rule: open an empty database at schema
 * version N-1, insert rows, then migrate it to N with the shipped migrations.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate } from './migrate.js';
import { readMigrations } from './migration-files.js';
import { bundledMigrationsDir } from './open-database.js';

export function databaseAtVersion(version: number): Database {
  const db = new BetterSqlite3(':memory:');
  db.pragma('foreign_keys = ON');
  migrateDatabaseTo(db, version);
  return db;
}

export function migrateDatabaseTo(db: Database, version: number): void {
  migrate(db, readMigrations(bundledMigrationsDir()), { databasePath: ':memory:', targetVersion: version });
}

export interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

export function columnsOf(db: Database, table: string): ColumnInfo[] {
  return (db.pragma(`table_info(${table})`) as ColumnInfo[]).map(({ name, type, notnull, pk }) => ({ name, type, notnull, pk }));
}

export function indexNamesOf(db: Database, table: string): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? ORDER BY name").all(table) as { name: string }[]).map(
    (row) => row.name,
  );
}
