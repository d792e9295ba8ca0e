import { describe, expect, it } from 'vitest';
import { formatBytes } from './format-bytes.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [4096, '4 KiB'],
    [83755008, '79.9 MiB'],
    [1.5 * 1024 ** 3, '1.50 GiB'],
    [-75366400, '-71.9 MiB'],
    [18446744073709551612 * 1024, '16 ZiB'],
  ])('%d bytes -> %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
