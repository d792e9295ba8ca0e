/** Kernel log records pinwatch recognised (/dev/kmsg), tallied per cycle by observeCycle. */
import { attributeKernelLogEvent } from '../../analysis/ebpf-mismatches.js';
import type { CycleResult } from '../../model/cycle.js';
import type { KernelLogEvent } from '../../model/host-sample.js';
import type { MetricsReadModel } from './metrics-read-model.js';
import { tallyCounterFamily, type MetricFamily } from './metric-family.js';

const kernelLogEventKindSet: Record<KernelLogEvent['kind'], true> = {
  memlock_exceeded: true,
  external_memlock_exceeded: true,
  iommufd_compat: true,
};
export const KERNEL_LOG_EVENT_KINDS = Object.keys(kernelLogEventKindSet) as KernelLogEvent['kind'][];

/**
 * The vm label for an "RLIMIT_MEMLOCK exceeded" record. Only the mdev path
 * (vfio_pin_page_external) names the task; vfio_pin_pages_remote's message
 * names none, so it counts under "". A named task that is a live VM gets its
 * VM name; any other named task keeps its comm, as the vm label does for
 * non-QEMU VFIO users.
 */
/**
 * The VM a record is about, attributed as the findings are
 * (attributeKernelLogEvent: by pid, else by a unique matching limit); the
 * record's comm when no live VM matches; "" when it names no process.
 */
export function memlockExceededVmLabel(event: KernelLogEvent, cycle: CycleResult): string {
  const process = attributeKernelLogEvent(event, cycle.sample.processes);
  const vm = process ? cycle.vms.find((candidate) => candidate.process === process) : undefined;
  return vm?.analysis.vmName ?? event.comm ?? '';
}

export function kernelLogFamilies(model: MetricsReadModel): MetricFamily[] {
  const families: MetricFamily[] = [];
  families.push(tallyCounterFamily({
    name: 'pinwatch_kernel_log_events_total',
    help: 'Kernel log records recognised (memlock_exceeded, external_memlock_exceeded, iommufd_compat).',
    labelNames: ['kind'],
    tally: model.tallies.kernelLogEvents,
  }));
  families.push(tallyCounterFamily({
    name: 'pinwatch_kernel_memlock_exceeded_total',
    help: 'Kernel log "RLIMIT_MEMLOCK exceeded" records attributed to a VM ("" when the record names no process).',
    labelNames: ['vm'],
    tally: model.tallies.kernelMemlockExceeded,
  }));
  return families;
}
