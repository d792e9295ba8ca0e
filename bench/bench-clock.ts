import type { Clock } from '../collectors/clock.js';

/**
 * The bench's clock: wall time is virtual (the bench advances it by one
 * collection interval per cycle, so the full-sweep schedule follows the
 * daemon's real cadence however fast the cycles run), durations are real
 * (performance.now, as the daemon measures them).
 */
export interface BenchClock extends Clock {
  advanceMs(ms: number): void;
}

export function createBenchClock(startMs: number): BenchClock {
  let wallMs = startMs;
  return {
    nowMs: () => wallMs,
    monotonicMs: () => performance.now(),
    advanceMs(ms) {
      wallMs += ms;
    },
  };
}
