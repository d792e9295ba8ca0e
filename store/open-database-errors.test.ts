import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundledMigrationsDir, openDatabase } from './open-database.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinwatch-open-db-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const open = (file: string, createParentDirectory?: boolean) =>
  openDatabase({ path: file, migrationsDir: bundledMigrationsDir(), ...(createParentDirectory === undefined ? {} : { createParentDirectory }) });

describe('openDatabase errors name the path and what is wrong', () => {
  it('a missing directory, when not asked to create it, is named and not created', () => {
    const file = path.join(dir, 'typo', 'pinwatch.db');
    expect(() => open(file, false)).toThrow(`cannot open the database ${file}: the directory ${path.join(dir, 'typo')} does not exist`);
    expect(fs.existsSync(path.join(dir, 'typo'))).toBe(false);
  });

  it('a file that is not SQLite (SQLITE_NOTADB)', () => {
    const file = path.join(dir, 'pinwatch.db');
    fs.writeFileSync(file, 'not a database\n'.repeat(100));
    expect(() => open(file)).toThrow(`cannot open the database ${file}: the file is not an SQLite database`);
  });

  it('a directory where the file should be (SQLITE_CANTOPEN)', () => {
    const file = path.join(dir, 'pinwatch.db');
    fs.mkdirSync(file);
    expect(() => open(file)).toThrow(`cannot open the database ${file}: it is a directory`);
  });

  it('a parent that is a file', () => {
    fs.writeFileSync(path.join(dir, 'file'), '');
    const file = path.join(dir, 'file', 'pinwatch.db');
    expect(() => open(file, false)).toThrow(`cannot open the database ${file}: ${path.join(dir, 'file')} is not a directory`);
  });
});
