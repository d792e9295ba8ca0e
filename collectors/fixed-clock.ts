import type { Clock } from './clock.js';

/** A clock tests move by hand: wall-clock and monotonic advance together. */
export interface FixedClock extends Clock {
  advanceMs(ms: number): void;
}

export function createFixedClock(startMs: number): FixedClock {
  let nowMs = startMs;
  let monotonicMs = 0;
  return {
    nowMs: () => nowMs,
    monotonicMs: () => monotonicMs,
    advanceMs: (ms) => {
      nowMs += ms;
      monotonicMs += ms;
    },
  };
}
