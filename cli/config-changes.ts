import type { PinwatchConfig } from '../config/config-schema.js';

/** One setting whose value differs between two configs, by its config-file key. */
export interface ConfigChange {
  /** Dotted config-file key, e.g. `collection.interval`. */
  key: string;
  from: unknown;
  to: unknown;
  /** True when `serve` applies it without a restart (see LIVE_KEYS). */
  live: boolean;
}

/**
 * Keys a running `serve` can apply on SIGHUP. Everything else is bound at
 * start-up: the listen socket (web.*), the open database and its store
 * (db.path, db.keepAlive), the host roots every collector holds (path.*),
 * the bpftrace child and its attribution (ebpf.*, collector.ebpf), the
 * /dev/kmsg follower (collector.kernel_log) and the vfio_users sweep timer
 * (collection.fullScanInterval).
 */
export const LIVE_KEYS: ReadonlySet<string> = new Set([
  'collection.interval',
  'db.retention',
  'analysis.overheadAllowance',
  'analysis.headroomWarning',
  'analysis.underRatio',
  'analysis.doubleChargeRatio',
  'log.level',
  'collector.host',
  'collector.vfio_users',
  'collector.sysfs',
]);

const UNITS: Readonly<Record<string, string>> = {
  'db.retention': 'ms',
  'db.keepAlive': 'ms',
  'collection.interval': 'ms',
  'collection.fullScanInterval': 'ms',
  'ebpf.printInterval': 'ms',
  'ebpf.leakGrace': 'ms',
  'analysis.overheadAllowance': ' bytes',
  'analysis.headroomWarning': ' bytes',
};

/** Every setting whose value differs, in config-file order. */
export function diffConfig(before: PinwatchConfig, after: PinwatchConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  const old = flatten(before);
  for (const [key, to] of flatten(after)) {
    const from = old.get(key);
    if (!Object.is(from, to)) changes.push({ key, from, to, live: LIVE_KEYS.has(key) });
  }
  return changes;
}

/** `collection.interval: 15000ms -> 1000ms`: what the log line says changed. */
export function describeChange(change: ConfigChange): string {
  const unit = UNITS[change.key] ?? '';
  const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : `${String(value)}${unit}`);
  return `${change.key}: ${show(change.from)} -> ${show(change.to)}`;
}

/**
 * The config in effect after a reload: the new values of live keys, the old
 * values of those that wait for a restart (so the next SIGHUP says again that
 * they are pending).
 */
export function effectiveConfig(before: PinwatchConfig, after: PinwatchConfig, changes: readonly ConfigChange[]): PinwatchConfig {
  const result = structuredClone(after) as unknown as Record<string, Record<string, unknown>>;
  const old = before as unknown as Record<string, Record<string, unknown>>;
  for (const change of changes) {
    if (change.live) continue;
    const [section, key] = change.key.split('.') as [string, string];
    const target = result[section];
    if (target) target[key] = old[section]?.[key];
  }
  return result as unknown as PinwatchConfig;
}

function flatten(config: PinwatchConfig): Map<string, unknown> {
  const flat = new Map<string, unknown>();
  for (const [section, values] of Object.entries(config)) {
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) flat.set(`${section}.${key}`, value);
  }
  return flat;
}
