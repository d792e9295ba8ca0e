import { describe, expect, it } from 'vitest';
import { parseQemuOptionList } from './parse-qemu-option-list.js';

const entries = (text: string, implied: string) => Object.fromEntries(parseQemuOptionList(text, implied));

describe('parseQemuOptionList', () => {
  it.each<[string, string, Record<string, string>]>([
    ['empty', '', {}],
    ['implied value only (short)', 'web-01', { guest: 'web-01' }],
    ['implied value then keys', 'vfio-pci,host=0000:01:00.0,id=hostdev0', { driver: 'vfio-pci', host: '0000:01:00.0', id: 'hostdev0' }],
    ['",," is a literal comma', 'guest=db,,eu,,1,debug-threads=on', { guest: 'db,eu,1', 'debug-threads': 'on' }],
    ['value containing "="', 'secret,id=s0,data=a=b', { driver: 'secret', id: 's0', data: 'a=b' }],
    ['later bare word is a legacy boolean', 'intel-iommu,caching-mode', { driver: 'intel-iommu', 'caching-mode': 'on' }],
    ['trailing comma ignored', 'size=4G,', { size: '4G' }],
    ['JSON: numbers and booleans stringified, nested values dropped', '{"qom-type":"memory-backend-ram","id":"pc.ram","size":4294967296,"share":true,"host-nodes":[0,1]}', { 'qom-type': 'memory-backend-ram', id: 'pc.ram', size: '4294967296', share: 'true' }],
  ])('%s', (_label, text, expected) => {
    expect(entries(text, _label.startsWith('implied value only') ? 'guest' : 'driver')).toEqual(expected);
  });

  it.each([
    ['truncated JSON', '{"driver":"vfio-pci",'],
    ['JSON with a missing value', '{"driver": }'],
    ['JSON null-looking object', '{}x'],
  ])('malformed: %s throws', (_label, text) => {
    expect(() => parseQemuOptionList(text, 'driver')).toThrow();
  });
});
