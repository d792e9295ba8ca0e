/**
 * Kernel ranges of the numbers pinwatch reads from procfs, and the checks
 * that keep a value outside them from ever reaching the analysis, the store
 * or the API (issue 9: a starttime of 1e23 made every API answer 500).
 */

/** 2^64 - 1 as the kernel prints an unsigned long long (seq_put_decimal_ull). */
export const U64_MAX_DECIMAL = '18446744073709551615';
/** 2^32 - 1: uid_t (include/linux/types.h). */
export const U32_MAX = 4_294_967_295;

/**
 * A decimal string of digits that fits an unsigned 64-bit integer: what the
 * kernel can print for an unsigned long (VmLck kB, an rlimit). Digits only;
 * callers check the shape first.
 */
export function fitsU64(digits: string): boolean {
  const trimmed = digits.replace(/^0+(?=\d)/, '');
  if (trimmed.length !== U64_MAX_DECIMAL.length) return trimmed.length < U64_MAX_DECIMAL.length;
  return trimmed <= U64_MAX_DECIMAL;
}

/**
 * The largest /proc/PID/stat starttime a live process can have on this host:
 * starttime is task->start_boottime in clock ticks (fs/proc/array.c
 * do_task_stat(), nsec_to_clock_t()) and /proc/uptime is the same boottime
 * clock (fs/proc/uptime.c uptime_proc_show(), ktime_get_boottime_ts64()).
 * A process can start after uptime was read in the same cycle: 60 s of
 * slack covers a cycle many times over.
 */
export function maxStartTimeTicks(uptimeSeconds: number | null, clockTicksPerSecond: number): number | null {
  if (uptimeSeconds === null || !Number.isFinite(uptimeSeconds) || !(clockTicksPerSecond > 0)) return null;
  return Math.ceil((uptimeSeconds + 60) * clockTicksPerSecond);
}
