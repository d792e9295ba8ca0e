/**
 * End-to-end fuzz run (issue 9): the real daemon (cli/compose-pinwatch.ts,
 * real collectors, analysis, SQLite store in a temp dir, fastify app) runs
 * on a synthetic hypervisor (fixtures/synthetic-host.ts) while the /proc
 * files of some of its VMs are mutated the ways a host can present them:
 * a huge starttime, a negative VmLck, a malformed or inverted
 * "Max locked memory" row, status or stat vanishing with a blank cmdline,
 * a 10 MB status, truncated files, random bytes. The other VMs are never
 * touched, and every API answer must show them exactly as generated.
 *
 * Test code (excluded from the build): used by host-fuzz.test.ts, bounded
 * in `npm test` and long in `npm run fuzz`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { composePinwatch, type PinwatchRuntime } from '../cli/compose-pinwatch.js';
import { configSchema } from '../config/config-schema.js';
import { makeFixtureTempDir } from '../fixtures/fixture-temp-dir.js';
import { createSeededRandom, type SeededRandom } from '../fixtures/seeded-random.js';
import { type SyntheticVm, writeSyntheticHost } from '../fixtures/synthetic-host.js';
import type { Logger } from '../model/logger.js';

export const MUTATION_KINDS = [
  'huge-starttime',
  'negative-vmlck',
  'malformed-limits',
  'soft-above-hard',
  'vanish-status-blank-cmdline',
  'vanish-stat-blank-cmdline',
  'huge-status',
  'truncated-file',
  'random-bytes',
  'restore',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface HostFuzzOptions {
  /** Processes on the synthetic host (one in ten is a VM). */
  processCount: number;
  /** How many of the VMs get mutated; the rest are the untouched control group. */
  mutableVms: number;
  mutations: number;
  durationMs: number;
  seed: number;
  /** Bytes of padding of a huge status (10 MB in the issue). */
  hugeStatusBytes: number;
}

export interface HostFuzzFigures {
  vms: number;
  mutableVms: number;
  untouchedVms: number;
  mutationsApplied: Record<MutationKind, number>;
  durationSeconds: number;
  cycles: number;
  apiCalls: number;
  apiAnswersAtLeast500: number;
  /** API answers in which an untouched VM was missing or its figures differed from the generator's. */
  untouchedVmMismatches: number;
  /** API answers listing a VM with readComplete false (the mutations showing up as they should). */
  incompleteVmListings: number;
  /** pinwatch_store_errors_total at the end. */
  storeErrors: number;
  /** Logged "collection cycle failed" (a collector-level crash would be one). */
  failedCycles: number;
  collectorErrorsByReason: Record<string, number>;
  /** Warning lines the collectors' error log wrote (rate-limited per file and reason). */
  warnLogLines: number;
  peakRssMiB: number;
  problems: string[];
}

interface OriginalFiles {
  status: Buffer;
  stat: Buffer;
  limits: Buffer;
  cmdline: Buffer;
}

const FILES = ['status', 'stat', 'limits', 'cmdline'] as const;

function countingLogger(counts: { errors: string[]; warn: number }): Logger {
  return {
    debug() {},
    info() {},
    warn() {
      counts.warn += 1;
    },
    error(obj: object, msg?: string) {
      counts.errors.push(`${msg ?? ''} ${String((obj as { err?: unknown }).err ?? '')}`);
    },
  };
}

function metricSum(body: string, name: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const reason = /reason="([^"]*)"/.exec(line)?.[1] ?? '';
    sums[reason] = (sums[reason] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sums;
}

const paddingLines = new Map<number, Buffer>();
function paddingLine(bytes: number): Buffer {
  let line = paddingLines.get(bytes);
  if (!line) {
    line = Buffer.from(`Padding:\t${'x'.repeat(bytes)}\n`);
    paddingLines.set(bytes, line);
  }
  return line;
}

