import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseProcLimits } from './parse-proc-limits.js';

const capturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/captures/linux-6.1');
const P = '/proc/1682/limits';
const header = 'Limit                     Soft Limit           Hard Limit           Units     \n';
const row = (soft: string, hard: string) =>
  `${header}Max locked memory         ${soft.padEnd(20)} ${hard.padEnd(20)} bytes     \n`;

describe('parseProcLimits', () => {
  it('reads the real capture: 8 MiB soft and hard', () => {
    const text = fs.readFileSync(path.join(capturesDir, 'qemu-run-proc-limits.txt'), 'utf8');
    expect(parseProcLimits(text, P)).toEqual({ softBytes: 8388608, hardBytes: 8388608 });
  });

  it.each([
    ['both unlimited', row('unlimited', 'unlimited'), { softBytes: null, hardBytes: null }],
    ['soft finite, hard unlimited', row('65536', 'unlimited'), { softBytes: 65536, hardBytes: null }],
    ['libvirt guest RAM + 1 GiB', row('9663676416', '9663676416'), { softBytes: 9663676416, hardBytes: 9663676416 }],
  ])('%s', (_label, text, expected) => {
    expect(parseProcLimits(text, P)).toEqual(expected);
  });

  it.each([
    ['empty', '', 'no "Max locked memory" row'],
    ['header only (short)', header, 'no "Max locked memory" row'],
    ['non-numeric soft', row('lots', '1'), '"Max locked memory         lots'],
    ['missing hard', `${header}Max locked memory         65536\n`, 'expected a number of bytes or "unlimited"'],
  ])('malformed: %s', (_label, text, message) => {
    expect(() => parseProcLimits(text, P)).toThrow(message);
    expect(() => parseProcLimits(text, P)).toThrow(P);
  });
});
