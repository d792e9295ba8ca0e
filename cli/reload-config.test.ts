import { describe, expect, it } from 'vitest';
import { createFixedClock } from '../collectors/fixed-clock.js';
import type { Collector } from '../collectors/collector.js';
import type { PinwatchConfig } from '../config/config-schema.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { analysisThresholdsFrom } from './compose-pinwatch.js';
import { describeChange, diffConfig, effectiveConfig } from './config-changes.js';
import { LiveSettings } from './live-settings.js';
import { reloadConfig, type ReloadTarget } from './reload-config.js';

const config = (flags: Record<string, string | boolean> = {}): PinwatchConfig => loadConfig({ configFile: null, env: {}, flags });

function recordingLogger() {
  const lines: Array<{ level: string; obj: object; msg: string | undefined }> = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj, msg });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const named = (name: string): Collector => ({ name, collect() {} });

function target(start: PinwatchConfig, collectors: Collector[]) {
  const { lines, logger } = recordingLogger();
  const levels: string[] = [];
  const live = new LiveSettings({ intervalMs: start.collection.interval, retentionMs: start.db.retention, thresholds: analysisThresholdsFrom(start) });
  const t: ReloadTarget = {
    live,
    collectors,
    collectorDeps: { paths: { procfs: '/nonexistent', sysfs: '/nonexistent', devfs: '/nonexistent' }, clock: createFixedClock(0), logger, options: {} },
    setLogLevel: (level) => levels.push(level),
    logger,
  };
  return { t, lines, levels, live };
}

describe('diffConfig', () => {
  it('lists each changed key with its unit, and whether it applies live', () => {
    const changes = diffConfig(config(), config({ 'collection.interval': '1s', 'db.path': '/x.db', 'log.level': 'debug' }));
    expect(changes.map(describeChange)).toEqual(['db.path: "var/pinwatch.db" -> "/x.db"', 'collection.interval: 15000ms -> 1000ms', 'log.level: "info" -> "debug"']);
    expect(changes.map((c) => [c.key, c.live])).toEqual([
      ['db.path', false],
      ['collection.interval', true],
      ['log.level', true],
    ]);
  });

  it('the effective config keeps the old value of a key that needs a restart', () => {
    const before = config();
    const after = config({ 'collection.interval': '1s', 'web.listen-address': '127.0.0.1:1' });
    const effective = effectiveConfig(before, after, diffConfig(before, after));
    expect(effective.collection.interval).toBe(1000);
    expect(effective.web.listenAddress).toBe('0.0.0.0:9477');
  });
});

describe('reloadConfig', () => {
  it('applies interval, retention, thresholds and log level; logs key: old -> new', () => {
    const start = config();
    const { t, lines, levels, live } = target(start, []);
    const next = config({ 'collection.interval': '2s', 'db.retention': '7d', 'analysis.headroom-warning': '1GiB', 'log.level': 'warn' });
    const outcome = reloadConfig(start, () => next, t);
    expect(outcome.ok).toBe(true);
    expect(live.intervalMs).toBe(2000);
    expect(live.retentionMs).toBe(7 * 86_400_000);
    expect(live.thresholds.headroomWarningBytes).toBe(1024 ** 3);
    expect(levels).toEqual(['warn']);
    expect(lines).toEqual([
      {
        level: 'info',
        obj: { changed: ['db.retention: 2592000000ms -> 604800000ms', 'collection.interval: 15000ms -> 2000ms', 'analysis.headroomWarning: 268435456 bytes -> 1073741824 bytes', 'log.level: "info" -> "warn"'] },
        msg: 'config reloaded: db.retention: 2592000000ms -> 604800000ms, collection.interval: 15000ms -> 2000ms, analysis.headroomWarning: 268435456 bytes -> 1073741824 bytes, log.level: "info" -> "warn"',
      },
    ]);
  });

  it('a bad config: logged with the reason, nothing applied, the old config returned', () => {
    const start = config();
    const { t, lines, live } = target(start, []);
    const outcome = reloadConfig(start, () => {
      throw new ConfigError('invalid config: collection.interval (from config file /etc/pinwatch.yaml): "15x" is not a duration');
    }, t);
    expect(outcome).toMatchObject({ ok: false, config: start });
    expect(live.intervalMs).toBe(15_000);
    expect(lines).toEqual([
      {
        level: 'error',
        obj: { error: 'invalid config: collection.interval (from config file /etc/pinwatch.yaml): "15x" is not a duration' },
        msg: 'config reload failed, the old config stays in effect: invalid config: collection.interval (from config file /etc/pinwatch.yaml): "15x" is not a duration',
      },
    ]);
  });

  it('keys that need a restart are logged as such, and again on the next reload', () => {
    const start = config();
    const { t, lines } = target(start, []);
    const next = config({ 'path.procfs': '/host/proc' });
    const first = reloadConfig(start, () => next, t);
    expect(lines.at(-1)).toEqual({
      level: 'warn',
      obj: { needRestart: ['path.procfs: "/proc" -> "/host/proc"'] },
      msg: 'config reloaded, but these settings take effect only after a restart: path.procfs: "/proc" -> "/host/proc"',
    });
    reloadConfig(first.config, () => next, t);
    expect(lines.at(-1)?.obj).toEqual({ needRestart: ['path.procfs: "/proc" -> "/host/proc"'] });
  });

  it('turns a stateless collector off and on again; one off at start-up is built in run order', () => {
    const start = config({ 'collector.sysfs': false });
    const collectors = [named('host'), named('vfio_users'), named('ebpf')];
    const { t, live } = target(start, collectors);
    const off = reloadConfig(start, () => config({ 'collector.sysfs': false, 'collector.host': false }), t);
    expect(live.activeCollectors(collectors).map((c) => c.name)).toEqual(['vfio_users', 'ebpf']);
    reloadConfig(off.config, () => config(), t);
    expect(live.activeCollectors(collectors).map((c) => c.name)).toEqual(['host', 'vfio_users', 'sysfs', 'ebpf']);
  });

  it('nothing changed: one line saying so', () => {
    const start = config();
    const { t, lines } = target(start, []);
    reloadConfig(start, () => config(), t);
    expect(lines).toEqual([{ level: 'info', obj: {}, msg: 'config reloaded: nothing changed' }]);
  });
});
