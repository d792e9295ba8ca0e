/**
 * The one attribution step of a cycle: what the collectors read (the /proc figures and
 * when they were read, the eBPF counters and when bpftrace printed them, kernel log
 * records with their kernel timestamps) becomes per-VM eBPF views, findings, attributed
 * kernel log events and the ledger changes the store writes with the cycle. Every
 * finding, metric label and stored event reads its result; nothing attributes again.
 *
 * The decisions are pure functions in analysis/ (ebpf-ledger.ts, ebpf-observations.ts,
 * ebpf-mismatches.ts, kernel-log-attribution.ts); this class only keeps what they need
 * from one cycle to the next.
 */
import type { AnalyzedVm } from '../analysis/analyze-host.js';
import {
  analyzeVmEbpf,
  defaultEbpfMismatchThresholds,
  exitedVmLeak,
  type ChargeDriftObservation,
  type EbpfMismatchThresholds,
} from '../analysis/ebpf-mismatches.js';
import {
  confirmBaseline,
  emptyHostLedger,
  entryTotals,
  hostUnattributedTotals,
  PAGE_SIZE_BYTES,
  updateLedger,
  type HostLedger,
  type VmLedgerEntry,
} from '../analysis/ebpf-ledger.js';
import {
  beginObservation,
  counterPrintOf,
  resolveObservation,
  type CounterPrint,
  type PendingObservation,
} from '../analysis/ebpf-observations.js';
import { attributeKernelLogEvent, kernelMemlockFinding } from '../analysis/kernel-log-attribution.js';
import type { AttributedKernelLogEvent, EbpfLedgerChanges, ExitedVmLeak, VmEbpfView } from '../model/cycle.js';
import type { Finding } from '../model/findings.js';
import type { HostSample } from '../model/host-sample.js';
import type { Logger } from '../model/logger.js';

/**
 * 'daemon': records already in the kernel log when pinwatch started are stored as events
 * but raise no finding (pinwatch cannot tell what has been fixed since). 'one-shot'
 * (`snapshot`, `check`): the whole ring buffer is judged, bounded by each VM's start.
 */
export type AttributionMode = 'daemon' | 'one-shot';

export interface CycleAttributionDeps {
  logger: Logger;
  mode: AttributionMode;
  /** Wall-clock ms pinwatch started: in daemon mode, records logged before it are events only. */
  startedAtMs: number;
  /** The ledger the store kept across a restart; null to start empty. */
  initialLedger: { entries: Map<string, VmLedgerEntry>; host: HostLedger } | null;
  thresholds?: EbpfMismatchThresholds;
  /** Exited VMs' ledger entries are kept this long (leak checks), then pruned. Default 24 h. */
  exitedRetentionMs?: number;
}

export interface CycleAttributionResult {
  views: Map<string, VmEbpfView>;
  findings: Map<string, Finding[]>;
  leaks: ExitedVmLeak[];
  kernelLogEvents: AttributedKernelLogEvent[];
  ledger: EbpfLedgerChanges | null;
  /** Cumulative pages released in no VM's context (kept across restarts); null without eBPF. */
  unattributedReleasedPagesTotal: number | null;
}

/** What the attribution remembers of each live VM between cycles. */
interface VmObservationState {
  pending: PendingObservation[];
  drift: ChargeDriftObservation | null;
}

const PRUNE_EVERY_MS = 3_600_000;
/** Prints remembered: enough to find one received before a read that began after the last cycle's print. */
const PRINTS_KEPT = 3;

