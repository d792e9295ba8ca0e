import { describe, expect, it } from 'vitest';
import { parseBootId, parseOsRelease, parseUptimeSeconds } from './parse-host-kernel-files.js';

describe('host kernel files', () => {
  it('boot_id', () => {
    expect(parseBootId('3f1c2b9e-5d7a-4c8e-9b1f-2a6d8e0c4b71\n', 'b')).toBe('3f1c2b9e-5d7a-4c8e-9b1f-2a6d8e0c4b71');
    expect(() => parseBootId('', '/proc/sys/kernel/random/boot_id')).toThrow('/proc/sys/kernel/random/boot_id');
    expect(() => parseBootId('not-a-uuid\n', 'b')).toThrow('"not-a-uuid"');
  });
  it('uptime', () => {
    expect(parseUptimeSeconds('350735.47 234388.90\n', 'u')).toBe(350735.47);
    expect(parseUptimeSeconds('12\n', 'u')).toBe(12);
    expect(() => parseUptimeSeconds('', 'u')).toThrow('expected');
    expect(() => parseUptimeSeconds('abc def', 'u')).toThrow('"abc def"');
  });
  it('osrelease', () => {
    expect(parseOsRelease('6.1.0-56-amd64\n', 'o')).toBe('6.1.0-56-amd64');
    expect(() => parseOsRelease('\n', 'o')).toThrow('expected one release string');
    expect(() => parseOsRelease('6.1 extra\n', 'o')).toThrow('"6.1 extra"');
  });
});
