import { describe, expect, it } from 'vitest';
import { capEffAllowsTracing, parseCapEff } from './ebpf-preconditions.js';

describe('capEffAllowsTracing', () => {
  it.each([
    ['root (all 41 caps)', '000001ffffffffff', true],
    ['CAP_BPF + CAP_PERFMON only (bits 39, 38)', '000000c000000000', true],
    ['CAP_BPF alone', '0000008000000000', false],
    ['CAP_SYS_ADMIN alone (bit 21)', '0000000000200000', true],
    ['none', '0000000000000000', false],
    ['empty', '', false],
    ['malformed', 'zz', false],
  ])('%s -> %s', (_name, hex, allowed) => {
    expect(capEffAllowsTracing(hex)).toBe(allowed);
  });

  it('reads CapEff from a status text, null when absent', () => {
    expect(parseCapEff('Name:\tpinwatch\nCapEff:\t000001ffffffffff\n')).toBe('000001ffffffffff');
    expect(parseCapEff('Name:\tpinwatch\n')).toBeNull();
  });
});
