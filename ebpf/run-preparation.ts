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

/** The generated program compiled by the host's bpftrace without loading it. */
export interface CompileCheck {
  ok: boolean;
  /** What was run, for `pinwatch doctor`. */
  command: string;
  /** bpftrace's first error line (`stdin:43:7-19: ERROR: ...`), null when it compiled. */
  error: string | null;
}

export type RunPreparation =
  | { ok: true; command: string; args: string[]; script: string; plan: ProbePlan; checks: PreconditionCheck[]; compile?: CompileCheck }
  | {
      ok: false;
      reason: string;
      retryable: boolean;
      plan: ProbePlan | null;
      checks: PreconditionCheck[];
      /** 'compile': the generated program does not compile here (permanent, state failed). */
      failure?: 'precondition' | 'plan' | 'compile';
      compile?: CompileCheck;
    };

/**
 * bpftrace's error lines: "stdin:43:7-19: ERROR: ..." or "ERROR: ...". The RLIMIT_MEMLOCK
 * notice bpftrace 0.17 prints as an ERROR when it cannot raise its own limit is not fatal.
 */
export function isBpftraceError(line: string): boolean {
  return /(^|: )ERROR: /.test(line) && !/couldn't set RLIMIT_MEMLOCK/.test(line);
}

/** bpftrace's first real error line, else the last line it printed, else its exit code. */
export function bpftraceErrorLine(result: CommandResult): string {
  const lines = `${result.stderr}\n${result.stdout}`.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.find(isBpftraceError) ?? lines.filter((line) => !/RLIMIT_MEMLOCK/.test(line)).at(-1) ?? `exit code ${result.exitCode}`;
}

/**
 * Compiles a program with the host's bpftrace WITHOUT loading it: bpftrace 0.17's
 * `--emit-elf FILE` ("(dry run) generate ELF file with bpf programs", bpftrace --help)
 * runs the parser, the semantic analyser (which resolves kernel types: this is where
 * 5.10's "Unknown struct/union: 'struct task_struct'" comes from) and code generation,
 * then exits before attaching anything. The ELF itself is not needed: /dev/null.
 */
export async function compileBpftraceProgram(
  runCommand: RunPreparationDeps['runCommand'],
  bpftrace: string,
  program: string,
): Promise<CompileCheck> {
  const result = await runCommand(bpftrace, ['--emit-elf', '/dev/null', '-e', program], 120_000);
  const command = `${bpftrace} --emit-elf /dev/null -e <program>`;
  if (result.exitCode === 0) return { ok: true, command, error: null };
  return { ok: false, command, error: bpftraceErrorLine(result) };
}

/**
 * Whether this bpftrace can read `curtask->mm` in a kprobe program: it needs kernel BTF
 * it can use for struct task_struct. /sys/kernel/btf/vmlinux existing is not enough:
 * Debian 11's 5.10 kernel has it, and bookworm's bpftrace 0.17 still fails there with
 * "Unknown struct/union: 'struct task_struct'". So ask bpftrace itself.
 */
const CURTASK_MM_PROBE = 'BEGIN { if (curtask->mm == 0) { exit(); } exit(); }';

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
      failure: 'precondition',
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
  const taskStructBtf =
    exists(sysPath(paths, 'kernel', 'btf', 'vmlinux')) && (await compileBpftraceProgram(deps.runCommand, bpftrace, CURTASK_MM_PROBE)).ok;
  const plan = resolveProbePlan({
    kallsyms: parseKallsyms(kallsymsText, isPlanSymbol),
    traceable: traceableText === null ? null : parseAvailableFilterFunctions(traceableText, isPlanSymbol),
    btf,
    kfuncSupported,
    vfioDmaFields,
    taskStructBtf,
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
      failure: 'plan',
    };
  }
  const script = generateBpftraceScript(plan, { intervalSeconds: deps.intervalSeconds, kernelRelease: readOptional(procPath(paths, 'sys', 'kernel', 'osrelease'))?.trim() ?? null });
  const compile = await compileBpftraceProgram(deps.runCommand, bpftrace, script);
  if (!compile.ok) {
    return {
      ok: false,
      reason: `bpftrace cannot compile the probe program: ${compile.error}`,
      retryable: false,
      plan,
      checks,
      failure: 'compile',
      compile,
    };
  }
  return { ok: true, command: bpftrace, args: ['-f', 'json', '-B', 'none', '-e', script], script, plan, checks, compile };
}
