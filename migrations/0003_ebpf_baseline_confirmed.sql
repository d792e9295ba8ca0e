-- Whether an eBPF ledger baseline was taken from an observation where VmLck and the
-- counters agreed in time (analysis/ebpf-observations.ts). A partial-coverage VM's first
-- baseline is an estimate until then, and so is every baseline after a bpftrace restart.
-- Rows written before this migration keep the baseline they had: confirmed.
ALTER TABLE ebpf_vm_state ADD COLUMN baseline_confirmed INTEGER NOT NULL DEFAULT 1 CHECK (baseline_confirmed IN (0, 1));
