/**
 * pinwatch's alerts. Each reads the raw per-VM metrics (docs/metrics.md) with
 * thresholds from MonitoringConfig, so a site can tune them without touching
 * pinwatch; each has a section in docs/runbook.md named after it.
 */
import type { MonitoringConfig } from './monitoring-config.js';
import { recordingRuleNames } from './recording-rules.js';
import type { AlertingRule } from './rule-model.js';
import { VM_JOIN_LABELS, vectorSelector } from './vector-selector.js';

/** GitHub's anchor for a `## Name` heading: lower case. */
export function runbookAnchor(alertName: string): string {
  return alertName.toLowerCase();
}

type AlertDefinition = Omit<AlertingRule, 'annotations'> & {
  annotations: Omit<AlertingRule['annotations'], 'runbook_url'>;
};

export function alertRules(config: MonitoringConfig): AlertingRule[] {
  const s = (metric: string, extra = '') => vectorSelector(config, metric, extra);
  const on = `on(${VM_JOIN_LABELS})`;
  const recorded = recordingRuleNames(config);
  /** VMs whose VmLck is not a VFIO type1 charge (analysis/classify-locked-memory.ts). */
  const unless = (classes: string) => `unless ${on} (${s('pinwatch_vm_accounting_class', `class=~"${classes}"`)} == 1)`;
  // RLIMIT_MEMLOCK is enforced by __account_locked_vm() (mm/util.c) only without CAP_IPC_LOCK.
  const unlessCapIpcLock = `unless ${on} (${s('pinwatch_process_ipc_lock_capable')} == 1)`;
  const vm = '{{ $labels.vm }} on {{ $labels.instance }}';
  /**
   * Counts that grew in the window, or that appeared already above zero: a
   * VM's eBPF series is born with its process, so a MAP_DMA that failed in
   * the VM's first seconds (the usual ENOMEM at start) is already counted in
   * the first sample, where increase() sees no growth.
   */
  const grewOrAppeared = (counter: string, extra = '') =>
    [
      `increase(${s(counter, extra)}[${config.counterWindow}]) > 0`,
      'or',
      `(${s(counter, extra)} > 0 unless ${s(counter, extra)} offset ${config.counterWindow})`,
    ].join('\n');

  const definitions: AlertDefinition[] = [
    {
      alert: 'PinwatchMemlockHeadroomLow',
      expr: [
        '(',
        `  ${s('pinwatch_vm_memlock_headroom_bytes')} < ${config.headroomLowBytes}`,
        'or',
        // With a vIOMMU every hot-plugged device gets its own DMA address
        // space and charges guest RAM once more (DOMAIN.md 3.3).
        `  ${s('pinwatch_vm_memlock_headroom_bytes')}`,
        `    < ${on} (${s('pinwatch_vm_guest_memory_bytes')} and ${on} ${s('pinwatch_vm_info', 'viommu!=""')})`,
        ')',
        unlessCapIpcLock,
        unless('underflow|iommufd'),
      ].join('\n'),
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `VM ${vm} is close to its RLIMIT_MEMLOCK: the next DMA mapping or hotplug will fail.`,
        description:
          `Only {{ $value | humanize1024 }}B of the soft RLIMIT_MEMLOCK is left for VM ${vm}. ` +
          'The next VFIO_MAP_DMA that charges more (a hot-plugged device behind a vIOMMU, hot-plugged memory, a new mapping) ' +
          'fails with ENOMEM ("VFIO_MAP_DMA failed: Cannot allocate memory").',
      },
    },
    {
      alert: 'PinwatchMemlockLimitBelowExpected',
      expr: [
        `${s('pinwatch_vm_expected_locked_memory_bytes')}`,
        `  > ${on} ${s('pinwatch_process_memlock_limit_bytes', 'limit="soft"')}`,
        unlessCapIpcLock,
        unless('underflow|iommufd'),
      ].join('\n'),
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: `VM ${vm} has an RLIMIT_MEMLOCK below what VFIO must charge for it.`,
        description:
          `VM ${vm} needs {{ $value | humanize1024 }}B charged (guest RAM x DMA address spaces) but its soft RLIMIT_MEMLOCK is lower: ` +
          'mapping the rest of guest RAM fails with ENOMEM, at start or at the next hotplug. Size the limit as N x guest RAM + 1 GiB.',
      },
    },
    {
      alert: 'PinwatchLockedMemoryDrift',
      expr: [
        '(',
        `  ${s(recorded.lockedMinusExpectedBytes)} > ${config.driftAllowanceBytes}`,
        'or',
        `  ${s(recorded.lockedMinusExpectedBytes)}`,
        `    < ${on} (${s('pinwatch_vm_expected_locked_memory_bytes')} * -${round(1 - config.driftUnderRatio)})`,
        ')',
        // Doubled charges have their own alert; underflowed and iommufd VmLck is not a type1 charge.
        unless('double-charged|underflow|iommufd'),
      ].join('\n'),
      for: '30m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `VmLck of VM ${vm} has drifted from the charge VFIO should make.`,
        description:
          `VmLck of VM ${vm} differs from guest RAM x DMA address spaces by {{ $value | humanize1024 }}B ` +
          '(positive: charged beyond guest RAM, e.g. mlock or an extra container; negative: guest RAM not all charged, e.g. zero pages on kernels up to 6.1).',
      },
    },
    {
      alert: 'PinwatchLockedMemoryUnderflow',
      expr: `${s('pinwatch_vm_accounting_class', 'class="underflow"')} == 1`,
      for: '1m',
      labels: { severity: 'critical' },
      annotations: {
        summary: `VmLck of VM ${vm} has underflowed: its memlock accounting is broken.`,
        description:
          `mm->locked_vm of VM ${vm} went below zero and reads as a value near 2^64 bytes (a kernel accounting bug: exec with a preserved VFIO container, then unmap). ` +
          'RLIMIT_MEMLOCK checks on this process are meaningless until it restarts.',
      },
    },
    {
      alert: 'PinwatchDoubleCharged',
      expr: `${s('pinwatch_process_locked_memory_bytes')}\n  and ${on} (${s('pinwatch_vm_accounting_class', 'class="double-charged"')} == 1)`,
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `VM ${vm} is charged about twice its guest RAM.`,
        description:
          `VmLck of VM ${vm} is {{ $value | humanize1024 }}B, about 2 x the expected charge: guest RAM is locked twice ` +
          '(QEMU -overcommit mem-lock=on, or a second VFIO container). A limit sized for 1 x guest RAM + 1 GiB will refuse the next mapping.',
      },
    },
    {
      alert: 'PinwatchMappedNotChargedRising',
      expr: `delta(${s('pinwatch_vm_dma_mapped_not_charged_pages')}[${config.mappedNotChargedWindow}]) > 0`,
      for: config.mappedNotChargedWindow,
      labels: { severity: 'warning' },
      annotations: {
        summary: `VM ${vm} keeps pinning pages that are never charged.`,
        description:
          `Pages pinned for DMA but not charged to VmLck grew by {{ $value | printf "%.0f" }} pages in ${config.mappedNotChargedWindow} on VM ${vm}. ` +
          'Reserved pages (MMIO BARs) are pinned once at start; steady growth means pins of the zero page or reserved memory that are never released (kernels before "vfio/type1: Unpin zero pages").',
      },
    },
    {
      alert: 'PinwatchChargeFailures',
      // ESRCH is the un-charge at exit after the mm is gone: nothing stays
      // charged (vfio_lock_acct, async path); leaks have their own alert.
      expr: grewOrAppeared('pinwatch_vm_dma_charge_failed_pages_total', 'errno!="ESRCH"'),
      for: '0m',
      labels: { severity: 'critical' },
      annotations: {
        summary: `The kernel refused to charge DMA pages of VM ${vm} ({{ $labels.errno }}).`,
        description:
          `vfio_lock_acct() failed with {{ $labels.errno }} for {{ $value | printf "%.0f" }} pages of VM ${vm} in the last ${config.counterWindow} (or since the VM appeared, if later). ` +
          'ENOMEM means the charge went over RLIMIT_MEMLOCK: the MAP_DMA that asked for it failed.',
      },
    },
    {
      alert: 'PinwatchMapDmaFailed',
      expr: grewOrAppeared('pinwatch_vm_dma_map_failures_total'),
      for: '0m',
      labels: { severity: 'critical' },
      annotations: {
        summary: `VFIO_MAP_DMA failed for VM ${vm} ({{ $labels.errno }}).`,
        description:
          `vfio_pin_pages_remote() failed {{ $value | printf "%.0f" }} times with {{ $labels.errno }} for VM ${vm} in the last ${config.counterWindow} (or since the VM appeared, if later): ` +
          'the guest lost a DMA mapping (a device failed to start or hotplug). ENOMEM is RLIMIT_MEMLOCK, ENOSPC is dma_entry_limit.',
      },
    },
    {
      alert: 'PinwatchPinsLeakedAfterExit',
      expr: `${s('pinwatch_vm_dma_leaked_pages')} > 0`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `{{ $value }} pages of exited VM ${vm} are still pinned.`,
        description:
          `The process of VM ${vm} exited but {{ $value }} pages it pinned for DMA are still pinned and charged: ` +
          'host memory that cannot be reclaimed until the holder of the VFIO container lets go.',
      },
    },
    {
      alert: 'PinwatchKernelMemlockExceeded',
      expr: grewOrAppeared('pinwatch_kernel_memlock_exceeded_total'),
      for: '0m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The kernel logged "RLIMIT_MEMLOCK exceeded" on {{ $labels.instance }} (vm="{{ $labels.vm }}").',
        description:
          `The kernel log of {{ $labels.instance }} has {{ $value | printf "%.0f" }} new "RLIMIT_MEMLOCK (...) exceeded" records in the last ${config.counterWindow} ` +
          '(vm="{{ $labels.vm }}"; empty when the record names no process, as vfio_pin_pages_remote\'s does): a DMA mapping was refused.',
      },
    },
    {
      alert: 'PinwatchCollectorFailing',
      expr: `${s('pinwatch_collector_success')} == 0`,
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'pinwatch collector {{ $labels.collector }} is failing on {{ $labels.instance }}.',
        description:
          'The {{ $labels.collector }} collector of pinwatch on {{ $labels.instance }} has failed every run for 15 minutes: ' +
          'the metrics it feeds are stale or missing, and alerts that read them cannot fire.',
      },
    },
    {
      // One VFIO user whose /proc files do not read or parse (collectors/procfs/vfio-users-collector.ts):
      // it stays listed with its last good values, which may be wrong by now. 15 minutes, so a
      // process exiting mid-read or a file rewritten once never pages anyone.
      alert: 'PinwatchVmReadIncomplete',
      expr: `${s('pinwatch_process_read_complete')} == 0`,
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'pinwatch cannot read all of the /proc files of VM {{ $labels.vm }} on {{ $labels.instance }}.',
        description:
          'For 15 minutes some /proc file of VM {{ $labels.vm }} on {{ $labels.instance }} has failed to read or parse: ' +
          'its VmLck, limit or identity may be stale (its last good value) or unknown, and alerts on it may be wrong. ' +
          'GET /api/v1/vms names the file and why (readErrors).',
      },
    },
    {
      alert: 'PinwatchCollectionStalled',
      expr: `time() - ${s('pinwatch_last_collection_timestamp_seconds')} > ${config.collectionStaleSeconds}`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'pinwatch on {{ $labels.instance }} has not finished a collection cycle for {{ $value | humanizeDuration }}.',
        description:
          'pinwatch on {{ $labels.instance }} still answers scrapes but its last collection cycle finished {{ $value | humanizeDuration }} ago: ' +
          'every per-VM value it serves is that old.',
      },
    },
    {
      alert: 'PinwatchStoreErrors',
      // A failed cycle write or a refused row (store/cycle-recorder.ts): /metrics stays right,
      // but that part of the history (samples, findings, events, the eBPF ledger) is missing.
      expr: `increase(${s('pinwatch_store_errors_total')}[${config.counterWindow}]) > 0`,
      for: '0m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'pinwatch on {{ $labels.instance }} failed to store its history ({{ $labels.operation }}).',
        description:
          'pinwatch on {{ $labels.instance }} could not write {{ $labels.operation }} to its SQLite database ({{ $value | humanize }} times recently): ' +
          'its /metrics and findings stay current, but the history API, the events and the eBPF totals across restarts miss what was not written. ' +
          'The log line "store: ..." names the row or the SQLite error (disk full, database locked, a value out of range).',
      },
    },
    {
      alert: 'PinwatchEbpfOff',
      expr: `${s('pinwatch_ebpf_info', 'state!="running"')} == 1`,
      for: '30m',
      labels: { severity: 'info' },
      annotations: {
        summary: 'pinwatch eBPF counters are {{ $labels.state }} on {{ $labels.instance }}.',
        description:
          'eBPF is {{ $labels.state }} on {{ $labels.instance }}: {{ $labels.reason }}. pinwatch still reports VmLck, limits and findings from /proc and /sys, ' +
          'but not pages mapped/charged/released, charge failures, MAP_DMA failures or leaks after exit.',
      },
    },
    {
      alert: 'PinwatchDown',
      expr: `${s('up')} == 0`,
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'pinwatch on {{ $labels.instance }} cannot be scraped.',
        description:
          'Prometheus has failed to scrape pinwatch on {{ $labels.instance }} for 5 minutes: no VM on that host is watched, and no other pinwatch alert can fire for it.',
      },
    },
  ];

  return definitions.map((definition) => ({
    ...definition,
    for: config.alertForOverride ?? definition.for,
    annotations: { ...definition.annotations, runbook_url: `${config.runbookBaseUrl}#${runbookAnchor(definition.alert)}` },
  }));
}

/** 1 - 0.9 is 0.09999999999999998 in floating point; a rule file should say 0.1. */
function round(value: number): number {
  return Number(value.toPrecision(6));
}
