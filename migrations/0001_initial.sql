-- 0001: VMs, their samples, findings and events.
-- Forward only: once released this file is never edited; changes go in 0002+.
--
-- STRICT tables so a wrong type is an error, not a silently stored string.
-- Byte counts are REAL, not INTEGER: the daemon hands them over as JS numbers
-- (doubles), and an underflowed VmLck (locked_vm wrapped below zero, docs/kernel.md)
-- is near 2^74 bytes, which an INTEGER (int64) column refuses.
-- SQLite writes integral REAL values to disk as integers, so this costs no space.

CREATE TABLE vms (
  id INTEGER PRIMARY KEY,
  -- `${boot_id}:${pid}:${start_time_ticks}`: pids are reused, (pid, start time) per boot is not.
  process_key TEXT NOT NULL UNIQUE,
  boot_id TEXT NOT NULL,
  pid INTEGER NOT NULL,
  start_time_ticks INTEGER NOT NULL,
  vm_name TEXT NOT NULL,
  comm TEXT NOT NULL,
  uuid TEXT,
  guest_memory_bytes REAL,
  first_seen_ms INTEGER NOT NULL,
  -- Refreshed at most once per keep-alive interval (write budget), so precise to that.
  last_seen_ms INTEGER NOT NULL,
  -- When pinwatch first saw the process gone; NULL while it runs.
  exited_at_ms INTEGER
) STRICT;

-- Live VMs (listVms, exit detection at start-up); small because exited VMs are left out.
CREATE INDEX vms_live ON vms (vm_name) WHERE exited_at_ms IS NULL;
-- Exited VMs by exit time (listVms with exited ones, prune).
CREATE INDEX vms_exited ON vms (exited_at_ms) WHERE exited_at_ms IS NOT NULL;

-- One row per change of what an operator tracks (VmLck, VmPin, limits, expected,
-- accounting class) or per keep-alive interval. WITHOUT ROWID clustered on
-- (vm_id, taken_at_ms): the history of one VM is one contiguous range, and no
-- separate index is needed for vmHistory, the per-VM prune or the FK cascade.
CREATE TABLE samples (
  vm_id INTEGER NOT NULL REFERENCES vms (id) ON DELETE CASCADE,
  taken_at_ms INTEGER NOT NULL,
  locked_bytes REAL NOT NULL,
  pinned_bytes REAL NOT NULL,
  resident_bytes REAL NOT NULL,
  -- NULL = unlimited (RLIM_INFINITY).
  memlock_soft_bytes REAL,
  memlock_hard_bytes REAL,
  -- NULL when guest RAM is unknown.
  expected_locked_bytes REAL,
  accounting_class TEXT NOT NULL,
  -- 1 when written only because the keep-alive interval passed.
  keep_alive INTEGER NOT NULL CHECK (keep_alive IN (0, 1)),
  PRIMARY KEY (vm_id, taken_at_ms)
) STRICT, WITHOUT ROWID;

-- A finding's identity is (vm, kind): at most one open row per pair.
CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  vm_id INTEGER NOT NULL REFERENCES vms (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  explanation TEXT NOT NULL,
  opened_at_ms INTEGER NOT NULL,
  -- Refreshed at most once per keep-alive interval.
  last_seen_ms INTEGER NOT NULL,
  closed_at_ms INTEGER
) STRICT;

-- Open findings by VM (openFindings, start-up load) and the FK cascade.
CREATE INDEX findings_by_vm ON findings (vm_id, closed_at_ms);
CREATE UNIQUE INDEX findings_open_identity ON findings (vm_id, kind) WHERE closed_at_ms IS NULL;
-- Closed findings by close time (prune).
CREATE INDEX findings_closed ON findings (closed_at_ms) WHERE closed_at_ms IS NOT NULL;

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  -- NULL for host events; set to NULL when the VM row is pruned (vm_name stays).
  vm_id INTEGER REFERENCES vms (id) ON DELETE SET NULL,
  vm_name TEXT,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  message TEXT NOT NULL,
  -- JSON object; NULL when the event carries no data.
  data_json TEXT,
  -- Identity of an event read from an external log (kernel log: `kmsg:${boot_id}:${sequence}`),
  -- so re-reading the log after a restart does not insert it twice.
  dedupe_key TEXT
) STRICT;

CREATE INDEX events_by_time ON events (at_ms);
CREATE INDEX events_by_vm ON events (vm_id, at_ms);
CREATE UNIQUE INDEX events_dedupe ON events (dedupe_key) WHERE dedupe_key IS NOT NULL;
