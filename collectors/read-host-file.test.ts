import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFixtureTempDir } from '../fixtures/fixture-temp-dir.js';
import { HostFileError } from './host-file-error.js';
import { readHostBytesCapped, SmallHostFileReader } from './read-host-file.js';

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

describe('read caps (issue 9: a 10 MB status pushed RSS from 109 to 252 MiB)', () => {
  it('a file past the cap is read up to the cap, cut after its last whole line, and the buffer stays at the cap', () => {
    const file = path.join(dir, 'status');
    const head = 'Name:\tqemu-system-x86\nUid:\t0\t0\t0\t0\nVmLck:\t 4 kB\n';
    fs.writeFileSync(file, head + `Padding:\t${'x'.repeat(10 * 1024 * 1024)}\n`);
    const reader = new SmallHostFileReader();
    const read = reader.readCapped(file, 64 * 1024);
    expect(read).toEqual({ text: head, truncated: true });
    expect((reader as unknown as { buffer: Buffer }).buffer.length).toBeLessThanOrEqual(64 * 1024 + 1);
  });

  it('a file of exactly the cap is whole, not truncated', () => {
    const file = path.join(dir, 'stat');
    const text = `${'1 '.repeat(2047)}\n`;
    fs.writeFileSync(file, text);
    expect(new SmallHostFileReader().readCapped(file, text.length)).toEqual({ text, truncated: false });
  });

  it('a cmdline past the cap keeps only whole NUL-terminated arguments', () => {
    const file = path.join(dir, 'cmdline');
    fs.writeFileSync(file, `qemu\0-name\0${'y'.repeat(100_000)}\0`);
    const read = readHostBytesCapped(file, 50_000);
    expect(read.truncated).toBe(true);
    expect(read.bytes.toString()).toBe('qemu\0-name\0');
  });
});
