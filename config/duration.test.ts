import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseSizeBytes } from './duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['250ms', 250],
    ['15s', 15_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['30d', 2_592_000_000],
  ])('%s = %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));
  it.each(['', '15', 's', '1.5s', '-1s', '15 s'])('rejects %j', (text) => {
    expect(() => parseDurationMs(text)).toThrow(/is not a duration/);
  });
});

describe('parseSizeBytes', () => {
  it.each([
    ['1073741824', 1073741824],
    ['1GiB', 1073741824],
    ['512MiB', 536870912],
    ['1.5G', 1610612736],
  ])('%s = %d bytes', (text, bytes) => expect(parseSizeBytes(text)).toBe(bytes));
  it('rejects a unit it does not know', () => expect(() => parseSizeBytes('1GB')).toThrow(/is not a size/));
});
