/**
 * The bpftrace program fragments pinwatch can attach, as data (cloudflare/ebpf_exporter
 * style): each builder returns the program text for the symbols the plan resolved, and
 * names the maps it writes. The maps and their meaning are the contract with
 * bpftrace-output.ts (MAP_DECODERS); every map is keyed by a tgid cast to uint64 so that
 * kfunc (`args->task->tgid`, int) and kprobe (`pid`) programs agree on key types.
 *
 * Signatures (drivers/vfio/vfio_iommu_type1.c, 5.10 .. 7.2, checked against the
 * captured symbol reports in fixtures/captures/kernels/):
 *   long vfio_pin_pages_remote(dma, vaddr, npage, *pfn_base, limit[, batch])
 *        > 0: pages in ONE contiguous run (reserved ones included), < 0: -errno.
 *   int  vfio_lock_acct(dma, long npage, bool async): only clones exist
 *        (vfio_lock_acct.part.0, npage = arg1 on all four kernels); -ESRCH when async
 *        and the mm is gone, decided before mm_lock_acct() is reached.
 *   int  mm_lock_acct(task, mm, bool lock_cap, long npage): takes mmap_lock and calls
 *        __account_locked_vm(); 0 = applied. 6.1+; 7.2's pin path calls it directly.
 *   long vfio_unpin_pages_remote(dma, iova, pfn, npage, do_accounting): pages released
 *        (put_pfn() skips reserved pfns, so BAR and zero-page runs are never counted).
 *   int  __account_locked_vm(mm, ulong pages, bool inc, task, bool bypass_rlim) (mm/util.c).
 *   int  do_update_pinned(pages, ulong npages, bool inc, user) (drivers/iommu/iommufd/pages.c;
 *        newer kernels: iopt_pages_update_pinned), 0 = applied to locked_vm/pinned_vm.
 */

export type AttachKind = 'kfunc' | 'kprobe';

export interface ProbeProgram {
  program: string;
  /** Maps read by the output parser (printed every interval). */
  outputMaps: string[];
  /** Per-thread scratch maps (entry -> return), cleared at END, never printed. */
  tempMaps: string[];
  /** Attach points this program adds (bpftrace's attached_probes counts them). */
  attachPoints: number;
}

const ESRCH = 3;

function kprobeList(kind: 'kprobe' | 'kretprobe', symbols: readonly string[]): string {
  return symbols.map((symbol) => `${kind}:${symbol}`).join(', ');
}

/**
 * vfio_pin_pages_remote: one return probe gives pages and errors. It is the hot
 * path: over zero-page memory the kernel calls it once per 4 KiB page, so it does
 * the least it can: one per-CPU map update per successful call. No call count and
 * no comm (a string copy and a hash update per call) except on errors; /proc
 * names live VMs anyway. Measured in the kernel lab on 6.1 under TCG, MAP_DMA of
 * 256 MiB of zero pages: x2.14 with three map updates per call, x1.83 with two.
 * (Replays and the lab's vfio.bt still print @pin_calls; the parser keeps reading it.)
 */
export function pinProgram(attach: AttachKind, module: string, symbols: readonly string[]): ProbeProgram {
  const head =
    attach === 'kfunc'
      ? symbols.map((s) => `kretfunc:${module}:${s}`).join(', ')
      : kprobeList('kretprobe', symbols);
  return {
    program: `${head}
{
	$k = (uint64)pid;
	$r = (int64)retval;
	if ($r > 0) {
		@pinned_pages[$k] = sum($r);
	} else {
		@pin_errors[$k, $r] = count();
		@comm[$k] = comm;
	}
}`,
    outputMaps: ['@comm', '@pinned_pages', '@pin_errors'],
    tempMaps: [],
    attachPoints: symbols.length,
  };
}

/** Where a charge's owner comes from. */
export type ChargeOwner = 'task-arg' | 'context';

/** mm_lock_acct via fexit: npage by name, owner = the task argument (the mm's owner). */
export function mmLockAcctKfuncProgram(module: string, symbol: string): ProbeProgram {
  return {
    program: `kretfunc:${module}:${symbol}
{
	$k = (uint64)args->task->tgid;
	$n = (int64)args->npage;
	$r = (int64)retval;
	if ($r == 0) {
		if ($n > 0) {
			@locked_inc[$k] = sum($n);
		} else {
			@locked_dec[$k] = sum(-$n);
		}
	} else {
		@charge_failed[$k, $r] = sum($n > 0 ? $n : -$n);
	}
}`,
    outputMaps: ['@locked_inc', '@locked_dec', '@charge_failed'],
    tempMaps: [],
    attachPoints: 1,
  };
}

