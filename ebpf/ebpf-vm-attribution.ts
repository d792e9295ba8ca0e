/**
 * Per cycle: fold the eBPF snapshot into the per-VM ledger (persisted), and judge
 * each VM's mismatches. Implements the daemon's EbpfAttribution contract
 * (daemon/ebpf-attribution.ts). Holds the ledger between cycles; the store keeps it
 * across pinwatch restarts.
 */
import type { AnalyzedVm } from '../analysis/analyze-host.js';
import {
  analyzeVmEbpf,
  attributeKernelLogEvent,
  defaultEbpfMismatchThresholds,
  exitedVmLeak,
  kernelMemlockFinding,
  type EbpfMismatchThresholds,
} from '../analysis/ebpf-mismatches.js';
import type { EbpfAttribution, EbpfAttributionResult } from '../daemon/ebpf-attribution.js';
import type { ExitedVmLeak, VmEbpfView } from '../model/cycle.js';
import type { Finding } from '../model/findings.js';
import type { HostSample } from '../model/host-sample.js';
import type { Logger } from '../model/logger.js';
import type { EbpfStateStore } from '../store/ebpf-state-repository.js';
import { entryTotals, hostUnattributedTotals, updateLedger, type HostLedger, type VmLedgerEntry } from './vm-ledger.js';

export interface EbpfVmAttributionDeps {
  /** null: keep the ledger in memory only (no database configured). */
  store: EbpfStateStore | null;
  logger: Logger;
  thresholds?: EbpfMismatchThresholds;
  /** Exited VMs' ledger entries are kept this long (leak checks, then pruned). Default 24 h. */
  exitedRetentionMs?: number;
  /** Counts a failed ledger write (pinwatch_store_errors_total{operation="ebpf_ledger"}). */
  onStoreError?: (operation: string) => void;
}

export interface EbpfHostTotals {
  /** pinwatch_ebpf_unattributed_released_pages_total */
  unattributedUnpinnedPagesTotal: number;
  unattributedUnchargedPagesTotal: number;
}

export class EbpfVmAttribution implements EbpfAttribution {
  private entries: Map<string, VmLedgerEntry>;
  private host: HostLedger;
  private readonly thresholds: EbpfMismatchThresholds;
  /** Latest kernel "RLIMIT_MEMLOCK exceeded" finding per live VM: open while the VM lives. */
  private readonly memlockFindings = new Map<string, Finding>();
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: EbpfVmAttributionDeps) {
    this.thresholds = deps.thresholds ?? defaultEbpfMismatchThresholds;
    this.entries = deps.store?.loadEntries() ?? new Map();
    this.host = deps.store?.loadHost() ?? { runAttachedAtMs: null, unattributedOffsets: { unpinnedPages: 0, unchargedPages: 0 }, unattributedRun: { unpinnedPages: 0, unchargedPages: 0 } };
  }

  hostTotals(): EbpfHostTotals {
    const totals = hostUnattributedTotals(this.host);
    return { unattributedUnpinnedPagesTotal: totals.unpinnedPages, unattributedUnchargedPagesTotal: totals.unchargedPages };
  }

  attribute(sample: HostSample, vms: readonly AnalyzedVm[]): EbpfAttributionResult {
    const views = new Map<string, VmEbpfView>();
    const findings = new Map<string, Finding[]>();
    const leaks: ExitedVmLeak[] = [];
    const liveKeys = new Set(vms.map((vm) => vm.analysis.processKey));

    for (const event of sample.kernelLogEvents) {
      if (event.kind === 'iommufd_compat') continue;
      const process = attributeKernelLogEvent(event, sample.processes);
      const vm = process ? vms.find((v) => v.process === process) : undefined;
      if (vm) this.memlockFindings.set(vm.analysis.processKey, kernelMemlockFinding(event));
    }
    for (const key of this.memlockFindings.keys()) if (!liveKeys.has(key)) this.memlockFindings.delete(key);
    for (const [key, finding] of this.memlockFindings) findings.set(key, [finding]);

    const snapshot = sample.ebpf;
    if (!snapshot) return { views, findings, leaks, unattributedReleasedPagesTotal: this.hostTotals().unattributedUnpinnedPagesTotal };

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
    this.host = update.host;
    this.persist(update.changed, sample.takenAtMs);

    for (const vm of vms) {
      const entry = this.entries.get(vm.analysis.processKey);
      if (!entry) continue;
      const { view, findings: vmFindings } = analyzeVmEbpf(
        vm.process,
        {
          coverage: snapshot.state === 'running' ? entry.coverage : 'partial',
          baselineLockedBytes: entry.baselineLockedBytes,
          baselineAtMs: entry.baselineAtMs,
          totals: entryTotals(entry),
        },
        this.thresholds,
      );
      views.set(vm.analysis.processKey, view);
      if (vmFindings.length) findings.set(vm.analysis.processKey, [...(findings.get(vm.analysis.processKey) ?? []), ...vmFindings]);
    }

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
    return { views, findings, leaks, unattributedReleasedPagesTotal: this.hostTotals().unattributedUnpinnedPagesTotal };
  }

  private persist(changed: Set<string>, nowMs: number): void {
    const { store } = this.deps;
    if (!store) return;
    try {
      const entries = [...changed].map((key) => this.entries.get(key)).filter((e): e is VmLedgerEntry => e !== undefined);
      store.save(entries, this.host, nowMs);
      // Exited entries only need to go within the hour, not a DELETE every cycle.
      if (nowMs - this.lastPruneMs < 3_600_000) return;
      this.lastPruneMs = nowMs;
      const retention = this.deps.exitedRetentionMs ?? 86_400_000;
      const pruned = store.pruneExited(nowMs - retention);
      if (pruned > 0) {
        for (const [key, entry] of this.entries) if (entry.exitedAtMs !== null && entry.exitedAtMs < nowMs - retention) this.entries.delete(key);
      }
    } catch (error) {
      // The ledger stays in memory: only a pinwatch restart before the next good write loses offsets.
      this.deps.onStoreError?.('ebpf_ledger');
      this.deps.logger.error({ err: error }, 'store: saving the eBPF ledger failed');
    }
  }
}
