import { describe, expect, it } from 'vitest';
import { parseKallsyms } from './kernel-symbols.js';
import { resolveProbePlan, type PlanInputs, type PlannedProbe } from './probe-plan.js';
import { isPlanSymbol } from './run-preparation.js';
import { planInputsFromSymbolReport } from './symbol-report-fixture.js';

function summary(probes: PlannedProbe[]): string[] {
  return probes.map((p) => `${p.role}: ${p.attach} ${p.symbols.join(',')}`);
}

// Expected plans per captured kernel (fixtures/captures/kernels/*/symbols.txt, docs/kernel.md).
describe('resolveProbePlan on the four captured kernels', () => {
  it('5.10: kprobes only (no module BTF), charges from the vfio_lock_acct.part.0 clone, no mm_lock_acct', () => {
    const plan = resolveProbePlan(planInputsFromSymbolReport('5.10.0-32-amd64'));
    expect(summary(plan.probes)).toEqual([
      'pin: kprobe vfio_pin_pages_remote',
      'charge-applied: kprobe vfio_lock_acct.part.0',
      'release: kprobe vfio_unpin_pages_remote',
    ]);
    const charge = plan.probes[1] as PlannedProbe;
    expect(charge.program).toContain('@acct_npage[tid] = (int64)arg1;'); // npage = 2nd argument
    expect(charge.program).toContain('if ($r == 0)'); // applied = the clone returned 0
    expect(charge.outputMaps).toEqual(expect.arrayContaining(['@locked_inc', '@locked_dec', '@charge_failed']));
    expect(plan.probes.some((p) => p.program.includes('mm_lock_acct'))).toBe(false);
    expect(plan.releaseAttribution).toBe('context');
    expect(plan.runnable).toBe(true);
  });

  it('5.10: the program never reads curtask (bpftrace 0.17 cannot resolve struct task_struct there)', () => {
    // Observed in the kernel lab on 5.10.0-46: "stdin:43:7-19: ERROR: Unknown struct/union:
    // 'struct task_struct'" for `curtask->mm`, bpftrace exit 1, restarted forever.
    const inputs = planInputsFromSymbolReport('5.10.0-32-amd64');
    expect(inputs.taskStructBtf).toBe(false);
    const plan = resolveProbePlan(inputs);
    const program = plan.probes.map((p) => p.program).join('\n');
    expect(program).not.toContain('curtask');
    expect(plan.probes.flatMap((p) => p.outputMaps)).not.toContain('@unattributed_unpinned');
    // Releases and un-charges count under the tgid of the context they run in.
    expect(program).toContain('@unpinned_pages[$k] = sum($r);');
    expect(program).toContain('@locked_dec[$k] = sum(-$n);');
    expect(plan.gaps.map((g) => g.what).join('\n')).toMatch(/struct task_struct/);
  });

  it('6.1: fexit on pin, unpin and mm_lock_acct (npage by name), kprobe on vfio_lock_acct.part.0 for ESRCH', () => {
    const plan = resolveProbePlan(planInputsFromSymbolReport('6.1.0-56-amd64'));
    expect(summary(plan.probes)).toEqual([
      'pin: kfunc vfio_pin_pages_remote',
      'charge-applied: kfunc mm_lock_acct',
      'charge-failed: kprobe vfio_lock_acct.part.0',
      'release: kfunc vfio_unpin_pages_remote',
    ]);
    const [, mmLock, failed, release] = plan.probes as [PlannedProbe, PlannedProbe, PlannedProbe, PlannedProbe];
    expect(mmLock.program).toContain('kretfunc:vfio_iommu_type1:mm_lock_acct');
    expect(mmLock.program).toContain('args->npage');
    expect(failed.program).toContain('(int64)arg1');
    expect(failed.program).toContain('if ($r == -3)');
    expect(release.program).toContain('args->dma->task->tgid');
    expect(plan.releaseAttribution).toBe('dma-task');
  });

  it('6.12: like 6.1, and never kfunc:vfio_lock_acct although BTF lists it (no such symbol)', () => {
    const inputs = planInputsFromSymbolReport('6.12.117+deb13-amd64');
    expect(inputs.btf.get('vfio_iommu_type1')?.has('vfio_lock_acct')).toBe(true); // the trap is in the fixture
    const plan = resolveProbePlan(inputs);
    expect(summary(plan.probes)).toEqual([
      'pin: kfunc vfio_pin_pages_remote',
      'charge-applied: kfunc mm_lock_acct',
      'charge-failed: kprobe vfio_lock_acct.part.0',
      'release: kfunc vfio_unpin_pages_remote',
    ]);
    expect(plan.probes.map((p) => p.program).join('\n')).not.toMatch(/kfunc:vfio_iommu_type1:vfio_lock_acct|kprobe:vfio_lock_acct\b(?!\.)/);
  });

  it('7.2: mm_lock_acct carries the increments (the pin path calls it directly)', () => {
    const plan = resolveProbePlan(planInputsFromSymbolReport('7.2.13+deb14-amd64'));
    expect(summary(plan.probes)).toEqual([
      'pin: kfunc vfio_pin_pages_remote',
      'charge-applied: kfunc mm_lock_acct',
      'charge-failed: kprobe vfio_lock_acct.part.0',
      'release: kfunc vfio_unpin_pages_remote',
    ]);
    const applied = plan.probes.find((p) => p.role === 'charge-applied') as PlannedProbe;
    expect(applied.outputMaps).toContain('@locked_inc');
    // the clone probe counts ESRCH only: increments are not read there
    const failed = plan.probes.find((p) => p.role === 'charge-failed') as PlannedProbe;
    expect(failed.outputMaps).toEqual(['@charge_failed']);
  });

  it('no kernel has iommufd, and no per-page function is probed by default', () => {
    for (const release of ['5.10.0-32-amd64', '6.1.0-56-amd64', '6.12.117+deb13-amd64', '7.2.13+deb14-amd64']) {
      const plan = resolveProbePlan(planInputsFromSymbolReport(release));
      expect(plan.probes.some((p) => p.role === 'iommufd-accounting')).toBe(false);
      expect(plan.probes.map((p) => p.program).join('\n')).not.toMatch(/put_pfn|is_invalid_reserved_pfn/);
    }
  });

  it('per-page probes are opt-in, with a cost warning; 6.12 inlines is_invalid_reserved_pfn', () => {
    const plan61 = resolveProbePlan(planInputsFromSymbolReport('6.1.0-56-amd64', true));
    const reserved = plan61.probes.find((p) => p.role === 'reserved-pfn');
    expect(reserved?.symbols).toEqual(['is_invalid_reserved_pfn']);
    expect(reserved?.why).toMatch(/COST/);
    const plan612 = resolveProbePlan(planInputsFromSymbolReport('6.12.117+deb13-amd64', true));
    expect(plan612.probes.some((p) => p.role === 'reserved-pfn')).toBe(false);
    expect(plan612.gaps.map((g) => g.what).join()).toMatch(/is_invalid_reserved_pfn is inlined/);
  });
});

