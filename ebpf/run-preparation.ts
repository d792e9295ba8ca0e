/**
 * Reads what the probe plan needs off this host (through HostPaths roots), checks the
 * preconditions, resolves the plan and generates the script. Runs at start-up and at
 * each re-plan (module loaded later, bpftrace restart), never per scrape.
 */
import fs from 'node:fs';
import path from 'node:path';
import { procPath, sysPath, type HostPaths } from '../collectors/host-paths.js';
import { generateBpftraceScript } from './bpftrace-script.js';
import { checkPreconditions, parseCapEff, type PreconditionCheck, type PreconditionFacts } from './ebpf-preconditions.js';
import {
  parseAvailableFilterFunctions,
  parseBpftraceKfuncListing,
  parseBtfStructFields,
  parseKallsyms,
  type BtfFunctionIndex,
} from './kernel-symbols.js';
import { IOMMUFD_MODULE, resolveProbePlan, VFIO_TYPE1_MODULE, type ProbePlan } from './probe-plan.js';

/** Functions the plan may use (exact names; clones are matched by prefix). */
const PLAN_FUNCTIONS = [
  'vfio_pin_pages_remote',
  'vfio_lock_acct',
  'mm_lock_acct',
  '__account_locked_vm',
  'vfio_unpin_pages_remote',
  'vfio_unmap_unpin',
  'is_invalid_reserved_pfn',
  'do_update_pinned',
  'iopt_pages_update_pinned',
];

export function isPlanSymbol(name: string): boolean {
  return PLAN_FUNCTIONS.some((fn) => name === fn || (name.startsWith(`${fn}.`) && !name.endsWith('.cold')));
}

export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface RunPreparationDeps {
  paths: HostPaths;
  /** The PATH to search for bpftrace (process.env.PATH in production). */
  searchPath: string;
  /** Runs a short command (bpftrace -lv) with a deadline. */
  runCommand(command: string, args: string[], timeoutMs: number): Promise<CommandResult>;
  intervalSeconds: number;
  perPageProbes: boolean;
}

export type RunPreparation =
  | { ok: true; command: string; args: string[]; script: string; plan: ProbePlan; checks: PreconditionCheck[] }
  | { ok: false; reason: string; retryable: boolean; plan: ProbePlan | null; checks: PreconditionCheck[] };

export function findOnPath(command: string, searchPath: string): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here: keep searching the next PATH entry
    }
  }
  return null;
}

function readOptional(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function exists(file: string): boolean {
  try {
    fs.statSync(file);
    return true;
  } catch {
    return false;
  }
}

function findTracingDir(paths: HostPaths): string | null {
  for (const candidate of [sysPath(paths, 'kernel', 'tracing'), sysPath(paths, 'kernel', 'debug', 'tracing')]) {
    if (exists(path.join(candidate, 'kprobe_events')) || exists(path.join(candidate, 'available_filter_functions'))) return candidate;
  }
  return exists(sysPath(paths, 'kernel', 'tracing')) ? sysPath(paths, 'kernel', 'tracing') : null;
}

export function readPreconditionFacts(deps: Pick<RunPreparationDeps, 'paths' | 'searchPath'>): PreconditionFacts {
  const { paths } = deps;
  const tracingDir = findTracingDir(paths);
  const status = readOptional(procPath(paths, 'self', 'status'));
  return {
    bpftracePath: findOnPath('bpftrace', deps.searchPath),
    capEffHex: status === null ? null : parseCapEff(status),
    tracingDir,
    kprobeEventsPresent: tracingDir !== null && exists(path.join(tracingDir, 'kprobe_events')),
    vfioType1Loaded: exists(sysPath(paths, 'module', VFIO_TYPE1_MODULE)),
    iommufdLoaded: exists(sysPath(paths, 'module', IOMMUFD_MODULE)),
    moduleBtfPresent: exists(sysPath(paths, 'kernel', 'btf', VFIO_TYPE1_MODULE)),
  };
}

/** bpftrace -lv 'kfunc:MODULE:*': the module's BTF FUNCs with parameter names. */
async function listKfuncs(
  deps: RunPreparationDeps,
  bpftrace: string,
  module: string,
): Promise<{ index: BtfFunctionIndex; supported: boolean }> {
  const result = await deps.runCommand(bpftrace, ['-lv', `kfunc:${module}:*`], 60_000);
  const supported = !/kfunc\/kretfunc not available/.test(result.stderr + result.stdout);
  return { index: parseBpftraceKfuncListing(result.stdout, module), supported };
}

export async function prepareBpftraceRun(deps: RunPreparationDeps): Promise<RunPreparation> {
  const facts = readPreconditionFacts(deps);
  const checks = checkPreconditions(facts);
  const failed = checks.filter((check) => !check.ok);
  if (failed.length > 0 || !facts.bpftracePath) {
    return {
      ok: false,
      reason: failed.map((check) => check.detail).join('; '),
      retryable: failed.every((check) => check.retryable),
      plan: null,
      checks,
    };
  }
  const bpftrace = facts.bpftracePath;
  const { paths } = deps;
  const kallsymsText = readOptional(procPath(paths, 'kallsyms')) ?? '';
  const traceableText = facts.tracingDir ? readOptional(path.join(facts.tracingDir, 'available_filter_functions')) : null;
  const btf: BtfFunctionIndex = new Map();
  let kfuncSupported = false;
  let vfioDmaFields: Set<string> | null = null;
  if (facts.moduleBtfPresent) {
    const listed = await listKfuncs(deps, bpftrace, VFIO_TYPE1_MODULE);
    kfuncSupported = listed.supported;
    for (const [module, functions] of listed.index) btf.set(module, functions);
    const struct = await deps.runCommand(bpftrace, ['-lv', 'struct vfio_dma'], 60_000);
    const fields = parseBtfStructFields(struct.stdout);
    vfioDmaFields = fields.size > 0 ? fields : null;
  }
  if (facts.iommufdLoaded && exists(sysPath(paths, 'kernel', 'btf', IOMMUFD_MODULE))) {
    const listed = await listKfuncs(deps, bpftrace, IOMMUFD_MODULE);
    kfuncSupported = kfuncSupported || listed.supported;
    for (const [module, functions] of listed.index) btf.set(module, functions);
  }
  const plan = resolveProbePlan({
    kallsyms: parseKallsyms(kallsymsText, isPlanSymbol),
    traceable: traceableText === null ? null : parseAvailableFilterFunctions(traceableText, isPlanSymbol),
    btf,
    kfuncSupported,
    vfioDmaFields,
    vmlinuxBtf: exists(sysPath(paths, 'kernel', 'btf', 'vmlinux')),
    modules: { vfioIommuType1: facts.vfioType1Loaded, iommufd: facts.iommufdLoaded },
    perPageProbes: deps.perPageProbes,
  });
  if (!plan.runnable) {
    const blocking = plan.gaps.filter((gap) => gap.severity === 'blocking').map((gap) => gap.what);
    return {
      ok: false,
      reason: blocking.length ? blocking.join('; ') : 'the probe plan has no pin and release probes',
      retryable: true,
      plan,
      checks,
    };
  }
  const script = generateBpftraceScript(plan, { intervalSeconds: deps.intervalSeconds, kernelRelease: readOptional(procPath(paths, 'sys', 'kernel', 'osrelease'))?.trim() ?? null });
  return { ok: true, command: bpftrace, args: ['-f', 'json', '-B', 'none', '-e', script], script, plan, checks };
}