/**
 * A signed-npage accounting function via kprobe + kretprobe (clones, or no BTF).
 * mode 'applied-and-failed': ret 0 = applied (5.10's vfio_lock_acct clone, mm_lock_acct
 * without BTF, __account_locked_vm); mode 'esrch-only': the vfio_lock_acct clone on kernels
 * where mm_lock_acct is probed too, so only the -ESRCH it decides itself is counted (every
 * other failure came from mm_lock_acct and is counted there: no double count).
 */
export function signedChargeKprobeProgram(options: {
  symbols: readonly string[];
  /** bpftrace expression for the signed page delta at entry. */
  npageExpression: string;
  mode: 'applied-and-failed' | 'esrch-only';
  tempMap: string;
  /** Entry filter (e.g. only inside VFIO callers), or null. */
  entryFilter: string | null;
  /** Kernel threads (no mm) release after the VFIO user is gone: count those apart. */
  kernelThreadCheck: boolean;
}): ProbeProgram {
  const { symbols, npageExpression, mode, tempMap, entryFilter, kernelThreadCheck } = options;
  const filter = entryFilter ? `\n/${entryFilter}/` : '';
  const body =
    mode === 'esrch-only'
      ? `	if ($r == -${ESRCH}) {
		@charge_failed[$k, $r] = sum($n > 0 ? $n : -$n);
	}`
      : `	if ($r == 0) {
		if ($n > 0) {
			@locked_inc[$k] = sum($n);
		} else {${
      kernelThreadCheck
        ? `
			if (curtask->mm == 0) {
				@unattributed_uncharged = sum(-$n);
			} else {
				@locked_dec[$k] = sum(-$n);
			}`
        : `
			@locked_dec[$k] = sum(-$n);`
    }
		}
	} else {
		@charge_failed[$k, $r] = sum($n > 0 ? $n : -$n);
	}`;
  const outputMaps =
    mode === 'esrch-only'
      ? ['@charge_failed']
      : ['@locked_inc', '@locked_dec', '@charge_failed', ...(kernelThreadCheck ? ['@unattributed_uncharged'] : [])];
  return {
    program: `${kprobeList('kprobe', symbols)}${filter}
{
	${tempMap}[tid] = ${npageExpression};
}

${kprobeList('kretprobe', symbols)}
/${tempMap}[tid] != 0/
{
	$k = (uint64)pid;
	$n = ${tempMap}[tid];
	$r = (int64)(int32)retval;
${body}
	delete(${tempMap}[tid]);
}`,
    outputMaps,
    tempMaps: [tempMap],
    attachPoints: symbols.length * 2,
  };
}

/**
 * Depth counter set while a thread runs inside the VFIO pin/unpin paths, so the
 * __account_locked_vm last resort counts only VFIO's charges (RDMA, io_uring, perf and
 * others call it too).
 */
export function vfioScopeProgram(symbols: readonly string[]): ProbeProgram {
  return {
    program: `${kprobeList('kprobe', symbols)}
{
	@vfio_depth[tid] = @vfio_depth[tid] + 1;
}

${kprobeList('kretprobe', symbols)}
{
	@vfio_depth[tid] = @vfio_depth[tid] - 1;
	if (@vfio_depth[tid] <= 0) {
		delete(@vfio_depth[tid]);
	}
}`,
    outputMaps: [],
    tempMaps: ['@vfio_depth'],
    attachPoints: symbols.length * 2,
  };
}

/**
 * vfio_unpin_pages_remote(dma, iova, pfn, npage, do_accounting). With fexit and struct
 * vfio_dma in BTF, the owner is dma->task (release at exit may run outside the VFIO user's
 * context); else the context tgid, and a kernel thread context counts as unattributed.
 * Its return is the pages put_pfn() released (reserved pfns are skipped); npage is every
 * page of the range, so the difference is the reserved pages that are no longer mapped
 * (@unmapped_pages; analysis/ebpf-mismatches.ts mappedNotChargedPages).
 */
