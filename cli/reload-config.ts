import type { Collector } from '../collectors/collector.js';
import { COLLECTOR_REGISTRY, createCollector, type CollectorDeps } from '../collectors/registry.js';
import type { PinwatchConfig } from '../config/config-schema.js';
import type { Logger } from '../model/logger.js';
import { analysisThresholdsFrom } from './compose-pinwatch.js';
import { describeChange, diffConfig, effectiveConfig, type ConfigChange } from './config-changes.js';
import type { LiveSettings } from './live-settings.js';

export interface ReloadTarget {
  live: LiveSettings;
  /** The runtime's collector list, in registry order; a collector turned on by a reload is inserted here. */
  collectors: Collector[];
  /** What a collector turned on by a reload is built with (the same roots and clock as at start-up). */
  collectorDeps: CollectorDeps;
  setLogLevel(level: PinwatchConfig['log']['level']): void;
  logger: Logger;
}

export type ReloadOutcome =
  | { ok: true; config: PinwatchConfig; changes: ConfigChange[] }
  | { ok: false; config: PinwatchConfig; error: string };

/**
 * A config reload, as Prometheus does it on SIGHUP: read and validate the
 * whole config again; if it is bad, log why and keep running on the old one;
 * otherwise log every changed key (`key: old -> new`), apply the live ones
 * (config-changes.ts, LIVE_KEYS) and log those that need a restart.
 * Returns the config now in effect.
 */
export function reloadConfig(current: PinwatchConfig, load: () => PinwatchConfig, target: ReloadTarget): ReloadOutcome {
  const { logger } = target;
  let next: PinwatchConfig;
  try {
    next = load();
  } catch (error) {
    const message = (error as Error).message;
    logger.error({ error: message }, `config reload failed, the old config stays in effect: ${message}`);
    return { ok: false, config: current, error: message };
  }
  const changes = diffConfig(current, next);
  if (changes.length === 0) {
    logger.info({}, 'config reloaded: nothing changed');
    return { ok: true, config: current, changes };
  }
  applyLiveChanges(next, changes, target);
  const live = changes.filter((c) => c.live).map(describeChange);
  const pending = changes.filter((c) => !c.live).map(describeChange);
  if (live.length > 0) logger.info({ changed: live }, `config reloaded: ${live.join(', ')}`);
  if (pending.length > 0) {
    logger.warn({ needRestart: pending }, `config reloaded, but these settings take effect only after a restart: ${pending.join(', ')}`);
  }
  return { ok: true, config: effectiveConfig(current, next, changes), changes };
}

function applyLiveChanges(next: PinwatchConfig, changes: readonly ConfigChange[], target: ReloadTarget): void {
  const { live } = target;
  live.intervalMs = next.collection.interval;
  live.retentionMs = next.db.retention;
  live.thresholds = analysisThresholdsFrom(next);
  for (const change of changes) {
    if (change.key === 'log.level') target.setLogLevel(next.log.level);
    if (change.live && change.key.startsWith('collector.')) {
      const name = change.key.slice('collector.'.length);
      const on = change.to === true;
      if (on && !target.collectors.some((c) => c.name === name)) insertCollector(name, target);
      live.setCollectorPaused(name, !on);
    }
  }
}

/** A collector that was off at start-up: built now, placed in registry (run) order. */
function insertCollector(name: string, target: ReloadTarget): void {
  const order = COLLECTOR_REGISTRY.map((entry) => entry.name as string);
  const registration = COLLECTOR_REGISTRY.find((entry) => entry.name === name);
  if (!registration) return;
  const collector = createCollector(registration, target.collectorDeps);
  const index = target.collectors.findIndex((c) => order.indexOf(c.name) > order.indexOf(name));
  if (index === -1) target.collectors.push(collector);
  else target.collectors.splice(index, 0, collector);
}
