import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HostFileError } from '../host-file-error.js';
import { parseProcStatus } from './parse-proc-status.js';

const capturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/captures/linux-6.1');
const P = '/proc/1682/status';

describe('parseProcStatus', () => {
  it('reads the real qemu-run capture: VmLck 81792 kB, VmPin 0, VmRSS 122748 kB, root, CAP_IPC_LOCK', () => {
    const text = fs.readFileSync(path.join(capturesDir, 'qemu-run-proc-status.txt'), 'utf8');
    expect(parseProcStatus(text, P)).toEqual({
      name: 'qemu-system-x86',
      realUid: 0,
      lockedBytes: 81792 * 1024, // 83755008
      pinnedBytes: 0,
      residentBytes: 122748 * 1024,
      hasCapIpcLock: true,
    });
  });

  const valid: Array<[string, string, Partial<ReturnType<typeof parseProcStatus>>]> = [
    [
      'kernel thread: no Vm* lines, not an error',
      'Name:\tkworker/0:1-events\nUid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n',
      { name: 'kworker/0:1-events', lockedBytes: null, pinnedBytes: null, residentBytes: null },
    ],
    [
      'underflowed VmLck stays the huge number it is',
      'Name:\tqemu-system-x86\nUid:\t107\t107\t107\t107\nVmLck:\t18446744073709551612 kB\nCapEff:\t0000000000000000\n',
      { lockedBytes: 18446744073709551612 * 1024, realUid: 107, hasCapIpcLock: false },
    ],
    [
      'CapEff with only CAP_IPC_LOCK (bit 14 = 0x4000)',
      'Name:\tx\nUid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000004000\n',
      { hasCapIpcLock: true },
    ],
    [
      'CapEff with every bit but 14',
      'Name:\tx\nUid:\t1000\t0\t0\t0\nCapEff:\t000001ffffffbfff\n',
      { hasCapIpcLock: false, realUid: 1000 },
    ],
    ['CapEff of 4 hex digits with CAP_IPC_LOCK', 'Name:\tx\nUid:\t0\t0\t0\t0\nCapEff:\t4000\n', { hasCapIpcLock: true }],
    ['CapEff of 1 hex digit', 'Name:\tx\nUid:\t0\t0\t0\t0\nCapEff:\tf\n', { hasCapIpcLock: false }],
    ['VmHWM and VmPTE (5 and 5 letters, Vm) are not VmLck/VmPin/VmRSS', 'Name:\tx\nUid:\t0\t0\t0\t0\nVmHWM:\t9 kB\nVmPTE:\t8 kB\nVmRSS:\t7 kB\n', { lockedBytes: null, pinnedBytes: null, residentBytes: 7 * 1024 }],
    ['last line without a newline', 'Name:\tx\nUid:\t5\t5\t5\t5', { realUid: 5 }],
    ['comm with spaces keeps them', 'Name:\tmy daemon\nUid:\t0\t0\t0\t0\n', { name: 'my daemon' }],
    ['VmPin of an iommufd user', 'Name:\tq\nUid:\t0\t0\t0\t0\nVmLck:\t0 kB\nVmPin:\t8388608 kB\n', { lockedBytes: 0, pinnedBytes: 8 * 1024 ** 3 }],
  ];
  it.each(valid)('%s', (_label, text, expected) => {
    expect(parseProcStatus(text, P)).toMatchObject(expected);
  });

  const malformed: Array<[string, string, string]> = [
    ['empty file', '', 'no "Name:" line'],
    ['short: name only', 'Name:\tx\n', 'no "Uid:" line'],
    ['VmLck without unit', 'Name:\tx\nUid:\t0\t0\t0\t0\nVmLck:\t12\n', '"VmLck:\\t12"'],
    ['non-numeric uid', 'Name:\tx\nUid:\tabc\n', '"Uid:\\tabc"'],
    ['line without colon', 'Name:\tx\ngarbage\n', '"garbage"'],
    ['bad CapEff', 'Name:\tx\nUid:\t0\t0\t0\t0\nCapEff:\tzz\n', '"CapEff:\\tzz"'],
  ];
  it.each(malformed)('malformed (%s) names the file and quotes the line', (_label, text, quoted) => {
    let caught: unknown;
    try {
      parseProcStatus(text, P);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HostFileError);
    expect((caught as HostFileError).reason).toBe('malformed');
    expect((caught as HostFileError).path).toBe(P);
    expect((caught as HostFileError).message).toContain(P);
    expect((caught as HostFileError).message).toContain(quoted);
  });
});
