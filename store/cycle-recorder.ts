/**
 * Writes what changed in one cycle: VMs, samples, findings, events and the eBPF ledger.
 * The per-VM state of the last write is kept in memory so a steady cycle (nothing an
 * operator tracks moved, keep-alive not due) reads nothing and writes nothing.
 *
 * One cycle is one transaction, and each VM and each event is a savepoint inside it: a
 * row SQLite refuses (a value out of range that got past the collectors) is rolled back
 * alone, counted and reported, and never costs the other VMs their history.
 */
import type { Database, Statement, Transaction } from 'better-sqlite3';
import { formatBytes } from '../analysis/format-bytes.js';
import type { AttributedKernelLogEvent, CycleResult, ExitedVmLeak, VmView } from '../model/cycle.js';
import type { Finding, FindingKind, Severity } from '../model/findings.js';
import type { CycleWriteStats, EventKind, EventRecord, RowRejection } from '../model/store.js';
import { EbpfStateRepository } from './ebpf-state-repository.js';
import { eventDataToJson, type FindingRow, type SampleRow, type VmRow } from './store-rows.js';
import {
  sameMemlockLimit,
  sameTrackedValues,
  trackedSampleValues,
  type OpenFindingState,
  type TrackedSampleValues,
  type VmWriteState,
} from './vm-write-state.js';

export interface CycleRecorderOptions {
  /** A sample, a VM's last_seen and a finding's last_seen are rewritten at least this often even when nothing changed. */
  keepAliveMs: number;
}

/** A VM the database holds as running (exited_at_ms NULL). */
interface LiveVm {
  id: number;
  processKey: string;
  bootId: string;
  pid: number;
  vmName: string;
}

/** An event before insertion: no id yet; a dedupe key makes a re-insert a no-op. */
type NewEvent = Omit<EventRecord, 'id'> & { dedupeKey?: string };

/** What a committed cycle changes in the in-memory state; applied only after COMMIT. */
interface StagedCycle {
  stats: CycleWriteStats;
  states: Map<string, VmWriteState>;
  nowLive: LiveVm[];
  exitedKeys: string[];
  liveInDb: Map<string, LiveVm>;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** The vfio_users collector's scan is what proves a VM is gone (see exit detection below). */
const PROCESS_SCAN_COLLECTOR = 'vfio_users';

export class CycleRecorder {
  private readonly states = new Map<string, VmWriteState>();
  /** Loaded on the first cycle, then kept in step; null until then. */
  private liveInDb: Map<string, LiveVm> | null = null;
  private readonly sql: ReturnType<typeof prepareRecorderStatements>;
  private readonly stageInTransaction: Transaction<(result: CycleResult) => StagedCycle>;
  /** Runs its argument in a SAVEPOINT (better-sqlite3 nests a transaction as one). */
  private readonly inSavepoint: Transaction<(write: () => void) => void>;
  private readonly ebpfState: EbpfStateRepository;

  constructor(
    db: Database,
    private readonly options: CycleRecorderOptions,
  ) {
    if (!(options.keepAliveMs > 0)) throw new RangeError(`keepAliveMs must be positive, got ${options.keepAliveMs}`);
    this.sql = prepareRecorderStatements(db);
    this.ebpfState = new EbpfStateRepository(db);
    this.stageInTransaction = db.transaction((result: CycleResult) => this.stage(result));
    this.inSavepoint = db.transaction((write: () => void) => write());
  }

  /**
   * Records one cycle in ONE immediate transaction. Throws the SQLite error
   * (SQLITE_FULL, SQLITE_BUSY, ...) after the rollback; the in-memory state is
   * only updated after COMMIT, so a failed cycle leaves it as it was and the
   * next cycle rewrites whatever the failed one did not.
   */
  record(result: CycleResult): CycleWriteStats {
    const staged = this.stageInTransaction.immediate(result);
    for (const [key, state] of staged.states) this.states.set(key, state);
    for (const key of staged.exitedKeys) {
      this.states.delete(key);
      staged.liveInDb.delete(key);
    }
    for (const vm of staged.nowLive) staged.liveInDb.set(vm.processKey, vm);
    this.liveInDb = staged.liveInDb;
    return staged.stats;
  }

