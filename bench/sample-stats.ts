/**
 * Order statistics of timing samples. Nearest-rank percentiles (no
 * interpolation): every figure the bench prints is a time that was actually
 * measured, so a p90 of 30 cycles is the 27th fastest cycle.
 */
export interface TimingSummary {
  count: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
}

/** Nearest-rank percentile (0 < p <= 100) of unsorted samples; throws on no samples. */
export function percentileMs(samplesMs: readonly number[], percent: number): number {
  if (samplesMs.length === 0) throw new Error('percentileMs: no samples');
  if (!(percent > 0 && percent <= 100)) throw new Error(`percentileMs: percent must be in (0, 100], got ${percent}`);
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const rank = Math.ceil((percent / 100) * sorted.length);
  return sorted[rank - 1] as number;
}

export function summarizeTimings(samplesMs: readonly number[]): TimingSummary {
  return {
    count: samplesMs.length,
    medianMs: percentileMs(samplesMs, 50),
    p90Ms: percentileMs(samplesMs, 90),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
  };
}
