import type { CollectorError, CollectorRun, HostSample } from '../model/host-sample.js';
import type { Clock } from './clock.js';
import { type Collector, emptyDraft } from './collector.js';
import type { HostPaths } from './host-paths.js';

export interface CollectionCycleDeps {
  paths: HostPaths;
  clock: Clock;
}

/**
 * One collection cycle: run each collector in order against one draft, time
 * it, and gather what it could not read. A collector that throws (or
 * rejects) fails only itself (success=false, its message kept in the run and
 * as an 'io' CollectorError); the others still run. Never throws.
 */
export async function runCollectionCycle(collectors: readonly Collector[], deps: CollectionCycleDeps): Promise<HostSample> {
  const takenAtMs = deps.clock.nowMs();
  const draft = emptyDraft();
  const errors: CollectorError[] = [];
  const runs: CollectorRun[] = [];

  for (const collector of collectors) {
    const sink = {
      // Stamp the collector's name so a collector cannot mislabel its errors.
      report: (error: CollectorError) => errors.push({ ...error, collector: collector.name }),
    };
    const startedMs = deps.clock.monotonicMs();
    let run: CollectorRun;
    try {
      await collector.collect({ paths: deps.paths, nowMs: takenAtMs, errors: sink }, draft);
      run = { collector: collector.name, success: true, durationSeconds: 0 };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      errors.push({ collector: collector.name, reason: 'io', path: collector.name, message: `collector ${collector.name} failed: ${message}` });
      run = { collector: collector.name, success: false, durationSeconds: 0, errorMessage: message };
    }
    run.durationSeconds = (deps.clock.monotonicMs() - startedMs) / 1000;
    runs.push(run);
  }

  return { ...draft, takenAtMs, errors, runs };
}
