/**
 * Which alerts must fire on the demo host (fixtures/demo-host.ts, served by
 * `pinwatch demo`), and for which VMs, with the alert thresholds of
 * dashboards/src/monitoring-config.ts. The /proc cases come from DEMO_VMS'
 * stated values; the eBPF and kernel-log cases from the demo's replayed
 * recording, whose VM names the expectation does not pin.
 */
export interface ExpectedAlert {
  alert: string;
  /** The vm labels it fires for, exactly; null: at least one firing, any vm. */
  vms: string[] | null;
  why: string;
}

export const DEMO_FIRING_ALERTS: readonly ExpectedAlert[] = [
  {
    alert: 'PinwatchMemlockHeadroomLow',
    vms: ['batch-05', 'cache-04'],
    why: 'cache-04: 4352 MiB limit - (4 GiB + 100 MiB) = 156 MiB < 256 MiB; batch-05: 8 GiB - (8 GiB - 64 MiB) = 64 MiB. gpu-train-3 (vIOMMU) has 97 - 64 = 33 GiB >= its 32 GiB guest RAM: silent. The DPDK user has CAP_IPC_LOCK, legacy-08 underflowed, edge-07 is iommufd: excluded.',
  },
  {
    alert: 'PinwatchMemlockLimitBelowExpected',
    vms: ['batch-05'],
    why: 'batch-05: 8 GiB soft limit for a 16 GiB guest.',
  },
  {
    alert: 'PinwatchLockedMemoryDrift',
    vms: ['batch-05', 'staging-11'],
    why: 'batch-05: VmLck 8 GiB - 64 MiB for 16 GiB expected; staging-11: VmLck 0 for 4 GiB expected (both more than 10% under). db-02 is doubled (its own alert).',
  },
  { alert: 'PinwatchLockedMemoryUnderflow', vms: ['legacy-08'], why: 'legacy-08: VmLck 18446744073709551612 kB.' },
  { alert: 'PinwatchDoubleCharged', vms: ['db-02'], why: 'db-02: -overcommit mem-lock=on, VmLck 32 GiB for 16 GiB.' },
  { alert: 'PinwatchChargeFailures', vms: null, why: 'the replayed recording has ENOMEM charge failures.' },
  { alert: 'PinwatchMapDmaFailed', vms: null, why: 'the replayed recording has failed MAP_DMA calls.' },
  { alert: 'PinwatchPinsLeakedAfterExit', vms: null, why: 'the replayed recording has a process that exited with pages still pinned.' },
  { alert: 'PinwatchKernelMemlockExceeded', vms: null, why: 'the demo kernel log has an "RLIMIT_MEMLOCK exceeded" record.' },
  { alert: 'PinwatchVmReadIncomplete', vms: ['broken-limits-13'], why: 'broken-limits-13: its limits file has a malformed "Max locked memory" row.' },
];

/** Alerts the demo host must not fire: nothing in it is broken that way. */
export const DEMO_SILENT_ALERTS: readonly { alert: string; why: string }[] = [
  { alert: 'PinwatchMappedNotChargedRising', why: 'the recording is replayed once: mapped-not-charged pages are flat.' },
  { alert: 'PinwatchCollectorFailing', why: 'two broken processes are counted as errors (one listed with its error); no collector fails.' },
  { alert: 'PinwatchCollectionStalled', why: 'the demo collects every cycle.' },
  { alert: 'PinwatchStoreErrors', why: 'the demo database takes every cycle (no row is refused).' },
  { alert: 'PinwatchEbpfOff', why: 'the replay source runs.' },
  { alert: 'PinwatchDown', why: 'Prometheus scrapes the demo.' },
];
