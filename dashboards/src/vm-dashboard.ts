/**
 * The per-VM view: VmLck against the charge VFIO should make and against
 * RLIMIT_MEMLOCK over time, pages mapped/charged/released, and what went
 * wrong (findings, failures, kernel log).
 */
import { datasourceVariable, labelValuesVariable, layoutPanels, type Dashboard } from './grafana-model.js';
import type { MonitoringConfig } from './monitoring-config.js';
import { recordingRuleNames } from './recording-rules.js';
import { vectorSelector } from './vector-selector.js';

export const VM_DASHBOARD_UID = 'pinwatch-vm';

export function vmDashboard(config: MonitoringConfig): Dashboard {
  const onVm = 'instance=~"$instance", vm=~"$vm"';
  const s = (metric: string, extra = '') => vectorSelector(config, metric, [onVm, extra].filter(Boolean).join(', '));
  const recorded = recordingRuleNames(config);

  return {
    uid: VM_DASHBOARD_UID,
    title: 'pinwatch / VM',
    description: 'One VM: what VFIO pinned for DMA, what it charged to VmLck, against the expected charge and RLIMIT_MEMLOCK.',
    tags: ['pinwatch', 'vfio'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        datasourceVariable(),
        labelValuesVariable('instance', 'Host', vectorSelector(config, 'pinwatch_build_info'), false),
        labelValuesVariable('vm', 'VM', vectorSelector(config, 'pinwatch_vm_info', 'instance=~"$instance"'), false),
      ],
    },
    annotations: { list: [] },
    links: [{ title: 'pinwatch', type: 'dashboards', tags: ['pinwatch'], asDropdown: true, includeVars: true, keepTime: true }],
    panels: layoutPanels([
      {
        type: 'stat',
        title: 'Memlock headroom',
        description: 'Soft RLIMIT_MEMLOCK minus VmLck. At or below 0 the next VFIO_MAP_DMA fails with ENOMEM. No value: unlimited.',
        width: 6,
        height: 4,
        unit: 'bytes',
        queries: [{ expr: s('pinwatch_vm_memlock_headroom_bytes') }],
      },
      {
        type: 'stat',
        title: 'Used of RLIMIT_MEMLOCK',
        description: 'VmLck divided by the soft RLIMIT_MEMLOCK.',
        width: 6,
        height: 4,
        unit: 'percentunit',
        queries: [{ expr: s('pinwatch_vm_memlock_used_ratio') }],
      },
      {
        type: 'stat',
        title: 'Accounting class',
        description: 'Where VmLck falls against the expected charge: ok, double-charged, over, under, underflow, iommufd or unknown.',
        width: 6,
        height: 4,
        unit: 'none',
        queries: [{ expr: `${s('pinwatch_vm_accounting_class')} == 1`, legend: '{{class}}' }],
        options: { textMode: 'name', colorMode: 'none', reduceOptions: { calcs: ['lastNotNull'], values: false } },
      },
      {
        type: 'stat',
        title: 'Guest RAM x DMA address spaces',
        description: 'Guest RAM from the QEMU command line and the separate DMA address spaces it is mapped into (1 without vIOMMU, one per device with one).',
        width: 6,
        height: 4,
        unit: 'none',
        queries: [
          { expr: s('pinwatch_vm_guest_memory_bytes'), legend: 'guest RAM (bytes)' },
          { expr: s('pinwatch_vm_dma_address_spaces'), legend: 'DMA address spaces' },
          { expr: s('pinwatch_vm_vfio_devices'), legend: 'VFIO devices' },
        ],
      },
      {
        type: 'timeseries',
        title: 'VmLck against expected and the limit',
        description:
          'VmLck (mm->locked_vm, where type1 charges), VmPin (where iommufd charges), the expected charge (guest RAM x DMA address spaces) and RLIMIT_MEMLOCK soft and hard.',
        width: 24,
        height: 9,
        unit: 'bytes',
        queries: [
          { expr: s('pinwatch_process_locked_memory_bytes'), legend: 'VmLck' },
          { expr: s('pinwatch_vm_expected_locked_memory_bytes'), legend: 'expected' },
          { expr: s('pinwatch_process_memlock_limit_bytes'), legend: 'RLIMIT_MEMLOCK {{limit}}' },
          { expr: s('pinwatch_process_pinned_memory_bytes'), legend: 'VmPin' },
        ],
      },
      {
        type: 'timeseries',
        title: 'VmLck minus expected',
        description: 'Positive: charged beyond guest RAM (mem-lock=on, an extra container). Negative: guest RAM not all charged (zero pages on kernels up to 6.1).',
        width: 12,
        height: 8,
        unit: 'bytes',
        queries: [{ expr: s(recorded.lockedMinusExpectedBytes), legend: 'VmLck - expected' }],
      },
      {
        type: 'timeseries',
        title: 'VmLck change not charged by VFIO (eBPF)',
        description: 'Change in VmLck since the probes attached minus what VFIO charged in that time: mlock or charges outside VFIO.',
        width: 12,
        height: 8,
        unit: 'bytes',
        queries: [{ expr: s('pinwatch_vm_locked_memory_drift_bytes'), legend: 'drift' }],
      },
      {
        type: 'timeseries',
        title: 'Pages mapped, charged and released per second (eBPF)',
        description: 'vfio_pin_pages_remote pins (mapped), charges and un-charges to locked_vm, and vfio_unpin_pages_remote releases.',
        width: 12,
        height: 8,
        unit: 'short',
        queries: [
          { expr: s(recorded.pinnedPagesRate), legend: 'mapped (pinned)' },
          { expr: s(recorded.chargedPagesRate), legend: 'charged' },
          { expr: s(recorded.unchargedPagesRate), legend: 'un-charged' },
          { expr: s(recorded.unpinnedPagesRate), legend: 'released (unpinned)' },
        ],
      },
      {
        type: 'timeseries',
        title: 'Mapped but not charged, and leaked after exit (pages)',
        description: 'Pages pinned but never charged (reserved pfns: MMIO BARs, the zero page on older kernels) and pages still pinned after the process exited.',
        width: 12,
        height: 8,
        unit: 'short',
        queries: [
          { expr: s('pinwatch_vm_dma_mapped_not_charged_pages'), legend: 'mapped, not charged' },
          { expr: s('pinwatch_vm_dma_leaked_pages'), legend: 'leaked after exit' },
        ],
      },
      {
        type: 'timeseries',
        title: 'Charge and MAP_DMA failures per second',
        description: 'Pages whose charge failed and failed vfio_pin_pages_remote calls, by errno. Kernel log "RLIMIT_MEMLOCK exceeded" records naming this VM.',
        width: 12,
        height: 8,
        unit: 'short',
        queries: [
          { expr: s(recorded.chargeFailedPagesRate), legend: 'charge failed {{errno}} (pages)' },
          { expr: s(recorded.mapFailuresRate), legend: 'MAP_DMA failed {{errno}}' },
          { expr: s(recorded.kernelMemlockExceededRate), legend: 'kernel log RLIMIT_MEMLOCK exceeded' },
        ],
      },
      {
        type: 'table',
        title: 'Open findings',
        description: 'Findings open on this VM now; `pinwatch snapshot` on the host explains each with its numbers.',
        width: 12,
        height: 8,
        unit: 'short',
        queries: [{ expr: `max by (kind, severity) (${s('pinwatch_vm_finding')} == 1)` }],
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true } } }],
      },
      {
        type: 'table',
        title: 'VM identity and VFIO devices',
        description:
          'uuid, VFIO backend, vIOMMU model, who runs the VM (libvirt domain, OpenStack instance, flavor and project, KubeVirt namespace and VMI, Proxmox vmid), ' +
          'and the PCI devices bound to vfio-pci that the VM holds.',
        width: 24,
        height: 7,
        unit: 'short',
        queries: [
          {
            expr:
              `max by (vm, uuid, backend, comm, viommu, orchestrator, domain, nova_instance, nova_flavor, project, user, namespace, vmi, vmid) ` +
              `(${s('pinwatch_vm_info')})`,
          },
          { expr: `max by (address, vendor, device, class, iommu_group) (${s('pinwatch_vfio_pci_device_info')})` },
        ],
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true } } }],
      },
    ]),
  };
}