function syntheticInputs(kallsymsLines: string, overrides: Partial<PlanInputs> = {}): PlanInputs {
  return {
    kallsyms: parseKallsyms(kallsymsLines, isPlanSymbol),
    traceable: null,
    btf: new Map(),
    kfuncSupported: false,
    vfioDmaFields: null,
    taskStructBtf: true,
    modules: { vfioIommuType1: true, iommufd: false },
    perPageProbes: false,
    ...overrides,
  };
}

describe('resolveProbePlan on made-up hosts', () => {
  it('falls back to __account_locked_vm, limited to VFIO callers, when every accounting function is inlined', () => {
    const plan = resolveProbePlan(
      syntheticInputs(
        'ffffffffc0001000 t vfio_pin_pages_remote [vfio_iommu_type1]\nffffffffc0002000 t vfio_unpin_pages_remote [vfio_iommu_type1]\nffffffff81000000 T __account_locked_vm\n',
      ),
    );
    expect(summary(plan.probes)).toEqual([
      'pin: kprobe vfio_pin_pages_remote',
      'vfio-scope: kprobe vfio_pin_pages_remote,vfio_unpin_pages_remote',
      'charge-applied: kprobe __account_locked_vm',
      'release: kprobe vfio_unpin_pages_remote',
    ]);
    expect(plan.probes[2]?.program).toContain('/@vfio_depth[tid] > 0/');
  });

  it('a symbol missing from available_filter_functions is not attached', () => {
    const plan = resolveProbePlan(
      syntheticInputs('vfio_pin_pages_remote t [vfio_iommu_type1]\nvfio_unpin_pages_remote t [vfio_iommu_type1]\n', {
        traceable: new Set(['vfio_unpin_pages_remote']),
      }),
    );
    expect(plan.probes.some((p) => p.role === 'pin')).toBe(false);
    expect(plan.runnable).toBe(false);
    expect(plan.gaps.find((g) => g.severity === 'blocking')?.what).toMatch(/vfio_pin_pages_remote is not in \/proc\/kallsyms/);
  });

  it('no module loaded: blocking gap that says to wait', () => {
    const plan = resolveProbePlan(syntheticInputs('', { modules: { vfioIommuType1: false, iommufd: false } }));
    expect(plan.runnable).toBe(false);
    expect(plan.gaps[0]?.fix).toMatch(/re-plans/);
  });

  it('iommufd loaded: probes do_update_pinned with its BTF names', () => {
    const plan = resolveProbePlan(
      syntheticInputs('do_update_pinned t [iommufd]\n', {
        modules: { vfioIommuType1: false, iommufd: true },
        kfuncSupported: true,
        btf: new Map([
          ['iommufd', new Map([['do_update_pinned', [
            { type: 'struct iopt_pages *', name: 'pages' },
            { type: 'long unsigned int', name: 'npages' },
            { type: 'bool', name: 'inc' },
            { type: 'struct pfn_reader_user *', name: 'user' },
            { type: 'int', name: 'retval' },
          ]]])],
        ]),
      }),
    );
    expect(summary(plan.probes)).toEqual(['iommufd-accounting: kfunc do_update_pinned']);
    expect(plan.probes[0]?.program).toContain('kretfunc:iommufd:do_update_pinned');
    expect(plan.runnable).toBe(true);
  });
});
