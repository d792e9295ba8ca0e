/**
 * A cumulative count per label set, kept in plain memory so that every
 * registry rendering it (Prometheus text and OpenMetrics) reads the same
 * numbers at scrape time.
 */
export type LabelValues<L extends string> = Record<L, string>;

export interface TallyEntry<L extends string> {
  labels: LabelValues<L>;
  value: number;
}

export class LabelledTally<L extends string> {
  private readonly entriesByKey = new Map<string, TallyEntry<L>>();

  constructor(private readonly labelNames: readonly L[]) {}

  /** Adds `by` (>= 0) to the label set's count, creating it at 0 first. */
  add(labels: LabelValues<L>, by: number): void {
    if (!(by >= 0) || !Number.isFinite(by)) {
      throw new RangeError(`a cumulative count only grows: cannot add ${by}`);
    }
    const entry = this.entry(labels);
    entry.value += by;
  }

  /** Makes the label set exist at 0, so rate() works from the first scrape. */
  preset(labels: LabelValues<L>): void {
    this.entry(labels);
  }

  entries(): IterableIterator<TallyEntry<L>> {
    return this.entriesByKey.values();
  }

  private entry(labels: LabelValues<L>): TallyEntry<L> {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let entry = this.entriesByKey.get(key);
    if (!entry) {
      entry = { labels: { ...labels }, value: 0 };
      this.entriesByKey.set(key, entry);
    }
    return entry;
  }
}
