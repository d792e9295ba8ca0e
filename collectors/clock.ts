/**
 * Time as collectors and the cycle runner see it, injected so tests control
 * it: wall-clock for timestamps and the full-sweep schedule, monotonic for
 * durations (a wall-clock step must not make a collector look slow or fast).
 */
export interface Clock {
  nowMs(): number;
  monotonicMs(): number;
}

export function createSystemClock(): Clock {
  return { nowMs: () => Date.now(), monotonicMs: () => performance.now() };
}
