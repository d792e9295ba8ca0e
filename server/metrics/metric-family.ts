/**
 * A metric family as data: its name, type, help, label names, and a fill
 * function that emits the current samples from memory (the latest
 * CycleResult and the cumulative tallies). Families are rendered at scrape
 * time by the exposition writer and mirrored into a prom-client registry; no
 * I/O happens in fill: everything was read by the collection cycle, and a VM
 * that vanished since the last cycle simply is not emitted any more.
 */
import type { LabelledTally, LabelValues } from './labelled-tally.js';

export type MetricType = 'gauge' | 'counter';

export type EmitSample<L extends string> = (labels: LabelValues<L>, value: number) => void;

export interface MetricFamily<L extends string = string> {
  name: string;
  type: MetricType;
  help: string;
  labelNames: readonly L[];
  /**
   * Emits the current samples, each label set at most once. Nothing emitted =
   * the family has no samples ("absent when unknown"). Counters emit their
   * absolute cumulative value.
   */
  fill(emit: EmitSample<L>): void;
}

export function gaugeFamily<L extends string>(spec: Omit<MetricFamily<L>, 'type'>): MetricFamily<L> {
  return { ...spec, type: 'gauge' };
}

export function counterFamily<L extends string>(spec: Omit<MetricFamily<L>, 'type'>): MetricFamily<L> {
  return { ...spec, type: 'counter' };
}

/** A counter whose samples are a tally's label sets and cumulative counts. */
export function tallyCounterFamily<L extends string>(
  spec: Omit<MetricFamily<L>, 'type' | 'fill'> & { tally: LabelledTally<L> },
): MetricFamily<L> {
  const { tally, ...family } = spec;
  return counterFamily({
    ...family,
    fill: (emit) => {
      for (const entry of tally.entries()) emit(entry.labels, entry.value);
    },
  });
}
