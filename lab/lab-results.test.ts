import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  LabResultError,
  bpftraceValue,
  median,
  parseBpftraceMaps,
  parseCaseEvents,
  parsePrometheusText,
  parseVmLckKb,
  promValue,
} from './lab-results.js';

const captures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'captures', 'linux-6.1');

describe('parseCaseEvents', () => {
  it.each([
    { label: 'empty', text: '', expected: [] },
    { label: 'blank lines only', text: '\n\n', expected: [] },
    {
      label: 'a map event',
      text: '{"case":"written","pid":152,"event":"map","errno":0,"mappedPages":16384,"chargedPages":16384}\n',
      expected: [{ case: 'written', pid: 152, event: 'map', errno: 0, mappedPages: 16384, chargedPages: 16384 }],
    },
  ])('$label', ({ text, expected }) => {
    expect(parseCaseEvents(text, 'written.jsonl')).toEqual(expected);
  });

  it('names the file, line and quotes a line that is not JSON', () => {
    expect(() => parseCaseEvents('{"case":"written","pid":1,"event":"start"}\n{"case":', 'cases/written.jsonl')).toThrow(
      'cases/written.jsonl:2: not JSON: "{"case":"',
    );
  });

  it('rejects a line without case, pid or event (a short line)', () => {
    expect(() => parseCaseEvents('{"case":"written","event":"map"}', 'x.jsonl')).toThrow(LabResultError);
  });
});

describe('parseBpftraceMaps on the real 6.1 capture (qemu-run-bpftrace-output.json, tgid 1682)', () => {
  const maps = parseBpftraceMaps(readFileSync(join(captures, 'qemu-run-bpftrace-output.json'), 'utf8'), 'capture');

  it('reads the per-tgid page sums the capture README states', () => {
    expect(bpftraceValue(maps, '@pinned_pages', '1682')).toBe(118386);
    expect(bpftraceValue(maps, '@locked_inc', '1682')).toBe(117985);
    expect(bpftraceValue(maps, '@locked_dec', '1682')).toBe(97537);
    expect(bpftraceValue(maps, '@unpinned_pages', '1682')).toBe(117985);
    expect(bpftraceValue(maps, '@pin_calls', '1682')).toBe(213);
  });

  it('keeps "pid,errno" keys: the ESRCH un-charge at exit sums negative npage', () => {
    expect(bpftraceValue(maps, '@acct_failed', '1682,-3')).toBe(-20448);
  });

  it('gives 0 for a pid the probes never saw, and skips hist and printf lines', () => {
    expect(bpftraceValue(maps, '@pinned_pages', '9999')).toBe(0);
    expect(maps.has('@pin_run_len')).toBe(false);
  });

  it('names the source and line of a broken map line', () => {
    expect(() => parseBpftraceMaps('{"type": "map", "data": {', 'gt.json')).toThrow('gt.json:1: not JSON');
  });
});

describe('parseVmLckKb', () => {
  it.each([
    { label: 'empty', text: '', expected: null },
    { label: 'gone marker', text: 'gone\n', expected: null },
    { label: 'malformed value', text: 'VmLck:\t   x kB\n', expected: null },
    { label: 'real capture (qemu -S: 65152 kB)', text: readFileSync(join(captures, 'qemu-S-proc-status.txt'), 'utf8'), expected: 65152 },
  ])('$label', ({ text, expected }) => {
    expect(parseVmLckKb(text)).toBe(expected);
  });
});

describe('parsePrometheusText and promValue', () => {
  const text = [
    '# HELP pinwatch_process_locked_memory_bytes VmLck',
    '# TYPE pinwatch_process_locked_memory_bytes gauge',
    'pinwatch_process_locked_memory_bytes{vm="lab-vm"} 66846720',
    'pinwatch_process_memlock_limit_bytes{vm="lab-vm",limit="soft"} +Inf',
    'pinwatch_kernel_log_events_total{kind="memlock_exceeded"} 1',
    'pinwatch_vfio_users 1',
    '',
  ].join('\n');
  const samples = parsePrometheusText(text);

  it('reads labelled, unlabelled and infinite samples', () => {
    expect(promValue(samples, 'pinwatch_process_locked_memory_bytes', { vm: 'lab-vm' })).toBe(66846720);
    expect(promValue(samples, 'pinwatch_process_memlock_limit_bytes', { vm: 'lab-vm', limit: 'soft' })).toBe(Infinity);
    expect(promValue(samples, 'pinwatch_vfio_users')).toBe(1);
    expect(promValue(samples, 'pinwatch_vm_finding', { vm: 'lab-vm' })).toBeUndefined();
  });

  it('refuses an ambiguous selector and quotes an unparseable line', () => {
    // One sample matches (the fixture has only the soft row): its value, no error.
    expect(promValue(samples, 'pinwatch_process_memlock_limit_bytes', { vm: 'lab-vm' })).toBe(Infinity);
    const twice = parsePrometheusText('a{x="1"} 1\na{x="2"} 2\n');
    expect(() => promValue(twice, 'a')).toThrow('2 samples of a');
    expect(() => parsePrometheusText('not a metric line\n')).toThrow('metrics: unparseable line "not a metric line"');
  });
});

describe('median', () => {
  it.each([
    { values: [3], expected: 3 },
    { values: [5, 1, 3], expected: 3 },
    { values: [4, 1, 3, 2], expected: 2.5 },
  ])('of $values is $expected', ({ values, expected }) => {
    expect(median(values)).toBe(expected);
  });

  it('refuses no values', () => {
    expect(() => median([])).toThrow('median of no values');
  });
});
