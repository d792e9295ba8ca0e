import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, MigrationFailedError, migrate, schemaVersion } from './migrate.js';
import { readMigrations } from './migration-files.js';
import { bundledMigrationsDir, openDatabase } from './open-database.js';

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'pinwatch-migrate-'));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

function migrationsDir(files: Record<string, string>): string {
  const dir = join(workDir, 'migrations');
  mkdirSync(dir, { recursive: true });
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

function tableNames(db: BetterSqlite3.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

describe('migrate', () => {
  it('applies every pending migration and sets user_version to the newest', () => {
    const dir = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (x INTEGER) STRICT;', '0002_b.sql': 'CREATE TABLE b (y TEXT) STRICT;' });
    const db = new BetterSqlite3(':memory:');
    const outcome = migrate(db, readMigrations(dir), { databasePath: 'mem.db' });
    expect(outcome).toEqual({ fromVersion: 0, toVersion: 2, applied: ['0001_a.sql', '0002_b.sql'] });
    expect(schemaVersion(db)).toBe(2);
    expect(tableNames(db)).toEqual(['a', 'b']);
    // A second run finds nothing pending.
    expect(migrate(db, readMigrations(dir), { databasePath: 'mem.db' })).toEqual({ fromVersion: 2, toVersion: 2, applied: [] });
  });

  it('stops at a target version, and a later run applies the rest', () => {
    const dir = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (x INTEGER) STRICT;', '0002_b.sql': 'CREATE TABLE b (y TEXT) STRICT;' });
    const db = new BetterSqlite3(':memory:');
    migrate(db, readMigrations(dir), { databasePath: 'mem.db', targetVersion: 1 });
    expect(tableNames(db)).toEqual(['a']);
    expect(migrate(db, readMigrations(dir), { databasePath: 'mem.db' }).applied).toEqual(['0002_b.sql']);
  });

  it('a failing migration leaves the schema and user_version as they were (one transaction)', () => {
    const dir = migrationsDir({
      '0001_a.sql': 'CREATE TABLE a (x INTEGER) STRICT;',
      '0002_b.sql': 'CREATE TABLE b (y TEXT) STRICT;',
      '0003_broken.sql': 'CREATE TABLE c (z INTEGER) STRICT; INSERT INTO no_such_table VALUES (1);',
    });
    const db = new BetterSqlite3(':memory:');
    migrate(db, readMigrations(dir), { databasePath: 'mem.db', targetVersion: 1 });
    expect(() => migrate(db, readMigrations(dir), { databasePath: '/var/lib/pinwatch/pinwatch.db' })).toThrow(
      /^database \/var\/lib\/pinwatch\/pinwatch\.db: migration 0003_broken\.sql failed, schema left unchanged: no such table: no_such_table$/,
    );
    expect(() => migrate(db, readMigrations(dir), { databasePath: 'x' })).toThrow(MigrationFailedError);
    // 0002 ran before 0003 failed, and was rolled back with it.
    expect(schemaVersion(db)).toBe(1);
    expect(tableNames(db)).toEqual(['a']);
  });

  it('refuses a database newer than the code, naming the file and both versions', () => {
    const dir = migrationsDir({ '0001_a.sql': 'CREATE TABLE a (x INTEGER) STRICT;' });
    const db = new BetterSqlite3(':memory:');
    db.pragma('user_version = 7');
    const attempt = () => migrate(db, readMigrations(dir), { databasePath: '/var/lib/pinwatch/pinwatch.db' });
    expect(attempt).toThrow(DatabaseTooNewError);
    expect(attempt).toThrow('database /var/lib/pinwatch/pinwatch.db is at schema version 7, but this pinwatch only knows versions up to 1');
    expect(schemaVersion(db)).toBe(7);
    expect(tableNames(db)).toEqual([]);
  });

  it('picks up a migration file added to the directory with no code change', () => {
    // As the eBPF engineer's 0002_ebpf_state.sql will be: copy the shipped ones, add one.
    const dir = join(workDir, 'shipped');
    mkdirSync(dir);
    for (const name of readdirSync(bundledMigrationsDir())) copyFileSync(join(bundledMigrationsDir(), name), join(dir, name));
    const shippedVersion = readMigrations(dir).length;
    const next = String(shippedVersion + 1).padStart(4, '0');
    writeFileSync(join(dir, `${next}_added_later.sql`), 'CREATE TABLE added_later (id INTEGER PRIMARY KEY) STRICT;');

    const path = join(workDir, 'db', 'pinwatch.db');
    const first = openDatabase({ path, migrationsDir: dir, targetVersion: shippedVersion });
    first.db.close();
    const second = openDatabase({ path, migrationsDir: dir });
    expect(second.migration).toEqual({ fromVersion: shippedVersion, toVersion: shippedVersion + 1, applied: [`${next}_added_later.sql`] });
    expect(tableNames(second.db)).toContain('added_later');
    second.db.close();
  });
});

describe('openDatabase', () => {
  it('creates the parent directory and opens in WAL with foreign keys on and synchronous NORMAL', () => {
    const path = join(workDir, 'nested', 'dir', 'pinwatch.db');
    const { db, migration } = openDatabase({ path, migrationsDir: bundledMigrationsDir(), busyTimeoutMs: 1234 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // 1 = NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(migration.fromVersion).toBe(0);
    expect(migration.applied[0]).toBe('0001_initial.sql');
    db.close();
  });

  it('a database from a newer pinwatch is refused and the handle closed', () => {
    const path = join(workDir, 'pinwatch.db');
    const raw = new BetterSqlite3(path);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => openDatabase({ path, migrationsDir: bundledMigrationsDir() })).toThrow(
      new RegExp(`^database ${path.replace(/[.]/g, '\\.')} is at schema version 99, but this pinwatch only knows versions up to \\d+`),
    );
  });

  it('a missing migrations directory is named in the error', () => {
    expect(() => openDatabase({ path: ':memory:', migrationsDir: join(workDir, 'nope') })).toThrow(
      `migrations in ${join(workDir, 'nope')}: cannot list the directory`,
    );
  });
});
