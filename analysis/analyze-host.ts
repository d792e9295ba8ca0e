import type { Finding, HostAnalysis, Severity, VmAnalysis } from '../model/findings.js';
import type { HostSample, VfioProcessSample } from '../model/host-sample.js';
import { classifyLockedMemory } from './classify-locked-memory.js';
import { dmaAddressSpaces, guestMemoryBytes } from './guest-memory.js';
import type { AnalysisThresholds } from './thresholds.js';
import { vmFindings } from './vm-findings.js';
import { assignVmNames, processKey } from './vm-names.js';

export interface AnalyzedVm {
  process: VfioProcessSample;
  analysis: VmAnalysis;
}

/** Judge one VFIO user against the charge VFIO should make for it. Pure. */
export function analyzeVm(
  process: VfioProcessSample,
  vmName: string,
  bootId: string,
  thresholds: AnalysisThresholds,
): VmAnalysis {
  const guestBytes = guestMemoryBytes(process.qemu);
  const spaces = dmaAddressSpaces(process);
  const expected = guestBytes === null ? null : guestBytes * spaces;
  // A VmLck never read well is a placeholder (collectors/procfs/vfio-users-collector.ts): nothing is judged from it.
  const lockedUnknown = process.unknownFields?.includes('lockedBytes') ?? false;
  const accountingClass = lockedUnknown ? 'unknown' : classifyLockedMemory(process, expected, thresholds);
  // An underflowed VmLck is not memory: no headroom can be computed from it.
  const soft = accountingClass === 'underflow' || lockedUnknown ? null : process.memlockLimit.softBytes;
  const headroom = soft === null ? null : soft - process.lockedBytes;
  const ratio = soft === null ? null : soft === 0 ? (process.lockedBytes > 0 ? Infinity : 0) : process.lockedBytes / soft;
  const figures = {
    guestMemoryBytes: guestBytes,
    dmaAddressSpaces: spaces,
    expectedLockedBytes: expected,
    memlockHeadroomBytes: headroom,
    memlockUsedRatio: ratio,
    accountingClass,
  };
  return {
    processKey: processKey(bootId, process),
    vmName,
    ...figures,
    lockedBytes: process.lockedBytes,
    pinnedBytes: process.pinnedBytes,
    findings: vmFindings(process, figures, thresholds),
  };
}

/** Every VM of the sample, named and judged. */
export function analyzeVms(sample: HostSample, thresholds: AnalysisThresholds): AnalyzedVm[] {
  const names = assignVmNames(sample.processes);
  return sample.processes.map((process) => ({
    process,
    analysis: analyzeVm(process, names.get(process) ?? process.comm, sample.bootId, thresholds),
  }));
}

/**
 * Host totals over this host's VFIO users. Sums over one host only: adding
 * hosts together is Prometheus' job (recording rules, federation).
 */
export function summarizeHost(sample: HostSample, vms: readonly VmAnalysis[]): HostAnalysis {
  const findingsBySeverity: Record<Severity, number> = { info: 0, warning: 0, critical: 0 };
  let lockedBytes = 0;
  let pinnedBytes = 0;
  let expectedLockedBytes = 0;
  let guestBytes = 0;
  let minHeadroom: number | null = null;
  for (const vm of vms) {
    // An underflowed VmLck is not memory: leave it out of the total.
    if (vm.accountingClass !== 'underflow') lockedBytes += vm.lockedBytes;
    pinnedBytes += vm.pinnedBytes;
    if (vm.expectedLockedBytes !== null) expectedLockedBytes += vm.expectedLockedBytes;
    if (vm.guestMemoryBytes !== null) guestBytes += vm.guestMemoryBytes;
    if (vm.memlockHeadroomBytes !== null) {
      minHeadroom = minHeadroom === null ? vm.memlockHeadroomBytes : Math.min(minHeadroom, vm.memlockHeadroomBytes);
    }
    countFindings(findingsBySeverity, vm.findings);
  }
  return {
    vfioUsers: vms.length,
    lockedBytes,
    pinnedBytes,
    expectedLockedBytes,
    guestMemoryBytes: guestBytes,
    memTotalBytes: sample.meminfo?.memTotalBytes ?? null,
    minMemlockHeadroomBytes: minHeadroom,
    findingsBySeverity,
  };
}

export function countFindings(into: Record<Severity, number>, findings: readonly Finding[]): void {
  for (const finding of findings) into[finding.severity] += 1;
}
