/**
 * Which kernel functions to probe on THIS host, and how: resolved from /proc/kallsyms,
 * available_filter_functions and BTF, never from the kernel version string (docs/kernel.md
 * section 5: static functions are inlined or cloned differently by every compiler).
 * Pure: the readers in plan-inputs-reader.ts gather the inputs.
 *
 * Rules, each proven on the four captured kernels (fixtures/captures/kernels/):
 * - fentry/fexit (bpftrace kfunc/kretfunc) only when BTF has the function AND kallsyms
 *   has its exact name (6.12's BTF lists `vfio_lock_acct` but only `.part.0` exists:
 *   fentry would fail to attach) AND ftrace can trace it. They cost several times less
 *   than kprobes, which matters on the pin path (once per page for zero-page mappings).
 * - Compiler clones (.part.N/.isra.N/.constprop.N) only through kprobes; `.cold` parts
 *   are not entry points.
 * - Applied charges come from mm_lock_acct where it exists (7.2's pin path calls it
 *   directly, bypassing the vfio_lock_acct clone); else from the vfio_lock_acct clone
 *   returning 0 (5.10); else __account_locked_vm limited to VFIO callers.
 * - Per-page functions stay out unless asked for.
 */
import type { BtfFunctionIndex, BtfParam, KallsymsIndex } from './kernel-symbols.js';
import {
  iommufdAccountingProgram,
  mmLockAcctKfuncProgram,
  pinProgram,
  releaseProgram,
  reservedPfnProgram,
  signedChargeKprobeProgram,
  vfioScopeProgram,
  type AttachKind,
  type ProbeProgram,
} from './probe-programs.js';

export const VFIO_TYPE1_MODULE = 'vfio_iommu_type1';
export const IOMMUFD_MODULE = 'iommufd';

export type ProbeRole =
  | 'pin'
  | 'charge-applied'
  | 'charge-failed'
  | 'release'
  | 'vfio-scope'
  | 'iommufd-accounting'
  | 'reserved-pfn';

export interface PlannedProbe extends ProbeProgram {
  role: ProbeRole;
  /** The source-level function (vfio_lock_acct), as docs/kernel.md names it. */
  function: string;
  /** What is attached: the exact name or the compiler clones. */
  symbols: string[];
  module: string | null;
  attach: AttachKind;
  /** Why this symbol and this attach kind, in words for `pinwatch doctor`. */
  why: string;
  /** What the probe counts, for `pinwatch doctor`. */
  counts: string;
}

export interface PlanGap {
  /** blocking: no probe can run; degraded: some numbers are missing or less exact; info: by design. */
  severity: 'blocking' | 'degraded' | 'info';
  what: string;
  fix: string;
}

export interface PlanInputs {
  kallsyms: KallsymsIndex;
  /** available_filter_functions names, or null when the file could not be read. */
  traceable: Set<string> | null;
  /** Module BTF FUNCs with their parameters (from `bpftrace -lv 'kfunc:MODULE:*'`). */
  btf: BtfFunctionIndex;
  /** false when bpftrace reports kfunc/kretfunc unavailable (no BPF trampolines or no module BTF). */
  kfuncSupported: boolean;
  /** Field names of struct vfio_dma in module BTF, or null when unknown. */
  vfioDmaFields: Set<string> | null;
  /**
   * bpftrace compiled a kprobe program reading `curtask->mm` on this host (it has kernel
   * BTF it can use for struct task_struct). False on Debian 11's 5.10 with bpftrace 0.17
   * although /sys/kernel/btf/vmlinux exists ("Unknown struct/union: 'struct task_struct'").
   */
  taskStructBtf: boolean;
  modules: { vfioIommuType1: boolean; iommufd: boolean };
  /** Opt-in per-page probes (is_invalid_reserved_pfn): costly on big guests. */
  perPageProbes: boolean;
}

export interface ProbePlan {
  probes: PlannedProbe[];
  gaps: PlanGap[];
  /** At least the pin and release probes resolved: worth starting bpftrace. */
  runnable: boolean;
  /** How releases are attributed: the mapping's task (BTF) or the running context. */
  releaseAttribution: 'dma-task' | 'context';
  attachPoints: number;
}

