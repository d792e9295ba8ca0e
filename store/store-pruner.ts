import type { Database, Statement } from 'better-sqlite3';

export interface PruneOptions {
  /** Rows deleted per statement: keeps each write transaction (and the WAL) short. */
  batchRows: number;
}

/** Rows deleted by one prune, per table. */
export interface PruneCounts {
  samples: number;
  findings: number;
  events: number;
  vms: number;
}

/** The pruner's statements; exported for the query-plan test, which must test the very SQL used here. */
export const PRUNE_SQL = {
  vmIds: 'SELECT id FROM vms',
  latestSampleAt: 'SELECT MAX(taken_at_ms) AS latest FROM samples WHERE vm_id = ?',
  // Rows of one VM strictly before @beforeMs, oldest first, one batch.
  deleteSamplesOfVm: `DELETE FROM samples WHERE vm_id = @vmId AND taken_at_ms IN (
      SELECT taken_at_ms FROM samples WHERE vm_id = @vmId AND taken_at_ms < @beforeMs ORDER BY taken_at_ms LIMIT @batchRows)`,
  deleteClosedFindings: `DELETE FROM findings WHERE id IN (
      SELECT id FROM findings WHERE closed_at_ms < @cutoffMs ORDER BY closed_at_ms LIMIT @batchRows)`,
  deleteEvents: `DELETE FROM events WHERE id IN (
      SELECT id FROM events WHERE at_ms < @cutoffMs ORDER BY at_ms LIMIT @batchRows)`,
  exitedVmIds: 'SELECT id FROM vms WHERE exited_at_ms < @cutoffMs ORDER BY exited_at_ms LIMIT @batchRows',
  deleteAllSamplesOfVm: 'DELETE FROM samples WHERE vm_id = ?',
  deleteAllFindingsOfVm: 'DELETE FROM findings WHERE vm_id = ?',
  deleteVm: 'DELETE FROM vms WHERE id = ?',
} as const;

/**
 * Deletes rows older than the retention, batch by batch, each batch its own
 * transaction: the sampling loop's next write never waits behind one huge
 * delete, and a failure part-way keeps what was already pruned.
 * Every VM keeps its latest sample, however old: it is the value in effect
 * now for a live VM whose tracked values have not changed (and, with a
 * keep-alive longer than the retention, the only one).
 * Exited VMs are deleted with their samples and findings once their exit is
 * older than the cutoff; their events within the retention keep vm_name
 * (vm_id is set to NULL by the foreign key).
 */
export class StorePruner {
  private readonly sql: Record<keyof typeof PRUNE_SQL, Statement>;

  constructor(
    private readonly db: Database,
    private readonly options: PruneOptions,
  ) {
    if (!(options.batchRows >= 1)) throw new RangeError(`batchRows must be at least 1, got ${options.batchRows}`);
    this.sql = Object.fromEntries(Object.entries(PRUNE_SQL).map(([name, text]) => [name, db.prepare(text)])) as Record<
      keyof typeof PRUNE_SQL,
      Statement
    >;
  }

  /** Throws the SQLite error of the failing batch; batches already committed stay pruned. */
  prune(nowMs: number, retentionMs: number): PruneCounts {
    const cutoffMs = nowMs - retentionMs;
    const batchRows = this.options.batchRows;
    const counts: PruneCounts = { samples: 0, findings: 0, events: 0, vms: 0 };

    this.pruneExitedVms(cutoffMs, counts);

    for (const { id } of this.sql.vmIds.all() as { id: number }[]) {
      const { latest } = this.sql.latestSampleAt.get(id) as { latest: number | null };
      if (latest === null) continue;
      const beforeMs = Math.min(cutoffMs, latest);
      counts.samples += repeatUntilShort(batchRows, () => this.sql.deleteSamplesOfVm.run({ vmId: id, beforeMs, batchRows }).changes);
    }
    counts.findings += repeatUntilShort(batchRows, () => this.sql.deleteClosedFindings.run({ cutoffMs, batchRows }).changes);
    counts.events += repeatUntilShort(batchRows, () => this.sql.deleteEvents.run({ cutoffMs, batchRows }).changes);
    return counts;
  }

  private pruneExitedVms(cutoffMs: number, counts: PruneCounts): void {
    const deleteBatch = this.db.transaction((ids: number[]) => {
      for (const id of ids) {
        // Deleted explicitly (not left to ON DELETE CASCADE) so the rows are counted.
        counts.samples += this.sql.deleteAllSamplesOfVm.run(id).changes;
        counts.findings += this.sql.deleteAllFindingsOfVm.run(id).changes;
        counts.vms += this.sql.deleteVm.run(id).changes;
      }
    });
    for (;;) {
      const ids = (this.sql.exitedVmIds.all({ cutoffMs, batchRows: this.options.batchRows }) as { id: number }[]).map((row) => row.id);
      if (ids.length === 0) return;
      deleteBatch.immediate(ids);
      if (ids.length < this.options.batchRows) return;
    }
  }
}

export function totalPruned(counts: PruneCounts): number {
  return counts.samples + counts.findings + counts.events + counts.vms;
}

/** Runs a batch until one deletes fewer rows than a full batch; returns the rows deleted. */
function repeatUntilShort(batchRows: number, deleteBatch: () => number): number {
  let total = 0;
  for (;;) {
    const deleted = deleteBatch();
    total += deleted;
    if (deleted < batchRows) return total;
  }
}
