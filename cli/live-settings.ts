import type { AnalysisThresholds } from '../analysis/thresholds.js';
import type { Collector } from '../collectors/collector.js';

export interface LiveValues {
  intervalMs: number;
  retentionMs: number;
  thresholds: AnalysisThresholds;
}

/**
 * The settings `serve` reads anew each cycle, so a SIGHUP reload
 * (reload-config.ts) can change them without a restart: the collection
 * interval (used when the next cycle is scheduled), the retention (next
 * prune), the analysis thresholds (next analysis) and which of the
 * stateless collectors run. One per runtime, owned by composePinwatch.
 */
export class LiveSettings implements LiveValues {
  intervalMs: number;
  retentionMs: number;
  thresholds: AnalysisThresholds;
  private readonly paused = new Set<string>();

  constructor(values: LiveValues) {
    this.intervalMs = values.intervalMs;
    this.retentionMs = values.retentionMs;
    this.thresholds = values.thresholds;
  }

  /** The collectors that run this cycle: all built ones but those turned off by a reload. */
  activeCollectors(all: readonly Collector[]): readonly Collector[] {
    return this.paused.size === 0 ? all : all.filter((collector) => !this.paused.has(collector.name));
  }

  setCollectorPaused(name: string, paused: boolean): void {
    if (paused) this.paused.add(name);
    else this.paused.delete(name);
  }
}
