/**
 * Builders for server tests: a CycleResult with only the fields a case
 * changes. Defaults describe one QEMU guest "web-01" on type1 with 4 GiB of
 * RAM, VmLck 83755008 (79.9 MiB: only part of RAM mapped yet), a 5 GiB soft
 * and hard memlock limit, one vfio-pci device in IOMMU group 12.
 */
import { qemuIdentity, vfioProcess } from '../../analysis/test-process.js';
import { attributeKernelLogEvent } from '../../analysis/kernel-log-attribution.js';
import type { CycleResult, ExitedVmLeak, VmEbpfView, VmView } from '../../model/cycle.js';
import type { HostAnalysis, VmAnalysis } from '../../model/findings.js';
import type {
  HostSample,
  KernelLogEvent,
  QemuIdentity,
  SysfsSample,
  VfioProcessSample,
} from '../../model/host-sample.js';

export const GiB = 1024 ** 3;
export const BOOT_ID = '6f1c3c1e-8d47-4f0e-9a0b-2f4d1b2e7c11';
/** 2024-05-01T12:00:00Z */
export const SAMPLE_TAKEN_AT_MS = Date.UTC(2024, 4, 1, 12, 0, 0);

/** The analysis tests' builders, with the server tests' defaults (uuid, a partly mapped guest). */
export function testQemu(overrides: Partial<QemuIdentity> = {}): QemuIdentity {
  return qemuIdentity({ uuid: '0c8f1b52-6d2e-4d59-9a43-3c8e2f1d7a10', ...overrides });
}

export function testProcess(overrides: Partial<VfioProcessSample> = {}): VfioProcessSample {
  return vfioProcess({
    lockedBytes: 83755008,
    residentBytes: 2 * GiB,
    cmdline: ['qemu-system-x86_64', '-name', 'guest=web-01'],
    qemu: testQemu(),
    ...overrides,
  });
}

export interface TestVmOptions {
  process?: Partial<VfioProcessSample>;
  analysis?: Partial<VmAnalysis>;
  ebpf?: VmEbpfView | null;
}

/** A VM whose analysis figures follow from its process unless overridden. */
export function testVm(options: TestVmOptions = {}): VmView {
  const process = testProcess(options.process);
  const guestMemoryBytes = process.qemu?.memoryBytes ?? null;
  const soft = process.memlockLimit.softBytes;
  const analysis: VmAnalysis = {
    processKey: `${BOOT_ID}:${process.pid}:${process.startTimeTicks}`,
    vmName: process.qemu?.guestName ?? process.comm,
    guestMemoryBytes,
    dmaAddressSpaces: 1,
    expectedLockedBytes: guestMemoryBytes,
    lockedBytes: process.lockedBytes,
    pinnedBytes: process.pinnedBytes,
    memlockHeadroomBytes: soft === null ? null : soft - process.lockedBytes,
    memlockUsedRatio: soft === null ? null : process.lockedBytes / soft,
    accountingClass: 'under',
    findings: [],
    ...options.analysis,
  };
  return { process, analysis, ebpf: options.ebpf ?? null };
}

export function testEbpfView(overrides: Partial<VmEbpfView> = {}): VmEbpfView {
  return {
    coverage: 'full',
    baselineLockedBytes: 0,
    baselineAtMs: SAMPLE_TAKEN_AT_MS - 3_600_000,
    pinnedPagesTotal: 20480,
    chargedPagesTotal: 20448,
    unchargedPagesTotal: 0,
    unpinnedPagesTotal: 0,
    mappedNotChargedPages: 32,
    chargeFailedPagesTotal: new Map([[12, 512]]),
    mapFailuresTotal: new Map([[12, 1]]),
    lockedDriftBytes: 0,
    ...overrides,
  };
}

export function testSysfs(overrides: Partial<SysfsSample> = {}): SysfsSample {
  return {
    iommuGroups: new Map([
      [12, ['0000:01:00.0']],
      [13, ['0000:02:00.0']],
    ]),
    vfioPciDevices: [
      {
        address: '0000:01:00.0',
        vendorId: '0x10de',
        deviceId: '0x1eb8',
        classCode: '0x030200',
        driver: 'vfio-pci',
        iommuGroup: 12,
      },
    ],
    dmaEntryLimit: 65535,
    vfioType1Loaded: true,
    iommufdLoaded: false,
    iommufdDevicePresent: false,
    ...overrides,
  };
}

export function testKernelLogEvent(overrides: Partial<KernelLogEvent> = {}): KernelLogEvent {
  return {
    kind: 'memlock_exceeded',
    atMs: SAMPLE_TAKEN_AT_MS - 5000,
    monotonicUs: 86_395_000_000,
    sequence: 1234,
    limitBytes: 5 * GiB,
    comm: null,
    pid: null,
    beforeStart: false,
    message: 'vfio_pin_pages_remote: RLIMIT_MEMLOCK (5368709120) exceeded',
    ...overrides,
  };
}

