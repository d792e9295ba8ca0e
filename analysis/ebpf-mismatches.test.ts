import { describe, expect, it } from 'vitest';
import type { VfioProcessSample } from '../model/host-sample.js';
import {
  analyzeVmEbpf as analyzeWithDrift,
  exitedVmLeak,
  mappedNotChargedPages,
  outstandingPinnedPages,
  type VmEbpfLedgerView,
  type VmEbpfTotals,
} from './ebpf-mismatches.js';

const MiB = 1024 ** 2;

function process(overrides: Partial<VfioProcessSample> = {}): VfioProcessSample {
  return {
    pid: 1682, startTimeTicks: 17000, comm: 'qemu-system-x86', uid: 0, lockedBytes: 81792 * 1024, pinnedBytes: 0, residentBytes: 0,
    hasCapIpcLock: true, memlockLimit: { softBytes: 8 * MiB, hardBytes: 8 * MiB }, handles: [], iommuGroups: [4], backend: 'type1',
    cmdline: [], qemu: null, ...overrides,
  };
}

function totals(values: Partial<VmEbpfTotals>): VmEbpfTotals {
  return { pinnedPages: 0, pinErrors: new Map(), chargedPages: 0, unchargedPages: 0, chargeFailedPages: new Map(), unpinnedPages: 0, unmappedPages: 0, ...values };
}

/** As if this VmLck and these counters were observed together (analysis/ebpf-observations.ts). */
function analyzeVmEbpf(p: VfioProcessSample, ledger: VmEbpfLedgerView) {
  const drift = {
    lockedGrowthBytes: p.lockedBytes - ledger.baselineLockedBytes,
    vfioNetChargedBytes: (ledger.totals.chargedPages - ledger.totals.unchargedPages) * 4096,
  };
  return analyzeWithDrift(p, ledger, drift);
}

// The real capture (fixtures/captures/linux-6.1/qemu-run-bpftrace-output.json), whole life of QEMU pid 1682:
// pinned 118386, charged 117985, uncharged 97537, un-charge of 20448 failed with ESRCH, released 117985.
const CAPTURE_TOTALS = totals({
  pinnedPages: 118386,
  chargedPages: 117985,
  unchargedPages: 97537,
  chargeFailedPages: new Map([[3, 20448]]),
  unpinnedPages: 117985,
});

describe('mismatch arithmetic on the real 6.1 capture', () => {
  it('401 pages mapped but never charged (the 1 MiB BAR0 = 256 pages, plus zero-page ROM runs)', () => {
    expect(mappedNotChargedPages(CAPTURE_TOTALS)).toBe(401);
  });

  it('reserved pages leave the count when they are unmapped: vfio_unpin_pages_remote got npage, released none of them', () => {
    // The 6.1 zero-page case: a read-only 64 MiB map is 16384 reserved pins and no charge; UNMAP_DMA passes npage 16384.
    const zeroPages = totals({ pinnedPages: 16384 });
    expect(mappedNotChargedPages(zeroPages)).toBe(16384);
    expect(mappedNotChargedPages({ ...zeroPages, unmappedPages: 16384 })).toBe(0);
    // The capture's counters without unmappedPages (older probe programs) keep the cumulative figure.
    expect(mappedNotChargedPages({ ...CAPTURE_TOTALS, unmappedPages: 117985 + 256 })).toBe(145);
  });

  it('no drift is judged before /proc and the counters were observed together', () => {
    const { view, findings } = analyzeWithDrift(process({ lockedBytes: 2048 * MiB }), {
      coverage: 'full', baselineLockedBytes: 0, baselineAtMs: 0, totals: totals({ pinnedPages: 262144, chargedPages: 262144 }),
    }, null);
    expect(view.lockedDriftBytes).toBeNull();
    expect(findings.map((f) => f.kind)).not.toContain('charge-drift');
  });

  it('after exit nothing is leaked: 118386 - 117985 released - 401 reserved = 0', () => {
    expect(outstandingPinnedPages(CAPTURE_TOTALS)).toBe(0);
    expect(exitedVmLeak({ processKey: 'b:1682:17000', vmName: 'qemu-run', exitedAtMs: 0, totals: CAPTURE_TOTALS, observedSinceExit: true }, 120_000)).toBeNull();
  });

  it('explains the ESRCH un-charge at exit as harmless, with its page count', () => {
    const { findings } = analyzeVmEbpf(process(), { coverage: 'full', baselineLockedBytes: 0, baselineAtMs: 0, totals: CAPTURE_TOTALS });
    const failed = findings.find((f) => f.kind === 'charge-failed');
    expect(failed?.severity).toBe('info');
    expect(failed?.explanation).toMatch(/^The un-charge of 20448 pages \(79\.9 MiB\) failed with ESRCH/);
    const mapped = findings.find((f) => f.kind === 'mapped-not-charged');
    expect(mapped?.explanation).toMatch(/^401 pages \(1\.57 MiB\) were pinned for DMA but never charged/);
  });

  it('while running (qemu-run: VmLck 81792 kB = 20448 pages charged, BAR mapped): no drift, 256 pages not charged', () => {
    // mid-life figures of the same VM: 20704 pages pinned (guest RAM + ROMs + the 256-page BAR), 20448 charged
    const live = totals({ pinnedPages: 20704, chargedPages: 20448 });
    const { view, findings } = analyzeVmEbpf(process(), { coverage: 'full', baselineLockedBytes: 0, baselineAtMs: 5, totals: live });
    expect(view.lockedDriftBytes).toBe(0); // 81792 kB - 20448 x 4096
    expect(view.mappedNotChargedPages).toBe(256);
    expect(findings.map((f) => f.kind)).toEqual(['mapped-not-charged']);
  });
});

