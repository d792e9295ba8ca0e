import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseProcCmdline } from './parse-proc-cmdline.js';

const capturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/captures/linux-6.1');

describe('parseProcCmdline', () => {
  it.each([
    ['kernel thread or zombie: empty', '', []],
    ['one argument', 'sshd\0', ['sshd']],
    ['argv with an empty argument kept', 'a\0\0b\0', ['a', '', 'b']],
    ['rewritten argv (setproctitle) without NULs', 'postgres: checkpointer', ['postgres: checkpointer']],
    ['argument with spaces', "sh\0-c\0echo 'hi there'\0", ['sh', '-c', "echo 'hi there'"]],
  ])('%s', (_label, raw, expected) => {
    expect(parseProcCmdline(Buffer.from(raw, 'utf8'))).toEqual(expected);
  });

  it('reads the captured QEMU argv once turned back into NULs', () => {
    // The stored capture has its NULs printed as spaces (no argument has a space).
    const spaced = fs.readFileSync(path.join(capturesDir, 'qemu-run-proc-cmdline.txt'), 'utf8').trim();
    const argv = parseProcCmdline(Buffer.from(`${spaced.split(' ').join('\0')}\0`));
    expect(argv).toEqual([
      'qemu-system-x86_64', '-machine', 'q35,accel=tcg', '-m', '64', '-nographic',
      '-device', 'vfio-pci,host=0000:00:04.0', '-monitor', 'none', '-serial', 'none',
    ]);
  });
});
