import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKmsgRecord, recogniseKernelMessage, splitKmsgRecords } from './parse-kmsg.js';

const DMESG = path.join(import.meta.dirname, '..', '..', 'fixtures', 'captures', 'linux-6.1', 'run-dmesg-vfio.txt');

describe('recogniseKernelMessage', () => {
  it('the real 6.1 record: a MAP_DMA over a 32 MiB limit', () => {
    const lines = fs.readFileSync(DMESG, 'utf8').split('\n').filter(Boolean);
    const recognised = lines.map(recogniseKernelMessage);
    expect(recognised).toEqual([null, { kind: 'memlock_exceeded', limitBytes: 33554432, comm: null, pid: null }]);
  });

  it.each([
    ['empty', '', null],
    ['unrelated', 'VFIO - User Level meta-driver version: 0.3', null],
    ['external pin (made up)', 'vfio_pin_page_external: Task qemu-kvm (4242) RLIMIT_MEMLOCK (67108864) exceeded',
      { kind: 'external_memlock_exceeded', limitBytes: 67108864, comm: 'qemu-kvm', pid: 4242 }],
    ['comm with spaces (made up)', 'vfio_pin_page_external: Task CPU 0/KVM (77) RLIMIT_MEMLOCK (8192) exceeded',
      { kind: 'external_memlock_exceeded', limitBytes: 8192, comm: 'CPU 0/KVM', pid: 77 }],
    ['iommufd compat (made up)', 'iommufd: IOMMUFD is providing /dev/vfio/vfio, not VFIO.',
      { kind: 'iommufd_compat', limitBytes: null, comm: null, pid: null }],
    ['truncated', 'vfio_pin_pages_remote: RLIMIT_MEMLOCK (3355', null],
  ])('%s', (_name, message, expected) => {
    expect(recogniseKernelMessage(message)).toEqual(expected);
  });
});

describe('parseKmsgRecord', () => {
  it.each([
    ['valid with continuation', '4,1203,176341724,-;vfio_pin_pages_remote: RLIMIT_MEMLOCK (33554432) exceeded\n SUBSYSTEM=vfio',
      { priority: 4, sequence: 1203, monotonicUs: 176341724, message: 'vfio_pin_pages_remote: RLIMIT_MEMLOCK (33554432) exceeded' }],
    ['extra prefix fields', '6,5,10,c,caller=T1;hello', { priority: 6, sequence: 5, monotonicUs: 10, message: 'hello' }],
  ])('%s', (_name, text, record) => {
    expect(parseKmsgRecord(text)).toEqual({ ok: true, record });
  });

  it.each([
    ['empty', ''],
    ['no semicolon', '6,1,2,-'],
    ['short prefix', '6,1;msg'],
    ['non-numeric', 'x,1,2,-;msg'],
  ])('%s is malformed and quoted', (_name, text) => {
    const parsed = parseKmsgRecord(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(JSON.stringify(text.split('\n')[0]));
  });

  it('splits a dump of several records, keeping continuation lines with their record', () => {
    expect(splitKmsgRecords('6,1,1,-;a\n SUBSYSTEM=x\n6,2,2,-;b\n')).toEqual(['6,1,1,-;a\n SUBSYSTEM=x', '6,2,2,-;b']);
  });
});