describe('recorded scenarios', () => {
  it('mem-lock=on: VmLck 2 GiB with 1 GiB charged by VFIO is a 1 GiB drift', () => {
    const { view, findings } = analyzeVmEbpf(process({ lockedBytes: 2048 * MiB }), {
      coverage: 'full', baselineLockedBytes: 0, baselineAtMs: 0, totals: totals({ pinnedPages: 262144, chargedPages: 262144 }),
    });
    expect(view.lockedDriftBytes).toBe(1024 * MiB);
    expect(findings.find((f) => f.kind === 'charge-drift')?.explanation).toMatch(
      /^VmLck grew by 2 GiB since the VM started but VFIO charged only 1 GiB: 1 GiB was locked outside VFIO/,
    );
  });

  it('partial coverage: growth is measured from the baseline, not from zero', () => {
    const { view } = analyzeVmEbpf(process({ lockedBytes: 600 * MiB }), {
      coverage: 'partial', baselineLockedBytes: 500 * MiB, baselineAtMs: 0, totals: totals({ chargedPages: 25600 }),
    });
    expect(view.lockedDriftBytes).toBe(0); // 100 MiB growth = 25600 pages charged
  });

  it('MAP_DMA over the limit: ENOMEM pin failures are critical and name the limit', () => {
    const { findings, view } = analyzeVmEbpf(
      process({ hasCapIpcLock: false, memlockLimit: { softBytes: 32 * MiB, hardBytes: 32 * MiB }, lockedBytes: 32 * MiB }),
      { coverage: 'full', baselineLockedBytes: 0, baselineAtMs: 0, totals: totals({ pinnedPages: 8192, chargedPages: 8192, pinErrors: new Map([[12, 1]]) }) },
    );
    expect([...view.mapFailuresTotal]).toEqual([[12, 1]]);
    const failed = findings.find((f) => f.kind === 'map-dma-failed');
    expect(failed?.severity).toBe('critical');
    expect(failed?.explanation).toMatch(/failed 1 time with ENOMEM: VFIO_MAP_DMA hit RLIMIT_MEMLOCK \(soft 32 MiB\)/);
  });

  it('exit without release: pins outstanding after the grace period are a leak', () => {
    const held = totals({ pinnedPages: 16640, chargedPages: 16384, unpinnedPages: 0 }); // 256 reserved
    const vm = { processKey: 'b:77:1', vmName: 'leaky', exitedAtMs: 1_000_000, totals: held, observedSinceExit: true };
    expect(exitedVmLeak(vm, 1_030_000)).toBeNull(); // within the 60 s grace
    const judged = exitedVmLeak(vm, 1_090_000);
    expect(judged?.leak).toEqual({ processKey: 'b:77:1', vmName: 'leaky', exitedAtMs: 1_000_000, leakedPages: 16384 });
    expect(judged?.finding.explanation).toMatch(/^leaky exited 90 s ago with 16384 pages \(64 MiB\) still pinned/);
    expect(exitedVmLeak({ ...vm, observedSinceExit: false }, 1_090_000)).toBeNull(); // a probe gap: cannot tell
  });
});
