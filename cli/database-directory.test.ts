import { describe, expect, it } from 'vitest';
import { mayCreateDatabaseDirectory } from './database-directory.js';

describe('mayCreateDatabaseDirectory', () => {
  it('only for the default var/ and the package state directory', () => {
    expect(mayCreateDatabaseDirectory('var/pinwatch.db')).toBe(true);
    expect(mayCreateDatabaseDirectory('./var/pinwatch.db')).toBe(true);
    expect(mayCreateDatabaseDirectory('/var/lib/pinwatch/pinwatch.db')).toBe(true);
    expect(mayCreateDatabaseDirectory('/var/lib/pinwatch/sub/pinwatch.db')).toBe(false);
    expect(mayCreateDatabaseDirectory('/srv/pinwatch/pinwatch.db')).toBe(false);
    expect(mayCreateDatabaseDirectory('data/pinwatch.db')).toBe(false);
  });
});
