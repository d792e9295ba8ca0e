import { describe, expect, it } from 'vitest';
import { createFixedClock } from './fixed-clock.js';
import { buildEnabledCollectors, COLLECTOR_REGISTRY, type CollectorRegistration } from './registry.js';

const deps = { paths: { procfs: '/nonexistent/proc', sysfs: '/nonexistent/sys', devfs: '/nonexistent/dev' }, clock: createFixedClock(0), options: {} };

describe('collector registry', () => {
  it('registers host, vfio_users and sysfs, on by default, in run order', () => {
    expect(COLLECTOR_REGISTRY.map((r) => [r.name, r.defaultEnabled])).toEqual([
      ['host', true],
      ['vfio_users', true],
      ['sysfs', true],
    ]);
    expect(buildEnabledCollectors({}, deps).map((c) => c.name)).toEqual(['host', 'vfio_users', 'sysfs']);
  });

  it('an explicit false disables a collector; true keeps it', () => {
    expect(buildEnabledCollectors({ sysfs: false, host: true }, deps).map((c) => c.name)).toEqual(['host', 'vfio_users']);
  });

  it('a default-off collector runs only when enabled', () => {
    const offByDefault: CollectorRegistration = {
      name: 'ebpf',
      defaultEnabled: false,
      description: 'test entry',
      create: () => ({ name: 'ebpf', collect: () => undefined }),
    };
    const registry = [...COLLECTOR_REGISTRY, offByDefault];
    expect(buildEnabledCollectors({}, deps, registry).map((c) => c.name)).toEqual(['host', 'vfio_users', 'sysfs']);
    expect(buildEnabledCollectors({ ebpf: true }, deps, registry).map((c) => c.name)).toEqual(['host', 'vfio_users', 'sysfs', 'ebpf']);
  });

  it('a flag naming no registered collector is a configuration error', () => {
    expect(() => buildEnabledCollectors({ vfio_user: true }, deps)).toThrow("unknown collector(s) 'vfio_user'; known: host, vfio_users, sysfs");
  });

  it('passes options to the factories: an invalid fullScanIntervalMs fails at build time', () => {
    expect(() => buildEnabledCollectors({}, { ...deps, options: { fullScanIntervalMs: -5 } })).toThrow('fullScanIntervalMs');
  });
});
