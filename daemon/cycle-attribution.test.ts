/**
 * The one attribution step of a cycle: /proc figures, eBPF counters and kernel-log
 * records turned into per-VM views and findings. Each case reproduces a false alarm
 * measured in the kernel lab (6.1, 6.12, 7.2) or found in review.
 */
import { describe, expect, it } from 'vitest';
import { defaultAnalysisThresholds } from '../analysis/thresholds.js';
import { vfioProcess } from '../analysis/test-process.js';
import { emptyTgidCounters } from '../ebpf/bpftrace-output.js';
import type { EbpfSnapshot, EbpfTgidCounters } from '../model/ebpf-counters.js';
import type { HostSample, KernelLogEvent, VfioProcessSample } from '../model/host-sample.js';
import { silentLogger } from '../model/logger.js';
import { buildCycleResult } from './build-cycle-result.js';
import { CycleAttribution } from './cycle-attribution.js';

const MiB = 1024 ** 2;
const PAGES_64_MIB = (64 * MiB) / 4096; // 16384
// The host booted at wall-clock 0 and monotonic 0: wall ms == monotonic ms in these cases.
const ATTACHED_AT_MS = 100_000;
const TICKS_PER_SECOND = 100;

function newAttribution(options: { mode?: 'daemon' | 'one-shot'; startedAtMs?: number } = {}): CycleAttribution {
  return new CycleAttribution({
    logger: silentLogger,
    mode: options.mode ?? 'daemon',
    startedAtMs: options.startedAtMs ?? 50_000,
    initialLedger: null,
  });
}

/** A VM started at 150 s (after the probes attached at 100 s): full coverage, baseline 0. */
function vm(overrides: Partial<VfioProcessSample> = {}): VfioProcessSample {
  return vfioProcess({
    pid: 4242,
    startTimeTicks: 150 * TICKS_PER_SECOND,
    lockedBytes: 0,
    memlockLimit: { softBytes: 64 * MiB + 1024 * MiB, hardBytes: 64 * MiB + 1024 * MiB },
    qemu: null,
    comm: 'vfio-cases',
    ...overrides,
  });
}

function counters(values: Partial<EbpfTgidCounters>, tgid = 4242): EbpfTgidCounters {
  return { ...emptyTgidCounters(tgid), ...values };
}

/** bpftrace began printing at printStartMs and pinwatch received the end of the print at receivedMs. */
function snapshot(printStartMs: number, receivedMs: number, perTgid: EbpfTgidCounters[]): EbpfSnapshot {
  return {
    state: 'running',
    reason: null,
    attachedAtMs: ATTACHED_AT_MS,
    probesAttached: 6,
    perTgid: new Map(perTgid.map((c) => [c.tgid, c])),
    unattributedUnpinnedPages: 0,
    unattributedUnchargedPages: 0,
    printStartedMonotonicMs: printStartMs,
    receivedMonotonicMs: receivedMs,
  };
}

/** /proc was read during [readMs, readMs + 2]; the cycle's wall clock is readMs + 5. */
function sample(readMs: number, processes: VfioProcessSample[], ebpf: EbpfSnapshot | null, kernelLogEvents: KernelLogEvent[] = []): HostSample {
  return {
    takenAtMs: readMs + 5,
    bootId: 'b',
    clockTicksPerSecond: TICKS_PER_SECOND,
    uptimeSeconds: (readMs + 5) / 1000,
    kernelRelease: '6.12.117+deb13-amd64',
    processes,
    processesReadMonotonicMs: { startMs: readMs, endMs: readMs + 2 },
    sysfs: null,
    meminfo: null,
    processesScanned: processes.length,
    ebpf,
    kernelLogEvents,
    errors: [],
    runs: [{ collector: 'vfio_users', success: true, durationSeconds: 0.002 }],
  };
}

