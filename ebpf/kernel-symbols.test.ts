import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAvailableFilterFunctions, parseBpftraceKfuncListing, parseBtfStructFields, parseKallsyms } from './kernel-symbols.js';
import { isPlanSymbol } from './run-preparation.js';

const CAPTURES = path.join(import.meta.dirname, '..', 'fixtures', 'captures', 'linux-6.1');

describe('parseKallsyms', () => {
  it.each([
    ['empty', '', []],
    ['short line', 'vfio_pin_pages_remote', []],
    ['module function', 'ffffffffc0a1b2c0 t vfio_pin_pages_remote\t[vfio_iommu_type1]', [['vfio_pin_pages_remote', 'vfio_iommu_type1']]],
    ['vmlinux function', 'ffffffff81234560 T __account_locked_vm', [['__account_locked_vm', null]]],
    ['data symbol skipped', 'ffffffffc0a1b2c0 d vfio_pin_pages_remote [vfio_iommu_type1]', []],
    ['.cold part skipped', 'ffffffffc0a1b2c0 t vfio_pin_pages_remote.cold [vfio_iommu_type1]', []],
    ['clone kept', '0000000000000000 t vfio_lock_acct.part.0 [vfio_iommu_type1]', [['vfio_lock_acct.part.0', 'vfio_iommu_type1']]],
    ['report form', 'mm_lock_acct t [vfio_iommu_type1]', [['mm_lock_acct', 'vfio_iommu_type1']]],
    ['unwanted', 'ffffffff81000000 T schedule', []],
  ])('%s', (_name, text, expected) => {
    expect([...parseKallsyms(text, isPlanSymbol).values()].map((s) => [s.name, s.module])).toEqual(expected);
  });
});

describe('parseAvailableFilterFunctions', () => {
  it('keeps the wanted names, with or without a module', () => {
    const names = parseAvailableFilterFunctions('vfio_pin_pages_remote [vfio_iommu_type1]\n__account_locked_vm\nschedule\n\n', isPlanSymbol);
    expect([...names]).toEqual(['vfio_pin_pages_remote', '__account_locked_vm']);
  });
});

describe('parseBpftraceKfuncListing', () => {
  it('reads the real multi-line listing of vfio_pin_pages_remote (6.1)', () => {
    const index = parseBpftraceKfuncListing(fs.readFileSync(path.join(CAPTURES, 'run-kfunc.signature.txt'), 'utf8'));
    expect(index.get('vfio_iommu_type1')?.get('vfio_pin_pages_remote')?.map((p) => p.name)).toEqual([
      'dma', 'vaddr', 'npage', 'pfn_base', 'limit', 'batch', 'retval',
    ]);
  });

  it('ignores error lines and stray text', () => {
    expect(parseBpftraceKfuncListing('stdin:1:1-45: ERROR: kfunc/kretfunc not available for your kernel version.\n').size).toBe(0);
  });
});

describe('parseBtfStructFields', () => {
  it('reads the real struct vfio_dma (6.1): task is there', () => {
    const fields = parseBtfStructFields(fs.readFileSync(path.join(CAPTURES, 'run-kfunc.struct_vfio_dma.txt'), 'utf8'));
    expect([...fields]).toEqual(['node', 'iova', 'vaddr', 'size', 'prot', 'iommu_mapped', 'lock_cap', 'vaddr_invalid', 'task', 'pfn_list', 'bitmap', 'mm', 'locked_vm']);
  });

  it('empty output gives no fields', () => {
    expect(parseBtfStructFields('').size).toBe(0);
  });
});
