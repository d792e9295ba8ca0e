/**
 * Persists the eBPF ledger (analysis/ebpf-ledger.ts) in the tables of
 * migrations/0002_ebpf_state.sql and 0003: loaded once at start-up, the changed entries
 * written with each cycle, inside the cycle's transaction (store/cycle-recorder.ts).
 */
import type { Database } from 'better-sqlite3';
import { emptyHostLedger, type HostLedger, type VmLedgerEntry } from '../analysis/ebpf-ledger.js';
import type { EbpfLedgerChanges } from '../model/cycle.js';
import { deserializeTotals, serializeTotals } from '../model/ebpf-counter-totals.js';
import type { EbpfCoverage } from '../model/cycle.js';

interface VmStateRow {
  process_key: string;
  pid: number;
  vm_name: string;
  baseline_locked_bytes: number;
  baseline_at_ms: number;
  baseline_confirmed: number;
  coverage: EbpfCoverage;
  offsets_json: string;
  run_attached_at_ms: number;
  run_counters_json: string;
  run_start_counters_json: string;
  exited_at_ms: number | null;
  updated_at_ms: number;
}

interface HostStateRow {
  run_attached_at_ms: number | null;
  unattributed_offset_unpinned_pages: number;
  unattributed_offset_uncharged_pages: number;
  unattributed_run_unpinned_pages: number;
  unattributed_run_uncharged_pages: number;
}

export class EbpfStateRepository {
  constructor(private readonly db: Database) {}

  loadEntries(): Map<string, VmLedgerEntry> {
    const rows = this.db.prepare('SELECT * FROM ebpf_vm_state').all() as VmStateRow[];
    const entries = new Map<string, VmLedgerEntry>();
    for (const row of rows) {
      entries.set(row.process_key, {
        processKey: row.process_key,
        pid: row.pid,
        vmName: row.vm_name,
        baselineLockedBytes: row.baseline_locked_bytes,
        baselineAtMs: row.baseline_at_ms,
        baselineConfirmed: row.baseline_confirmed === 1,
        coverage: row.coverage,
        offsets: deserializeTotals(row.offsets_json),
        runAttachedAtMs: row.run_attached_at_ms,
        runCounters: deserializeTotals(row.run_counters_json),
        runStartCounters: deserializeTotals(row.run_start_counters_json),
        exitedAtMs: row.exited_at_ms,
        updatedAtMs: row.updated_at_ms,
      });
    }
    return entries;
  }

  loadHost(): HostLedger {
    const row = this.db.prepare('SELECT * FROM ebpf_host_state WHERE id = 1').get() as HostStateRow | undefined;
    if (!row) return emptyHostLedger();
    return {
      runAttachedAtMs: row.run_attached_at_ms,
      unattributedOffsets: {
        unpinnedPages: row.unattributed_offset_unpinned_pages,
        unchargedPages: row.unattributed_offset_uncharged_pages,
      },
      unattributedRun: {
        unpinnedPages: row.unattributed_run_unpinned_pages,
        unchargedPages: row.unattributed_run_uncharged_pages,
      },
    };
  }

  /** The ledger as a restarted pinwatch resumes it. */
  load(): { entries: Map<string, VmLedgerEntry>; host: HostLedger } {
    return { entries: this.loadEntries(), host: this.loadHost() };
  }

  /** Write one cycle's ledger changes; the caller holds the transaction (the cycle's). */
  writeChanges(changes: EbpfLedgerChanges, nowMs: number): void {
    this.save(changes.entries, changes.host, nowMs);
    if (changes.pruneExitedBeforeMs !== null) this.pruneExited(changes.pruneExitedBeforeMs);
  }

  save(entries: Iterable<VmLedgerEntry>, host: HostLedger, nowMs: number): void {
    const upsertVm = this.db.prepare(`
      INSERT INTO ebpf_vm_state (process_key, pid, vm_name, baseline_locked_bytes, baseline_at_ms, baseline_confirmed, coverage, offsets_json,
        run_attached_at_ms, run_counters_json, run_start_counters_json, exited_at_ms, updated_at_ms)
      VALUES (@process_key, @pid, @vm_name, @baseline_locked_bytes, @baseline_at_ms, @baseline_confirmed, @coverage, @offsets_json,
        @run_attached_at_ms, @run_counters_json, @run_start_counters_json, @exited_at_ms, @updated_at_ms)
      ON CONFLICT (process_key) DO UPDATE SET
        pid = excluded.pid, vm_name = excluded.vm_name, baseline_locked_bytes = excluded.baseline_locked_bytes,
        baseline_at_ms = excluded.baseline_at_ms, baseline_confirmed = excluded.baseline_confirmed,
        coverage = excluded.coverage, offsets_json = excluded.offsets_json,
        run_attached_at_ms = excluded.run_attached_at_ms, run_counters_json = excluded.run_counters_json,
        run_start_counters_json = excluded.run_start_counters_json, exited_at_ms = excluded.exited_at_ms,
        updated_at_ms = excluded.updated_at_ms`);
    const upsertHost = this.db.prepare(`
      INSERT INTO ebpf_host_state (id, run_attached_at_ms, unattributed_offset_unpinned_pages, unattributed_offset_uncharged_pages,
        unattributed_run_unpinned_pages, unattributed_run_uncharged_pages, updated_at_ms)
      VALUES (1, @run, @offU, @offC, @runU, @runC, @now)
      ON CONFLICT (id) DO UPDATE SET run_attached_at_ms = excluded.run_attached_at_ms,
        unattributed_offset_unpinned_pages = excluded.unattributed_offset_unpinned_pages,
        unattributed_offset_uncharged_pages = excluded.unattributed_offset_uncharged_pages,
        unattributed_run_unpinned_pages = excluded.unattributed_run_unpinned_pages,
        unattributed_run_uncharged_pages = excluded.unattributed_run_uncharged_pages,
        updated_at_ms = excluded.updated_at_ms`);
    this.db.transaction(() => {
      for (const entry of entries) {
        upsertVm.run({
          process_key: entry.processKey,
          pid: entry.pid,
          vm_name: entry.vmName,
          baseline_locked_bytes: entry.baselineLockedBytes,
          baseline_at_ms: Math.round(entry.baselineAtMs),
          baseline_confirmed: entry.baselineConfirmed ? 1 : 0,
          coverage: entry.coverage,
          offsets_json: serializeTotals(entry.offsets),
          run_attached_at_ms: Math.round(entry.runAttachedAtMs),
          run_counters_json: serializeTotals(entry.runCounters),
          run_start_counters_json: serializeTotals(entry.runStartCounters),
          exited_at_ms: entry.exitedAtMs === null ? null : Math.round(entry.exitedAtMs),
          updated_at_ms: Math.round(entry.updatedAtMs),
        });
      }
      upsertHost.run({
        run: host.runAttachedAtMs === null ? null : Math.round(host.runAttachedAtMs),
        offU: host.unattributedOffsets.unpinnedPages,
        offC: host.unattributedOffsets.unchargedPages,
        runU: host.unattributedRun.unpinnedPages,
        runC: host.unattributedRun.unchargedPages,
        now: Math.round(nowMs),
      });
    })();
  }

  pruneExited(beforeMs: number): number {
    return this.db.prepare('DELETE FROM ebpf_vm_state WHERE exited_at_ms IS NOT NULL AND exited_at_ms < ?').run(Math.round(beforeMs)).changes;
  }
}