interface Located {
  exact: string | null;
  clones: string[];
  module: string | null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The exact symbol and its callable clones (never `.cold`), filtered to traceable ones. */
function locate(inputs: PlanInputs, fn: string): Located | null {
  const clonePattern = new RegExp(`^${escapeRegExp(fn)}(\\.(part|isra|constprop|llvm)\\.\\d+)+$`);
  const traceable = (name: string): boolean => inputs.traceable === null || inputs.traceable.has(name);
  let exact: string | null = null;
  const clones: string[] = [];
  let module: string | null = null;
  for (const symbol of inputs.kallsyms.values()) {
    if (symbol.name === fn && traceable(fn)) {
      exact = fn;
      module = symbol.module;
    } else if (clonePattern.test(symbol.name) && traceable(symbol.name)) {
      clones.push(symbol.name);
      module ??= symbol.module;
    }
  }
  if (exact === null && clones.length === 0) return null;
  return { exact, clones: clones.sort(), module };
}

type KfuncCheck = { ok: true; params: BtfParam[] } | { ok: false; reason: string };

function kfuncCheck(inputs: PlanInputs, module: string, fn: string, located: Located | null, needed: string[]): KfuncCheck {
  if (!inputs.kfuncSupported) return { ok: false, reason: 'bpftrace reports kfunc/kretfunc unavailable on this kernel' };
  const params = inputs.btf.get(module)?.get(fn);
  if (!params) return { ok: false, reason: `${module} BTF has no FUNC ${fn}` };
  if (!located?.exact) {
    return {
      ok: false,
      reason: `BTF lists ${fn} but /proc/kallsyms has no symbol of that name${
        located?.clones.length ? ` (only ${located.clones.join(', ')})` : ''
      }: fentry cannot attach to it`,
    };
  }
  const names = new Set(params.map((p) => p.name));
  const missing = needed.filter((n) => !names.has(n));
  if (missing.length) return { ok: false, reason: `BTF signature of ${fn} lacks ${missing.join(', ')}` };
  return { ok: true, params };
}

function symbolsOf(located: Located): string[] {
  return located.exact ? [located.exact] : located.clones;
}

function describeSymbols(located: Located): string {
  return located.exact ? `exact symbol ${located.exact}` : `compiler clone ${located.clones.join(', ')}`;
}

export function resolveProbePlan(inputs: PlanInputs): ProbePlan {
  const probes: PlannedProbe[] = [];
  const gaps: PlanGap[] = [];
  // Kernel threads (no mm) releasing after the VFIO user is gone are told apart only where
  // bpftrace can read curtask->mm; elsewhere nothing reads curtask (the program must load).
  const kernelThreadCheck = inputs.taskStructBtf;

  if (!inputs.modules.vfioIommuType1 && !inputs.modules.iommufd) {
    gaps.push({
      severity: 'blocking',
      what: 'neither vfio_iommu_type1 nor iommufd is loaded: there is nothing to probe yet',
      fix: 'nothing to do until a VM with a VFIO device starts (the module loads then); pinwatch re-plans every minute',
    });
  }

  let pinResolved = false;
  let releaseResolved = false;
  let releaseAttribution: ProbePlan['releaseAttribution'] = 'context';

  if (inputs.modules.vfioIommuType1) {
    const M = VFIO_TYPE1_MODULE;
    // ---- pin: vfio_pin_pages_remote
    const pin = locate(inputs, 'vfio_pin_pages_remote');
    if (!pin) {
      gaps.push({
        severity: 'blocking',
        what: 'vfio_pin_pages_remote is not in /proc/kallsyms (or not traceable): pins cannot be counted',
        fix: 'check that vfio_iommu_type1 is the loaded VFIO backend; report the kernel build to pinwatch',
      });
    } else {
      const check = kfuncCheck(inputs, M, 'vfio_pin_pages_remote', pin, []);
      const attach: AttachKind = check.ok ? 'kfunc' : 'kprobe';
      const symbols = attach === 'kfunc' ? [pin.exact as string] : symbolsOf(pin);
      probes.push({
        role: 'pin',
        function: 'vfio_pin_pages_remote',
        symbols,
        module: M,
        attach,
        why:
          attach === 'kfunc'
            ? 'exact symbol in kallsyms and FUNC in module BTF: fexit, cheaper than a kretprobe (runs once per page for zero-page mappings)'
            : `${describeSymbols(pin)}; kretprobe because ${check.ok ? '' : check.reason}`,
        counts: 'calls, pages pinned per contiguous run (return > 0), MAP_DMA failures by errno (return < 0), per tgid of the caller (MAP_DMA runs in the VMM)',
        ...pinProgram(attach, M, symbols),
      });
      pinResolved = true;
    }

    // ---- charge applied / failed
    const mmLock = locate(inputs, 'mm_lock_acct');
    const lockAcct = locate(inputs, 'vfio_lock_acct');
    if (mmLock) {
      const check = kfuncCheck(inputs, M, 'mm_lock_acct', mmLock, ['task', 'npage']);
      if (check.ok) {
        probes.push({
          role: 'charge-applied',
          function: 'mm_lock_acct',
          symbols: ['mm_lock_acct'],
          module: M,
          attach: 'kfunc',
          why: 'every locked_vm change of type1 goes through mm_lock_acct (7.2 calls it directly from the pin path, so vfio_lock_acct alone misses increments); BTF gives npage and the owning task by name',
          counts: 'pages charged (return 0, npage > 0) and un-charged (npage < 0), failures by errno, per tgid of the task that owns the mapping',
          ...mmLockAcctKfuncProgram(M, 'mm_lock_acct'),
        });
      } else {
        const symbols = symbolsOf(mmLock);
        probes.push({
          role: 'charge-applied',
          function: 'mm_lock_acct',
          symbols,
          module: M,
          attach: 'kprobe',
          why: `${describeSymbols(mmLock)}; kprobe+kretprobe because ${check.reason}; npage is the 4th argument (arg3)`,
          counts: 'pages charged and un-charged (return 0), failures by errno, per tgid of the running context',
          ...signedChargeKprobeProgram({
            symbols,
            npageExpression: '(int64)arg3',
            mode: 'applied-and-failed',
            tempMap: '@mm_npage',
            entryFilter: null,
            kernelThreadCheck,
          }),
        });
      }
      if (lockAcct && lockAcct.clones.length > 0 && !lockAcct.exact) {
        probes.push({
          role: 'charge-failed',
          function: 'vfio_lock_acct',
          symbols: lockAcct.clones,
          module: M,
          attach: 'kprobe',
          why: `only the compiler clone ${lockAcct.clones.join(', ')} exists (fentry needs the exact name); npage is arg1; it decides -ESRCH (process gone at exit) before mm_lock_acct is reached`,
          counts: 'un-charges that failed with ESRCH because the mm was already gone (other failures are counted at mm_lock_acct)',
          ...signedChargeKprobeProgram({
            symbols: lockAcct.clones,
            npageExpression: '(int64)arg1',
            mode: 'esrch-only',
            tempMap: '@acct_npage',
            entryFilter: null,
            kernelThreadCheck: false,
          }),
        });
      } else if (lockAcct?.exact) {
        const check2 = kfuncCheck(inputs, M, 'vfio_lock_acct', lockAcct, ['npage']);
        probes.push({
          role: 'charge-failed',
          function: 'vfio_lock_acct',
          symbols: [lockAcct.exact],
          module: M,
          attach: 'kprobe',
          why: `exact symbol vfio_lock_acct; kprobe+kretprobe (${check2.ok ? 'fexit would do too; one path for all kernels' : check2.reason}); it decides -ESRCH before mm_lock_acct`,
          counts: 'un-charges that failed with ESRCH because the mm was already gone',
          ...signedChargeKprobeProgram({
            symbols: [lockAcct.exact],
            npageExpression: '(int64)arg1',
            mode: 'esrch-only',
            tempMap: '@acct_npage',
            entryFilter: null,
            kernelThreadCheck: false,
          }),
        });
      } else {
        gaps.push({
          severity: 'degraded',
          what: 'vfio_lock_acct is inlined on this kernel: un-charges that fail with ESRCH at process exit cannot be seen',
          fix: 'none needed for the main numbers; leaks after exit are still judged from pins and releases',
        });
      }
    } else if (lockAcct) {
      // 5.10: no mm_lock_acct; the clone applies the charge itself and returns 0.
      const symbols = symbolsOf(lockAcct);
      probes.push({
        role: 'charge-applied',
        function: 'vfio_lock_acct',
        symbols,
        module: M,
        attach: 'kprobe',
        why: `no mm_lock_acct on this kernel; ${describeSymbols(lockAcct)} applies the charge (return 0) or fails (-ENOMEM over the limit, -ESRCH at exit); npage is arg1`,
        counts: 'pages charged and un-charged (return 0), failed charges by errno with their pages, per tgid of the running context',
        ...signedChargeKprobeProgram({
          symbols,
          npageExpression: '(int64)arg1',
          mode: 'applied-and-failed',
          tempMap: '@acct_npage',
          entryFilter: null,
          kernelThreadCheck,
        }),
      });
    } else {
      const alv = locate(inputs, '__account_locked_vm');
      const scope = ['vfio_pin_pages_remote', 'vfio_unpin_pages_remote', 'vfio_unmap_unpin']
        .map((fn) => locate(inputs, fn))
        .filter((l): l is Located => l !== null)
        .flatMap(symbolsOf);
      if (alv?.exact && scope.length > 0) {
        probes.push({
          role: 'vfio-scope',
          function: 'vfio_pin_pages_remote/vfio_unpin_pages_remote/vfio_unmap_unpin',
          symbols: scope,
          module: M,
          attach: 'kprobe',
          why: 'marks threads inside VFIO so that __account_locked_vm counts only VFIO charges',
          counts: 'nothing (scope marker)',
          ...vfioScopeProgram(scope),
        });
        probes.push({
          role: 'charge-applied',
          function: '__account_locked_vm',
          symbols: [alv.exact],
          module: null,
          attach: 'kprobe',
          why: 'last resort: neither mm_lock_acct nor a vfio_lock_acct symbol exists (inlined); __account_locked_vm (mm/util.c) is exported, limited to calls made inside the VFIO pin/unpin paths',
          counts: 'pages charged and un-charged inside VFIO (return 0), failures by errno',
          ...signedChargeKprobeProgram({
            symbols: [alv.exact],
            npageExpression: '(arg2 & 0xff) ? (int64)arg1 : -(int64)arg1',
            mode: 'applied-and-failed',
            tempMap: '@alv_npage',
            entryFilter: '@vfio_depth[tid] > 0',
            kernelThreadCheck,
          }),
        });
        gaps.push({
          severity: 'degraded',
          what: 'charges are read from __account_locked_vm inside VFIO callers (vfio_lock_acct and mm_lock_acct are inlined): charges made from other VFIO paths (mdev pins) are missed',
          fix: 'none; report the kernel build so a better attach point can be added',
        });
      } else {
        gaps.push({
          severity: 'degraded',
          what: 'no VFIO accounting function is visible (mm_lock_acct, vfio_lock_acct and __account_locked_vm all missing): charges cannot be measured, only pins and releases',
          fix: 'report the kernel build to pinwatch',
        });
      }
    }

    // ---- release: vfio_unpin_pages_remote
    const unpin = locate(inputs, 'vfio_unpin_pages_remote');
    if (!unpin) {
      gaps.push({
        severity: 'degraded',
        what: 'vfio_unpin_pages_remote is not visible: releases (and so leaks after exit) cannot be counted',
        fix: 'report the kernel build to pinwatch',
      });
    } else {
      const check = kfuncCheck(inputs, M, 'vfio_unpin_pages_remote', unpin, ['dma']);
      const attach: AttachKind = check.ok ? 'kfunc' : 'kprobe';
      const ownerFromDmaTask = attach === 'kfunc' && (inputs.vfioDmaFields?.has('task') ?? false);
      const symbols = attach === 'kfunc' ? [unpin.exact as string] : symbolsOf(unpin);
      releaseAttribution = ownerFromDmaTask ? 'dma-task' : 'context';
      probes.push({
        role: 'release',
        function: 'vfio_unpin_pages_remote',
        symbols,
        module: M,
        attach,
        why:
          attach === 'kfunc'
            ? `exact symbol and BTF FUNC: fexit${ownerFromDmaTask ? '; struct vfio_dma has task, so releases after exit are attributed to dma->task->tgid' : '; struct vfio_dma.task unknown, releases attributed to the running context'}`
            : `${describeSymbols(unpin)}; kretprobe because ${check.ok ? '' : check.reason}; releases attributed to the running context${kernelThreadCheck ? ', kernel threads counted as unattributed' : ''}`,
        counts: 'calls and pages actually released (reserved pfns excluded), per owning tgid',
        ...releaseProgram({ attach, module: M, symbols, ownerFromDmaTask, kernelThreadCheck }),
      });
      releaseResolved = true;
      if (!ownerFromDmaTask && !kernelThreadCheck) {
        gaps.push({
          severity: 'info',
          what: 'bpftrace cannot read struct task_struct on this host (no kernel BTF it can use), so the program does not check curtask->mm: releases and un-charges count under the tgid of the context they run in (the VFIO user itself at unmap, close and exit; a kernel thread releasing a mapping is counted under its own pid, which is no VM)',
          fix: 'none needed for the counts; a kernel with BTF that bpftrace reads (Debian 12 and later) attributes by dma->task instead',
        });
      }
      if (!ownerFromDmaTask) {
        gaps.push({
          severity: 'info',
          what: `releases are attributed to the context they run in${kernelThreadCheck ? '; those run by a kernel thread (fd release after exit) are counted as unattributed' : ''}`,
          fix: 'needs module BTF with struct vfio_dma (CONFIG_DEBUG_INFO_BTF_MODULES=y) to attribute by dma->task',
        });
      }
    }

    // ---- opt-in per-page probe
    if (inputs.perPageProbes) {
      const reserved = locate(inputs, 'is_invalid_reserved_pfn');
      if (reserved) {
        const symbols = symbolsOf(reserved);
        probes.push({
          role: 'reserved-pfn',
          function: 'is_invalid_reserved_pfn',
          symbols,
          module: M,
          attach: 'kprobe',
          why: 'opt-in: confirms reserved pfns one by one. COST: runs once per 4 KiB page mapped (a 1 TiB guest is 268 million calls)',
          counts: 'reserved pfns seen (diagnostic only)',
          ...reservedPfnProgram(symbols),
        });
      } else {
        gaps.push({
          severity: 'info',
          what: 'is_invalid_reserved_pfn is inlined on this kernel: the per-page reserved-pfn probe is not available',
          fix: 'none: mapped-but-not-charged pages are still computed from pins and charges',
        });
      }
    }
  }

  // ---- iommufd
  if (inputs.modules.iommufd) {
    const candidates = ['iopt_pages_update_pinned', 'do_update_pinned'];
    const found = candidates.map((fn) => ({ fn, located: locate(inputs, fn) })).find((c) => c.located !== null);
    if (!found || !found.located) {
      gaps.push({
        severity: 'degraded',
        what: 'iommufd is loaded but neither do_update_pinned nor iopt_pages_update_pinned is visible: iommufd pins are not measured (VmPin still is)',
        fix: 'report the kernel build to pinwatch',
      });
    } else {
      const check = kfuncCheck(inputs, IOMMUFD_MODULE, found.fn, found.located, ['npages', 'inc']);
      const attach: AttachKind = check.ok ? 'kfunc' : 'kprobe';
      const symbols = attach === 'kfunc' ? [found.fn] : symbolsOf(found.located);
      probes.push({
        role: 'iommufd-accounting',
        function: found.fn,
        symbols,
        module: IOMMUFD_MODULE,
        attach,
        why:
          attach === 'kfunc'
            ? 'exact symbol and BTF FUNC: fexit; every iommufd charge (locked_vm in MM/USER mode and pinned_vm) goes through it'
            : `${describeSymbols(found.located)}; kprobe because ${check.ok ? '' : check.reason}; npages = arg1, inc = arg2`,
        counts: 'pages iommufd charged and un-charged (return 0), failures by errno, per tgid of the caller',
        ...iommufdAccountingProgram(attach, IOMMUFD_MODULE, symbols),
      });
    }
  }

  const runnable = pinResolved && releaseResolved;
  return {
    probes,
    gaps,
    runnable: runnable || (inputs.modules.iommufd && probes.some((p) => p.role === 'iommufd-accounting')),
    releaseAttribution,
    attachPoints: probes.reduce((total, probe) => total + probe.attachPoints, 0),
  };
}
