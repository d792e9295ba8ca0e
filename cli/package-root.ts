import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding pinwatch's package.json, whether this code runs from
 * source (cli/) or compiled (dist/cli/): bundled files (migrations, fixtures)
 * are found relative to it, never relative to the working directory.
 */
export function packageRoot(moduleUrl: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'pinwatch') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`pinwatch's package.json not found above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}
