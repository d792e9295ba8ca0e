/** A VmLck that was never read well (a placeholder 0) is judged as unknown, not as "under expected" (issue 9). */
import { describe, expect, it } from 'vitest';
import { analyzeVm } from './analyze-host.js';
import { defaultAnalysisThresholds as thresholds } from './thresholds.js';
import { vfioProcess } from './test-process.js';

describe('analyzeVm with an unknown VmLck', () => {
  it('gives class unknown, no headroom and no finding read from the placeholder', () => {
    const vm = analyzeVm(vfioProcess({ lockedBytes: 0, unknownFields: ['lockedBytes', 'pinnedBytes', 'residentBytes'] }), 'web-01', 'b', thresholds);
    expect([vm.accountingClass, vm.memlockHeadroomBytes, vm.memlockUsedRatio]).toEqual(['unknown', null, null]);
    expect(vm.findings.map((f) => f.kind)).not.toContain('locked-under-expected');
  });

  it('a stale VmLck (the last good value) is still judged', () => {
    const known = analyzeVm(vfioProcess({ staleFields: ['lockedBytes'] }), 'web-01', 'b', thresholds);
    expect(known.accountingClass).not.toBe('unknown');
  });
});
