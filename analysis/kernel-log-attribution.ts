/**
 * Which VM a kernel log record is about. vfio_pin_page_external() names the task
 * ("Task C (PID)"); vfio_pin_pages_remote() only quotes the limit
 * ("RLIMIT_MEMLOCK (N) exceeded", drivers/vfio/vfio_iommu_type1.c), so such a record is
 * attributed when exactly one candidate without CAP_IPC_LOCK (the kernel skips the check
 * for capable tasks) has that soft limit.
 *
 * A candidate must have been running when the record was logged: a record older than a
 * process is never its doing, whatever its limit (libvirt gives many VMs the same one).
 * Both times are seconds since boot: the record's kmsg timestamp and the process's start
 * time (/proc/PID/stat field 22, clock ticks since boot).
 */
import { formatBytes } from './format-bytes.js';
import type { Finding } from '../model/findings.js';
import type { KernelLogEvent, VfioProcessSample } from '../model/host-sample.js';

function runningAt(process: VfioProcessSample, event: KernelLogEvent, clockTicksPerSecond: number): boolean {
  return process.startTimeTicks / clockTicksPerSecond <= event.monotonicUs / 1e6;
}

export function attributeKernelLogEvent(
  event: KernelLogEvent,
  processes: readonly VfioProcessSample[],
  clockTicksPerSecond: number,
): VfioProcessSample | null {
  if (event.kind === 'iommufd_compat') return null;
  const candidates = processes.filter((p) => runningAt(p, event, clockTicksPerSecond));
  if (event.pid !== null) return candidates.find((p) => p.pid === event.pid) ?? null;
  if (event.kind !== 'memlock_exceeded' || event.limitBytes === null) return null;
  const matching = candidates.filter((p) => !p.hasCapIpcLock && p.memlockLimit.softBytes === event.limitBytes);
  return matching.length === 1 ? (matching[0] as VfioProcessSample) : null;
}

export function kernelMemlockFinding(event: KernelLogEvent): Finding {
  const limit = event.limitBytes === null ? 'its limit' : formatBytes(event.limitBytes);
  return {
    kind: 'kernel-memlock-exceeded',
    severity: 'critical',
    explanation:
      `The kernel logged "${event.message}": a VFIO pin for this VM would have exceeded RLIMIT_MEMLOCK (${limit}) and its MAP_DMA failed with ENOMEM; ` +
      `raise the memlock limit to guest RAM x DMA address spaces + 1 GiB.`,
  };
}
