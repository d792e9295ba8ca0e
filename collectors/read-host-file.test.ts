import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFixtureTempDir } from '../fixtures/fixture-temp-dir.js';
import { HostFileError } from './host-file-error.js';
import { SmallHostFileReader } from './read-host-file.js';

let dir: string;
beforeEach(() => {
  dir = makeFixtureTempDir('pinwatch-read-host-file-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SmallHostFileReader', () => {
  it.each<[string, string]>([
    ['empty file', ''],
    ['a status-sized file', 'Name:\tqemu-system-x86\nVmLck:\t   81792 kB\n'.repeat(20)],
    // 40,000 bytes: more than the 16 KiB buffer, which must grow and keep reading.
    ['a file larger than the buffer', `${'x'.repeat(39_999)}\n`],
    ['UTF-8 text', 'Name:\tcafé-daemon\n'],
  ])('%s is read whole, the same as readFileSync', (_label, text) => {
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, text);
    const reader = new SmallHostFileReader();
    expect(reader.readText(file)).toBe(text);
    // The buffer is reused: a shorter file after a longer one is not padded with the old bytes.
    fs.writeFileSync(file, 'short\n');
    expect(reader.readText(file)).toBe('short\n');
  });

  it('a missing file is a vanished HostFileError naming the path', () => {
    const file = path.join(dir, '4242', 'status');
    let caught: unknown;
    try {
      new SmallHostFileReader().readText(file);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HostFileError);
    expect([(caught as HostFileError).reason, (caught as HostFileError).path]).toEqual(['vanished', file]);
  });

  it('a directory is an io HostFileError (EISDIR), not a crash', () => {
    expect(() => new SmallHostFileReader().readText(dir)).toThrow(HostFileError);
  });
});
