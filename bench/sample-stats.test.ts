import { describe, expect, it } from 'vitest';
import { percentileMs, summarizeTimings } from './sample-stats.js';

describe('percentileMs (nearest rank)', () => {
  it.each<[number[], number, number]>([
    [[7], 50, 7],
    [[7], 90, 7],
    // 4 samples: median is the 2nd fastest (rank ceil(0.5*4) = 2), p90 the 4th.
    [[40, 10, 30, 20], 50, 20],
    [[40, 10, 30, 20], 90, 40],
    // 10 samples 1..10 (shuffled): median rank 5, p90 rank 9.
    [[3, 9, 1, 10, 2, 8, 4, 7, 5, 6], 50, 5],
    [[3, 9, 1, 10, 2, 8, 4, 7, 5, 6], 90, 9],
    [[3, 9, 1, 10, 2, 8, 4, 7, 5, 6], 100, 10],
  ])('%j p%d = %d', (samples, percent, expected) => expect(percentileMs(samples, percent)).toBe(expected));

  it('refuses no samples and percents outside (0, 100]', () => {
    expect(() => percentileMs([], 50)).toThrow('no samples');
    expect(() => percentileMs([1], 0)).toThrow('(0, 100]');
    expect(() => percentileMs([1], 101)).toThrow('(0, 100]');
  });
});

describe('summarizeTimings', () => {
  it('30 cycles of 1..30 ms: median 15, p90 27, min 1, max 30', () => {
    const samples = Array.from({ length: 30 }, (_, i) => 30 - i);
    expect(summarizeTimings(samples)).toEqual({ count: 30, medianMs: 15, p90Ms: 27, minMs: 1, maxMs: 30 });
  });
});
