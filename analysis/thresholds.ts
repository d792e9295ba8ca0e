/**
 * The tolerances the analysis judges VmLck with. Defaults follow libvirt's
 * sizing rule (qemuDomainGetMemLockLimitBytes): guest RAM + 1 GiB without a
 * vIOMMU, N x guest RAM + 1 GiB with one (docs/kernel.md).
 */
export interface AnalysisThresholds {
  /** What QEMU itself may lock beyond guest RAM (ROMs, VGA RAM, firmware): libvirt's +1 GiB. */
  overheadAllowanceBytes: number;
  /** VmLck below expected x this is "under". */
  underRatio: number;
  /** VmLck at or above expected x this (and up to 2 x expected + allowance) is "double-charged". */
  doubleChargeRatio: number;
  /**
   * Headroom below this is a warning: QEMU maps option ROMs, VGA RAM and the
   * like after start-up. Not a ratio: libvirt sizes the limit as guest RAM +
   * 1 GiB, so a 24 GiB guest is 96% "used" and perfectly healthy.
   */
  headroomWarningBytes: number;
  /** VmLck above this is an underflowed counter, not memory (2^56 bytes = 64 PiB). */
  underflowBytes: number;
}

export const defaultAnalysisThresholds: AnalysisThresholds = {
  overheadAllowanceBytes: 1024 ** 3,
  underRatio: 0.9,
  doubleChargeRatio: 1.8,
  headroomWarningBytes: 256 * 1024 ** 2,
  underflowBytes: 2 ** 56,
};