export class CycleAttribution {
  private entries: Map<string, VmLedgerEntry>;
  private host: HostLedger;
  /** Ledger keys changed since the store last committed them. */
  private readonly unsavedKeys = new Set<string>();
  private readonly thresholds: EbpfMismatchThresholds;
  private readonly observations = new Map<string, VmObservationState>();
  private prints: CounterPrint[] = [];
  /** Latest kernel "RLIMIT_MEMLOCK exceeded" finding per live VM: open while the VM lives. */
  private readonly memlockFindings = new Map<string, Finding>();
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: CycleAttributionDeps) {
    this.thresholds = deps.thresholds ?? defaultEbpfMismatchThresholds;
    this.entries = deps.initialLedger?.entries ?? new Map();
    this.host = deps.initialLedger?.host ?? emptyHostLedger();
  }

  attribute(sample: HostSample, vms: readonly AnalyzedVm[]): CycleAttributionResult {
    const findings = new Map<string, Finding[]>();
    const addFinding = (key: string, finding: Finding): void => {
      findings.set(key, [...(findings.get(key) ?? []), finding]);
    };
    const liveKeys = new Set(vms.map((vm) => vm.analysis.processKey));

    const kernelLogEvents = this.attributeKernelLog(sample, vms);
    for (const key of this.memlockFindings.keys()) if (!liveKeys.has(key)) this.memlockFindings.delete(key);
    for (const [key, finding] of this.memlockFindings) addFinding(key, finding);
    for (const key of this.observations.keys()) if (!liveKeys.has(key)) this.observations.delete(key);

    const snapshot = sample.ebpf;
    if (!snapshot) {
      return { views: new Map(), findings, leaks: [], kernelLogEvents, ledger: null, unattributedReleasedPagesTotal: null };
    }

    const vfioUsersRun = sample.runs.find((run) => run.collector === 'vfio_users');
    const update = updateLedger(this.entries, this.host, {
      snapshot,
      vms: vms.map((vm) => ({ processKey: vm.analysis.processKey, vmName: vm.analysis.vmName, process: vm.process })),
      takenAtMs: sample.takenAtMs,
      uptimeSeconds: sample.uptimeSeconds,
      clockTicksPerSecond: sample.clockTicksPerSecond,
      processListComplete: vfioUsersRun ? vfioUsersRun.success : true,
    });
    this.entries = update.entries;
    const hostChanged = update.host !== this.host;
    this.host = update.host;
    for (const key of update.changed) this.unsavedKeys.add(key);

    const print = counterPrintOf(snapshot);
    if (print && this.isNewPrint(print)) this.prints = [...this.prints, print].slice(-PRINTS_KEPT);

    const views = new Map<string, VmEbpfView>();
    for (const vm of vms) {
      const key = vm.analysis.processKey;
      let entry = this.entries.get(key);
      if (!entry) continue;
      const drift = this.observe(vm, entry, sample, print);
      entry = this.entries.get(key) as VmLedgerEntry; // observe() may have confirmed its baseline
      const { view, findings: vmFindings } = analyzeVmEbpf(
        vm.process,
        {
          coverage: snapshot.state === 'running' ? entry.coverage : 'partial',
          baselineLockedBytes: entry.baselineLockedBytes,
          baselineAtMs: entry.baselineAtMs,
          totals: entryTotals(entry),
        },
        drift,
        this.thresholds,
      );
      views.set(key, view);
      for (const finding of vmFindings) addFinding(key, finding);
    }

    const leaks: ExitedVmLeak[] = [];
    for (const entry of this.entries.values()) {
      if (entry.exitedAtMs === null) continue;
      const judged = exitedVmLeak(
        {
          processKey: entry.processKey,
          vmName: entry.vmName,
          exitedAtMs: entry.exitedAtMs,
          totals: entryTotals(entry),
          observedSinceExit: snapshot.state === 'running' && snapshot.attachedAtMs === entry.runAttachedAtMs,
        },
        sample.takenAtMs,
        this.thresholds,
      );
      if (judged) {
        leaks.push(judged.leak);
        findings.set(entry.processKey, [judged.finding]);
      }
    }

    const pruneExitedBeforeMs = this.pruneExited(sample.takenAtMs);
    const ledger: EbpfLedgerChanges | null =
      this.unsavedKeys.size > 0 || hostChanged || pruneExitedBeforeMs !== null
        ? {
            entries: [...this.unsavedKeys].map((key) => this.entries.get(key)).filter((e): e is VmLedgerEntry => e !== undefined),
            host: this.host,
            pruneExitedBeforeMs,
          }
        : null;
    return {
      views,
      findings,
      leaks,
      kernelLogEvents,
      ledger,
      unattributedReleasedPagesTotal: hostUnattributedTotals(this.host).unpinnedPages,
    };
  }

  /** The store committed these ledger changes: they need not be written again. */
  ledgerPersisted(changes: EbpfLedgerChanges): void {
    for (const entry of changes.entries) {
      if (this.entries.get(entry.processKey) === entry) this.unsavedKeys.delete(entry.processKey);
    }
  }

  private attributeKernelLog(sample: HostSample, vms: readonly AnalyzedVm[]): AttributedKernelLogEvent[] {
    const attributed: AttributedKernelLogEvent[] = [];
    for (const event of sample.kernelLogEvents) {
      const process = attributeKernelLogEvent(event, sample.processes, sample.clockTicksPerSecond);
      const vm = process ? vms.find((v) => v.process === process) : undefined;
      attributed.push({ event, processKey: vm?.analysis.processKey ?? null, vmName: vm?.analysis.vmName ?? null });
      const beforeStart = this.deps.mode === 'daemon' && (event.beforeStart || event.atMs < this.deps.startedAtMs);
      if (vm && !beforeStart) this.memlockFindings.set(vm.analysis.processKey, kernelMemlockFinding(event));
    }
    return attributed;
  }

  private isNewPrint(print: CounterPrint): boolean {
    const last = this.prints.at(-1);
    return !last || last.runAttachedAtMs !== print.runAttachedAtMs || last.printStartedMonotonicMs !== print.printStartedMonotonicMs;
  }

  /**
   * Record this cycle's /proc read of the VM and settle the reads a print has bracketed
   * since (analysis/ebpf-observations.ts). Returns the drift at the last consistent
   * observation, or null when there has been none.
   */
  private observe(vm: AnalyzedVm, entry: VmLedgerEntry, sample: HostSample, print: CounterPrint | null): ChargeDriftObservation | null {
    const key = vm.analysis.processKey;
    const state = this.observations.get(key) ?? { pending: [], drift: null };
    this.observations.set(key, state);
    const read = sample.processesReadMonotonicMs;
    if (read) {
      const started = beginObservation(read, vm.process.lockedBytes, vm.process.pid, this.prints);
      if (started) state.pending.push(started);
    }
    if (!print) return state.drift;

    const stillPending: PendingObservation[] = [];
    let consistent: PendingObservation | null = null;
    for (const pending of state.pending) {
      const outcome = resolveObservation(pending, print, vm.process.pid);
      if (outcome === 'pending') stillPending.push(pending);
      else if (outcome === 'consistent') consistent = pending; // the latest one wins
    }
    state.pending = stillPending.slice(-PRINTS_KEPT);
    if (!consistent) return state.drift;

    // The counters of this print equal those at the read: the ledger's totals are the read's.
    let settled = entry;
    if (!entry.baselineConfirmed) {
      settled = confirmBaseline(entry, consistent.lockedBytes);
      this.entries.set(key, settled);
      this.unsavedKeys.add(key);
    }
    const totals = entryTotals(settled);
    state.drift = {
      lockedGrowthBytes: consistent.lockedBytes - settled.baselineLockedBytes,
      vfioNetChargedBytes: (totals.chargedPages - totals.unchargedPages) * PAGE_SIZE_BYTES,
    };
    return state.drift;
  }

  /** Hourly: forget exited VMs past the retention; the store deletes them in the same cycle. */
  private pruneExited(nowMs: number): number | null {
    if (nowMs - this.lastPruneMs < PRUNE_EVERY_MS) return null;
    this.lastPruneMs = nowMs;
    const beforeMs = nowMs - (this.deps.exitedRetentionMs ?? 86_400_000);
    for (const [key, entry] of this.entries) {
      if (entry.exitedAtMs !== null && entry.exitedAtMs < beforeMs) {
        this.entries.delete(key);
        this.unsavedKeys.delete(key);
      }
    }
    return beforeMs;
  }
}
