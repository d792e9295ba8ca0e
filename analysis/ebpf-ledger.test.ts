import { describe, expect, it } from 'vitest';
import type { EbpfSnapshot, EbpfTgidCounters } from '../model/ebpf-counters.js';
import type { VfioProcessSample } from '../model/host-sample.js';
import { emptyTgidCounters } from '../ebpf/bpftrace-output.js';
import { emptyHostLedger, entryTotals, hostUnattributedTotals, updateLedger, type HostLedger, type LedgerVm, type VmLedgerEntry } from './ebpf-ledger.js';

// Host clock: boot at t=1_000_000 ms, 100 ticks/s. A process with startTimeTicks T started at 1_000_000 + 10*T ms.
const BOOT_MS = 1_000_000;

function process(pid: number, startTimeTicks: number, lockedBytes: number): VfioProcessSample {
  return {
    pid, startTimeTicks, comm: 'qemu-system-x86', uid: 0, lockedBytes, pinnedBytes: 0, residentBytes: 0, hasCapIpcLock: true,
    memlockLimit: { softBytes: null, hardBytes: null }, handles: [], iommuGroups: [], backend: 'type1', cmdline: [], qemu: null,
  };
}

function counters(tgid: number, values: Partial<EbpfTgidCounters>): EbpfTgidCounters {
  return { ...emptyTgidCounters(tgid), ...values };
}

function snapshot(attachedAtMs: number | null, perTgid: EbpfTgidCounters[], state: EbpfSnapshot['state'] = 'running'): EbpfSnapshot {
  return {
    state, reason: null, attachedAtMs, probesAttached: 4,
    perTgid: new Map(perTgid.map((c) => [c.tgid, c])), unattributedUnpinnedPages: 0, unattributedUnchargedPages: 0,
    printStartedMonotonicMs: null, receivedMonotonicMs: null,
  };
}

function step(entries: Map<string, VmLedgerEntry>, host: HostLedger, snap: EbpfSnapshot, vms: LedgerVm[], takenAtMs: number, complete = true) {
  return updateLedger(entries, host, {
    snapshot: snap, vms, takenAtMs, uptimeSeconds: (takenAtMs - BOOT_MS) / 1000, clockTicksPerSecond: 100, processListComplete: complete,
  });
}

const vm = (p: VfioProcessSample, name = 'guest'): LedgerVm => ({ processKey: `boot:${p.pid}:${p.startTimeTicks}`, vmName: name, process: p });