export function testSample(overrides: Partial<HostSample> = {}): HostSample {
  return {
    takenAtMs: SAMPLE_TAKEN_AT_MS,
    bootId: BOOT_ID,
    clockTicksPerSecond: 100,
    // Booted at 2024-04-30T12:00:00Z: one day before the sample.
    uptimeSeconds: 86400,
    kernelRelease: '6.1.0-56-amd64',
    processes: [],
    processesReadMonotonicMs: { startMs: 5_000_000, endMs: 5_000_012 },
    sysfs: testSysfs(),
    meminfo: { memTotalBytes: 64 * GiB, memAvailableBytes: 40 * GiB, hugetlbTotalBytes: 0 },
    processesScanned: 312,
    ebpf: null,
    kernelLogEvents: [],
    errors: [],
    runs: [
      { collector: 'host', success: true, durationSeconds: 0.001 },
      { collector: 'vfio_users', success: true, durationSeconds: 0.012 },
    ],
    ...overrides,
  };
}

export interface TestCycleOptions {
  vms?: VmView[];
  sample?: Partial<HostSample>;
  leaks?: ExitedVmLeak[];
  ebpfUnattributedReleasedPagesTotal?: number | null;
  host?: Partial<HostAnalysis>;
}

/** A cycle whose host totals are summed from its VMs unless overridden. */
export function testCycle(options: TestCycleOptions = {}): CycleResult {
  const vms = options.vms ?? [testVm()];
  const sample = testSample({ processes: vms.map((vm) => vm.process), ...options.sample });
  const sum = (pick: (vm: VmView) => number | null) => vms.reduce((total, vm) => total + (pick(vm) ?? 0), 0);
  const host: HostAnalysis = {
    vfioUsers: vms.length,
    lockedBytes: sum((vm) => vm.process.lockedBytes),
    pinnedBytes: sum((vm) => vm.process.pinnedBytes),
    expectedLockedBytes: sum((vm) => vm.analysis.expectedLockedBytes),
    guestMemoryBytes: sum((vm) => vm.analysis.guestMemoryBytes),
    memTotalBytes: sample.meminfo?.memTotalBytes ?? null,
    minMemlockHeadroomBytes: null,
    findingsBySeverity: { info: 0, warning: 0, critical: 0 },
    ...options.host,
  };
  // Kernel log records attributed as the attribution step does (analysis/kernel-log-attribution.ts).
  const kernelLogEvents = sample.kernelLogEvents.map((event) => {
    const process = attributeKernelLogEvent(event, sample.processes, sample.clockTicksPerSecond);
    const vm = process ? vms.find((v) => v.process === process) : undefined;
    return { event, processKey: vm?.analysis.processKey ?? null, vmName: vm?.analysis.vmName ?? null };
  });
  return {
    sample,
    vms,
    host,
    leaks: options.leaks ?? [],
    kernelLogEvents,
    ebpfLedger: null,
    ebpfUnattributedReleasedPagesTotal: options.ebpfUnattributedReleasedPagesTotal ?? null,
  };
}

/**
 * A cycle where every metric family has samples: two VMs (one with a
 * finding and an eBPF view, one unlimited and on iommufd), a leak, an eBPF
 * snapshot and kernel log records.
 */
export function fullCycle(): CycleResult {
  const web = testVm({
    analysis: {
      findings: [
        {
          kind: 'charge-failed',
          severity: 'critical',
          explanation: '512 pages failed to charge with ENOMEM: web-01 hit RLIMIT_MEMLOCK (5.0 GiB).',
        },
      ],
    },
    ebpf: testEbpfView(),
  });
  const db = testVm({
    process: {
      pid: 5151,
      startTimeTicks: 200000,
      lockedBytes: 0,
      pinnedBytes: 8 * GiB,
      memlockLimit: { softBytes: null, hardBytes: null },
      hasCapIpcLock: true,
      backend: 'iommufd',
      iommuGroups: [],
      handles: [{ kind: 'iommufd', target: '/dev/iommu' }],
      qemu: testQemu({ guestName: 'db-01', uuid: null, memoryBytes: 8 * GiB, vfioDevices: [] }),
    },
    analysis: { accountingClass: 'iommufd' },
  });
  return testCycle({
    vms: [web, db],
    leaks: [{ processKey: `${BOOT_ID}:3131:50000`, vmName: 'old-01', exitedAtMs: SAMPLE_TAKEN_AT_MS - 60_000, leakedPages: 1024 }],
    ebpfUnattributedReleasedPagesTotal: 64,
    sample: {
      ebpf: {
        state: 'running',
        reason: null,
        attachedAtMs: SAMPLE_TAKEN_AT_MS - 3_600_000,
        probesAttached: 6,
        perTgid: new Map(),
        unattributedUnpinnedPages: 64,
        unattributedUnchargedPages: 0,
        printStartedMonotonicMs: 4_999_000,
        receivedMonotonicMs: 4_999_010,
      },
      kernelLogEvents: [
        testKernelLogEvent(),
        testKernelLogEvent({
          kind: 'external_memlock_exceeded',
          sequence: 1235,
          comm: 'qemu-system-x86',
          pid: 4242,
          message: 'vfio_pin_page_external: Task qemu-system-x86 (4242) RLIMIT_MEMLOCK (5368709120) exceeded',
        }),
        testKernelLogEvent({
          kind: 'iommufd_compat',
          sequence: 1236,
          limitBytes: null,
          message: 'IOMMUFD is providing /dev/vfio/vfio, not VFIO.',
        }),
      ],
      errors: [
        { collector: 'vfio_users', reason: 'vanished', path: '/proc/777/status', message: 'process 777 exited while read' },
      ],
    },
  });
}
