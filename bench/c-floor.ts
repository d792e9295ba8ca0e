import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../cli/package-root.js';
import { summarizeTimings, type TimingSummary } from './sample-stats.js';

export interface CFloorFigures {
  timing: TimingSummary;
  processes: number;
  fdLinks: number;
}

/** Compile bench/c-floor.c with gcc -O2 into `outDir`; throws naming gcc when it cannot. */
export function buildCFloor(outDir: string): string {
  const source = path.join(packageRoot(import.meta.url), 'bench', 'c-floor.c');
  const binary = path.join(outDir, 'c-floor');
  try {
    execFileSync('gcc', ['-O2', '-o', binary, source], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(`bench: building the C floor with gcc failed (${(error as Error).message}); install gcc`);
  }
  return binary;
}

/** Run the floor `runs` times on `procfs` (after one warm-up run); each run times its own loop (no exec cost). */
export function timeCFloor(binary: string, procfs: string, runs: number): CFloorFigures {
  let processes = 0;
  let fdLinks = 0;
  const timesMs: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const child = spawnSync(binary, [procfs], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`bench: the C floor failed on ${procfs}: ${child.stderr}`);
    let elapsed: number;
    [processes, fdLinks, elapsed] = child.stdout.trim().split(' ').map(Number) as [number, number, number];
    if (i > 0) timesMs.push(elapsed);
  }
  return { timing: summarizeTimings(timesMs), processes, fdLinks };
}