  /** Runs inside the transaction; returns the in-memory changes without applying them. */
  private stage(result: CycleResult): StagedCycle {
    const nowMs = result.sample.takenAtMs;
    const bootId = result.sample.bootId;
    const liveInDb = this.liveInDb ?? this.loadLiveVms();
    const staged: StagedCycle = {
      stats: { vmsInserted: 0, samplesWritten: 0, eventsWritten: 0, vmsExited: 0, rowsRejected: 0, rejections: [] },
      states: new Map(),
      nowLive: [],
      exitedKeys: [],
      liveInDb,
    };
    const seenKeys = new Set<string>();
    const vmByKey = new Map<string, VmWriteState>();

    for (const view of result.vms) {
      const key = view.analysis.processKey;
      if (seenKeys.has(key)) continue; // one row per process, even if a cycle lists it twice
      seenKeys.add(key);
      this.isolated(staged, { row: 'vm', key }, (rowStaged) => {
        vmByKey.set(key, this.recordVm(view, bootId, nowMs, liveInDb, rowStaged));
      });
    }

    if (result.sample.runs.some((run) => run.collector === PROCESS_SCAN_COLLECTOR && run.success)) {
      this.recordExits(liveInDb, seenKeys, bootId, nowMs, staged);
    }

    for (const logEvent of result.kernelLogEvents) {
      this.isolated(staged, { row: 'event', key: 'kernel-log' }, (rowStaged) => this.recordKernelLogEvent(logEvent, bootId, vmByKey, rowStaged));
    }
    for (const leak of result.leaks) {
      this.isolated(staged, { row: 'event', key: 'pins-leaked' }, (rowStaged) => this.recordLeak(leak, rowStaged));
    }
    if (result.ebpfLedger) {
      const ledger = result.ebpfLedger;
      this.isolated(staged, { row: 'ebpf_ledger', key: 'ebpf_vm_state' }, () => this.ebpfState.writeChanges(ledger, nowMs));
    }
    return staged;
  }

  /**
   * Write one row (a VM with its sample and findings, or one event) in a savepoint. On
   * failure the savepoint and the row's in-memory changes are dropped and the rejection
   * is counted; the cycle goes on. Errors that are not about the row (the disk is full,
   * the database is locked) fail the whole cycle as before.
   */
  private isolated(staged: StagedCycle, what: Omit<RowRejection, 'message'>, write: (rowStaged: StagedCycle) => void): void {
    const rowStaged: StagedCycle = {
      stats: { vmsInserted: 0, samplesWritten: 0, eventsWritten: 0, vmsExited: 0, rowsRejected: 0, rejections: [] },
      states: new Map(),
      nowLive: [],
      exitedKeys: [],
      liveInDb: staged.liveInDb,
    };
    try {
      this.inSavepoint(() => write(rowStaged));
    } catch (error) {
      if (!isRowError(error)) throw error;
      staged.stats.rowsRejected += 1;
      staged.stats.rejections.push({ ...what, message: (error as Error).message });
      return;
    }
    staged.stats.vmsInserted += rowStaged.stats.vmsInserted;
    staged.stats.samplesWritten += rowStaged.stats.samplesWritten;
    staged.stats.eventsWritten += rowStaged.stats.eventsWritten;
    for (const [key, state] of rowStaged.states) staged.states.set(key, state);
    staged.nowLive.push(...rowStaged.nowLive);
  }

