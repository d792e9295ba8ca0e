import type { AccountingClass } from '../model/findings.js';
import type { VfioProcessSample } from '../model/host-sample.js';
import type { AnalysisThresholds } from './thresholds.js';

/**
 * Where VmLck (mm->locked_vm) falls against the charge VFIO type1 should make.
 * Order matters: an underflowed counter says nothing about memory, and iommufd
 * charges mm->pinned_vm, so VmLck cannot be compared for it (docs/kernel.md).
 */
export function classifyLockedMemory(
  process: VfioProcessSample,
  expectedLockedBytes: number | null,
  thresholds: AnalysisThresholds,
): AccountingClass {
  const locked = process.lockedBytes;
  if (locked >= thresholds.underflowBytes) return 'underflow';
  if (process.backend === 'iommufd') return 'iommufd';
  if (expectedLockedBytes === null || expectedLockedBytes <= 0) return 'unknown';
  const allowance = thresholds.overheadAllowanceBytes;
  if (locked < expectedLockedBytes * thresholds.underRatio) return 'under';
  // mlock (mem-lock=on) or a second container adds a whole guest RAM on top:
  // roughly 2x, up to QEMU's own overhead beyond that.
  const looksDoubled =
    locked >= expectedLockedBytes * thresholds.doubleChargeRatio && locked <= 2 * expectedLockedBytes + allowance;
  // With mem-lock=on the cause is known, so even a guest smaller than the
  // overhead allowance is reported as doubled.
  if (looksDoubled && process.qemu?.memLock) return 'double-charged';
  if (locked <= expectedLockedBytes + allowance) return 'ok';
  return looksDoubled ? 'double-charged' : 'over';
}
