import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixtureTree, writeFixturePciDevice } from '../../fixtures/fixture-tree.js';
import { makeFixtureTempDir } from '../../fixtures/fixture-temp-dir.js';
import type { CollectorError } from '../../model/host-sample.js';
import { emptyDraft } from '../collector.js';
import type { HostPaths } from '../host-paths.js';
import { parsePciIdAttribute, parseUnsignedAttribute } from './parse-sysfs-attribute.js';
import { SysfsCollector } from './sysfs-collector.js';

let dir: string;
let paths: HostPaths;

beforeEach(() => {
  dir = makeFixtureTempDir('pinwatch-sysfs-');
  paths = createFixtureTree(dir);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function collect() {
  const draft = emptyDraft();
  const errors: CollectorError[] = [];
  new SysfsCollector().collect({ paths, nowMs: 0, errors: { report: (e) => errors.push(e) } }, draft);
  return { sysfs: draft.sysfs, errors };
}

describe('SysfsCollector', () => {
  it('a host without IOMMU, vfio-pci or VFIO modules: empty, null, false, and no errors', () => {
    expect(collect()).toEqual({
      sysfs: {
        iommuGroups: new Map(),
        vfioPciDevices: [],
        dmaEntryLimit: null,
        vfioType1Loaded: false,
        iommufdLoaded: false,
        iommufdDevicePresent: false,
      },
      errors: [],
    });
  });

  it('a malformed vendor file is reported with the path; the other devices are still read', () => {
    writeFixturePciDevice(paths, { address: '0000:01:00.0', vendorId: '0x10de', deviceId: '0x2230', classCode: '0x030000', driver: 'vfio-pci', iommuGroup: 3 });
    writeFixturePciDevice(paths, { address: '0000:02:00.0', vendorId: '0x8086', deviceId: '0x1572', classCode: '0x020000', driver: 'vfio-pci', iommuGroup: 4 });
    const vendorFile = path.join(paths.sysfs, 'bus', 'pci', 'devices', '0000:01:00.0', 'vendor');
    fs.writeFileSync(vendorFile, 'nvidia\n');
    const { sysfs, errors } = collect();
    expect(sysfs?.vfioPciDevices.map((d) => d.address)).toEqual(['0000:02:00.0']);
    expect(errors.map((e) => [e.reason, e.path])).toEqual([['malformed', vendorFile]]);
    expect(errors[0]?.message).toContain('"nvidia"');
  });

  it('a device still bound is not re-read; an unbound one drops out; a newly bound one is read', () => {
    const gpu = { address: '0000:01:00.0', vendorId: '0x10de', deviceId: '0x2230', classCode: '0x030000', driver: 'vfio-pci', iommuGroup: 3 };
    writeFixturePciDevice(paths, gpu);
    const collector = new SysfsCollector();
    const errors: CollectorError[] = [];
    const run = () => {
      const draft = emptyDraft();
      collector.collect({ paths, nowMs: 0, errors: { report: (e) => errors.push(e) } }, draft);
      return draft.sysfs?.vfioPciDevices.map((d) => `${d.address} ${d.vendorId}:${d.deviceId} group ${d.iommuGroup}`);
    };
    expect(run()).toEqual(['0000:01:00.0 0x10de:0x2230 group 3']);
    // Its attribute files become unreadable: a re-read would fail, the kept record does not.
    fs.rmSync(path.join(paths.sysfs, 'bus', 'pci', 'devices', '0000:01:00.0', 'vendor'));
    expect(run()).toEqual(['0000:01:00.0 0x10de:0x2230 group 3']);
    // Unbound from vfio-pci, then a NIC bound.
    fs.rmSync(path.join(paths.sysfs, 'bus', 'pci', 'drivers', 'vfio-pci', '0000:01:00.0'));
    writeFixturePciDevice(paths, { address: '0000:02:00.0', vendorId: '0x8086', deviceId: '0x1572', classCode: '0x020000', driver: 'vfio-pci', iommuGroup: 4 });
    expect(run()).toEqual(['0000:02:00.0 0x8086:0x1572 group 4']);
    expect(errors).toEqual([]);
  });

  it('a device without an iommu_group link (no IOMMU) has group null', () => {
    writeFixturePciDevice(paths, { address: '0000:05:00.0', vendorId: '0x144d', deviceId: '0xa80a', classCode: '0x010802', driver: 'vfio-pci', iommuGroup: null });
    expect(collect().sysfs?.vfioPciDevices[0]?.iommuGroup).toBeNull();
  });
});

describe('sysfs attribute parsers', () => {
  it.each([
    ['0x10de\n', '0x10de'],
    ['0x00FF00\n', '0x00ff00'],
  ])('pci id %j', (text, expected) => expect(parsePciIdAttribute(text, 'f')).toBe(expected));
  it.each(['', '10de', 'nvidia'])('malformed pci id %j', (text) => expect(() => parsePciIdAttribute(text, '/sys/f')).toThrow('/sys/f'));
  it('dma_entry_limit', () => {
    expect(parseUnsignedAttribute('65535\n', 'f')).toBe(65535);
    expect(() => parseUnsignedAttribute('', '/sys/p')).toThrow('/sys/p');
    expect(() => parseUnsignedAttribute('-1\n', '/sys/p')).toThrow('"-1"');
  });
});
