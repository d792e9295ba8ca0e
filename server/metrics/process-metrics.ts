/** pinwatch_process_*: what /proc/PID/{status,limits,stat} say about each VFIO user. */
import { isReadComplete } from '../../model/host-sample.js';
import { processStartTimeSeconds } from '../process-start-time.js';
import type { MetricsReadModel } from './metrics-read-model.js';
import { gaugeFamily, type MetricFamily } from './metric-family.js';

export function processFamilies(model: MetricsReadModel): MetricFamily[] {
  const families: MetricFamily[] = [];
  const vms = () => model.latestCycle()?.vms ?? [];

  families.push(gaugeFamily({
    name: 'pinwatch_process_locked_memory_bytes',
    help: 'VmLck of the VFIO user: mm->locked_vm, where VFIO type1 charges pinned DMA pages.',
    labelNames: ['vm'],
    fill: (emit) => {
      for (const vm of vms()) emit({ vm: vm.analysis.vmName }, vm.process.lockedBytes);
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_process_pinned_memory_bytes',
    help: 'VmPin of the VFIO user: mm->pinned_vm, where iommufd charges pinned pages.',
    labelNames: ['vm'],
    fill: (emit) => {
      for (const vm of vms()) emit({ vm: vm.analysis.vmName }, vm.process.pinnedBytes);
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_process_resident_memory_bytes',
    help: 'VmRSS of the VFIO user.',
    labelNames: ['vm'],
    fill: (emit) => {
      for (const vm of vms()) emit({ vm: vm.analysis.vmName }, vm.process.residentBytes);
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_process_memlock_limit_bytes',
    help: 'RLIMIT_MEMLOCK of the VFIO user (limit="soft" or "hard"); +Inf when unlimited.',
    labelNames: ['vm', 'limit'],
    fill: (emit) => {
      for (const vm of vms()) {
        // A limit never read well is unknown: no series rather than +Inf, which says "unlimited".
        if (vm.process.unknownFields?.includes('memlockLimit')) continue;
        // RLIM_INFINITY ("unlimited" in /proc/PID/limits) is null in the sample.
        const { softBytes, hardBytes } = vm.process.memlockLimit;
        emit({ vm: vm.analysis.vmName, limit: 'soft' }, softBytes ?? Infinity);
        emit({ vm: vm.analysis.vmName, limit: 'hard' }, hardBytes ?? Infinity);
      }
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_process_ipc_lock_capable',
    help: '1 when the process has CAP_IPC_LOCK, so RLIMIT_MEMLOCK is not enforced on its charges.',
    labelNames: ['vm'],
    fill: (emit) => {
      for (const vm of vms()) emit({ vm: vm.analysis.vmName }, vm.process.hasCapIpcLock ? 1 : 0);
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_process_start_time_seconds',
    help: 'Start time of the VFIO user since the Unix epoch.',
    labelNames: ['vm'],
    fill: (emit) => {
      const cycle = model.latestCycle();
      if (!cycle) return;
      for (const vm of cycle.vms) {
        const startSeconds = processStartTimeSeconds(cycle.sample, vm.process);
        if (startSeconds !== null) emit({ vm: vm.analysis.vmName }, startSeconds);
      }
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_process_read_complete',
    help: 'Whether every /proc file of the VFIO user read and parsed in the last cycle (0: some values are stale or unknown; the API names the file and why).',
    labelNames: ['vm'],
    fill: (emit) => {
      for (const vm of vms()) emit({ vm: vm.analysis.vmName }, isReadComplete(vm.process) ? 1 : 0);
    },
  }));
  return families;
}