  private recordVm(view: VmView, bootId: string, nowMs: number, liveInDb: Map<string, LiveVm>, staged: StagedCycle): VmWriteState {
    const key = view.analysis.processKey;
    const identity = {
      vmName: view.analysis.vmName,
      comm: view.process.comm,
      uuid: view.process.qemu?.uuid ?? null,
      guestMemoryBytes: view.analysis.guestMemoryBytes,
    };
    let state = this.states.get(key) ?? this.loadState(key);
    const loaded = state !== undefined && !this.states.has(key);

    if (state === undefined) {
      const id = Number(
        this.sql.insertVm.run({
          processKey: key,
          bootId,
          pid: view.process.pid,
          startTimeTicks: view.process.startTimeTicks,
          ...identity,
          nowMs,
        }).lastInsertRowid,
      );
      state = { id, processKey: key, bootId, pid: view.process.pid, ...identity, lastSeenWrittenMs: nowMs, lastSample: null, lastSampleAtMs: null, openFindings: new Map() };
      staged.stats.vmsInserted += 1;
      staged.nowLive.push(liveVm(state));
      this.addEvent(staged, {
        atMs: nowMs,
        vmId: id,
        vmName: identity.vmName,
        kind: 'vm-appeared',
        severity: 'info',
        message: `${identity.vmName} appeared: pid ${view.process.pid} (${identity.comm})`,
        data: { processKey: key, pid: view.process.pid, comm: identity.comm, uuid: identity.uuid, guestMemoryBytes: identity.guestMemoryBytes },
      });
    } else {
      const reappeared = !liveInDb.has(key);
      const identityChanged =
        state.vmName !== identity.vmName ||
        state.comm !== identity.comm ||
        state.uuid !== identity.uuid ||
        state.guestMemoryBytes !== identity.guestMemoryBytes;
      if (reappeared || identityChanged || nowMs - state.lastSeenWrittenMs >= this.options.keepAliveMs) {
        this.sql.updateVmSeen.run({ id: state.id, ...identity, nowMs });
        state = { ...state, ...identity, lastSeenWrittenMs: nowMs };
      }
      if (reappeared) {
        // Marked exited by an earlier scan that missed it (it vanished mid-read, or a
        // scan reported success without it): it runs, so it is live again.
        staged.nowLive.push(liveVm(state));
        this.addEvent(staged, {
          atMs: nowMs,
          vmId: state.id,
          vmName: state.vmName,
          kind: 'vm-appeared',
          severity: 'info',
          message: `${state.vmName} is running again: pid ${state.pid} (${state.comm}) had been marked exited`,
          data: { processKey: key, pid: state.pid, comm: state.comm, reappeared: true },
        });
      }
    }

    const afterSample = this.recordSample(view, state, nowMs, staged);
    const afterFindings = this.recordFindings(view.analysis.findings, afterSample, nowMs, staged);
    if (afterFindings !== this.states.get(key) || loaded) staged.states.set(key, afterFindings);
    return afterFindings;
  }

  /** A row when a tracked value changed (not RSS alone) or the keep-alive interval passed. */
  private recordSample(view: VmView, state: VmWriteState, nowMs: number, staged: StagedCycle): VmWriteState {
    const tracked = trackedSampleValues(view);
    const previous = state.lastSample;
    const changed = previous === null || !sameTrackedValues(previous, tracked);
    const keepAliveDue = state.lastSampleAtMs === null || nowMs - state.lastSampleAtMs >= this.options.keepAliveMs;
    if (!changed && !keepAliveDue) return state;

    this.sql.upsertSample.run({
      vmId: state.id,
      nowMs,
      ...tracked,
      residentBytes: view.process.residentBytes,
      keepAlive: changed ? 0 : 1,
    });
    staged.stats.samplesWritten += 1;
    if (previous !== null && !sameMemlockLimit(previous, tracked)) this.addLimitChangeEvent(state, previous, tracked, nowMs, staged);
    return { ...state, lastSample: tracked, lastSampleAtMs: nowMs };
  }

  private addLimitChangeEvent(state: VmWriteState, previous: TrackedSampleValues, next: TrackedSampleValues, nowMs: number, staged: StagedCycle): void {
    const describe = (bytes: number | null): string => (bytes === null ? 'unlimited' : formatBytes(bytes));
    this.addEvent(staged, {
      atMs: nowMs,
      vmId: state.id,
      vmName: state.vmName,
      kind: 'memlock-limit-changed',
      severity: 'info',
      message:
        `${state.vmName}: RLIMIT_MEMLOCK changed, soft ${describe(previous.memlockSoftBytes)} -> ${describe(next.memlockSoftBytes)}, ` +
        `hard ${describe(previous.memlockHardBytes)} -> ${describe(next.memlockHardBytes)}`,
      data: {
        oldSoftBytes: previous.memlockSoftBytes,
        newSoftBytes: next.memlockSoftBytes,
        oldHardBytes: previous.memlockHardBytes,
        newHardBytes: next.memlockHardBytes,
        lockedBytes: next.lockedBytes,
      },
    });
  }

