import { describe, expect, it } from 'vitest';
import { testCycle, testVm } from '../server/test-support/cycle-builder.js';
import { formatSnapshotTable } from './format-snapshot.js';

describe('formatSnapshotTable, a VM with an incomplete read', () => {
  it('shows the failed file and why, which values are stale or unknown, and an unknown limit as "?" (never "unlimited")', () => {
    const cycle = testCycle({
      vms: [
        testVm({
          process: {
            readErrors: [{ collector: 'vfio_users', reason: 'malformed', path: '/proc/4242/limits', message: '/proc/4242/limits: no "Max locked memory" row' }],
            staleFields: ['lockedBytes'],
            unknownFields: ['memlockLimit'],
            memlockLimit: { softBytes: null, hardBytes: null },
          },
        }),
      ],
    });
    const lines = formatSnapshotTable(cycle).split('\n');
    expect(lines[1]).toMatch(/^web-01 .* \? /);
    expect(lines[1]).not.toContain('unlimited');
    expect(lines).toContain('    ?  read malformed: /proc/4242/limits: no "Max locked memory" row');
    expect(lines).toContain('    ?  incomplete read: last good value of lockedBytes; unknown memlockLimit');
  });
});
