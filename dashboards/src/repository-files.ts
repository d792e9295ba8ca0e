/** Paths of the files the dashboards tests read, from this module's location (dashboards/src/ or dist/dashboards/src/). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest ancestor holding docs/metrics.md. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'docs', 'metrics.md'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error(`no docs/metrics.md above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}
