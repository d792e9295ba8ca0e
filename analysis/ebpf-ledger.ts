/**
 * Per-VM bookkeeping of the eBPF counters across bpftrace runs and pinwatch restarts:
 * baselines, coverage, and offsets. Pure state transitions; the daemon's attribution step
 * (daemon/cycle-attribution.ts) holds them and the store persists the changed entries with
 * the cycle (store/ebpf-state-repository.ts).
 *
 * - A bpftrace run is identified by its attachedAtMs. Its counters start at zero
 *   when the probes attach and only grow while it runs.
 * - When a new run appears, the last counters seen of the old one are folded into
 *   `offsets` (so _total counters never go back), and the VM's coverage becomes
 *   partial: whatever happened between the runs was not seen.
 * - A VM first seen while probes run gets its baseline: VmLck at attach time. If it
 *   started after the attach, that is 0 and coverage is full; else it is VmLck minus
 *   what VFIO charged since the attach, and coverage is partial. That estimate is only
 *   right when VmLck and the counters were read with no charge between them, so it is
 *   unconfirmed (`baselineConfirmed` false) until the attribution step sees such an
 *   observation (analysis/ebpf-observations.ts) and re-takes it. A new bpftrace run
 *   un-confirms it too: what was charged between the runs was seen by nobody.
 * - pids are reused: if an exited VM had the same pid in the same run, its counters
 *   are subtracted from the newcomer's (`runStartCounters`). Exits are settled before
 *   newcomers are admitted, so an exit and a reuse between two cycles are told apart.
 */
import type { HostLedger, VmLedgerEntry } from '../model/ebpf-ledger.js';
import type { EbpfSnapshot } from '../model/ebpf-counters.js';
import type { VfioProcessSample } from '../model/host-sample.js';
import { addTotals, serializeTotals, subtractTotals, totalsOf, zeroTotals, type EbpfCounterTotals } from '../model/ebpf-counter-totals.js';

export const PAGE_SIZE_BYTES = 4096;

export type { HostLedger, VmLedgerEntry };

export function emptyHostLedger(): HostLedger {
  return {
    runAttachedAtMs: null,
    unattributedOffsets: { unpinnedPages: 0, unchargedPages: 0 },
    unattributedRun: { unpinnedPages: 0, unchargedPages: 0 },
  };
}

export interface LedgerVm {
  processKey: string;
  vmName: string;
  process: VfioProcessSample;
}

export interface LedgerUpdateInput {
  snapshot: EbpfSnapshot;
  vms: readonly LedgerVm[];
  takenAtMs: number;
  uptimeSeconds: number | null;
  clockTicksPerSecond: number;
  /** false when the VFIO user scan failed this cycle: absent VMs are not taken as exited. */
  processListComplete: boolean;
}

export interface LedgerUpdate {
  entries: Map<string, VmLedgerEntry>;
  host: HostLedger;
  /** Keys whose entry changed (to persist). */
  changed: Set<string>;
}

/** Counters of the VM since its baseline, over all runs. */
export function entryTotals(entry: VmLedgerEntry): EbpfCounterTotals {
  return addTotals(entry.offsets, subtractTotals(entry.runCounters, entry.runStartCounters));
}

export function hostUnattributedTotals(host: HostLedger): { unpinnedPages: number; unchargedPages: number } {
  return {
    unpinnedPages: host.unattributedOffsets.unpinnedPages + host.unattributedRun.unpinnedPages,
    unchargedPages: host.unattributedOffsets.unchargedPages + host.unattributedRun.unchargedPages,
  };
}

/** Wall-clock start of a process from its start ticks and the host uptime; null when uptime is unknown. */
export function processStartMs(process: VfioProcessSample, input: Pick<LedgerUpdateInput, 'takenAtMs' | 'uptimeSeconds' | 'clockTicksPerSecond'>): number | null {
  if (input.uptimeSeconds === null) return null;
  const bootMs = input.takenAtMs - input.uptimeSeconds * 1000;
  return bootMs + (process.startTimeTicks / input.clockTicksPerSecond) * 1000;
}

