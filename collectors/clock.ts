/**
 * Time as collectors and the cycle runner see it, injected so tests control
 * it: wall-clock for timestamps and the full-sweep schedule, monotonic for
 * durations (a wall-clock step must not make a collector look slow or fast)
 * and for ordering reads against eBPF prints.
 */
export interface Clock {
  nowMs(): number;
  /** CLOCK_MONOTONIC in ms: the clock of bpftrace's `nsecs` (bpf_ktime_get_ns), so a /proc read can be ordered against a print. */
  monotonicMs(): number;
}

/** CLOCK_MONOTONIC in ms; process.hrtime reads it (libuv's uv_hrtime), unlike performance.now(), which starts at 0. */
export function kernelMonotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function createSystemClock(): Clock {
  return { nowMs: () => Date.now(), monotonicMs: kernelMonotonicMs };
}