  /**
   * Identity of a finding is (vm, kind). New -> opened; continuing -> last_seen
   * refreshed once per keep-alive interval (or at once when its severity moves);
   * absent -> closed.
   */
  private recordFindings(findings: readonly Finding[], state: VmWriteState, nowMs: number, staged: StagedCycle): VmWriteState {
    const current = mostSevereByKind(findings);
    if (current.size === 0 && state.openFindings.size === 0) return state;
    const open = new Map(state.openFindings);
    let changed = false;

    for (const [kind, finding] of current) {
      const existing = open.get(kind);
      if (existing === undefined) {
        const id = Number(
          this.sql.insertFinding.run({ vmId: state.id, kind, severity: finding.severity, explanation: finding.explanation, nowMs }).lastInsertRowid,
        );
        open.set(kind, { id, severity: finding.severity, lastSeenWrittenMs: nowMs });
        changed = true;
        this.addEvent(staged, {
          atMs: nowMs,
          vmId: state.id,
          vmName: state.vmName,
          kind: 'finding-opened',
          severity: finding.severity,
          message: `${state.vmName}: ${finding.explanation}`,
          data: { findingKind: kind },
        });
      } else if (existing.severity !== finding.severity || nowMs - existing.lastSeenWrittenMs >= this.options.keepAliveMs) {
        // The explanation carries the current numbers: refreshed with last_seen.
        this.sql.refreshFinding.run({ id: existing.id, severity: finding.severity, explanation: finding.explanation, nowMs });
        open.set(kind, { ...existing, severity: finding.severity, lastSeenWrittenMs: nowMs });
        changed = true;
        if (existing.severity !== finding.severity) {
          this.addEvent(staged, {
            atMs: nowMs,
            vmId: state.id,
            vmName: state.vmName,
            kind: 'finding-opened',
            severity: finding.severity,
            message: `${state.vmName}: ${kind} is now ${finding.severity} (was ${existing.severity}): ${finding.explanation}`,
            data: { findingKind: kind, previousSeverity: existing.severity },
          });
        }
      }
    }

    for (const [kind, existing] of state.openFindings) {
      if (current.has(kind)) continue;
      this.sql.closeFinding.run({ id: existing.id, nowMs });
      open.delete(kind);
      changed = true;
      this.addEvent(staged, {
        atMs: nowMs,
        vmId: state.id,
        vmName: state.vmName,
        kind: 'finding-closed',
        severity: 'info',
        message: `${state.vmName}: ${kind} no longer holds`,
        data: { findingKind: kind, previousSeverity: existing.severity },
      });
    }
    return changed ? { ...state, openFindings: open } : state;
  }

  /**
   * A VM the database holds as running but this cycle did not list has exited.
   * Only called when the process scan succeeded: a failed scan lists nothing,
   * and must not mark every VM exited. A VM of another boot id is gone whatever
   * the scan says (the host rebooted; its pid may now be someone else's).
   * Its open findings are closed with it (no event each: vm-exited says it).
   */
  private recordExits(liveInDb: Map<string, LiveVm>, seenKeys: Set<string>, bootId: string, nowMs: number, staged: StagedCycle): void {
    for (const vm of liveInDb.values()) {
      if (seenKeys.has(vm.processKey)) continue;
      const rebooted = vm.bootId !== bootId;
      this.sql.markVmExited.run({ id: vm.id, nowMs });
      this.sql.closeFindingsOfVm.run({ vmId: vm.id, nowMs });
      staged.exitedKeys.push(vm.processKey);
      staged.stats.vmsExited += 1;
      this.addEvent(staged, {
        atMs: nowMs,
        vmId: vm.id,
        vmName: vm.vmName,
        kind: 'vm-exited',
        severity: 'info',
        message: rebooted ? `${vm.vmName} is gone: the host rebooted (pid ${vm.pid} was of boot ${vm.bootId})` : `${vm.vmName} exited (pid ${vm.pid})`,
        data: { processKey: vm.processKey, pid: vm.pid, reason: rebooted ? 'host-rebooted' : 'process-gone' },
      });
    }
  }

  /**
   * Kernel log records become 'kernel-log' events, deduplicated by (boot id, kmsg
   * sequence): /dev/kmsg is re-read from the start after a restart. The VM is the one the
   * attribution step chose (daemon/cycle-attribution.ts), if any.
   */
  private recordKernelLogEvent(attributed: AttributedKernelLogEvent, bootId: string, vmByKey: Map<string, VmWriteState>, staged: StagedCycle): void {
    const logEvent = attributed.event;
    const vm = attributed.processKey === null ? undefined : vmByKey.get(attributed.processKey);
    const memlockExceeded = logEvent.kind === 'memlock_exceeded' || logEvent.kind === 'external_memlock_exceeded';
    this.addEvent(staged, {
      atMs: logEvent.atMs,
      vmId: vm?.id ?? null,
      vmName: vm?.vmName ?? null,
      kind: 'kernel-log',
      severity: memlockExceeded ? 'warning' : 'info',
      message: logEvent.message,
      data: {
        logKind: logEvent.kind,
        bootId,
        sequence: logEvent.sequence,
        monotonicUs: logEvent.monotonicUs,
        limitBytes: logEvent.limitBytes,
        comm: logEvent.comm,
        pid: logEvent.pid,
        beforeStart: logEvent.beforeStart,
      },
      dedupeKey: `kmsg:${bootId}:${logEvent.sequence}`,
    });
  }