export function releaseProgram(options: {
  attach: AttachKind;
  module: string;
  symbols: readonly string[];
  ownerFromDmaTask: boolean;
  kernelThreadCheck: boolean;
}): ProbeProgram {
  const { attach, module, symbols, ownerFromDmaTask, kernelThreadCheck } = options;
  const kfunc = attach === 'kfunc';
  const key = kfunc && ownerFromDmaTask ? '(uint64)args->dma->task->tgid' : '(uint64)pid';
  const count = `		@unpin_calls[$k] = count();
		@unpinned_pages[$k] = sum($r);
		@unmapped_pages[$k] = sum($n);`;
  const unattributed = kernelThreadCheck && !(kfunc && ownerFromDmaTask);
  const body = unattributed
    ? `	if (curtask->mm == 0) {
		@unattributed_unpinned = sum($r);
	} else {
${count}
	}`
    : count.replace(/^\t/gm, '');
  const outputMaps = ['@unpin_calls', '@unpinned_pages', '@unmapped_pages', ...(unattributed ? ['@unattributed_unpinned'] : [])];
  if (kfunc) {
    return {
      program: `${symbols.map((s) => `kretfunc:${module}:${s}`).join(', ')}
{
	$k = ${key};
	$r = (int64)retval;
	$n = (int64)args->npage;
${body}
}`,
      outputMaps,
      tempMaps: [],
      attachPoints: symbols.length,
    };
  }
  // kprobes: npage (4th argument, arg3) is only visible at entry.
  return {
    program: `${kprobeList('kprobe', symbols)}
{
	@unpin_npage[tid] = (int64)arg3;
}

${kprobeList('kretprobe', symbols)}
{
	$k = ${key};
	$r = (int64)retval;
	$n = @unpin_npage[tid];
	delete(@unpin_npage[tid]);
${body}
}`,
    outputMaps,
    tempMaps: ['@unpin_npage'],
    attachPoints: symbols.length * 2,
  };
}

/** iommufd's do_update_pinned / iopt_pages_update_pinned: pages charged to locked_vm/pinned_vm. */
export function iommufdAccountingProgram(attach: AttachKind, module: string, symbols: readonly string[]): ProbeProgram {
  const applied = `	if ($r == 0) {
		if ($inc) {
			@iommufd_pinned[$k] = sum($n);
		} else {
			@iommufd_unpinned[$k] = sum($n);
		}
	} else {
		@charge_failed[$k, $r] = sum($n);
	}`;
  const outputMaps = ['@iommufd_pinned', '@iommufd_unpinned', '@charge_failed'];
  if (attach === 'kfunc') {
    return {
      program: `${symbols.map((s) => `kretfunc:${module}:${s}`).join(', ')}
{
	$k = (uint64)pid;
	$n = (int64)args->npages;
	$inc = args->inc;
	$r = (int64)retval;
${applied}
}`,
      outputMaps,
      tempMaps: [],
      attachPoints: symbols.length,
    };
  }
  return {
    program: `${kprobeList('kprobe', symbols)}
{
	@iommufd_npages[tid] = (int64)arg1;
	@iommufd_inc[tid] = arg2 & 0xff;
}

${kprobeList('kretprobe', symbols)}
/@iommufd_npages[tid] != 0/
{
	$k = (uint64)pid;
	$n = @iommufd_npages[tid];
	$inc = @iommufd_inc[tid];
	$r = (int64)(int32)retval;
${applied}
	delete(@iommufd_npages[tid]);
	delete(@iommufd_inc[tid]);
}`,
    outputMaps,
    tempMaps: ['@iommufd_npages', '@iommufd_inc'],
    attachPoints: symbols.length * 2,
  };
}

/** Opt-in, per page: is_invalid_reserved_pfn returning true = a reserved pfn (BAR, zero page). */
export function reservedPfnProgram(symbols: readonly string[]): ProbeProgram {
  return {
    program: `${kprobeList('kretprobe', symbols)}
/(retval & 0xff) != 0/
{
	@reserved_pfn_pages[(uint64)pid] = count();
}`,
    outputMaps: ['@reserved_pfn_pages'],
    tempMaps: [],
    attachPoints: symbols.length,
  };
}
