import type { AccountingClass, Finding } from '../model/findings.js';
import type { VfioProcessSample } from '../model/host-sample.js';
import { formatBytes } from './format-bytes.js';
import type { AnalysisThresholds } from './thresholds.js';

export interface VmFigures {
  guestMemoryBytes: number | null;
  dmaAddressSpaces: number;
  expectedLockedBytes: number | null;
  memlockHeadroomBytes: number | null;
  memlockUsedRatio: number | null;
  accountingClass: AccountingClass;
}

/**
 * The /proc and /sys findings for one VM, each with one sentence an operator
 * can act on. RLIMIT_MEMLOCK is checked by __account_locked_vm() (mm/util.c)
 * only when the mapping task lacks CAP_IPC_LOCK, so the limit findings differ
 * for capable processes: their charge still lands in VmLck but never fails.
 */
export function vmFindings(
  process: VfioProcessSample,
  figures: VmFigures,
  thresholds: AnalysisThresholds,
): Finding[] {
  const findings: Finding[] = [];
  const locked = formatBytes(process.lockedBytes);
  const expected = figures.expectedLockedBytes;
  const soft = process.memlockLimit.softBytes;

  switch (figures.accountingClass) {
    case 'underflow':
      findings.push({
        kind: 'locked-underflow',
        severity: 'critical',
        explanation:
          `VmLck reads ${process.lockedBytes} bytes: mm->locked_vm went below zero (a kernel accounting bug, ` +
          `e.g. exec with a preserved VFIO container then unmap); RLIMIT_MEMLOCK checks on this process are meaningless until it restarts.`,
      });
      break;
    case 'iommufd':
      findings.push({
        kind: 'iommufd-charges-pinned',
        severity: 'info',
        explanation:
          `This VM uses iommufd, which charges pinned pages to VmPin (${formatBytes(process.pinnedBytes)}) and, ` +
          `outside its VFIO-compatible MM mode, to the per-user locked_vm that /proc/PID does not show; VmLck (${locked}) is not the DMA charge.`,
      });
      break;
    case 'double-charged':
      findings.push({
        kind: 'locked-double-charged',
        severity: 'warning',
        explanation: process.qemu?.memLock
          ? `VmLck ${locked} is about twice the expected ${formatBytes(expected ?? 0)}: QEMU runs with -overcommit mem-lock=on, ` +
            `so guest RAM is mlock()ed into the same locked_vm VFIO charges; size RLIMIT_MEMLOCK for 2 x guest RAM + 1 GiB or turn mem-lock off.`
          : `VmLck ${locked} is about twice the expected ${formatBytes(expected ?? 0)}: guest RAM is charged twice, ` +
            `typically by a second VFIO container or an mlock outside QEMU; check the containers the process holds.`,
      });
      break;
    case 'over':
      findings.push({
        kind: 'locked-over-expected',
        severity: 'warning',
        explanation:
          `VmLck ${locked} exceeds the expected ${formatBytes(expected ?? 0)} by more than the ` +
          `${formatBytes(thresholds.overheadAllowanceBytes)} overhead allowance: something beyond guest RAM is charged (extra containers, mlock, hotplugged memory).`,
      });
      break;
    case 'under':
      findings.push({
        kind: 'locked-under-expected',
        severity: 'info',
        explanation:
          `VmLck ${locked} is below the expected ${formatBytes(expected ?? 0)}: guest RAM is not all DMA-mapped yet, ` +
          `or maps pages VFIO does not charge (the zero page on kernels up to 6.1, reserved memory).`,
      });
      break;
    case 'ok':
    case 'unknown':
      break;
  }

  if (soft !== null) {
    if (process.hasCapIpcLock) {
      if (process.lockedBytes > soft && figures.accountingClass !== 'underflow') {
        findings.push({
          kind: 'memlock-limit-bypassed',
          severity: 'info',
          explanation:
            `VmLck ${locked} is above RLIMIT_MEMLOCK ${formatBytes(soft)} but the process has CAP_IPC_LOCK, so the limit is not enforced; ` +
            `if it loses the capability (libvirt drops it for unprivileged QEMU) the next MAP_DMA fails with ENOMEM.`,
        });
      }
    } else if (figures.accountingClass !== 'underflow' && figures.accountingClass !== 'iommufd') {
      if (expected !== null && expected > soft) {
        findings.push({
          kind: 'memlock-limit-below-expected',
          severity: 'critical',
          explanation:
            `RLIMIT_MEMLOCK ${formatBytes(soft)} is below the ${formatBytes(expected)} this VM needs charged ` +
            `(guest RAM x ${figures.dmaAddressSpaces} DMA address space${figures.dmaAddressSpaces === 1 ? '' : 's'}): ` +
            `mapping the rest fails with "VFIO_MAP_DMA failed: Cannot allocate memory"; raise the limit to at least ${formatBytes(expected + thresholds.overheadAllowanceBytes)}.`,
        });
      }
      const headroom = figures.memlockHeadroomBytes;
      const ratio = figures.memlockUsedRatio;
      // Nothing locked: nothing is near the limit (a small limit on an idle process is no
      // risk by itself; memlock-limit-below-expected covers a VM that will need more).
      if (headroom !== null && ratio !== null && process.lockedBytes > 0) {
        const growth = nextChargeBytes(process, figures);
        if (headroom <= 0) {
          findings.push({
            kind: 'memlock-headroom-low',
            severity: 'critical',
            explanation:
              `VmLck ${locked} has reached RLIMIT_MEMLOCK ${formatBytes(soft)}: the next VFIO_MAP_DMA of this VM fails with ENOMEM.`,
          });
        } else if (headroom < thresholds.headroomWarningBytes || (growth !== null && growth > headroom)) {
          findings.push({
            kind: 'memlock-headroom-low',
            severity: 'warning',
            explanation:
              `Only ${formatBytes(headroom)} of RLIMIT_MEMLOCK ${formatBytes(soft)} is left (${(ratio * 100).toFixed(1)}% used)` +
              (growth !== null && growth > headroom
                ? `: ${growthReason(process)} would charge ${formatBytes(growth)} more and fail with ENOMEM.`
                : `: a hotplug or a new DMA mapping may fail with ENOMEM.`),
          });
        }
      }
    }
  }
  return findings;
}

/**
 * What the next likely growth would charge: with a vIOMMU a hot-plugged device
 * gets its own address space and charges guest RAM again; without one,
 * hot-plugged memory up to maxmem is charged once.
 */
function nextChargeBytes(process: VfioProcessSample, figures: VmFigures): number | null {
  const qemu = process.qemu;
  if (!qemu || figures.guestMemoryBytes === null) return null;
  if (qemu.viommu) return figures.guestMemoryBytes;
  if (qemu.maxMemoryBytes !== null && qemu.maxMemoryBytes > figures.guestMemoryBytes) {
    return qemu.maxMemoryBytes - figures.guestMemoryBytes;
  }
  return null;
}

function growthReason(process: VfioProcessSample): string {
  return process.qemu?.viommu ? 'hot-plugging another VFIO device behind the vIOMMU' : 'hot-plugging memory up to maxmem';
}