describe('updateLedger', () => {
  it('a VM started after the attach has full coverage and baseline 0', () => {
    // attach at 2_000_000; VM started at 1_000_000 + 10 * 150_000 = 2_500_000
    const p = process(1682, 150_000, 81792 * 1024);
    const out = step(new Map(), emptyHostLedger(), snapshot(2_000_000, [counters(1682, { chargedPages: 20448 })]), [vm(p)], 3_000_000);
    const entry = out.entries.get('boot:1682:150000');
    expect(entry).toMatchObject({ coverage: 'full', baselineLockedBytes: 0, baselineAtMs: 2_500_000 });
  });

  it('a VM running before the attach is partial, baseline = VmLck now - net charged since attach', () => {
    // started at 1_500_000, attach at 2_000_000; VmLck 100 MiB now, 2560 pages (10 MiB) charged since attach
    const p = process(500, 50_000, 100 * 1024 ** 2);
    const out = step(new Map(), emptyHostLedger(), snapshot(2_000_000, [counters(500, { chargedPages: 2560 })]), [vm(p)], 3_000_000);
    expect(out.entries.get('boot:500:50000')).toMatchObject({ coverage: 'partial', baselineLockedBytes: 90 * 1024 ** 2, baselineAtMs: 2_000_000 });
  });

  it('a bpftrace restart folds the old run into offsets (no reset, no double count) and makes coverage partial', () => {
    const p = process(700, 150_000, 0);
    let out = step(new Map(), emptyHostLedger(), snapshot(2_000_000, [counters(700, { pinnedPages: 1000, chargedPages: 900 })]), [vm(p)], 3_000_000);
    out = step(out.entries, out.host, snapshot(2_000_000, [counters(700, { pinnedPages: 1500, chargedPages: 1300 })]), [vm(p)], 3_015_000);
    // child restarted at 3_020_000: its counters start again from zero
    out = step(out.entries, out.host, snapshot(3_020_000, [counters(700, { pinnedPages: 200, chargedPages: 100 })]), [vm(p)], 3_030_000);
    out = step(out.entries, out.host, snapshot(3_020_000, [counters(700, { pinnedPages: 300, chargedPages: 150 })]), [vm(p)], 3_045_000);
    const entry = out.entries.get('boot:700:150000') as VmLedgerEntry;
    expect(entryTotals(entry).pinnedPages).toBe(1800); // 1500 + 300
    expect(entryTotals(entry).chargedPages).toBe(1450); // 1300 + 150
    expect(entry.coverage).toBe('partial');
  });

  it('a pinwatch restart (ledger reloaded, new bpftrace run) continues from the stored totals', () => {
    const p = process(700, 150_000, 0);
    const first = step(new Map(), emptyHostLedger(), snapshot(2_000_000, [counters(700, { unpinnedPages: 40 })]), [vm(p)], 3_000_000);
    const reloaded = new Map(first.entries); // what EbpfStateRepository.loadEntries returns after the restart
    const again = step(reloaded, first.host, snapshot(4_000_000, [counters(700, { unpinnedPages: 5 })]), [vm(p)], 4_100_000);
    expect(entryTotals(again.entries.get('boot:700:150000') as VmLedgerEntry).unpinnedPages).toBe(45);
  });

  it('marks exits only when the process list is complete, and keeps counting releases after exit in the same run', () => {
    const p = process(1682, 150_000, 0);
    let out = step(new Map(), emptyHostLedger(), snapshot(2_000_000, [counters(1682, { pinnedPages: 118386, chargedPages: 117985 })]), [vm(p)], 3_000_000);
    out = step(out.entries, out.host, snapshot(2_000_000, [counters(1682, { pinnedPages: 118386 })]), [], 3_015_000, false);
    expect(out.entries.get('boot:1682:150000')?.exitedAtMs).toBeNull();
    out = step(out.entries, out.host, snapshot(2_000_000, [counters(1682, { pinnedPages: 118386, chargedPages: 117985, unpinnedPages: 100 })]), [], 3_030_000);
    expect(out.entries.get('boot:1682:150000')?.exitedAtMs).toBe(3_030_000);
    out = step(out.entries, out.host, snapshot(2_000_000, [counters(1682, { pinnedPages: 118386, chargedPages: 117985, unpinnedPages: 117985 })]), [], 3_045_000);
    expect(entryTotals(out.entries.get('boot:1682:150000') as VmLedgerEntry).unpinnedPages).toBe(117985);
  });

  it('a reused pid in the same run does not inherit the exited VM counters', () => {
    const old = process(900, 150_000, 0);
    let out = step(new Map(), emptyHostLedger(), snapshot(2_000_000, [counters(900, { pinnedPages: 5000 })]), [vm(old, 'a')], 3_000_000);
    out = step(out.entries, out.host, snapshot(2_000_000, [counters(900, { pinnedPages: 5000 })]), [], 3_015_000);
    const reused = process(900, 250_000, 0); // started at 3_500_000
    out = step(out.entries, out.host, snapshot(2_000_000, [counters(900, { pinnedPages: 5300 })]), [vm(reused, 'b')], 3_600_000);
    expect(entryTotals(out.entries.get('boot:900:250000') as VmLedgerEntry).pinnedPages).toBe(300);
    expect(entryTotals(out.entries.get('boot:900:150000') as VmLedgerEntry).pinnedPages).toBe(5000);
  });

  it('a pid reused between two cycles (exit and reuse seen in one pass) does not inherit the exited VM counters', () => {
    const old = process(900, 150_000, 0);
    let out = step(new Map(), emptyHostLedger(), snapshot(2_000_000, [counters(900, { pinnedPages: 5000, chargedPages: 5000 })]), [vm(old, 'a')], 3_000_000);
    const reused = process(900, 250_000, 0); // started at 3_500_000, after the old one exited
    out = step(out.entries, out.host, snapshot(2_000_000, [counters(900, { pinnedPages: 5300, chargedPages: 5300 })]), [vm(reused, 'b')], 3_600_000);
    expect(entryTotals(out.entries.get('boot:900:250000') as VmLedgerEntry).pinnedPages).toBe(300);
    expect(out.entries.get('boot:900:150000')?.exitedAtMs).toBe(3_600_000);
    expect(entryTotals(out.entries.get('boot:900:150000') as VmLedgerEntry).pinnedPages).toBe(5000);
  });

  it('no baseline is taken before the probes attach', () => {
    const out = step(new Map(), emptyHostLedger(), snapshot(null, [], 'starting'), [vm(process(1, 1, 0))], 3_000_000);
    expect(out.entries.size).toBe(0);
  });

  it('unattributed releases accumulate across runs', () => {
    const host = { ...emptyHostLedger(), runAttachedAtMs: 2_000_000, unattributedRun: { unpinnedPages: 70, unchargedPages: 7 } };
    const snap = { ...snapshot(3_000_000, []), unattributedUnpinnedPages: 5, unattributedUnchargedPages: 1 };
    const out = step(new Map(), host, snap, [], 3_100_000);
    expect(hostUnattributedTotals(out.host)).toEqual({ unpinnedPages: 75, unchargedPages: 8 });
  });
});
