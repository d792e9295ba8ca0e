import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * vitest globalSetup: the run gets its own temp directory (TMPDIR, which
 * os.tmpdir() and fixtures/fixture-temp-dir.ts follow, and which the
 * CLI processes the tests spawn inherit), on tmpfs when there is one. At the
 * end it must be empty: whatever a test, a fixture tree, a spawned daemon or
 * the demo left there fails the run, by name. A per-run directory rather
 * than a before/after diff of /dev/shm and /tmp, because other runs on the
 * same machine create and remove `pinwatch-*` entries there at the same time.
 */
export default function setup(): () => void {
  const base = isWritableDir('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const runDir = fs.mkdtempSync(path.join(base, 'pinwatch-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = runDir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const left = fs.readdirSync(runDir);
    fs.rmSync(runDir, { recursive: true, force: true });
    if (left.length > 0) {
      // vitest reports an error thrown by a teardown but still exits 0: set the code ourselves.
      process.exitCode = 1;
      throw new Error(`the test run left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in its temp directory ${runDir}: ${left.join(', ')}`);
    }
  };
}

function isWritableDir(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    // Missing or read-only: use the OS temp dir.
    return false;
  }
}
