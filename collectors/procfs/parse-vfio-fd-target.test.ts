import { describe, expect, it } from 'vitest';
import type { VfioHandle } from '../../model/host-sample.js';
import { iommuGroupsOf, parseVfioFdTarget, vfioBackendOf } from './parse-vfio-fd-target.js';

describe('parseVfioFdTarget', () => {
  it.each<[string, VfioHandle | null]>([
    ['/dev/vfio/vfio', { kind: 'container', target: '/dev/vfio/vfio' }],
    ['/dev/vfio/4', { kind: 'group', target: '/dev/vfio/4', iommuGroup: 4 }],
    ['/dev/vfio/117', { kind: 'group', target: '/dev/vfio/117', iommuGroup: 117 }],
    ['/dev/vfio/devices/vfio0', { kind: 'device-cdev', target: '/dev/vfio/devices/vfio0' }],
    ['/dev/iommu', { kind: 'iommufd', target: '/dev/iommu' }],
    ['anon_inode:[vfio-device]', { kind: 'device-fd', target: 'anon_inode:[vfio-device]' }],
    ['', null],
    ['/dev/null', null],
    ['anon_inode:[eventfd]', null],
    ['/dev/vfio/noiommu-0', null],
    ['/dev/vfio/4 (deleted)', null],
    ['socket:[12345]', null],
  ])('%j', (target, expected) => {
    expect(parseVfioFdTarget(target)).toEqual(expected);
  });
});

describe('vfioBackendOf', () => {
  const h = (target: string) => parseVfioFdTarget(target) as VfioHandle;
  it.each<[string, string[], string]>([
    ['group + container (the 6.1 capture)', ['/dev/vfio/4', '/dev/vfio/vfio', 'anon_inode:[vfio-device]'], 'type1'],
    ['group alone (just opened, no container yet)', ['/dev/vfio/7'], 'type1'],
    ['iommufd + device cdev', ['/dev/iommu', '/dev/vfio/devices/vfio0'], 'iommufd'],
    ['device cdev alone', ['/dev/vfio/devices/vfio3'], 'iommufd'],
    ['only a device fd (groups closed after GET_DEVICE_FD)', ['anon_inode:[vfio-device]'], 'unknown'],
    ['nothing', [], 'unknown'],
  ])('%s -> %s', (_label, targets, backend) => {
    expect(vfioBackendOf(targets.map(h))).toBe(backend);
  });

  it('lists groups sorted and once each', () => {
    expect(iommuGroupsOf(['/dev/vfio/12', '/dev/vfio/3', '/dev/vfio/12', '/dev/vfio/vfio'].map(h))).toEqual([3, 12]);
  });
});
