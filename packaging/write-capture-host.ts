/**
 * Writes the real linux-6.1 capture host (fixtures/capture-host.ts) into the directory
 * given as the only argument: the fixture root `pinwatch check` reads in the package
 * test (packaging/test-package.sh). Test-only: compiled there, never shipped.
 */
import { writeCaptureHost } from '../fixtures/capture-host.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: write-capture-host DIR\n');
  process.exit(2);
}
const paths = writeCaptureHost(dir);
process.stdout.write(`${JSON.stringify(paths)}\n`);
