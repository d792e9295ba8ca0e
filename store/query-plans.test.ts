import type { Database } from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RECORDER_SQL } from './cycle-recorder.js';
import { databaseAtVersion } from './migration-test-support.js';
import { PRUNE_SQL } from './store-pruner.js';
import { READER_SQL } from './store-reader.js';

/** Binds every @name and ? of a statement with a plausible value, and returns the plan's lines. */
function queryPlan(db: Database, sql: string): string[] {
  const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((match) => match[1] ?? ''))];
  const positional = (sql.match(/\?/g) ?? []).length;
  const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (named.length > 0 ? statement.all(Object.fromEntries(named.map((name) => [name, name === 'kind' ? null : 1]))) : statement.all(...Array(positional).fill(1))) as {
    detail: string;
  }[];
  return rows.map((row) => row.detail);
}

/**
 * Every table access of the statement is a SEARCH through an index or key
 * (never a SCAN of a table), and no ORDER BY needs a temporary sort.
 */
function expectIndexedPlan(plan: string[], table: string, index: string): void {
  expect(plan.some((line) => line.startsWith(`SEARCH ${table} USING`) && line.includes(index)), plan.join(' | ')).toBe(true);
  expect(plan.filter((line) => /^SCAN /.test(line)), plan.join(' | ')).toEqual([]);
  expect(plan.filter((line) => line.includes('TEMP B-TREE')), plan.join(' | ')).toEqual([]);
}

// The hot queries: [name, SQL as the store runs it, table, index that must answer it].
const HOT_QUERIES: [string, string, string, string][] = [
  ['vmHistory by vm and time range', READER_SQL.vmHistory, 'samples', 'PRIMARY KEY (vm_id=? AND taken_at_ms>? AND taken_at_ms<?)'],
  ['events by time', READER_SQL.eventsByTime, 'events', 'INDEX events_by_time'],
  ['events of one VM by time', READER_SQL.eventsByVm, 'events', 'INDEX events_by_vm'],
  ['open findings of a VM', READER_SQL.openFindings, 'findings', 'INDEX findings_by_vm (vm_id=? AND closed_at_ms=?)'],
  ['exited VMs, newest first', READER_SQL.exitedVms, 'vms', 'INDEX vms_exited'],
  ['VM by id', READER_SQL.vmById, 'vms', 'INTEGER PRIMARY KEY'],
  ['recorder: VM by process key (first sight)', RECORDER_SQL.selectVmByKey, 'vms', 'sqlite_autoindex_vms_1'],
  ['recorder: latest sample of a VM', RECORDER_SQL.selectLatestSample, 'samples', 'PRIMARY KEY (vm_id=?)'],
  ['recorder: open findings of a VM', RECORDER_SQL.selectOpenFindings, 'findings', 'findings_by_vm'],
  ['recorder: close the findings of an exited VM', RECORDER_SQL.closeFindingsOfVm, 'findings', 'findings_by_vm'],
  ['prune: samples of a VM before a time', PRUNE_SQL.deleteSamplesOfVm, 'samples', 'PRIMARY KEY (vm_id=? AND taken_at_ms<?)'],
  ['prune: latest sample time of a VM', PRUNE_SQL.latestSampleAt, 'samples', 'PRIMARY KEY (vm_id=?)'],
  ['prune: closed findings', PRUNE_SQL.deleteClosedFindings, 'findings', 'INDEX findings_closed (closed_at_ms<?)'],
  ['prune: events', PRUNE_SQL.deleteEvents, 'events', 'INDEX events_by_time (at_ms<?)'],
  ['prune: exited VMs', PRUNE_SQL.exitedVmIds, 'vms', 'INDEX vms_exited (exited_at_ms<?)'],
  ['prune: all samples of a VM', PRUNE_SQL.deleteAllSamplesOfVm, 'samples', 'PRIMARY KEY (vm_id=?)'],
  ['prune: all findings of a VM', PRUNE_SQL.deleteAllFindingsOfVm, 'findings', 'findings_by_vm (vm_id=?)'],
  // The foreign keys make this touch samples, findings and events of the VM: all by index.
  ['prune: delete a VM (FK cascade)', PRUNE_SQL.deleteVm, 'events', 'INDEX events_by_vm (vm_id=?)'],
];

describe('query plans of the hot queries (schema 0001)', () => {
  const db = databaseAtVersion(1);

  it.each(HOT_QUERIES)('%s uses an index', (_name, sql, table, index) => {
    expectIndexedPlan(queryPlan(db, sql), table, index);
  });

  it('the live VM list is read through the small partial index, not the table', () => {
    expect(queryPlan(db, READER_SQL.liveVms)).toEqual(['SCAN vms USING INDEX vms_live']);
  });

  it('the check fails when an index is missing (events_by_time dropped)', () => {
    const withoutIndex = databaseAtVersion(1);
    withoutIndex.exec('DROP INDEX events_by_time');
    const plan = queryPlan(withoutIndex, READER_SQL.eventsByTime);
    expect(() => expectIndexedPlan(plan, 'events', 'INDEX events_by_time')).toThrow();
    expect(plan[0]).toMatch(/^SCAN events/);
  });
});