/** Apply one mutation to one VM's files (pid dir), returning what it did. */
function mutate(kind: MutationKind, dir: string, original: OriginalFiles, random: SeededRandom, hugeStatusBytes: number): void {
  const file = (name: (typeof FILES)[number]) => path.join(dir, name);
  const restore = () => {
    for (const name of FILES) fs.writeFileSync(file(name), original[name]);
  };
  switch (kind) {
    case 'huge-starttime': {
      const fields = original.stat.toString().trimEnd().split(' ');
      const close = fields.findIndex((f) => f.endsWith(')'));
      fields[close + 20] = '100000000000000000000000';
      fs.writeFileSync(file('stat'), `${fields.join(' ')}\n`);
      return;
    }
    case 'negative-vmlck':
      fs.writeFileSync(file('status'), original.status.toString().replace(/VmLck:.*\n/, 'VmLck:\t      -4 kB\n'));
      return;
    case 'malformed-limits':
      fs.writeFileSync(file('limits'), original.limits.toString().replace(/Max locked memory.*\n/, `Max locked memory         ${random.pick(['lots', '-1', '1e23', '18446744073709551616'])}                 unlimited            bytes     \n`));
      return;
    case 'soft-above-hard':
      fs.writeFileSync(file('limits'), original.limits.toString().replace(/Max locked memory.*\n/, 'Max locked memory         9999999999999        4096                 bytes     \n'));
      return;
    case 'vanish-status-blank-cmdline':
      fs.rmSync(file('status'), { force: true });
      fs.writeFileSync(file('cmdline'), '');
      return;
    case 'vanish-stat-blank-cmdline':
      fs.rmSync(file('stat'), { force: true });
      fs.writeFileSync(file('cmdline'), '');
      return;
    case 'huge-status':
      fs.writeFileSync(file('status'), Buffer.concat([original.status, paddingLine(hugeStatusBytes)]));
      return;
    case 'truncated-file': {
      const name = random.pick(FILES);
      fs.writeFileSync(file(name), original[name].subarray(0, random.int(0, original[name].length - 1)));
      return;
    }
    case 'random-bytes': {
      const name = random.pick(FILES);
      const bytes = Buffer.alloc(random.int(0, 400));
      for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(0, 255);
      fs.writeFileSync(file(name), bytes);
      return;
    }
    case 'restore':
      restore();
      return;
  }
}

interface VmJsonView {
  pid: number;
  startTimeTicks: number;
  vmName: string;
  lockedBytes: number;
  guestMemoryBytes: number | null;
  memlockLimit: { softBytes: number | null; hardBytes: number | null };
  readComplete: boolean;
}

