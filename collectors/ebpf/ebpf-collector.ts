/**
 * The `ebpf` collector: puts the latest eBPF counters (HostSample.ebpf) into each
 * cycle. It never spawns anything per scrape: the counters come from one long-lived
 * source (a supervised bpftrace child, or a replay file) started on first use.
 * With eBPF off, the snapshot says so and why (pinwatch_ebpf_info), and every other
 * collector keeps working.
 */
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { BpftraceSupervisor, type SupervisorTiming } from '../../ebpf/bpftrace-supervisor.js';
import type { EbpfCounterSource, EbpfRunnerStats } from '../../ebpf/ebpf-source.js';
import { DisabledEbpfSource, ReplayEbpfSource } from '../../ebpf/replay-source.js';
import { prepareBpftraceRun, type CommandResult } from '../../ebpf/run-preparation.js';
import type { Logger } from '../../model/logger.js';
import type { CollectContext, Collector, HostSampleDraft } from '../collector.js';
import type { HostPaths } from '../host-paths.js';

export const EBPF_COLLECTOR_NAME = 'ebpf';

/** `--ebpf.source`: 'bpftrace' (live), 'replay:FILE' (recorded bpftrace -f json), 'off'. */
export type EbpfSourceSetting = 'bpftrace' | 'off' | `replay:${string}`;

export interface EbpfCollectorDeps {
  source: EbpfSourceSetting;
  paths: HostPaths;
  logger: Logger;
  nowMs(): number;
  /** CLOCK_MONOTONIC ms (Clock.monotonicMs): when a replay's counters count as printed. */
  monotonicMs?(): number;
  /** How often bpftrace prints its maps; the sampling interval is a good choice. */
  intervalSeconds: number;
  /** Opt-in per-page probes (is_invalid_reserved_pfn): costly. Default false. */
  perPageProbes?: boolean;
  /** PATH searched for bpftrace; default process.env.PATH. */
  searchPath?: string;
  /** Injected for tests; default node:child_process spawn. */
  spawn?(command: string, args: string[]): ChildProcess;
  timing?: Partial<SupervisorTiming>;
}

export function runCommandWithDeadline(command: string, args: string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawnChild(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => resolve({ exitCode: null, stdout, stderr: `${stderr}${error.message}` }));
    child.on('close', (code) => resolve({ exitCode: code, stdout, stderr }));
  });
}

export function createEbpfSource(deps: EbpfCollectorDeps): EbpfCounterSource {
  if (deps.source === 'off') return new DisabledEbpfSource('eBPF disabled by configuration (--ebpf.source=off)');
  if (deps.source.startsWith('replay:')) {
    return new ReplayEbpfSource(deps.source.slice('replay:'.length), {
      logger: deps.logger,
      nowMs: deps.nowMs,
      ...(deps.monotonicMs ? { monotonicMs: deps.monotonicMs } : {}),
    });
  }
  return new BpftraceSupervisor({
    prepare: () =>
      prepareBpftraceRun({
        paths: deps.paths,
        searchPath: deps.searchPath ?? process.env.PATH ?? '',
        runCommand: runCommandWithDeadline,
        intervalSeconds: deps.intervalSeconds,
        perPageProbes: deps.perPageProbes ?? false,
      }),
    spawn: deps.spawn ?? ((command, args) => spawnChild(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })),
    logger: deps.logger,
    nowMs: deps.nowMs,
    timing: deps.timing,
  });
}

export class EbpfCollector implements Collector {
  readonly name = EBPF_COLLECTOR_NAME;
  private started = false;

  constructor(private readonly source: EbpfCounterSource) {}

  /** Start the source now (the daemon calls it at start-up so bpftrace attaches before the first cycle). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.source.start();
  }

  collect(_ctx: CollectContext, draft: HostSampleDraft): void {
    this.start();
    draft.ebpf = this.source.snapshot();
  }

  /** Runner self-metrics for /metrics (pinwatch_ebpf_*). */
  runnerStats(): EbpfRunnerStats {
    return this.source.stats();
  }

  async close(): Promise<void> {
    await this.source.stop();
  }
}

export function createEbpfCollector(deps: EbpfCollectorDeps): EbpfCollector {
  return new EbpfCollector(createEbpfSource(deps));
}
