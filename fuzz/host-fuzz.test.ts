/**
 * The end-to-end fuzz run (host-fuzz.ts). Bounded in `npm test` (a few
 * seconds); `npm run fuzz` sets PINWATCH_FUZZ=long: 1200 mutations over
 * 2 minutes on a 50-VM host, as in issue 9, and prints the figures.
 */
import { describe, expect, it } from 'vitest';
import { formatFuzzFigures, runHostFuzz } from './host-fuzz.js';

const long = process.env['PINWATCH_FUZZ'] === 'long';
const options = long
  ? { processCount: 500, mutableVms: 20, mutations: 1200, durationMs: 120_000, seed: 9, hugeStatusBytes: 10 * 1024 * 1024 }
  : { processCount: 200, mutableVms: 10, mutations: 60, durationMs: 2_000, seed: 9, hugeStatusBytes: 2 * 1024 * 1024 };

describe(`host fuzz (${long ? 'long' : 'bounded'})`, () => {
  it('the daemon never crashes, never answers >= 500, never fails a store cycle; untouched VMs stay exact', async () => {
    const figures = await runHostFuzz(options);
    console.log(formatFuzzFigures(figures));
    expect(figures.problems).toEqual([]);
    expect({
      failedCycles: figures.failedCycles,
      apiAnswersAtLeast500: figures.apiAnswersAtLeast500,
      storeErrors: figures.storeErrors,
      untouchedVmMismatches: figures.untouchedVmMismatches,
    }).toEqual({ failedCycles: 0, apiAnswersAtLeast500: 0, storeErrors: 0, untouchedVmMismatches: 0 });
    // The run did what it says: many cycles, every kind of mutation, the mutated VMs listed as incomplete.
    expect(figures.cycles).toBeGreaterThan(long ? 500 : 10);
    expect(Object.values(figures.mutationsApplied).every((n) => n > 0)).toBe(true);
    expect(figures.incompleteVmListings).toBeGreaterThan(0);
  }, long ? 900_000 : 60_000);
});
