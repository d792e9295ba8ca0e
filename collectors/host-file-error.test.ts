import { describe, expect, it } from 'vitest';
import { hostFileErrorFromFs, toCollectorError } from './host-file-error.js';

const fsError = (code: string) => Object.assign(new Error(`${code}: something`), { code });

describe('hostFileErrorFromFs', () => {
  it.each([
    ['ENOENT', 'vanished'],
    ['ESRCH', 'vanished'],
    ['EACCES', 'permission'],
    ['EPERM', 'permission'],
    ['EIO', 'io'],
    ['EMFILE', 'io'],
  ])('%s -> %s', (code, reason) => {
    const error = hostFileErrorFromFs('/proc/42/fd', fsError(code));
    expect(error.reason).toBe(reason);
    expect(error.path).toBe('/proc/42/fd');
    expect(error.message).toContain('/proc/42/fd');
  });

  it('an unexpected error becomes an io CollectorError naming the fallback path', () => {
    expect(toCollectorError('sysfs', '/sys/x', new Error('boom'))).toEqual({ collector: 'sysfs', reason: 'io', path: '/sys/x', message: '/sys/x: boom' });
  });
});
