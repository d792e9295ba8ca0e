/**
 * When may VmLck from /proc be compared with the eBPF counters? Only when both describe
 * the same state of the process. bpftrace prints its counters every few seconds, /proc
 * is read once a cycle: a MAP_DMA between the print and the read shows in VmLck and not
 * yet in the counters, and comparing the two would report a drift that does not exist
 * (measured in the kernel lab on 6.1, 6.12 and 7.2: warnings 59-611 ms after each
 * MAP_DMA or UNMAP_DMA, gone one cycle later).
 *
 * The rule: a /proc read is *consistent* with the counters when a print received before
 * the read started and a print begun after the read ended show the same charge counters
 * for the process (pages charged and un-charged: the only counters that move VmLck, via
 * vfio_lock_acct() / mm_lock_acct() in drivers/vfio/vfio_iommu_type1.c). The counters
 * only grow, so equal counters at both ends mean no charge ran in between, the read
 * included. Times are CLOCK_MONOTONIC (bpftrace's nsecs, Node's process.hrtime): a
 * print's counters were read after its interval probe fired (printStartedMonotonicMs)
 * and before pinwatch received its last line (receivedMonotonicMs).
 *
 * A read with charges around it is inconclusive and is dropped: the last consistent
 * observation stands. Pure functions; the attribution step keeps the state.
 */
import type { EbpfSnapshot, EbpfTgidCounters } from '../model/ebpf-counters.js';
import type { MonotonicWindow } from '../model/host-sample.js';

/** The counters of one tgid that move VmLck. */
export interface ChargeCounters {
  chargedPages: number;
  unchargedPages: number;
}

/** One committed bpftrace print, as the attribution step remembers it. */
export interface CounterPrint {
  runAttachedAtMs: number;
  printStartedMonotonicMs: number;
  receivedMonotonicMs: number;
  perTgid: ReadonlyMap<number, EbpfTgidCounters>;
}

/** A /proc read waiting for a print begun after it. */
export interface PendingObservation {
  readWindow: MonotonicWindow;
  lockedBytes: number;
  runAttachedAtMs: number;
  /** The process's charge counters in the last print received before the read began. */
  before: ChargeCounters;
}

export type ObservationOutcome = 'pending' | 'consistent' | 'inconclusive';

/** The print a snapshot carries, or null when eBPF is not running or has not printed yet. */
export function counterPrintOf(snapshot: EbpfSnapshot | null): CounterPrint | null {
  if (!snapshot || snapshot.state !== 'running' || snapshot.attachedAtMs === null) return null;
  if (snapshot.printStartedMonotonicMs === null || snapshot.receivedMonotonicMs === null) return null;
  return {
    runAttachedAtMs: snapshot.attachedAtMs,
    printStartedMonotonicMs: snapshot.printStartedMonotonicMs,
    receivedMonotonicMs: snapshot.receivedMonotonicMs,
    perTgid: snapshot.perTgid,
  };
}

export function chargeCountersOf(print: CounterPrint, tgid: number): ChargeCounters {
  const counters = print.perTgid.get(tgid);
  return { chargedPages: counters?.chargedPages ?? 0, unchargedPages: counters?.unchargedPages ?? 0 };
}

/** Every counter of the print was read before the /proc read began. */
export function printPrecedesRead(print: CounterPrint, read: MonotonicWindow): boolean {
  return print.receivedMonotonicMs <= read.startMs;
}

/** Every counter of the print was read after the /proc read ended. */
export function printFollowsRead(print: CounterPrint, read: MonotonicWindow): boolean {
  return print.printStartedMonotonicMs >= read.endMs;
}

/**
 * A new observation of one process, given the prints seen so far (newest last). null when
 * no print precedes the read in the same bpftrace run: it can never be judged.
 */
export function beginObservation(
  read: MonotonicWindow,
  lockedBytes: number,
  tgid: number,
  prints: readonly CounterPrint[],
): PendingObservation | null {
  const latestRun = prints.at(-1)?.runAttachedAtMs;
  for (let i = prints.length - 1; i >= 0; i -= 1) {
    const print = prints[i] as CounterPrint;
    if (print.runAttachedAtMs !== latestRun) return null;
    if (printPrecedesRead(print, read)) {
      return { readWindow: read, lockedBytes, runAttachedAtMs: print.runAttachedAtMs, before: chargeCountersOf(print, tgid) };
    }
  }
  return null;
}

/** Judge a pending observation against a print: consistent, inconclusive, or still pending. */
export function resolveObservation(pending: PendingObservation, print: CounterPrint, tgid: number): ObservationOutcome {
  if (print.runAttachedAtMs !== pending.runAttachedAtMs) return 'inconclusive';
  if (!printFollowsRead(print, pending.readWindow)) return 'pending';
  const after = chargeCountersOf(print, tgid);
  return after.chargedPages === pending.before.chargedPages && after.unchargedPages === pending.before.unchargedPages
    ? 'consistent'
    : 'inconclusive';
}