export function updateLedger(previous: ReadonlyMap<string, VmLedgerEntry>, previousHost: HostLedger, input: LedgerUpdateInput): LedgerUpdate {
  const entries = new Map(previous);
  const changed = new Set<string>();
  const run = input.snapshot.attachedAtMs;
  const livePids = new Set(input.vms.map((vm) => vm.process.pid));
  const liveKeys = new Set(input.vms.map((vm) => vm.processKey));
  const counters = (pid: number): EbpfCounterTotals => totalsOf(input.snapshot.perTgid.get(pid));
  const put = (entry: VmLedgerEntry): void => {
    entries.set(entry.processKey, { ...entry, updatedAtMs: input.takenAtMs });
    changed.add(entry.processKey);
  };

  // Exits first: a pid that exited and was reused between two cycles must be marked
  // exited before its newcomer looks for a predecessor to subtract.
  for (const entry of previous.values()) {
    if (liveKeys.has(entry.processKey)) continue;
    if (entry.exitedAtMs === null) {
      if (!input.processListComplete) continue;
      const runCounters = run === entry.runAttachedAtMs && !livePids.has(entry.pid) ? counters(entry.pid) : entry.runCounters;
      put({ ...entry, exitedAtMs: input.takenAtMs, runCounters });
    } else if (run !== null && run === entry.runAttachedAtMs && !livePids.has(entry.pid)) {
      // Releases after exit still land on the exited VM's tgid (same run, pid not reused).
      const runCounters = counters(entry.pid);
      if (serializeTotals(runCounters) !== serializeTotals(entry.runCounters)) {
        put({ ...entry, runCounters });
      }
    }
  }

  for (const vm of input.vms) {
    const entry = entries.get(vm.processKey);
    if (!entry) {
      if (run === null) continue; // no probes yet: no baseline can be taken
      const startMs = processStartMs(vm.process, input);
      const full = startMs !== null && startMs >= run;
      const reused = [...entries.values()].find(
        (other) => other.pid === vm.process.pid && other.exitedAtMs !== null && other.runAttachedAtMs === run,
      );
      const runStartCounters = reused ? reused.runCounters : zeroTotals();
      const runCounters = counters(vm.process.pid);
      const net = subtractTotals(runCounters, runStartCounters);
      put({
        processKey: vm.processKey,
        pid: vm.process.pid,
        vmName: vm.vmName,
        baselineLockedBytes: full ? 0 : vm.process.lockedBytes - (net.chargedPages - net.unchargedPages) * PAGE_SIZE_BYTES,
        baselineAtMs: full ? (startMs as number) : run,
        baselineConfirmed: full,
        coverage: full ? 'full' : 'partial',
        offsets: zeroTotals(),
        runAttachedAtMs: run,
        runCounters,
        runStartCounters,
        exitedAtMs: null,
        updatedAtMs: input.takenAtMs,
      });
      continue;
    }
    if (run === null) continue;
    if (entry.runAttachedAtMs !== run) {
      // A new bpftrace run: fold the old one, and admit the gap between them.
      put({
        ...entry,
        vmName: vm.vmName,
        offsets: entryTotals(entry),
        runAttachedAtMs: run,
        runCounters: counters(vm.process.pid),
        runStartCounters: zeroTotals(),
        coverage: 'partial',
        baselineConfirmed: false,
        exitedAtMs: null,
      });
    } else {
      const runCounters = counters(vm.process.pid);
      const moved = entry.exitedAtMs !== null || entry.vmName !== vm.vmName || serializeTotals(runCounters) !== serializeTotals(entry.runCounters);
      if (moved) put({ ...entry, vmName: vm.vmName, runCounters, exitedAtMs: null });
    }
  }

  let host = previousHost;
  if (run !== null) {
    const runValues = {
      unpinnedPages: input.snapshot.unattributedUnpinnedPages,
      unchargedPages: input.snapshot.unattributedUnchargedPages,
    };
    host =
      previousHost.runAttachedAtMs === run
        ? { ...previousHost, unattributedRun: runValues }
        : {
            runAttachedAtMs: run,
            unattributedOffsets: hostUnattributedTotals(previousHost),
            unattributedRun: runValues,
          };
  }
  return { entries, host, changed };
}

/**
 * Re-take a baseline from an observation where VmLck and the counters agree in time
 * (analysis/ebpf-observations.ts): VmLck then minus everything VFIO charged net since the
 * probes first covered the VM, so the drift at that observation is zero by construction.
 */
export function confirmBaseline(entry: VmLedgerEntry, observedLockedBytes: number): VmLedgerEntry {
  const totals = entryTotals(entry);
  return {
    ...entry,
    baselineLockedBytes: observedLockedBytes - (totals.chargedPages - totals.unchargedPages) * PAGE_SIZE_BYTES,
    baselineConfirmed: true,
  };
}
