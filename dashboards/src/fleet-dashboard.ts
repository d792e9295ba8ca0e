/**
 * The fleet view: every pinwatch host Prometheus scrapes, ranked by the VM
 * closest to its RLIMIT_MEMLOCK, the VMs with open findings, and MAP_DMA and
 * charge failures over time.
 */
import { datasourceVariable, labelValuesVariable, layoutPanels, type Dashboard } from './grafana-model.js';
import type { MonitoringConfig } from './monitoring-config.js';
import { recordingRuleNames } from './recording-rules.js';
import { VM_JOIN_LABELS, vectorSelector } from './vector-selector.js';

export const FLEET_DASHBOARD_UID = 'pinwatch-fleet';

export function fleetDashboard(config: MonitoringConfig): Dashboard {
  const onHosts = 'instance=~"$instance"';
  const s = (metric: string, extra = '') => vectorSelector(config, metric, [onHosts, extra].filter(Boolean).join(', '));
  const recorded = recordingRuleNames(config);
  const hideTimeColumn = [{ id: 'organize', options: { excludeByName: { Time: true, Value: true } } }];

  return {
    uid: FLEET_DASHBOARD_UID,
    title: 'pinwatch / Fleet',
    description: 'VFIO DMA pinning and RLIMIT_MEMLOCK accounting across hypervisors: which host and VM will fail its next DMA mapping.',
    tags: ['pinwatch', 'vfio'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [datasourceVariable(), labelValuesVariable('instance', 'Host', vectorSelector(config, 'pinwatch_build_info'), true)],
    },
    annotations: { list: [] },
    links: [{ title: 'pinwatch', type: 'dashboards', tags: ['pinwatch'], asDropdown: true, includeVars: true, keepTime: true }],
    panels: layoutPanels([
      {
        type: 'stat',
        title: 'Hosts up',
        description: 'pinwatch exporters Prometheus scrapes successfully.',
        width: 6,
        height: 4,
        unit: 'short',
        queries: [{ expr: `count(${s('up')} == 1) or vector(0)` }],
      },
      {
        type: 'stat',
        title: 'VMs watched',
        description: 'VFIO users (VMs) pinwatch sees across the selected hosts.',
        width: 6,
        height: 4,
        unit: 'short',
        queries: [{ expr: `count(${s('pinwatch_vm_info')}) or vector(0)` }],
      },
      {
        type: 'stat',
        title: 'VMs with findings',
        description: 'VMs with at least one open finding (table below).',
        width: 6,
        height: 4,
        unit: 'short',
        queries: [{ expr: `sum(${s(recorded.vmsWithFindings)}) or vector(0)` }],
      },
      {
        type: 'stat',
        title: 'Hosts without eBPF',
        description: 'Hosts whose eBPF counters are off, failed or starting: no mapped/charged/released pages, no charge failures from them.',
        width: 6,
        height: 4,
        unit: 'short',
        queries: [{ expr: `count(${s('pinwatch_ebpf_info', 'state!="running"')}) or vector(0)` }],
      },
      {
        type: 'bargauge',
        title: 'Hosts by memlock headroom (tightest VM)',
        description:
          'Per host, the smallest soft RLIMIT_MEMLOCK minus VmLck over its VMs, smallest first. Below 0 the next VFIO_MAP_DMA of that VM fails with ENOMEM. VMs with an unlimited limit do not rank.',
        width: 12,
        height: 9,
        unit: 'bytes',
        queries: [{ expr: `sort(${s(recorded.minMemlockHeadroomBytes)})`, legend: '{{instance}}' }],
        options: { orientation: 'horizontal', displayMode: 'basic', reduceOptions: { calcs: ['lastNotNull'], values: false } },
      },
      {
        type: 'table',
        title: 'VMs by memlock headroom',
        description: 'The 20 VMs closest to their soft RLIMIT_MEMLOCK.',
        width: 12,
        height: 9,
        unit: 'bytes',
        queries: [{ expr: `bottomk(20, ${s('pinwatch_vm_memlock_headroom_bytes')})` }],
        options: { sortBy: [{ displayName: 'Value', desc: false }] },
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }],
      },
      {
        type: 'table',
        title: 'VMs with findings',
        description:
          "Every finding open on a VM (kind, severity), with who runs it (libvirt domain, OpenStack instance and project, KubeVirt namespace/VMI, Proxmox vmid, from pinwatch_vm_info); `pinwatch snapshot` on the host explains each with its numbers.",
        width: 24,
        height: 9,
        unit: 'short',
        queries: [
          {
            expr:
              `max by (instance, vm, kind, severity, orchestrator, domain, nova_instance, project, namespace, vmi, vmid) (` +
              `(${s('pinwatch_vm_finding')} == 1) * on(${VM_JOIN_LABELS}) group_left(orchestrator, domain, nova_instance, project, namespace, vmi, vmid) ${s('pinwatch_vm_info')})`,
          },
        ],
        transformations: hideTimeColumn,
      },
      {
        type: 'timeseries',
        title: 'MAP_DMA failures per second',
        description: 'vfio_pin_pages_remote() calls that failed, by VM and errno (ENOMEM: RLIMIT_MEMLOCK, ENOSPC: dma_entry_limit). Needs eBPF.',
        width: 12,
        height: 8,
        unit: 'short',
        queries: [{ expr: `sum by (instance, vm, errno) (${s(recorded.mapFailuresRate)})`, legend: '{{instance}} {{vm}} {{errno}}' }],
      },
      {
        type: 'timeseries',
        title: 'Charge failures (pages per second)',
        description: 'Pages vfio_lock_acct() failed to charge or un-charge, by VM and errno (ENOMEM: over RLIMIT_MEMLOCK; ESRCH: process gone at exit). Needs eBPF.',
        width: 12,
        height: 8,
        unit: 'short',
        queries: [{ expr: `sum by (instance, vm, errno) (${s(recorded.chargeFailedPagesRate)})`, legend: '{{instance}} {{vm}} {{errno}}' }],
      },
      {
        type: 'timeseries',
        title: 'Locked, pinned and expected memory per host',
        description: 'Sum of VmLck, of VmPin and of the expected charge (guest RAM x DMA address spaces) over each host\'s VFIO users.',
        width: 12,
        height: 8,
        unit: 'bytes',
        queries: [
          { expr: s('pinwatch_host_locked_memory_bytes'), legend: '{{instance}} VmLck' },
          { expr: s('pinwatch_host_expected_locked_memory_bytes'), legend: '{{instance}} expected' },
          { expr: s('pinwatch_host_pinned_memory_bytes'), legend: '{{instance}} VmPin' },
        ],
      },
      {
        type: 'timeseries',
        title: 'Host RAM pinned for DMA',
        description:
          "Share of each host's RAM its VFIO users pin (each page once). Pinned pages cannot be reclaimed or swapped; with unlimited limits (KubeVirt, <locked/> domains) this is the only bound. Alert PinwatchHostPinnedMemoryHigh.",
        width: 12,
        height: 8,
        unit: 'percentunit',
        queries: [{ expr: s('pinwatch_host_pinned_memory_ratio'), legend: '{{instance}}' }],
      },
      {
        type: 'timeseries',
        title: 'Kernel "RLIMIT_MEMLOCK exceeded" records per second',
        description: 'Records pinwatch recognised in /dev/kmsg, by VM ("" when the record names no process, as vfio_pin_pages_remote\'s does).',
        width: 12,
        height: 8,
        unit: 'short',
        queries: [{ expr: `sum by (instance, vm) (${s(recorded.kernelMemlockExceededRate)})`, legend: '{{instance}} {{vm}}' }],
      },
      {
        type: 'table',
        title: 'pinwatch health',
        description: 'Collectors whose last run failed (0) and each host\'s eBPF state with the reason it is not running.',
        width: 24,
        height: 7,
        unit: 'short',
        queries: [
          { expr: `min by (instance, collector) (${s('pinwatch_collector_success')})` },
          { expr: `max by (instance, state, reason) (${s('pinwatch_ebpf_info')})` },
        ],
        transformations: [{ id: 'merge', options: {} }],
      },
    ]),
  };
}