function untouchedMismatch(vm: SyntheticVm, listed: VmJsonView | undefined): string | null {
  if (!listed) return `${vm.guestName} (pid ${vm.pid}) missing`;
  const expected = { startTimeTicks: vm.startTimeTicks, vmName: vm.guestName, lockedBytes: vm.lockedBytes, guestMemoryBytes: vm.guestMemoryBytes, readComplete: true };
  const actual = { startTimeTicks: listed.startTimeTicks, vmName: listed.vmName, lockedBytes: listed.lockedBytes, guestMemoryBytes: listed.guestMemoryBytes, readComplete: listed.readComplete };
  return JSON.stringify(expected) === JSON.stringify(actual) ? null : `${vm.guestName}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runHostFuzz(options: HostFuzzOptions): Promise<HostFuzzFigures> {
  const root = makeFixtureTempDir('pinwatch-fuzz-');
  const startedMs = Date.now();
  let runtime: PinwatchRuntime | null = null;
  const logCounts = { errors: [] as string[], warn: 0 };
  try {
    const host = writeSyntheticHost(path.join(root, 'host'), { processCount: options.processCount, seed: options.seed });
    const random = createSeededRandom(options.seed * 7919 + 1);
    const mutable = host.vms.slice(0, options.mutableVms);
    const untouched = host.vms.slice(options.mutableVms);
    const originals = new Map<number, OriginalFiles>();
    for (const vm of mutable) {
      const dir = path.join(host.paths.procfs, String(vm.pid));
      originals.set(vm.pid, { status: fs.readFileSync(path.join(dir, 'status')), stat: fs.readFileSync(path.join(dir, 'stat')), limits: fs.readFileSync(path.join(dir, 'limits')), cmdline: fs.readFileSync(path.join(dir, 'cmdline')) });
    }

    const config = configSchema.parse({
      path: host.paths,
      db: { path: path.join(root, 'pinwatch.db') },
      collection: { interval: 100, fullScanInterval: 2_000 },
      collector: { ebpf: false, kernel_log: false },
      ebpf: { source: 'off' },
    });
    runtime = composePinwatch(config, { logger: countingLogger(logCounts), httpLogger: null, withStore: true });
    const { app, daemon, metrics } = runtime;
    daemon.start();
    while (!daemon.isReady()) await sleep(10);

    const figures: HostFuzzFigures = {
      vms: host.vms.length,
      mutableVms: mutable.length,
      untouchedVms: untouched.length,
      mutationsApplied: Object.fromEntries(MUTATION_KINDS.map((k) => [k, 0])) as Record<MutationKind, number>,
      durationSeconds: 0,
      cycles: 0,
      apiCalls: 0,
      apiAnswersAtLeast500: 0,
      untouchedVmMismatches: 0,
      incompleteVmListings: 0,
      storeErrors: 0,
      failedCycles: 0,
      collectorErrorsByReason: {},
      warnLogLines: 0,
      peakRssMiB: 0,
      problems: [],
    };
    const noteProblem = (problem: string) => {
      if (figures.problems.length < 20) figures.problems.push(problem);
    };
    const checkApi = async () => {
      for (const url of ['/api/v1/vms', '/metrics', '/api/v1/vms?includeExited=true']) {
        const response = await app.inject({ url });
        figures.apiCalls += 1;
        if (response.statusCode >= 500) {
          figures.apiAnswersAtLeast500 += 1;
          noteProblem(`${url}: ${response.statusCode} ${response.body.slice(0, 200)}`);
          continue;
        }
        if (url !== '/api/v1/vms') continue;
        const listed = (response.json() as { vms: VmJsonView[] }).vms;
        const byPid = new Map(listed.map((vm) => [vm.pid, vm]));
        figures.incompleteVmListings += listed.filter((vm) => !vm.readComplete).length;
        for (const vm of untouched) {
          const mismatch = untouchedMismatch(vm, byPid.get(vm.pid));
          if (mismatch) {
            figures.untouchedVmMismatches += 1;
            noteProblem(mismatch);
          }
        }
      }
      figures.peakRssMiB = Math.max(figures.peakRssMiB, process.memoryUsage().rss / 2 ** 20);
    };

    const hugeAt = new Set<number>();
    const pauseMs = options.durationMs / options.mutations;
    const mutationsStartMs = Date.now();
    for (let i = 0; i < options.mutations; i++) {
      const vm = random.pick(mutable);
      const kind = random.pick(MUTATION_KINDS);
      const dir = path.join(host.paths.procfs, String(vm.pid));
      const original = originals.get(vm.pid) as OriginalFiles;
      // At most 3 huge status files at once: the run must not fill a shared tmpfs.
      if (kind === 'huge-status' && hugeAt.size >= 3) {
        const [oldest] = hugeAt;
        if (oldest !== undefined) {
          mutate('restore', path.join(host.paths.procfs, String(oldest)), originals.get(oldest) as OriginalFiles, random, 0);
          hugeAt.delete(oldest);
        }
      }
      // Every mutation starts from the good files, so its effect is the named one.
      mutate('restore', dir, original, random, 0);
      hugeAt.delete(vm.pid);
      mutate(kind, dir, original, random, options.hugeStatusBytes);
      if (kind === 'huge-status') hugeAt.add(vm.pid);
      figures.mutationsApplied[kind] += 1;
      if (i % 5 === 0) await checkApi();
      // Paced by deadline, not by a fixed sleep: on a loaded machine the run still takes
      // about durationMs, the daemon's cycles interleaving with the mutations.
      const behindMs = mutationsStartMs + (i + 1) * pauseMs - Date.now();
      await (behindMs > 0 ? sleep(behindMs) : new Promise((resolve) => setImmediate(resolve)));
    }
    // Restore all, let two cycles run, check once more.
    for (const vm of mutable) mutate('restore', path.join(host.paths.procfs, String(vm.pid)), originals.get(vm.pid) as OriginalFiles, random, 0);
    await sleep(300);
    await checkApi();
    await daemon.stop();

    const body = metrics.render('prometheus').body;
    figures.cycles = Object.values(metricSum(body, 'pinwatch_collection_cycles_total')).reduce((a, b) => a + b, 0);
    figures.storeErrors = Object.values(metricSum(body, 'pinwatch_store_errors_total')).reduce((a, b) => a + b, 0);
    figures.collectorErrorsByReason = metricSum(body, 'pinwatch_collector_errors_total');
    figures.failedCycles = logCounts.errors.filter((line) => line.startsWith('collection cycle failed')).length;
    for (const line of logCounts.errors) noteProblem(`logged error: ${line.slice(0, 300)}`);
    figures.warnLogLines = logCounts.warn;
    figures.durationSeconds = (Date.now() - startedMs) / 1000;
    figures.peakRssMiB = Math.round(Math.max(figures.peakRssMiB, process.memoryUsage().rss / 2 ** 20));
    return figures;
  } finally {
    await runtime?.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export function formatFuzzFigures(f: HostFuzzFigures): string {
  const kinds = Object.entries(f.mutationsApplied).map(([k, n]) => `${k} ${n}`).join(', ');
  const errors = Object.entries(f.collectorErrorsByReason).map(([k, n]) => `${k} ${n}`).join(', ');
  return [
    `host fuzz: ${f.vms} VMs (${f.mutableVms} mutated, ${f.untouchedVms} untouched), ${Object.values(f.mutationsApplied).reduce((a, b) => a + b, 0)} mutations in ${f.durationSeconds.toFixed(1)} s`,
    `  mutations: ${kinds}`,
    `  cycles ${f.cycles}, failed cycles ${f.failedCycles}, store errors ${f.storeErrors}`,
    `  API calls ${f.apiCalls}, answers >= 500: ${f.apiAnswersAtLeast500}, untouched-VM mismatches ${f.untouchedVmMismatches}, incomplete VM listings ${f.incompleteVmListings}`,
    `  collector errors: ${errors}; warning log lines ${f.warnLogLines}; peak RSS ${f.peakRssMiB} MiB`,
    ...f.problems.map((p) => `  problem: ${p}`),
  ].join('\n');
}
