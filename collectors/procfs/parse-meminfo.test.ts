import { describe, expect, it } from 'vitest';
import { parseMeminfo } from './parse-meminfo.js';

const P = '/proc/meminfo';

describe('parseMeminfo', () => {
  it('reads MemTotal, MemAvailable and the hugetlb pool (count x page size)', () => {
    const text = [
      'MemTotal:       263842304 kB',
      'MemFree:        12345678 kB',
      'MemAvailable:   98765432 kB',
      'HugePages_Total:      64',
      'HugePages_Free:       64',
      'Hugepagesize:       1048576 kB',
      '',
    ].join('\n');
    expect(parseMeminfo(text, P)).toEqual({
      memTotalBytes: 263842304 * 1024,
      memAvailableBytes: 98765432 * 1024,
      hugetlbTotalBytes: 64 * 1024 ** 3,
    });
  });

  it('short: MemTotal only (old kernel without MemAvailable, no hugetlb)', () => {
    expect(parseMeminfo('MemTotal: 1024 kB\n', P)).toEqual({ memTotalBytes: 1048576, memAvailableBytes: null, hugetlbTotalBytes: 0 });
  });

  it.each([
    ['empty', '', 'no "MemTotal:" line'],
    ['garbage line', 'MemTotal: 1 kB\nwhat\n', '"what"'],
    ['non-numeric', 'MemTotal: many kB\n', '"MemTotal: many kB"'],
  ])('malformed: %s', (_label, text, message) => {
    expect(() => parseMeminfo(text, P)).toThrow(message);
  });
});
