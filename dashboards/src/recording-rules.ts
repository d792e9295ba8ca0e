/**
 * Recording rules the dashboards read: joins and rates that would otherwise be
 * repeated in several panels. Names follow Prometheus' level:metric:operations
 * convention; every recorded series keeps job and instance, so the site
 * selector still applies to it.
 */
import type { MonitoringConfig } from './monitoring-config.js';
import type { RecordingRule } from './rule-model.js';
import { VM_JOIN_LABELS, vectorSelector } from './vector-selector.js';

export interface RecordingRuleNames {
  lockedMinusExpectedBytes: string;
  minMemlockHeadroomBytes: string;
  vmsWithFindings: string;
  pinnedPagesRate: string;
  chargedPagesRate: string;
  unchargedPagesRate: string;
  unpinnedPagesRate: string;
  chargeFailedPagesRate: string;
  mapFailuresRate: string;
  kernelMemlockExceededRate: string;
}

export function recordingRuleNames(config: MonitoringConfig): RecordingRuleNames {
  const rate = `rate${config.rateWindow}`;
  return {
    lockedMinusExpectedBytes: 'instance_vm:pinwatch_vm_locked_minus_expected_bytes',
    minMemlockHeadroomBytes: 'instance:pinwatch_vm_memlock_headroom_bytes:min',
    vmsWithFindings: 'instance:pinwatch_vms_with_findings:count',
    pinnedPagesRate: `instance_vm:pinwatch_vm_dma_pinned_pages:${rate}`,
    chargedPagesRate: `instance_vm:pinwatch_vm_dma_charged_pages:${rate}`,
    unchargedPagesRate: `instance_vm:pinwatch_vm_dma_uncharged_pages:${rate}`,
    unpinnedPagesRate: `instance_vm:pinwatch_vm_dma_unpinned_pages:${rate}`,
    chargeFailedPagesRate: `instance_vm_errno:pinwatch_vm_dma_charge_failed_pages:${rate}`,
    mapFailuresRate: `instance_vm_errno:pinwatch_vm_dma_map_failures:${rate}`,
    kernelMemlockExceededRate: `instance_vm:pinwatch_kernel_memlock_exceeded:${rate}`,
  };
}

export function recordingRules(config: MonitoringConfig): RecordingRule[] {
  const names = recordingRuleNames(config);
  const s = (metric: string, extra = '') => vectorSelector(config, metric, extra);
  const rate = (counter: string) => `rate(${s(counter)}[${config.rateWindow}])`;
  return [
    {
      // VmLck against the charge VFIO should make (guest RAM x DMA address
      // spaces): positive = charged beyond guest RAM (mlock, extra containers).
      record: names.lockedMinusExpectedBytes,
      expr: `${s('pinwatch_process_locked_memory_bytes')} - on(${VM_JOIN_LABELS}) ${s('pinwatch_vm_expected_locked_memory_bytes')}`,
    },
    {
      // The fleet view ranks hosts by their tightest VM. Unlimited VMs have no
      // headroom series, so they never rank.
      record: names.minMemlockHeadroomBytes,
      expr: `min by (job, instance) (${s('pinwatch_vm_memlock_headroom_bytes')})`,
    },
    {
      record: names.vmsWithFindings,
      expr: `count by (job, instance) (count by (job, instance, vm) (${s('pinwatch_vm_finding')} == 1))`,
    },
    { record: names.pinnedPagesRate, expr: rate('pinwatch_vm_dma_pinned_pages_total') },
    { record: names.chargedPagesRate, expr: rate('pinwatch_vm_dma_charged_pages_total') },
    { record: names.unchargedPagesRate, expr: rate('pinwatch_vm_dma_uncharged_pages_total') },
    { record: names.unpinnedPagesRate, expr: rate('pinwatch_vm_dma_unpinned_pages_total') },
    { record: names.chargeFailedPagesRate, expr: rate('pinwatch_vm_dma_charge_failed_pages_total') },
    { record: names.mapFailuresRate, expr: rate('pinwatch_vm_dma_map_failures_total') },
    { record: names.kernelMemlockExceededRate, expr: rate('pinwatch_kernel_memlock_exceeded_total') },
  ];
}
