import { describe, expect, it } from 'vitest';
import { defaultAnalysisThresholds } from '../analysis/thresholds.js';
import { qemuIdentity, vfioProcess } from '../analysis/test-process.js';
import { CycleAttribution } from '../daemon/cycle-attribution.js';
import { silentLogger } from '../model/logger.js';
import { buildCycleResult } from '../daemon/build-cycle-result.js';
import type { HostSample, VfioProcessSample } from '../model/host-sample.js';
import { checkVerdict } from './check-verdict.js';
import { formatSnapshotTable } from './format-snapshot.js';

const GiB = 1024 ** 3;

function result(processes: VfioProcessSample[], failed = false) {
  const sample: HostSample = {
    takenAtMs: 0,
    bootId: 'b',
    clockTicksPerSecond: 100,
    uptimeSeconds: 1,
    kernelRelease: null,
    processes,
    processesReadMonotonicMs: null,
    sysfs: null,
    meminfo: { memTotalBytes: 64 * GiB, memAvailableBytes: null, hugetlbTotalBytes: 0 },
    processesScanned: processes.length,
    ebpf: null,
    kernelLogEvents: [],
    errors: [],
    runs: [{ collector: 'vfio_users', success: !failed, durationSeconds: 0 }],
  };
  return buildCycleResult(sample, defaultAnalysisThresholds, new CycleAttribution({ logger: silentLogger, mode: 'one-shot', startedAtMs: 0, initialLedger: null }));
}

const healthy = vfioProcess({ lockedBytes: 4 * GiB });
const nearLimit = vfioProcess({
  pid: 2,
  lockedBytes: 4.9 * GiB, // 102 MiB left of the 5 GiB limit
  qemu: qemuIdentity({ guestName: 'near', memoryBytes: 4.6 * GiB }),
});
const tooSmall = vfioProcess({
  pid: 3,
  lockedBytes: 2 * GiB,
  memlockLimit: { softBytes: 2 * GiB, hardBytes: 2 * GiB },
  qemu: qemuIdentity({ guestName: 'small', memoryBytes: 8 * GiB }),
});

describe('checkVerdict', () => {
  it('OK (0) when every VM is healthy', () => {
    expect(checkVerdict(result([healthy]))).toEqual({ exitCode: 0, line: 'PINWATCH OK - 1 VFIO user, no warning or critical finding' });
  });
  it('WARNING (1) names the VM and the finding', () => {
    expect(checkVerdict(result([healthy, nearLimit]))).toEqual({
      exitCode: 1,
      line: 'PINWATCH WARNING - 2 VFIO users; near memlock-headroom-low',
    });
  });
  it('CRITICAL (2) lists critical first', () => {
    const verdict = checkVerdict(result([nearLimit, tooSmall]));
    expect(verdict.exitCode).toBe(2);
    expect(verdict.line).toBe(
      'PINWATCH CRITICAL - 2 VFIO users; small memlock-limit-below-expected, small memlock-headroom-low, near memlock-headroom-low',
    );
  });
  it('a failed collector is a warning: the numbers may be incomplete', () => {
    expect(checkVerdict(result([], true))).toEqual({
      exitCode: 1,
      line: 'PINWATCH WARNING - 0 VFIO users; collector vfio_users failed',
    });
  });
});

describe('formatSnapshotTable', () => {
  it('one row per VM with its findings and a host summary', () => {
    const text = formatSnapshotTable(result([healthy, tooSmall]));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^VM\s+PID\s+BACKEND\s+GUEST RAM\s+EXPECTED\s+VmLck\s+VmPin\s+MEMLOCK SOFT\s+HEADROOM\s+CLASS$/);
    expect(lines[1]).toMatch(/^web-01\s+4242\s+type1\s+4 GiB\s+4 GiB\s+4 GiB\s+0 B\s+5 GiB\s+1 GiB\s+ok$/);
    expect(lines[2]).toMatch(/^small\s+3\s+type1\s+8 GiB\s+8 GiB\s+2 GiB\s+0 B\s+2 GiB\s+0 B\s+under$/);
    expect(text).toContain('!! critical memlock-limit-below-expected: RLIMIT_MEMLOCK 2 GiB is below the 8 GiB');
    expect(lines.at(-1)).toBe('2 VFIO users, VmLck 6 GiB of expected 12 GiB (host RAM 64 GiB); findings: 2 critical, 0 warning, 1 info');
  });
});
