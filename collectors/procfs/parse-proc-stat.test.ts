import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseProcStat } from './parse-proc-stat.js';

const capturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/captures/linux-6.1');
const P = '/proc/1682/stat';
const tail = 'S 1 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 4242 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n';

describe('parseProcStat', () => {
  it('reads the real capture: pid 1682, starttime 33007', () => {
    const text = fs.readFileSync(path.join(capturesDir, 'qemu-run-proc-stat.txt'), 'utf8');
    expect(parseProcStat(text, P)).toEqual({ pid: 1682, comm: 'qemu-system-x86', startTimeTicks: 33007 });
  });

  it.each([
    ['comm with spaces', `77 (my daemon) ${tail}`, 'my daemon'],
    ['comm with ") (" inside: parse after the LAST )', `77 (a) (b) c) ${tail}`, 'a) (b) c'],
    ['comm that is just ")"', `77 ()) ${tail}`, ')'],
  ])('%s', (_label, text, comm) => {
    expect(parseProcStat(text, P)).toEqual({ pid: 77, comm, startTimeTicks: 4242 });
  });

  it.each([
    ['empty', ''],
    ['short: stops before field 22', '77 (x) S 1 1 1 0'],
    ['no parentheses', '77 x S 1 1 1'],
    ['non-numeric starttime', `77 (x) ${tail.replace(' 4242 ', ' soon ')}`],
  ])('malformed: %s', (_label, text) => {
    expect(() => parseProcStat(text, P)).toThrow(P);
  });
});
