/** pinwatch_vfio_users and pinwatch_host_*: totals over this host's VFIO users. */
import type { HostAnalysis } from '../../model/findings.js';
import type { MetricsReadModel } from './metrics-read-model.js';
import { gaugeFamily, type MetricFamily } from './metric-family.js';

export function hostFamilies(model: MetricsReadModel): MetricFamily[] {
  const families: MetricFamily[] = [];
  // Before the first cycle nothing is known: the host gauges have no sample
  // rather than a 0 that would read as "no VFIO users".
  const hostFigure = (name: string, help: string, pick: (host: HostAnalysis) => number | null) =>
    gaugeFamily({
      name,
      help,
      labelNames: [],
      fill: (emit) => {
        const host = model.latestCycle()?.host;
        if (!host) return;
        const value = pick(host);
        if (value !== null) emit({}, value);
      },
    });

  families.push(hostFigure(
    'pinwatch_vfio_users',
    'Processes holding a VFIO container, group, device cdev or /dev/iommu.',
    (host) => host.vfioUsers,
  ));
  families.push(hostFigure('pinwatch_host_memory_total_bytes', 'MemTotal of the host.', (host) => host.memTotalBytes));
  families.push(hostFigure(
    'pinwatch_host_locked_memory_bytes',
    "Sum of VmLck over the host's VFIO users.",
    (host) => host.lockedBytes,
  ));
  families.push(hostFigure(
    'pinwatch_host_pinned_memory_bytes',
    "Sum of VmPin over the host's VFIO users.",
    (host) => host.pinnedBytes,
  ));
  families.push(hostFigure(
    'pinwatch_host_expected_locked_memory_bytes',
    'Sum of the expected charge over the VMs whose guest RAM is known.',
    (host) => host.expectedLockedBytes,
  ));
  families.push(hostFigure(
    'pinwatch_host_guest_memory_bytes',
    'Sum of guest RAM over the VMs whose guest RAM is known.',
    (host) => host.guestMemoryBytes,
  ));
  families.push(hostFigure(
    'pinwatch_host_pinned_physical_memory_bytes',
    'Host RAM pinned for DMA by the VFIO users, each page once (per VM the charge capped at guest RAM); pinned pages cannot be reclaimed or swapped.',
    (host) => host.pinnedPhysicalBytes ?? null,
  ));
  families.push(hostFigure(
    'pinwatch_host_pinned_memory_ratio',
    'pinwatch_host_pinned_physical_memory_bytes / MemTotal; absent when MemTotal is unknown.',
    (host) => host.pinnedMemoryRatio ?? null,
  ));
  families.push(gaugeFamily({
    name: 'pinwatch_host_finding',
    help: '1 for each host-level finding currently open (host-pinned-memory-high).',
    labelNames: ['kind', 'severity'],
    fill: (emit) => {
      for (const finding of model.latestCycle()?.host.findings ?? []) emit({ kind: finding.kind, severity: finding.severity }, 1);
    },
  }));
  return families;
}