  /**
   * A VM that exited with pages still pinned and charged (DOMAIN.md 3.7): one
   * critical 'pins-leaked' event per process, however many cycles report it.
   */
  private recordLeak(leak: ExitedVmLeak, staged: StagedCycle): void {
    const row = this.sql.selectVmByKey.get(leak.processKey) as VmRow | undefined;
    this.addEvent(staged, {
      atMs: leak.exitedAtMs,
      vmId: row?.id ?? null,
      vmName: leak.vmName,
      kind: 'pins-leaked',
      severity: 'critical',
      message: `${leak.vmName} exited with ${leak.leakedPages} pages (${leak.leakedPages * 4} KiB) still pinned and charged`,
      data: { processKey: leak.processKey, leakedPages: leak.leakedPages },
      dedupeKey: `leak:${leak.processKey}`,
    });
  }

  private addEvent(staged: StagedCycle, event: NewEvent): void {
    const info = this.sql.insertEvent.run({
      atMs: Math.round(event.atMs), // whole ms: at_ms is INTEGER (a kernel log time may carry µs)
      vmId: event.vmId,
      vmName: event.vmName,
      kind: event.kind,
      severity: event.severity,
      message: event.message,
      dataJson: eventDataToJson(event.data),
      dedupeKey: event.dedupeKey ?? null,
    });
    staged.stats.eventsWritten += info.changes;
  }

  private loadLiveVms(): Map<string, LiveVm> {
    const live = new Map<string, LiveVm>();
    for (const row of this.sql.selectLiveVms.all() as Pick<VmRow, 'id' | 'process_key' | 'boot_id' | 'pid' | 'vm_name'>[]) {
      live.set(row.process_key, { id: row.id, processKey: row.process_key, bootId: row.boot_id, pid: row.pid, vmName: row.vm_name });
    }
    return live;
  }

