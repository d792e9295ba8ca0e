-- eBPF bookkeeping that must survive a pinwatch restart (ebpf/vm-ledger.ts,
-- store/ebpf-state-repository.ts): per-VM baselines, coverage and counter offsets,
-- so that neither a bpftrace restart nor a pinwatch restart double counts or resets
-- the pinwatch_vm_dma_*_total counters.
-- Keyed by process_key (`bootId:pid:starttime`, as vms.process_key) and not by vms.id:
-- the eBPF ledger is written before the cycle's VM rows, and must outlive a VM row
-- pruned early. Counters are JSON (EbpfCounterTotals: page counts and errno pairs).

CREATE TABLE ebpf_vm_state (
  process_key TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  vm_name TEXT NOT NULL,
  baseline_locked_bytes REAL NOT NULL,
  baseline_at_ms INTEGER NOT NULL,
  coverage TEXT NOT NULL CHECK (coverage IN ('full', 'partial')),
  offsets_json TEXT NOT NULL,
  run_attached_at_ms INTEGER NOT NULL,
  run_counters_json TEXT NOT NULL,
  run_start_counters_json TEXT NOT NULL,
  exited_at_ms INTEGER,
  updated_at_ms INTEGER NOT NULL
) STRICT;

-- Pruning exited VMs scans by exit time.
CREATE INDEX ebpf_vm_state_exited_at ON ebpf_vm_state (exited_at_ms) WHERE exited_at_ms IS NOT NULL;

-- Host-wide eBPF counters: releases that could not be attributed to a VM. One row.
CREATE TABLE ebpf_host_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  run_attached_at_ms INTEGER,
  unattributed_offset_unpinned_pages INTEGER NOT NULL,
  unattributed_offset_uncharged_pages INTEGER NOT NULL,
  unattributed_run_unpinned_pages INTEGER NOT NULL,
  unattributed_run_uncharged_pages INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
) STRICT;