function findingsOf(attribution: CycleAttribution, s: HostSample): string[] {
  const result = buildCycleResult(s, defaultAnalysisThresholds, attribution);
  return (result.vms[0]?.analysis.findings ?? []).map((f) => `${f.kind}:${f.severity}`).sort();
}

function memlockRecord(overrides: Partial<KernelLogEvent> = {}): KernelLogEvent {
  return {
    kind: 'memlock_exceeded',
    atMs: 200_000,
    monotonicUs: 200_000_000,
    sequence: 1203,
    limitBytes: 32 * MiB,
    comm: null,
    pid: null,
    beforeStart: false,
    message: 'vfio_pin_pages_remote: RLIMIT_MEMLOCK (33554432) exceeded',
    ...overrides,
  };
}

describe('charge-drift compares /proc and eBPF only when they describe the same state', () => {
  it('a MAP_DMA between the last print and the /proc read is no drift (6.12 lab: "VFIO charged only 0 B")', () => {
    const attribution = newAttribution();
    const charged = counters({ pinCalls: 1, pinnedPages: PAGES_64_MIB, chargedPages: PAGES_64_MIB });
    // cycle 1: nothing mapped yet; counters printed at 199 s agree
    expect(findingsOf(attribution, sample(200_000, [vm()], snapshot(199_000, 199_010, [counters({})])))).toEqual([]);
    // MAP_DMA at 214.9 s; /proc read at 215 s shows 64 MiB, the last print (214.8 s) does not have it yet
    expect(findingsOf(attribution, sample(215_000, [vm({ lockedBytes: 64 * MiB })], snapshot(214_800, 214_810, [counters({})])))).toEqual([]);
    // next cycle: the print at 219.8 s has the charge
    expect(findingsOf(attribution, sample(230_000, [vm({ lockedBytes: 64 * MiB })], snapshot(229_800, 229_810, [charged])))).toEqual([]);
    expect(findingsOf(attribution, sample(245_000, [vm({ lockedBytes: 64 * MiB })], snapshot(244_800, 244_810, [charged])))).toEqual([]);
  });

  it('an UNMAP_DMA between the last print and the /proc read is no drift ("VmLck grew by 0 B ... net charge was 64 MiB")', () => {
    const attribution = newAttribution();
    const mapped = counters({ pinCalls: 1, pinnedPages: PAGES_64_MIB, chargedPages: PAGES_64_MIB });
    const unmapped = counters({ ...mapped, unchargedPages: PAGES_64_MIB, unpinCalls: 1, unpinnedPages: PAGES_64_MIB, unmappedPages: PAGES_64_MIB });
    findingsOf(attribution, sample(200_000, [vm({ lockedBytes: 64 * MiB })], snapshot(199_000, 199_010, [mapped])));
    expect(findingsOf(attribution, sample(215_000, [vm({ lockedBytes: 0 })], snapshot(214_800, 214_810, [mapped])))).toEqual([]);
    expect(findingsOf(attribution, sample(230_000, [vm({ lockedBytes: 0 })], snapshot(229_800, 229_810, [unmapped])))).toEqual([]);
  });

  it('a real mlock on top of VFIO is reported once the counters printed after the read agree with those before it', () => {
    const attribution = newAttribution();
    const charged = counters({ pinCalls: 1, pinnedPages: PAGES_64_MIB, chargedPages: PAGES_64_MIB });
    findingsOf(attribution, sample(200_000, [vm({ lockedBytes: 64 * MiB })], snapshot(199_000, 199_010, [charged])));
    // 128 MiB more locked by mlock: the probes saw nothing
    expect(findingsOf(attribution, sample(215_000, [vm({ lockedBytes: 192 * MiB })], snapshot(214_000, 214_010, [charged])))).toEqual([]);
    // the print at 219 s (after the read at 215 s) has the same counters: the read is bracketed, the drift is real
    const result = buildCycleResult(sample(230_000, [vm({ lockedBytes: 192 * MiB })], snapshot(219_000, 219_010, [charged])), defaultAnalysisThresholds, attribution);
    const drift = result.vms[0]?.analysis.findings.find((f) => f.kind === 'charge-drift');
    expect(drift?.severity).toBe('warning');
    expect(drift?.explanation).toContain('128 MiB was locked outside VFIO');
    expect(result.vms[0]?.ebpf?.lockedDriftBytes).toBe(128 * MiB);
  });
});

