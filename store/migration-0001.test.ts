import { describe, expect, it } from 'vitest';
import { schemaVersion } from './migrate.js';
import { columnsOf, databaseAtVersion, indexNamesOf, migrateDatabaseTo } from './migration-test-support.js';

/** 0001_initial: from an empty file (version 0) to vms, samples, findings, events. */
describe('migration 0001_initial', () => {
  it('creates the four STRICT tables with their columns and indexes', () => {
    const db = databaseAtVersion(0);
    expect(schemaVersion(db)).toBe(0);
    migrateDatabaseTo(db, 1);
    expect(schemaVersion(db)).toBe(1);

    const tables = db.prepare("SELECT name, strict, wr FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
    expect(tables).toEqual([
      { name: 'events', strict: 1, wr: 0 },
      { name: 'findings', strict: 1, wr: 0 },
      { name: 'samples', strict: 1, wr: 1 }, // WITHOUT ROWID, clustered on (vm_id, taken_at_ms)
      { name: 'vms', strict: 1, wr: 0 },
    ]);
    expect(columnsOf(db, 'vms').map((c) => `${c.name} ${c.type}${c.notnull ? ' NOT NULL' : ''}`)).toEqual([
      'id INTEGER',
      'process_key TEXT NOT NULL',
      'boot_id TEXT NOT NULL',
      'pid INTEGER NOT NULL',
      'start_time_ticks INTEGER NOT NULL',
      'vm_name TEXT NOT NULL',
      'comm TEXT NOT NULL',
      'uuid TEXT',
      'guest_memory_bytes REAL',
      'first_seen_ms INTEGER NOT NULL',
      'last_seen_ms INTEGER NOT NULL',
      'exited_at_ms INTEGER',
    ]);
    expect(columnsOf(db, 'samples').map((c) => `${c.name}${c.pk ? ` pk${c.pk}` : ''}`)).toEqual([
      'vm_id pk1',
      'taken_at_ms pk2',
      'locked_bytes',
      'pinned_bytes',
      'resident_bytes',
      'memlock_soft_bytes',
      'memlock_hard_bytes',
      'expected_locked_bytes',
      'accounting_class',
      'keep_alive',
    ]);
    expect(columnsOf(db, 'findings').map((c) => c.name)).toEqual([
      'id',
      'vm_id',
      'kind',
      'severity',
      'explanation',
      'opened_at_ms',
      'last_seen_ms',
      'closed_at_ms',
    ]);
    expect(columnsOf(db, 'events').map((c) => c.name)).toEqual(['id', 'at_ms', 'vm_id', 'vm_name', 'kind', 'severity', 'message', 'data_json', 'dedupe_key']);
    expect(indexNamesOf(db, 'vms')).toEqual(['sqlite_autoindex_vms_1', 'vms_exited', 'vms_live']);
    expect(indexNamesOf(db, 'findings')).toEqual(['findings_by_vm', 'findings_closed', 'findings_open_identity']);
    expect(indexNamesOf(db, 'events')).toEqual(['events_by_time', 'events_by_vm', 'events_dedupe']);
  });

  it('stores an underflowed VmLck (~2^74 bytes) and an unlimited memlock as written', () => {
    const db = databaseAtVersion(1);
    db.prepare(
      "INSERT INTO vms VALUES (1, 'b:4242:100', 'b', 4242, 100, 'web-01', 'qemu-system-x86', NULL, 4294967296, 1000, 1000, NULL)",
    ).run();
    const underflowedLockedBytes = 2 ** 74; // locked_vm wrapped below zero, x 4096 (docs/kernel.md)
    db.prepare('INSERT INTO samples VALUES (1, 1000, ?, 0, 4294967296, NULL, NULL, 4294967296, ?, 0)').run(underflowedLockedBytes, 'underflow');
    expect(db.prepare('SELECT locked_bytes, memlock_soft_bytes, accounting_class FROM samples').get()).toEqual({
      locked_bytes: underflowedLockedBytes,
      memlock_soft_bytes: null,
      accounting_class: 'underflow',
    });
  });

  it('STRICT refuses a wrong type, and the constraints hold', () => {
    const db = databaseAtVersion(1);
    expect(() =>
      db.prepare("INSERT INTO vms VALUES (1, 'k', 'b', 'not-a-pid', 1, 'n', 'c', NULL, NULL, 1, 1, NULL)").run(),
    ).toThrow(/cannot store TEXT value in INTEGER column vms\.pid/);
    db.prepare("INSERT INTO vms VALUES (1, 'k', 'b', 1, 1, 'n', 'c', NULL, NULL, 1, 1, NULL)").run();
    expect(() => db.prepare("INSERT INTO vms VALUES (2, 'k', 'b', 2, 1, 'n', 'c', NULL, NULL, 1, 1, NULL)").run()).toThrow(/UNIQUE.*process_key/);
    expect(() => db.prepare("INSERT INTO samples VALUES (99, 1, 0, 0, 0, NULL, NULL, NULL, 'ok', 0)").run()).toThrow(/FOREIGN KEY/);
    const insertFinding = db.prepare("INSERT INTO findings (vm_id, kind, severity, explanation, opened_at_ms, last_seen_ms) VALUES (1, 'locked-underflow', ?, 'x', 1, 1)");
    expect(() => insertFinding.run('fatal')).toThrow(/CHECK/);
    insertFinding.run('critical');
    // At most one open finding per (vm, kind): the identity the recorder relies on.
    expect(() => insertFinding.run('critical')).toThrow(/UNIQUE.*findings\.vm_id, findings\.kind/);
  });

  it('deleting a VM deletes its samples and findings and detaches its events (vm_name kept)', () => {
    const db = databaseAtVersion(1);
    db.prepare("INSERT INTO vms VALUES (1, 'k', 'b', 1, 1, 'web-01', 'c', NULL, NULL, 1, 1, 5)").run();
    db.prepare("INSERT INTO samples VALUES (1, 1, 0, 0, 0, NULL, NULL, NULL, 'ok', 0)").run();
    db.prepare("INSERT INTO findings (vm_id, kind, severity, explanation, opened_at_ms, last_seen_ms, closed_at_ms) VALUES (1, 'locked-underflow', 'critical', 'x', 1, 1, 2)").run();
    db.prepare("INSERT INTO events (at_ms, vm_id, vm_name, kind, severity, message) VALUES (5, 1, 'web-01', 'vm-exited', 'info', 'web-01 exited')").run();
    db.prepare('DELETE FROM vms WHERE id = 1').run();
    expect(db.prepare('SELECT (SELECT COUNT(*) FROM samples) AS samples, (SELECT COUNT(*) FROM findings) AS findings').get()).toEqual({ samples: 0, findings: 0 });
    expect(db.prepare('SELECT vm_id, vm_name FROM events').all()).toEqual([{ vm_id: null, vm_name: 'web-01' }]);
  });
});
