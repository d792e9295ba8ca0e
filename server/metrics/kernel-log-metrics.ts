/** Kernel log records pinwatch recognised (/dev/kmsg), tallied per cycle by observeCycle. */
import type { AttributedKernelLogEvent } from '../../model/cycle.js';
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
 * The vm label of an "RLIMIT_MEMLOCK exceeded" record: the VM the attribution step chose
 * (daemon/cycle-attribution.ts); the record's comm when it names a task that is no VM;
 * "" when it names no process.
 */
export function memlockExceededVmLabel(attributed: AttributedKernelLogEvent): string {
  return attributed.vmName ?? attributed.event.comm ?? '';
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