describe('mapped-not-charged describes what is mapped now', () => {
  it('the 16384 zero pages of a read-only map (6.1) are reported while mapped, and not after UNMAP_DMA', () => {
    const attribution = newAttribution();
    const mapped = counters({ pinCalls: PAGES_64_MIB, pinnedPages: PAGES_64_MIB });
    expect(findingsOf(attribution, sample(200_000, [vm()], snapshot(199_000, 199_010, [mapped])))).toEqual(['mapped-not-charged:info']);
    // vfio_unpin_pages_remote was called for the 16384 pages and released none (reserved pfns are not put)
    const unmapped = counters({ ...mapped, unpinCalls: 1, unpinnedPages: 0, unmappedPages: PAGES_64_MIB });
    expect(findingsOf(attribution, sample(215_000, [vm()], snapshot(214_000, 214_010, [unmapped])))).toEqual([]);
  });
});

describe('kernel-log attribution', () => {
  it('a record older than the process is never attributed to it, even with the same limit', () => {
    const attribution = newAttribution({ mode: 'one-shot' });
    const limited = vm({ memlockLimit: { softBytes: 32 * MiB, hardBytes: 32 * MiB } });
    // the VM started at 150 s; the record is from 120 s
    const s = sample(200_000, [limited], null, [memlockRecord({ atMs: 120_000, monotonicUs: 120_000_000 })]);
    expect(findingsOf(attribution, s)).not.toContain('kernel-memlock-exceeded:critical');
  });

  it('a record the process could have caused is a finding in one-shot commands, without the eBPF collector', () => {
    const attribution = newAttribution({ mode: 'one-shot' });
    const limited = vm({ memlockLimit: { softBytes: 32 * MiB, hardBytes: 32 * MiB } });
    const s = sample(200_000, [limited], null, [memlockRecord({ atMs: 180_000, monotonicUs: 180_000_000, beforeStart: true })]);
    expect(findingsOf(attribution, s)).toContain('kernel-memlock-exceeded:critical');
  });

  it('the daemon keeps records from before it started as events, not findings', () => {
    const attribution = newAttribution({ mode: 'daemon', startedAtMs: 190_000 });
    const limited = vm({ memlockLimit: { softBytes: 32 * MiB, hardBytes: 32 * MiB } });
    const s = sample(200_000, [limited], null, [memlockRecord({ atMs: 180_000, monotonicUs: 180_000_000, beforeStart: true })]);
    const result = buildCycleResult(s, defaultAnalysisThresholds, attribution);
    expect(result.vms[0]?.analysis.findings.map((f) => f.kind)).not.toContain('kernel-memlock-exceeded');
    expect(result.kernelLogEvents.map((e) => [e.event.sequence, e.processKey])).toEqual([[1203, 'b:4242:15000']]);
  });

  it('the daemon attributes a new record to the one VM with that limit, and keeps the finding while the VM lives', () => {
    const attribution = newAttribution({ mode: 'daemon', startedAtMs: 100_000 });
    const limited = vm({ memlockLimit: { softBytes: 32 * MiB, hardBytes: 32 * MiB } });
    expect(findingsOf(attribution, sample(200_000, [limited], null, [memlockRecord({ atMs: 199_000 })]))).toContain('kernel-memlock-exceeded:critical');
    expect(findingsOf(attribution, sample(215_000, [limited], null, []))).toContain('kernel-memlock-exceeded:critical');
  });
});
