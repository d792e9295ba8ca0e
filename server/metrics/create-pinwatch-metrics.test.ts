import { describe, expect, it } from 'vitest';
import { GiB, fullCycle, testCycle, testEbpfView, testVm } from '../test-support/cycle-builder.js';
import { createPinwatchMetrics } from './create-pinwatch-metrics.js';
import type { EbpfRunnerStats } from './ebpf-runner-stats.js';

const buildInfo = { version: '0.1.0', nodeVersion: 'v20.19.0' };

function exposition(metrics: ReturnType<typeof createPinwatchMetrics>): string[] {
  return metrics.render('prometheus').body.split('\n');
}

/** The sample lines of one family, e.g. samples(lines, 'pinwatch_vfio_users'). */
function samples(lines: string[], name: string): string[] {
  return lines.filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('createPinwatchMetrics before the first cycle', () => {
  it('says nothing about VMs or the host, and counters start at 0', () => {
    const lines = exposition(createPinwatchMetrics({ buildInfo }));
    expect(samples(lines, 'pinwatch_build_info')).toEqual(['pinwatch_build_info{version="0.1.0",node_version="v20.19.0"} 1']);
    expect(samples(lines, 'pinwatch_vfio_users')).toEqual([]);
    expect(samples(lines, 'pinwatch_process_locked_memory_bytes')).toEqual([]);
    expect(samples(lines, 'pinwatch_collection_cycles_total')).toEqual(['pinwatch_collection_cycles_total 0']);
    // 7 collectors x 4 reasons, pre-set so rate() sees the first error.
    expect(samples(lines, 'pinwatch_collector_errors_total')).toHaveLength(28);
    expect(lines).toContain('pinwatch_collector_errors_total{collector="vfio_users",reason="vanished"} 0');
    expect(samples(lines, 'pinwatch_ebpf_runner_exits_total')).toEqual([
      'pinwatch_ebpf_runner_exits_total{outcome="clean"} 0',
      'pinwatch_ebpf_runner_exits_total{outcome="error"} 0',
      'pinwatch_ebpf_runner_exits_total{outcome="signal"} 0',
      'pinwatch_ebpf_runner_exits_total{outcome="timeout"} 0',
    ]);
    expect(samples(lines, 'pinwatch_kernel_log_events_total')).toHaveLength(3);
  });
});

describe('createPinwatchMetrics after a cycle', () => {
  // fullCycle(): web-01 (VmLck 83755008, limit 5 GiB soft and hard, 4 GiB guest,
  // eBPF view with 512 pages failing with ENOMEM) and db-01 (iommufd, VmPin 8 GiB,
  // unlimited, CAP_IPC_LOCK); a leak of 1024 pages by old-01; 3 kernel log records.
  const metrics = createPinwatchMetrics({ buildInfo, nowMs: () => Date.UTC(2024, 4, 1, 12, 0, 1) });
  metrics.observeCycle(fullCycle());
  const lines = exposition(metrics);

  it('exports VmLck, VmPin and the memlock limits per VM, +Inf when unlimited', () => {
    expect(lines).toContain('pinwatch_process_locked_memory_bytes{vm="web-01"} 83755008');
    expect(lines).toContain('pinwatch_process_pinned_memory_bytes{vm="db-01"} 8589934592');
    expect(samples(lines, 'pinwatch_process_memlock_limit_bytes')).toEqual([
      'pinwatch_process_memlock_limit_bytes{vm="web-01",limit="soft"} 5368709120',
      'pinwatch_process_memlock_limit_bytes{vm="web-01",limit="hard"} 5368709120',
      'pinwatch_process_memlock_limit_bytes{vm="db-01",limit="soft"} +Inf',
      'pinwatch_process_memlock_limit_bytes{vm="db-01",limit="hard"} +Inf',
    ]);
    expect(lines).toContain('pinwatch_process_ipc_lock_capable{vm="db-01"} 1');
  });

  it('exports guest memory, expected charge, and headroom/ratio only for a finite limit', () => {
    expect(lines).toContain('pinwatch_vm_guest_memory_bytes{vm="web-01"} 4294967296');
    expect(lines).toContain('pinwatch_vm_expected_locked_memory_bytes{vm="web-01"} 4294967296');
    // 5 GiB - 83755008 = 5284954112; 83755008 / 5 GiB = 0.0156005859375
    expect(samples(lines, 'pinwatch_vm_memlock_headroom_bytes')).toEqual(['pinwatch_vm_memlock_headroom_bytes{vm="web-01"} 5284954112']);
    expect(samples(lines, 'pinwatch_vm_memlock_used_ratio')).toEqual(['pinwatch_vm_memlock_used_ratio{vm="web-01"} 0.0156005859375']);
    expect(lines).toContain('pinwatch_vfio_users 2');
  });

  it('computes the start time from boot time and start ticks', () => {
    // Booted 2024-04-30T12:00:00Z (uptime 86400 s); 100000 ticks / 100 Hz = 1000 s later.
    expect(lines).toContain('pinwatch_process_start_time_seconds{vm="web-01"} 1714479400');
  });

  it('exports the accounting class as a state set and each open finding', () => {
    const classes = samples(lines, 'pinwatch_vm_accounting_class').filter((line) => line.includes('vm="web-01"'));
    expect(classes).toHaveLength(7);
    expect(classes.filter((line) => line.endsWith(' 1'))).toEqual(['pinwatch_vm_accounting_class{vm="web-01",class="under"} 1']);
    expect(samples(lines, 'pinwatch_vm_finding')).toEqual([
      'pinwatch_vm_finding{vm="web-01",kind="charge-failed",severity="critical"} 1',
    ]);
  });

  it('names the VM holding each vfio-pci device by its IOMMU group', () => {
    expect(samples(lines, 'pinwatch_vfio_pci_device_info')).toEqual([
      'pinwatch_vfio_pci_device_info{address="0000:01:00.0",vendor="0x10de",device="0x1eb8",class="0x030200",iommu_group="12",vm="web-01"} 1',
    ]);
    expect(lines).toContain('pinwatch_vfio_dma_entry_limit 65535');
    expect(lines).toContain('pinwatch_iommu_groups 2');
  });

  it('exports the eBPF view per VM, with errno names, and the leak', () => {
    expect(lines).toContain('pinwatch_vm_dma_pinned_pages_total{vm="web-01"} 20480');
    expect(lines).toContain('pinwatch_vm_dma_charged_pages_total{vm="web-01"} 20448');
    expect(lines).toContain('pinwatch_vm_dma_mapped_not_charged_pages{vm="web-01"} 32');
    expect(lines).toContain('pinwatch_vm_dma_charge_failed_pages_total{vm="web-01",errno="ENOMEM"} 512');
    expect(lines).toContain('pinwatch_vm_ebpf_coverage{vm="web-01",coverage="full"} 1');
    expect(lines).toContain('pinwatch_vm_ebpf_coverage{vm="web-01",coverage="partial"} 0');
    // db-01 has no eBPF view: no per-VM eBPF series for it.
    expect(lines.filter((line) => /^pinwatch_vm_(dma_(?!address)|ebpf|locked_memory_drift)/.test(line) && line.includes('db-01'))).toEqual([]);
    expect(lines).toContain('pinwatch_vm_dma_leaked_pages{vm="old-01"} 1024');
    expect(lines).toContain('pinwatch_ebpf_info{state="running",reason=""} 1');
    expect(lines).toContain('pinwatch_ebpf_unattributed_released_pages_total 64');
  });

  it('counts kernel log records and attributes both to web-01: one by its pid 4242, one by its unique soft limit', () => {
    expect(lines).toContain('pinwatch_kernel_log_events_total{kind="memlock_exceeded"} 1');
    expect(lines).toContain('pinwatch_kernel_log_events_total{kind="iommufd_compat"} 1');
    // The pid-less "vfio_pin_pages_remote: RLIMIT_MEMLOCK (N) exceeded" quotes web-01's soft
    // limit, which no other VM without CAP_IPC_LOCK has (attributeKernelLogEvent).
    expect(samples(lines, 'pinwatch_kernel_memlock_exceeded_total')).toEqual([
      'pinwatch_kernel_memlock_exceeded_total{vm="web-01"} 2',
    ]);
  });

  it('counts collector errors, cycles and the time of the last cycle', () => {
    expect(lines).toContain('pinwatch_collector_errors_total{collector="vfio_users",reason="vanished"} 1');
    expect(lines).toContain('pinwatch_collection_cycles_total 1');
    expect(lines).toContain('pinwatch_last_collection_timestamp_seconds 1714564801');
    expect(lines).toContain('pinwatch_collector_success{collector="vfio_users"} 1');
    expect(lines).toContain('pinwatch_processes_scanned 312');
  });
});

describe('createPinwatchMetrics over several cycles', () => {
  it('drops a VM that vanished and keeps counting cumulative counters', () => {
    const metrics = createPinwatchMetrics({ buildInfo });
    metrics.observeCycle(fullCycle());
    metrics.observeCycle(testCycle({ vms: [testVm({ process: { lockedBytes: 2 * GiB } })] }));
    const lines = exposition(metrics);
    expect(samples(lines, 'pinwatch_process_locked_memory_bytes')).toEqual([
      'pinwatch_process_locked_memory_bytes{vm="web-01"} 2147483648',
    ]);
    expect(samples(lines, 'pinwatch_vm_dma_leaked_pages')).toEqual([]);
    expect(lines).toContain('pinwatch_collection_cycles_total 2');
    // The error and kernel log records of the first cycle stay counted.
    expect(lines).toContain('pinwatch_collector_errors_total{collector="vfio_users",reason="vanished"} 1');
    expect(lines).toContain('pinwatch_kernel_log_events_total{kind="memlock_exceeded"} 1');
  });

  it('omits the dma entry limit and host memory when unknown, and says eBPF is disabled', () => {
    const metrics = createPinwatchMetrics({ buildInfo });
    metrics.observeCycle(testCycle({ sample: { sysfs: null, meminfo: null } }));
    const lines = exposition(metrics);
    expect(samples(lines, 'pinwatch_vfio_dma_entry_limit')).toEqual([]);
    expect(samples(lines, 'pinwatch_host_memory_total_bytes')).toEqual([]);
    expect(samples(lines, 'pinwatch_ebpf_info')).toEqual([
      'pinwatch_ebpf_info{state="off",reason="the eBPF collector is disabled"} 1',
    ]);
  });

  it('counts store writes and errors', () => {
    const metrics = createPinwatchMetrics({ buildInfo });
    metrics.observeStoreWrite('samples', 200);
    metrics.observeStoreWrite('samples', 3);
    metrics.observeStoreError('record_cycle');
    const lines = exposition(metrics);
    expect(lines).toContain('pinwatch_store_writes_total{table="samples"} 203');
    expect(lines).toContain('pinwatch_store_errors_total{operation="record_cycle"} 1');
  });

  it('reads the runner stats at scrape time', () => {
    let stats: EbpfRunnerStats = {
      state: 'failed',
      reason: 'bpftrace not found on PATH',
      probesAttached: 0,
      starts: 3,
      exits: { clean: 0, error: 2, signal: 1, timeout: 0 },
      lostEvents: 0,
      parseErrors: 4,
    };
    const metrics = createPinwatchMetrics({ buildInfo, ebpfRunnerStats: () => stats });
    let lines = exposition(metrics);
    expect(lines).toContain('pinwatch_ebpf_info{state="failed",reason="bpftrace not found on PATH"} 1');
    expect(lines).toContain('pinwatch_ebpf_runner_starts_total 3');
    expect(lines).toContain('pinwatch_ebpf_runner_exits_total{outcome="error"} 2');
    expect(lines).toContain('pinwatch_ebpf_parse_errors_total 4');
    stats = { ...stats, state: 'running', reason: null, probesAttached: 6, starts: 4 };
    lines = exposition(metrics);
    expect(lines).toContain('pinwatch_ebpf_info{state="running",reason=""} 1');
    expect(lines).toContain('pinwatch_ebpf_probes_attached 6');
    expect(lines).toContain('pinwatch_ebpf_runner_starts_total 4');
  });

  it('escapes label values and keeps an underflowed VmLck recognisably huge', () => {
    const metrics = createPinwatchMetrics({ buildInfo });
    const underflowBytes = 2 ** 64 - 4096 * 10;
    metrics.observeCycle(
      testCycle({
        vms: [testVm({ process: { lockedBytes: underflowBytes }, analysis: { vmName: 'odd "name"\\x' }, ebpf: testEbpfView() })],
      }),
    );
    const lines = exposition(metrics);
    expect(lines).toContain('pinwatch_process_locked_memory_bytes{vm="odd \\"name\\"\\\\x"} 18446744073709510000');
  });
});
