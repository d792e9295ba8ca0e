/**
 * pinwatch_vm_dma_*, coverage and drift: the eBPF view of each VM's pins and
 * charges. The per-VM totals arrive cumulative (across bpftrace and pinwatch
 * restarts) in VmEbpfView, so they are republished as counters as they are.
 */
import type { EbpfCoverage, VmEbpfView } from '../../model/cycle.js';
import { errnoLabel } from './errno-label.js';
import type { MetricsReadModel } from './metrics-read-model.js';
import { counterFamily, gaugeFamily, type EmitSample, type MetricFamily } from './metric-family.js';

const EBPF_COVERAGES: readonly EbpfCoverage[] = ['full', 'partial'];

export function vmDmaFamilies(model: MetricsReadModel): MetricFamily[] {
  const families: MetricFamily[] = [];
  /** Calls `each` for every live VM that has an eBPF view. */
  const forEachEbpfVm = (each: (vmName: string, ebpf: VmEbpfView) => void) => {
    for (const vm of model.latestCycle()?.vms ?? []) {
      if (vm.ebpf) each(vm.analysis.vmName, vm.ebpf);
    }
  };
  const perVmPages = (name: string, help: string, pick: (ebpf: VmEbpfView) => number) =>
    counterFamily({
      name,
      help,
      labelNames: ['vm'],
      fill: (emit) => forEachEbpfVm((vm, ebpf) => emit({ vm }, pick(ebpf))),
    });
  const emitByErrno = (emit: EmitSample<'vm' | 'errno'>, vm: string, counts: Map<number, number>) => {
    for (const [errno, count] of counts) emit({ vm, errno: errnoLabel(errno) }, count);
  };

  families.push(gaugeFamily({
    name: 'pinwatch_vm_ebpf_coverage',
    help: "1 for the VM's coverage: full (started after the probes attached) or partial.",
    labelNames: ['vm', 'coverage'],
    fill: (emit) =>
      forEachEbpfVm((vm, ebpf) => {
        for (const coverage of EBPF_COVERAGES) emit({ vm, coverage }, coverage === ebpf.coverage ? 1 : 0);
      }),
  }));
  families.push(perVmPages(
    'pinwatch_vm_dma_pinned_pages_total',
    'Pages vfio_pin_pages_remote pinned for the VM (mapped for DMA).',
    (ebpf) => ebpf.pinnedPagesTotal,
  ));
  families.push(perVmPages(
    'pinwatch_vm_dma_charged_pages_total',
    'Pages charged to locked_vm for the VM (applied increments).',
    (ebpf) => ebpf.chargedPagesTotal,
  ));
  families.push(perVmPages(
    'pinwatch_vm_dma_uncharged_pages_total',
    'Pages un-charged from locked_vm for the VM (applied decrements).',
    (ebpf) => ebpf.unchargedPagesTotal,
  ));
  families.push(perVmPages(
    'pinwatch_vm_dma_unpinned_pages_total',
    'Pages vfio_unpin_pages_remote released for the VM.',
    (ebpf) => ebpf.unpinnedPagesTotal,
  ));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_dma_mapped_not_charged_pages',
    help: 'Pages pinned but never charged: reserved pfns (MMIO BARs, the zero page on older kernels).',
    labelNames: ['vm'],
    fill: (emit) => forEachEbpfVm((vm, ebpf) => emit({ vm }, ebpf.mappedNotChargedPages)),
  }));
  families.push(counterFamily({
    name: 'pinwatch_vm_dma_charge_failed_pages_total',
    help: 'Pages whose charge or un-charge failed (ESRCH: process gone at exit; ENOMEM: over RLIMIT_MEMLOCK).',
    labelNames: ['vm', 'errno'],
    fill: (emit) => forEachEbpfVm((vm, ebpf) => emitByErrno(emit, vm, ebpf.chargeFailedPagesTotal)),
  }));
  families.push(counterFamily({
    name: 'pinwatch_vm_dma_map_failures_total',
    help: 'vfio_pin_pages_remote calls that failed (MAP_DMA failures).',
    labelNames: ['vm', 'errno'],
    fill: (emit) => forEachEbpfVm((vm, ebpf) => emitByErrno(emit, vm, ebpf.mapFailuresTotal)),
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_locked_memory_drift_bytes',
    help: 'Change in VmLck since the probes attached minus what VFIO charged in that time, at the last read where both agreed in time: mlock or charges outside VFIO.',
    labelNames: ['vm'],
    fill: (emit) =>
      forEachEbpfVm((vm, ebpf) => {
        if (ebpf.lockedDriftBytes !== null) emit({ vm }, ebpf.lockedDriftBytes);
      }),
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_dma_leaked_pages',
    help: 'Pages still pinned and charged after the process exited.',
    labelNames: ['vm'],
    fill: (emit) => {
      // Two exited processes of the same guest name leak into one series: summed.
      const leakedPagesByVm = new Map<string, number>();
      for (const leak of model.latestCycle()?.leaks ?? []) {
        leakedPagesByVm.set(leak.vmName, (leakedPagesByVm.get(leak.vmName) ?? 0) + leak.leakedPages);
      }
      for (const [vm, pages] of leakedPagesByVm) emit({ vm }, pages);
    },
  }));
  return families;
}