  /** First sight of a process since start-up: what the database last recorded for it, if anything. */
  private loadState(processKey: string): VmWriteState | undefined {
    const row = this.sql.selectVmByKey.get(processKey) as VmRow | undefined;
    if (row === undefined) return undefined;
    const sample = this.sql.selectLatestSample.get(row.id) as SampleRow | undefined;
    const openFindings = new Map<FindingKind, OpenFindingState>();
    for (const finding of this.sql.selectOpenFindings.all(row.id) as FindingRow[]) {
      openFindings.set(finding.kind as FindingKind, { id: finding.id, severity: finding.severity as Severity, lastSeenWrittenMs: finding.last_seen_ms });
    }
    return {
      id: row.id,
      processKey: row.process_key,
      bootId: row.boot_id,
      pid: row.pid,
      vmName: row.vm_name,
      comm: row.comm,
      uuid: row.uuid,
      guestMemoryBytes: row.guest_memory_bytes,
      lastSeenWrittenMs: row.last_seen_ms,
      lastSample: sample === undefined ? null : trackedFromRow(sample),
      lastSampleAtMs: sample?.taken_at_ms ?? null,
      openFindings,
    };
  }
}

/**
 * SQLite's refusals of one row's values (STRICT type checks, CHECK and NOT NULL
 * constraints, an integer out of range) as opposed to the database's own failures.
 * better-sqlite3 throws a TypeError or RangeError for a value it cannot bind (a
 * BigInt out of range, a Symbol).
 */
function isRowError(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  // RAISE() in a trigger is a deliberate abort of the write, not a bad value: the cycle fails.
  if (code === 'SQLITE_CONSTRAINT_TRIGGER') return false;
  return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG';
}

function liveVm(state: VmWriteState): LiveVm {
  return { id: state.id, processKey: state.processKey, bootId: state.bootId, pid: state.pid, vmName: state.vmName };
}

function trackedFromRow(row: SampleRow): TrackedSampleValues {
  return {
    lockedBytes: row.locked_bytes,
    pinnedBytes: row.pinned_bytes,
    memlockSoftBytes: row.memlock_soft_bytes,
    memlockHardBytes: row.memlock_hard_bytes,
    expectedLockedBytes: row.expected_locked_bytes,
    accountingClass: row.accounting_class as TrackedSampleValues['accountingClass'],
  };
}

/** The analysis may report a kind twice; the identity is (vm, kind), so the most severe one stands. */
function mostSevereByKind(findings: readonly Finding[]): Map<FindingKind, Finding> {
  const byKind = new Map<FindingKind, Finding>();
  for (const finding of findings) {
    const kept = byKind.get(finding.kind);
    if (kept === undefined || SEVERITY_RANK[finding.severity] > SEVERITY_RANK[kept.severity]) byKind.set(finding.kind, finding);
  }
  return byKind;
}

/** The recorder's statements; exported for the query-plan test, which must test the very SQL used here. */
export const RECORDER_SQL = {
  selectLiveVms: 'SELECT id, process_key, boot_id, pid, vm_name FROM vms WHERE exited_at_ms IS NULL',
  selectVmByKey: 'SELECT * FROM vms WHERE process_key = ?',
  selectLatestSample: 'SELECT * FROM samples WHERE vm_id = ? ORDER BY taken_at_ms DESC LIMIT 1',
  selectOpenFindings: 'SELECT * FROM findings WHERE vm_id = ? AND closed_at_ms IS NULL',
  insertVm: `INSERT INTO vms (process_key, boot_id, pid, start_time_ticks, vm_name, comm, uuid, guest_memory_bytes, first_seen_ms, last_seen_ms)
     VALUES (@processKey, @bootId, @pid, @startTimeTicks, @vmName, @comm, @uuid, @guestMemoryBytes, @nowMs, @nowMs)`,
  updateVmSeen: `UPDATE vms SET vm_name = @vmName, comm = @comm, uuid = @uuid, guest_memory_bytes = @guestMemoryBytes,
       last_seen_ms = @nowMs, exited_at_ms = NULL
     WHERE id = @id`,
  markVmExited: 'UPDATE vms SET exited_at_ms = @nowMs WHERE id = @id',
  // Two cycles stamped with the same millisecond: the later one's values win.
  upsertSample: `INSERT INTO samples (vm_id, taken_at_ms, locked_bytes, pinned_bytes, resident_bytes, memlock_soft_bytes,
       memlock_hard_bytes, expected_locked_bytes, accounting_class, keep_alive)
     VALUES (@vmId, @nowMs, @lockedBytes, @pinnedBytes, @residentBytes, @memlockSoftBytes,
       @memlockHardBytes, @expectedLockedBytes, @accountingClass, @keepAlive)
     ON CONFLICT (vm_id, taken_at_ms) DO UPDATE SET
       locked_bytes = excluded.locked_bytes, pinned_bytes = excluded.pinned_bytes,
       resident_bytes = excluded.resident_bytes, memlock_soft_bytes = excluded.memlock_soft_bytes,
       memlock_hard_bytes = excluded.memlock_hard_bytes, expected_locked_bytes = excluded.expected_locked_bytes,
       accounting_class = excluded.accounting_class, keep_alive = excluded.keep_alive`,
  insertFinding: `INSERT INTO findings (vm_id, kind, severity, explanation, opened_at_ms, last_seen_ms)
     VALUES (@vmId, @kind, @severity, @explanation, @nowMs, @nowMs)`,
  refreshFinding: 'UPDATE findings SET severity = @severity, explanation = @explanation, last_seen_ms = @nowMs WHERE id = @id',
  closeFinding: 'UPDATE findings SET closed_at_ms = @nowMs WHERE id = @id',
  closeFindingsOfVm: 'UPDATE findings SET closed_at_ms = @nowMs WHERE vm_id = @vmId AND closed_at_ms IS NULL',
  insertEvent: `INSERT INTO events (at_ms, vm_id, vm_name, kind, severity, message, data_json, dedupe_key)
     VALUES (@atMs, @vmId, @vmName, @kind, @severity, @message, @dataJson, @dedupeKey)
     ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`,
} as const;

function prepareRecorderStatements(db: Database): Record<keyof typeof RECORDER_SQL, Statement> {
  return Object.fromEntries(Object.entries(RECORDER_SQL).map(([name, text]) => [name, db.prepare(text)])) as Record<
    keyof typeof RECORDER_SQL,
    Statement
  >;
}
