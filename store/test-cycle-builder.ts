/**
 * Builders of CycleResult for store tests: a VM with only the fields a case
 * changes, a cycle around a list of them. Independent of the collectors and
 * the analysis on purpose: the store only needs the contract's shape.
 */
import type { CycleResult, VmView } from '../model/cycle.js';
import type { AccountingClass, Finding } from '../model/findings.js';
import type { CollectorRun, HostSample, KernelLogEvent } from '../model/host-sample.js';

export const TEST_BOOT_ID = '6f0b3c1e-8d2a-4c5b-9e7f-0a1b2c3d4e5f';
export const GIB = 1024 ** 3;

export interface TestVmSpec {
  pid: number;
  startTimeTicks?: number;
  vmName?: string;
  comm?: string;
  uuid?: string | null;
  /** Default 4 GiB. */
  guestMemoryBytes?: number | null;
  /** Default: guest memory (one DMA address space, fully pinned). */
  lockedBytes?: number;
  pinnedBytes?: number;
  residentBytes?: number;
  /** Default 8 GiB; null = unlimited. */
  memlockSoftBytes?: number | null;
  memlockHardBytes?: number | null;
  expectedLockedBytes?: number | null;
  accountingClass?: AccountingClass;
  findings?: Finding[];
}

export function processKeyOf(bootId: string, pid: number, startTimeTicks: number): string {
  return `${bootId}:${pid}:${startTimeTicks}`;
}

export function testVmView(spec: TestVmSpec, bootId: string = TEST_BOOT_ID): VmView {
  const startTimeTicks = spec.startTimeTicks ?? 1000 + spec.pid;
  const guestMemoryBytes = spec.guestMemoryBytes === undefined ? 4 * GIB : spec.guestMemoryBytes;
  const lockedBytes = spec.lockedBytes ?? guestMemoryBytes ?? 0;
  const vmName = spec.vmName ?? `vm-${spec.pid}`;
  const softBytes = spec.memlockSoftBytes === undefined ? 8 * GIB : spec.memlockSoftBytes;
  return {
    process: {
      pid: spec.pid,
      startTimeTicks,
      comm: spec.comm ?? 'qemu-system-x86',
      uid: 107,
      lockedBytes,
      pinnedBytes: spec.pinnedBytes ?? 0,
      residentBytes: spec.residentBytes ?? lockedBytes,
      hasCapIpcLock: false,
      memlockLimit: { softBytes, hardBytes: spec.memlockHardBytes === undefined ? softBytes : spec.memlockHardBytes },
      handles: [{ kind: 'container', target: '/dev/vfio/vfio' }],
      iommuGroups: [12],
      backend: 'type1',
      cmdline: ['qemu-system-x86_64', '-name', `guest=${vmName}`],
      qemu: {
        guestName: vmName,
        uuid: spec.uuid ?? null,
        memoryBytes: guestMemoryBytes,
        maxMemoryBytes: null,
        memoryBackends: [],
        memLock: false,
        vfioDevices: [],
        viommu: null,
      },
    },
    analysis: {
      processKey: processKeyOf(bootId, spec.pid, startTimeTicks),
      vmName,
      guestMemoryBytes,
      dmaAddressSpaces: 1,
      expectedLockedBytes: spec.expectedLockedBytes === undefined ? guestMemoryBytes : spec.expectedLockedBytes,
      lockedBytes,
      pinnedBytes: spec.pinnedBytes ?? 0,
      memlockHeadroomBytes: softBytes === null ? null : softBytes - lockedBytes,
      memlockUsedRatio: softBytes === null ? null : lockedBytes / softBytes,
      accountingClass: spec.accountingClass ?? 'ok',
      findings: spec.findings ?? [],
    },
    ebpf: null,
  };
}

export interface TestCycleSpec {
  takenAtMs: number;
  vms: TestVmSpec[];
  bootId?: string;
  /** Whether the process scan (vfio_users collector) succeeded; default true. */
  processScanSucceeded?: boolean;
  kernelLogEvents?: KernelLogEvent[];
}

export function testCycle(spec: TestCycleSpec): CycleResult {
  const bootId = spec.bootId ?? TEST_BOOT_ID;
  return cycleOfViews(
    spec.vms.map((vm) => testVmView(vm, bootId)),
    { takenAtMs: spec.takenAtMs, bootId, processScanSucceeded: spec.processScanSucceeded ?? true, kernelLogEvents: spec.kernelLogEvents ?? [] },
  );
}

/** A cycle around prebuilt views (the size test reuses the same views for thousands of cycles). */
export function cycleOfViews(
  vms: VmView[],
  options: { takenAtMs: number; bootId?: string; processScanSucceeded?: boolean; kernelLogEvents?: KernelLogEvent[] },
): CycleResult {
  const runs: CollectorRun[] = [
    { collector: 'host', success: true, durationSeconds: 0.001 },
    { collector: 'vfio_users', success: options.processScanSucceeded ?? true, durationSeconds: 0.01 },
  ];
  const sample: HostSample = {
    takenAtMs: options.takenAtMs,
    bootId: options.bootId ?? TEST_BOOT_ID,
    clockTicksPerSecond: 100,
    uptimeSeconds: 86_400,
    kernelRelease: '6.1.0-test',
    processes: vms.map((vm) => vm.process),
    processesReadMonotonicMs: null,
    sysfs: null,
    meminfo: null,
    processesScanned: vms.length,
    ebpf: null,
    kernelLogEvents: options.kernelLogEvents ?? [],
    errors: [],
    runs,
  };
  // The store writes the attribution it is given: records naming the pid of a VM of this cycle go to it.
  const kernelLogEvents = sample.kernelLogEvents.map((event) => {
    const vm = event.pid === null ? undefined : vms.find((v) => v.process.pid === event.pid);
    return { event, processKey: vm?.analysis.processKey ?? null, vmName: vm?.analysis.vmName ?? null };
  });
  return {
    sample,
    vms,
    host: {
      vfioUsers: vms.length,
      lockedBytes: vms.reduce((sum, vm) => sum + vm.analysis.lockedBytes, 0),
      pinnedBytes: 0,
      expectedLockedBytes: 0,
      guestMemoryBytes: 0,
      memTotalBytes: null,
      minMemlockHeadroomBytes: null,
      findingsBySeverity: { info: 0, warning: 0, critical: 0 },
    },
    leaks: [],
    kernelLogEvents,
    ebpfLedger: null,
    ebpfUnattributedReleasedPagesTotal: null,
  };
}

export function testKernelLogEvent(overrides: Partial<KernelLogEvent> = {}): KernelLogEvent {
  return {
    kind: 'memlock_exceeded',
    atMs: 1_700_000_000_000,
    monotonicUs: 123_456_789,
    sequence: 1042,
    limitBytes: 65_536,
    comm: null,
    pid: null,
    beforeStart: false,
    message: 'vfio_pin_pages_remote: RLIMIT_MEMLOCK (65536) exceeded',
    ...overrides,
  };
}
