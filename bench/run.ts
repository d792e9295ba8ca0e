/**
 * `npm run bench`: the collection cycle, the analysis and the /metrics render
 * on synthetic hosts (fixtures/synthetic-host.ts, one VM in ten) of 500, 2000
 * and 8000 processes. Each size is generated on tmpfs by this process, then
 * measured in a fresh child (measure-host-child.ts) so its peak RSS is its own.
 * Prints a markdown table and the targets' verdicts, and writes the figures as
 * JSON (default bench/results/latest.json).
 *
 *   npm run bench -- --sizes 500,2000 --steady 30 --sweeps 3 --renders 200 --floor 5 --scrapes 100 --out FILE
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packageRoot } from '../cli/package-root.js';
import { makeFixtureTempDir } from '../fixtures/fixture-temp-dir.js';
import { writeSyntheticHost } from '../fixtures/synthetic-host.js';
import { buildCFloor, timeCFloor } from './c-floor.js';
import { formatBenchReport } from './format-bench-report.js';
import type { MeasureHostSizeRequest, MeasureHostSizeResult } from './measure-host-size.js';

const VM_EVERY = 10;
const SEED = 1;

function positiveInt(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name}: expected a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '500,2000,8000' },
    steady: { type: 'string', default: '30' },
    sweeps: { type: 'string', default: '3' },
    renders: { type: 'string', default: '200' },
    floor: { type: 'string', default: '5' },
    scrapes: { type: 'string', default: '100' },
    out: { type: 'string', default: path.join(packageRoot(import.meta.url), 'bench', 'results', 'latest.json') },
  },
});
const sizes = values.sizes.split(',').map((size) => positiveInt('sizes', size.trim()));
const steadyCycles = positiveInt('steady', values.steady);
const repeatedSweeps = positiveInt('sweeps', values.sweeps);
const renders = positiveInt('renders', values.renders);
const floorRuns = positiveInt('floor', values.floor);
const scrapes = Number(values.scrapes);
if (!Number.isInteger(scrapes) || scrapes < 0) throw new Error(`--scrapes: expected a whole number, got ${JSON.stringify(values.scrapes)}`);
const floorDir = makeFixtureTempDir('pinwatch-bench-floor-');
const floorBinary = buildCFloor(floorDir);
const childScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'measure-host-child.js');

const loadAverageBefore = os.loadavg();
const results: MeasureHostSizeResult[] = [];
for (const processCount of sizes) {
  const hostDir = makeFixtureTempDir('pinwatch-bench-');
  try {
    const generatedAt = performance.now();
    const host = writeSyntheticHost(hostDir, { processCount, vmEvery: VM_EVERY, seed: SEED });
    process.stderr.write(`${processCount} processes: host written in ${((performance.now() - generatedAt) / 1000).toFixed(1)} s (${hostDir}); measuring in a child...\n`);
    const request: MeasureHostSizeRequest = {
      hostDir,
      paths: host.paths,
      processCount,
      fdLinkCount: host.fdLinkCount,
      vmPids: host.vms.map((vm) => vm.pid),
      steadyCycles,
      repeatedSweeps,
      renders,
      cFloor: timeCFloor(floorBinary, host.paths.procfs, floorRuns),
      scrapes,
    };
    const requestFile = path.join(hostDir, 'bench-request.json');
    fs.writeFileSync(requestFile, JSON.stringify(request));
    const child = spawnSync(process.execPath, ['--expose-gc', childScript, requestFile], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 1024 * 1024,
    });
    if (child.status !== 0) throw new Error(`the ${processCount}-process child failed (exit ${child.status ?? child.signal})`);
    results.push(JSON.parse(child.stdout) as MeasureHostSizeResult);
  } finally {
    fs.rmSync(hostDir, { recursive: true, force: true });
  }
}

fs.rmSync(floorDir, { recursive: true, force: true });
const report = formatBenchReport(results);
process.stdout.write(`${report}\n`);
const cpus = os.cpus();
const record = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  cpu: `${cpus.length} x ${cpus[0]?.model ?? 'unknown'}`,
  loadAverageBefore,
  loadAverageAfter: os.loadavg(),
  options: { sizes, vmEvery: VM_EVERY, seed: SEED, steadyCycles, repeatedSweeps, renders, floorRuns, scrapes },
  results,
};
fs.mkdirSync(path.dirname(values.out), { recursive: true });
fs.writeFileSync(values.out, `${JSON.stringify(record, null, 2)}\n`);
process.stdout.write(`\nwritten: ${values.out}\n`);
if (results.some((r) => r.problems.length > 0)) process.exitCode = 1;
