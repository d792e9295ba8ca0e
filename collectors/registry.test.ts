import { silentLogger } from '../model/logger.js';
import { describe, expect, it } from 'vitest';
import { createFixedClock } from './fixed-clock.js';
import { buildEnabledCollectors, COLLECTOR_REGISTRY, type CollectorRegistration } from './registry.js';

const deps = { paths: { procfs: '/nonexistent/proc', sysfs: '/nonexistent/sys', devfs: '/nonexistent/dev' }, clock: createFixedClock(0), logger: silentLogger, options: { ebpfSource: 'off' as const } };

describe('collector registry', () => {
  it('registers the seven collectors, on by default, in run order', () => {
    expect(COLLECTOR_REGISTRY.map((r) => [r.name, r.defaultEnabled])).toEqual([
      ['host', true],
      ['vfio_users', true],
      ['sysfs', true],
      ['ebpf', true],
      ['kernel_log', true],
      ['libvirt', true],
      ['orchestrator', true],
    ]);
    expect(buildEnabledCollectors({}, deps).map((c) => c.name)).toEqual(['host', 'vfio_users', 'sysfs', 'ebpf', 'kernel_log', 'libvirt', 'orchestrator']);
  });

  it('an explicit false disables a collector; true keeps it', () => {
    expect(buildEnabledCollectors({ sysfs: false, host: true }, deps).map((c) => c.name)).toEqual(['host', 'vfio_users', 'ebpf', 'kernel_log', 'libvirt', 'orchestrator']);
  });

  it('a default-off collector runs only when enabled', () => {
    const offByDefault: CollectorRegistration = {
      name: 'kernel_log',
      defaultEnabled: false,
      description: 'test entry',
      create: () => ({ name: 'kernel_log', collect: () => undefined }),
    };
    const registry = [...COLLECTOR_REGISTRY.slice(0, 3), offByDefault];
    expect(buildEnabledCollectors({}, deps, registry).map((c) => c.name)).toEqual(['host', 'vfio_users', 'sysfs']);
    expect(buildEnabledCollectors({ kernel_log: true }, deps, registry).map((c) => c.name)).toEqual(['host', 'vfio_users', 'sysfs', 'kernel_log']);
  });

  it('a flag naming no registered collector is a configuration error', () => {
    expect(() => buildEnabledCollectors({ vfio_user: true }, deps)).toThrow("unknown collector(s) 'vfio_user'; known: host, vfio_users, sysfs, ebpf, kernel_log, libvirt, orchestrator");
  });

  it('passes options to the factories: an invalid fullScanIntervalMs fails at build time', () => {
    expect(() => buildEnabledCollectors({}, { ...deps, options: { fullScanIntervalMs: -5 } })).toThrow('fullScanIntervalMs');
  });
});
