import { describe, expect, it } from 'vitest';
import { versionLine } from './version-line.js';

describe('versionLine', () => {
  it('names pinwatch\'s version and the Node.js runtime it runs on', () => {
    expect(versionLine('0.1.0', 'v24.22.3')).toBe('pinwatch 0.1.0 (Node.js v24.22.3)');
  });
});
