import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

function load(options: { file?: string; env?: Record<string, string>; flags?: Record<string, string | boolean> }) {
  return loadConfig({
    configFile: options.file === undefined ? null : 'pinwatch.yaml',
    env: options.env ?? {},
    flags: options.flags ?? {},
    readFile: () => options.file ?? '',
  });
}

describe('loadConfig', () => {
  it('defaults: 15 s interval, 30 d retention, /proc and /sys, eBPF auto', () => {
    const config = load({});
    expect(config.collection.interval).toBe(15_000);
    expect(config.db.retention).toBe(30 * 86_400_000);
    expect(config.db.path).toBe('var/pinwatch.db');
    expect(config.path).toEqual({ procfs: '/proc', sysfs: '/sys', devfs: '/dev' });
    expect(config.web.listenAddress).toBe('0.0.0.0:9477');
    expect(config.ebpf.source).toBe('auto');
    expect(config.collector).toEqual({ host: true, vfio_users: true, sysfs: true, ebpf: true, kernel_log: true });
    expect(config.analysis.overheadAllowance).toBe(1024 ** 3);
  });

  it('file < environment < flags', () => {
    const config = load({
      file: 'collection:\n  interval: 30s\ndb:\n  path: /var/lib/pinwatch/a.db\n  retention: 7d\nweb:\n  listenAddress: 127.0.0.1:1\n',
      env: { PINWATCH_DB_PATH: '/env.db', PINWATCH_WEB_LISTEN_ADDRESS: '127.0.0.1:2' },
      flags: { 'web.listen-address': '127.0.0.1:3', 'collector.ebpf': false },
    });
    expect(config.collection.interval).toBe(30_000); // file
    expect(config.db.retention).toBe(7 * 86_400_000); // file
    expect(config.db.path).toBe('/env.db'); // env beats file
    expect(config.web.listenAddress).toBe('127.0.0.1:3'); // flag beats env
    expect(config.collector.ebpf).toBe(false);
  });

  it('an unknown key in the file names its path', () => {
    expect(() => load({ file: 'db:\n  pth: x\n' })).toThrow(/db \(from config file pinwatch\.yaml\): unknown key pth/);
    expect(() => load({ file: 'colection: {}\n' })).toThrow(ConfigError);
  });

  it('a bad value names the key, the source and the reason', () => {
    expect(() => load({ env: { PINWATCH_COLLECTION_INTERVAL: '15x' } })).toThrow(
      'invalid config: collection.interval (from environment PINWATCH_COLLECTION_INTERVAL): "15x" is not a duration (use e.g. 250ms, 15s, 5m, 1h30m, 30d)',
    );
    expect(() => load({ flags: { 'web.listen-address': 'localhost' } })).toThrow(
      /web\.listenAddress \(from flag --web\.listen-address\): must be host:port/,
    );
    expect(() => load({ flags: { 'ebpf.source': 'perf' } })).toThrow(/ebpf\.source .*must be auto, bpftrace, off or replay:FILE/);
    expect(() => load({ env: { PINWATCH_COLLECTOR_EBPF: 'maybe' } })).toThrow(/collector\.ebpf .*"maybe" is not true or false/);
    expect(() => load({ flags: { 'collection.interval': '10ms' } })).toThrow(/collection\.interval .*at least 100ms/);
  });

  it('an unknown PINWATCH_ variable is an error, other variables are ignored', () => {
    expect(() => load({ env: { PINWATCH_DB_PTH: 'x' } })).toThrow(/unknown environment variable PINWATCH_DB_PTH/);
    expect(load({ env: { HOME: '/root', PINWATCH_CONFIG: 'x.yaml' } }).db.path).toBe('var/pinwatch.db');
  });

  it('a file that is not a mapping or not YAML is rejected with its path', () => {
    expect(() => load({ file: '- a\n- b\n' })).toThrow(/config file pinwatch\.yaml must hold a mapping/);
    expect(() => load({ file: 'a: [\n' })).toThrow(/config file pinwatch\.yaml is not valid YAML/);
  });
});

describe('deploy/pinwatch.example.yaml', () => {
  it('is a valid config whose values are the ones it documents', () => {
    const config = loadConfig({ configFile: new URL('../deploy/pinwatch.example.yaml', import.meta.url).pathname, env: {}, flags: {} });
    expect(config.db.path).toBe('/var/lib/pinwatch/pinwatch.db');
    expect(config.collection.fullScanInterval).toBe(300_000);
    expect(config.ebpf.leakGrace).toBe(60_000);
    expect(config.analysis.headroomWarning).toBe(256 * 1024 ** 2);
  });

  it('a listen port outside 1..65535 is a config error naming the flag and the port', () => {
    expect(() => load({ flags: { 'web.listen-address': ':99999' } })).toThrow(
      new ConfigError('invalid config: web.listenAddress (from flag --web.listen-address): port 99999 is out of range: must be from 1 to 65535'),
    );
    expect(() => load({ flags: { 'web.listen-address': '127.0.0.1:0' } })).toThrow(/port 0 is out of range/);
    expect(load({ flags: { 'web.listen-address': '[::1]:65535' } }).web.listenAddress).toBe('[::1]:65535');
  });
});
