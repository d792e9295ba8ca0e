/** pinwatch_ebpf_*: the bpftrace child's state and self-metrics. */
import type { EbpfState } from '../../model/ebpf-counters.js';
import { EBPF_RUNNER_EXIT_OUTCOMES } from './ebpf-runner-stats.js';
import type { MetricsReadModel } from './metrics-read-model.js';
import { counterFamily, gaugeFamily, type MetricFamily } from './metric-family.js';

interface EbpfStatus {
  state: EbpfState;
  reason: string | null;
  probesAttached: number;
}

/**
 * The runner's own view is the freshest (it changes between cycles); without
 * a runner, the last cycle's snapshot; a cycle without a snapshot means the
 * eBPF collector is disabled. Nothing is said before the first cycle.
 */
export function currentEbpfStatus(model: MetricsReadModel): EbpfStatus | null {
  const runner = model.ebpfRunnerStats();
  if (runner) return { state: runner.state, reason: runner.reason, probesAttached: runner.probesAttached };
  const cycle = model.latestCycle();
  if (!cycle) return null;
  const snapshot = cycle.sample.ebpf;
  if (snapshot) return { state: snapshot.state, reason: snapshot.reason, probesAttached: snapshot.probesAttached };
  return { state: 'off', reason: 'the eBPF collector is disabled', probesAttached: 0 };
}

export function ebpfRunnerFamilies(model: MetricsReadModel): MetricFamily[] {
  const families: MetricFamily[] = [];
  families.push(gaugeFamily({
    name: 'pinwatch_ebpf_info',
    help: 'Always 1; state is running, starting, failed or off, reason says why eBPF is not running.',
    labelNames: ['state', 'reason'],
    fill: (emit) => {
      const status = currentEbpfStatus(model);
      if (status) emit({ state: status.state, reason: status.reason ?? '' }, 1);
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_ebpf_probes_attached',
    help: 'Probes the bpftrace child attached.',
    labelNames: [],
    fill: (emit) => {
      const status = currentEbpfStatus(model);
      if (status) emit({}, status.probesAttached);
    },
  }));
  families.push(counterFamily({
    name: 'pinwatch_ebpf_runner_starts_total',
    help: 'bpftrace children started.',
    labelNames: [],
    fill: (emit) => emit({}, model.ebpfRunnerStats()?.starts ?? 0),
  }));
  families.push(counterFamily({
    name: 'pinwatch_ebpf_runner_exits_total',
    help: 'bpftrace children that exited (outcome: clean, error, signal, timeout).',
    labelNames: ['outcome'],
    fill: (emit) => {
      const exits = model.ebpfRunnerStats()?.exits;
      // Every outcome is always present (0 without a runner) so rate() works from the first scrape.
      for (const outcome of EBPF_RUNNER_EXIT_OUTCOMES) emit({ outcome }, exits?.[outcome] ?? 0);
    },
  }));
  families.push(counterFamily({
    name: 'pinwatch_ebpf_parse_errors_total',
    help: 'Lines of bpftrace output that could not be parsed.',
    labelNames: [],
    fill: (emit) => emit({}, model.ebpfRunnerStats()?.parseErrors ?? 0),
  }));
  families.push(counterFamily({
    name: 'pinwatch_ebpf_unattributed_released_pages_total',
    help: 'Pages released in a context no VM could be attributed to.',
    labelNames: [],
    fill: (emit) => emit({}, model.latestCycle()?.ebpfUnattributedReleasedPagesTotal ?? 0),
  }));
  return families;
}
