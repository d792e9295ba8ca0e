/**
 * Writes the real linux-6.1 capture host (fixtures/capture-host.ts) into the directory
 * given as the only argument: the fixture root `pinwatch check` reads in the package
 * test (packaging/test-package.sh). Test-only: compiled there, never shipped.
 *
 * The captures have no /proc/uptime or boot_id, which every real procfs has and which
 * `pinwatch check` requires before it calls a tree a procfs (cli/procfs-probe.ts): they
 * are added with stated values. Uptime 400 s: after QEMU's start (stat field 22: 33007
 * ticks = 330 s), as on the captured host, where QEMU ran minutes after boot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeCaptureHost } from '../fixtures/capture-host.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: write-capture-host DIR\n');
  process.exit(2);
}
const paths = writeCaptureHost(dir);
fs.writeFileSync(path.join(paths.procfs, 'uptime'), '400.00 700.00\n');
fs.mkdirSync(path.join(paths.procfs, 'sys', 'kernel', 'random'), { recursive: true });
fs.writeFileSync(path.join(paths.procfs, 'sys', 'kernel', 'random', 'boot_id'), '6f0b3c1e-8d2a-4c5b-9e7f-0a1b2c3d4e5f\n');
process.stdout.write(`${JSON.stringify(paths)}\n`);
