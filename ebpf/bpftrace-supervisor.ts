/**
 * Keeps ONE long-lived bpftrace child running the plan's script: started once, never
 * per scrape; restarted with exponential backoff when it crashes, hangs (no attach, or
 * silence after attach) or exits; stopped with SIGTERM then SIGKILL after a deadline
 * (bpftrace 0.17 sometimes misses SIGINT, docs/kernel.md). Exits by outcome,
 * starts and parse errors are counted; stderr goes to the log.
 *
 * A program bpftrace cannot compile (found by run-preparation's `--emit-elf` check) or
 * cannot load (bpftrace exits with an `ERROR:` line before it ever attached) is a
 * permanent failure: the same program on the same kernel fails the same way, so it is
 * reported with bpftrace's own error line and NOT restarted (restarting pinwatch after a
 * config or kernel change plans again). Only a run that attached and then died, hung or
 * went silent is restarted with backoff.
 */
import type { ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import type { EbpfSnapshot, EbpfState } from '../model/ebpf-counters.js';
import type { Logger } from '../model/logger.js';
import { BpftraceStreamDecoder } from './bpftrace-stream.js';
import { zeroExits, type BpftraceExitOutcome, type EbpfCounterSource, type EbpfRunnerStats } from './ebpf-source.js';
import { isBpftraceError, type RunPreparation } from './run-preparation.js';

export interface SupervisorTiming {
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** SIGTERM -> SIGKILL deadline. */
  stopTimeoutMs: number;
  /** Start -> attached_probes deadline (bpftrace takes 5-17 s to attach under TCG). */
  attachTimeoutMs: number;
  /** Silence after attach that counts as a hang (a few print intervals). */
  staleAfterMs: number;
  /** A run that lasted this long resets the backoff. */
  stableAfterMs: number;
  /** Re-check after a retryable "off" (module not loaded yet). */
  replanAfterMs: number;
}

export const defaultSupervisorTiming: SupervisorTiming = {
  initialBackoffMs: 1_000,
  maxBackoffMs: 300_000,
  stopTimeoutMs: 5_000,
  attachTimeoutMs: 120_000,
  staleAfterMs: 60_000,
  stableAfterMs: 120_000,
  replanAfterMs: 60_000,
};

export interface BpftraceSupervisorDeps {
  prepare(): Promise<RunPreparation>;
  spawn(command: string, args: string[]): ChildProcess;
  logger: Logger;
  nowMs(): number;
  timing?: Partial<SupervisorTiming>;
}

interface Run {
  child: ChildProcess;
  decoder: BpftraceStreamDecoder;
  startedMs: number;
  attachedAtMs: number | null;
  killReason: 'stop' | 'timeout' | null;
  stderrTail: string[];
  /** bpftrace's first `ERROR:` line (the cause; later lines quote the source). */
  firstError: string | null;
  watchdog: NodeJS.Timeout | null;
  exited: Promise<void>;
}

export class BpftraceSupervisor implements EbpfCounterSource {
  private readonly timing: SupervisorTiming;
  private state: EbpfState = 'starting';
  private reason: string | null = null;
  private current: Run | null = null;
  /** The last run that attached: its counters stay visible until a newer run attaches. */
  private lastAttached: Run | null = null;
  private stopping = false;
  private started = false;
  private backoffMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private starts = 0;
  private readonly exits = zeroExits();
  private parseErrorsOfEndedRuns = 0;
  private lostEventsOfEndedRuns = 0;
  private stateListeners: ((state: EbpfState, reason: string | null) => void)[] = [];

  constructor(private readonly deps: BpftraceSupervisorDeps) {
    this.timing = { ...defaultSupervisorTiming, ...deps.timing };
    this.backoffMs = this.timing.initialBackoffMs;
  }

  /** Called on every state change (tests wait on it; the collector logs it as an event). */
  onStateChange(listener: (state: EbpfState, reason: string | null) => void): void {
    this.stateListeners.push(listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    void this.launch();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const run = this.current;
    if (run) {
      this.kill(run, 'stop');
      await run.exited;
    }
    this.setState('off', 'stopped');
  }

  snapshot(): EbpfSnapshot {
    const run = this.lastAttached;
    const contents = run?.decoder.latest();
    return {
      state: this.state,
      reason: this.reason,
      attachedAtMs: run?.attachedAtMs ?? null,
      probesAttached: this.state === 'running' ? (this.current?.decoder.attachedProbes ?? 0) : 0,
      perTgid: contents?.perTgid ?? new Map(),
      unattributedUnpinnedPages: contents?.unattributedUnpinnedPages ?? 0,
      unattributedUnchargedPages: contents?.unattributedUnchargedPages ?? 0,
      printStartedMonotonicMs: contents?.printStartedMonotonicMs ?? null,
      receivedMonotonicMs: contents?.receivedMonotonicMs ?? null,
    };
  }

  stats(): EbpfRunnerStats {
    const live = this.current?.decoder;
    return {
      state: this.state,
      reason: this.reason,
      starts: this.starts,
      exits: { ...this.exits },
      parseErrors: this.parseErrorsOfEndedRuns + (live?.parseErrors ?? 0),
      probesAttached: this.state === 'running' ? (live?.attachedProbes ?? 0) : 0,
      lostEvents: this.lostEventsOfEndedRuns + (live?.lostEvents ?? 0),
    };
  }

  private setState(state: EbpfState, reason: string | null): void {
    const changed = state !== this.state || reason !== this.reason;
    this.state = state;
    this.reason = reason;
    if (changed) for (const listener of this.stateListeners) listener(state, reason);
  }

  private async launch(): Promise<void> {
    if (this.stopping) return;
    let preparation: RunPreparation;
    try {
      preparation = await this.deps.prepare();
    } catch (error) {
      preparation = { ok: false, reason: `probe planning failed: ${(error as Error).message}`, retryable: true, plan: null, checks: [] };
    }
    if (this.stopping) return;
    if (!preparation.ok) {
      if (preparation.failure === 'compile') {
        // The program itself is wrong for this host: failed, not merely off, and final.
        this.setState('failed', preparation.reason);
      } else if (preparation.retryable) {
        this.setState('off', `${preparation.reason} (checking again in ${Math.round(this.timing.replanAfterMs / 1000)} s)`);
        this.retryTimer = setTimeout(() => void this.launch(), this.timing.replanAfterMs);
      } else {
        this.setState('off', preparation.reason);
      }
      return;
    }
    this.spawnRun(preparation.command, preparation.args);
  }

  private spawnRun(command: string, args: string[]): void {
    this.setState('starting', null);
    this.starts += 1;
    let child: ChildProcess;
    try {
      child = this.deps.spawn(command, args);
    } catch (error) {
      this.exits.error += 1;
      this.scheduleRestart(`could not start ${command}: ${(error as Error).message}`);
      return;
    }
    let resolveExited: () => void = () => {};
    const exited = new Promise<void>((resolve) => (resolveExited = resolve));
    const run: Run = {
      child,
      decoder: new BpftraceStreamDecoder(
        (issue) => this.deps.logger.warn({ line: issue.line }, `bpftrace output: ${issue.message}`),
        (probes) => {
          run.attachedAtMs = this.deps.nowMs();
          this.lastAttached = run;
          this.setState('running', null);
          this.deps.logger.info({ probes, pid: child.pid }, 'bpftrace attached its probes');
          this.armWatchdog(run, this.timing.staleAfterMs, 'bpftrace printed nothing');
        },
      ),
      startedMs: this.deps.nowMs(),
      attachedAtMs: null,
      killReason: null,
      stderrTail: [],
      firstError: null,
      watchdog: null,
      exited,
    };
    this.current = run;
    this.armWatchdog(run, this.timing.attachTimeoutMs, 'bpftrace did not attach its probes');
    if (child.stdout) {
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        run.decoder.pushLine(line);
        if (run.attachedAtMs !== null) this.armWatchdog(run, this.timing.staleAfterMs, 'bpftrace printed nothing');
      });
    }
    if (child.stderr) {
      readline.createInterface({ input: child.stderr }).on('line', (line) => {
        run.stderrTail.push(line);
        if (run.stderrTail.length > 5) run.stderrTail.shift();
        if (run.firstError === null && isBpftraceError(line)) run.firstError = line.trim();
        this.deps.logger.warn({ stderr: line, pid: child.pid }, 'bpftrace stderr');
      });
    }
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError: Error | null): void => {
      if (finished) return;
      finished = true;
      if (run.watchdog) clearTimeout(run.watchdog);
      // Give readline the chance to deliver the last lines (the exit-time map dump).
      setImmediate(() => {
        run.decoder.commit();
        this.onRunEnded(run, code, signal, spawnError);
        resolveExited();
      });
    };
    child.on('error', (error) => finish(null, null, error));
    child.on('close', (code, signal) => finish(code, signal, null));
  }

  private armWatchdog(run: Run, afterMs: number, what: string): void {
    if (run.watchdog) clearTimeout(run.watchdog);
    run.watchdog = setTimeout(() => {
      this.deps.logger.warn({ pid: run.child.pid, afterMs }, `${what} within ${afterMs} ms: stopping it`);
      this.kill(run, 'timeout');
    }, afterMs);
  }

  /** SIGTERM now, SIGKILL if still alive at the deadline. */
  private kill(run: Run, why: 'stop' | 'timeout'): void {
    run.killReason ??= why;
    if (run.watchdog) clearTimeout(run.watchdog);
    run.watchdog = null;
    run.child.kill('SIGTERM');
    const deadline = setTimeout(() => {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        this.deps.logger.warn({ pid: run.child.pid }, 'bpftrace ignored SIGTERM: sending SIGKILL');
        run.killReason = 'timeout';
        run.child.kill('SIGKILL');
      }
    }, this.timing.stopTimeoutMs);
    void run.exited.then(() => clearTimeout(deadline));
  }

  private onRunEnded(run: Run, code: number | null, signal: NodeJS.Signals | null, spawnError: Error | null): void {
    if (this.current === run) this.current = null;
    this.parseErrorsOfEndedRuns += run.decoder.parseErrors;
    this.lostEventsOfEndedRuns += run.decoder.lostEvents;
    let outcome: BpftraceExitOutcome;
    if (run.killReason === 'timeout') outcome = 'timeout';
    else if (run.killReason === 'stop' && (code === 0 || signal === 'SIGTERM')) outcome = 'clean';
    else if (spawnError) outcome = 'error';
    else if (code === 0) outcome = 'clean';
    else if (signal) outcome = 'signal';
    else outcome = 'error';
    this.exits[outcome] += 1;
    const tail = run.stderrTail.length ? `: ${run.stderrTail.join(' | ')}` : '';
    const how = spawnError ? `failed to run (${spawnError.message})` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
    this.deps.logger.warn({ outcome, code, signal, pid: run.child.pid }, `bpftrace ${how}`);
    if (this.stopping) return;
    if (run.attachedAtMs === null && run.killReason === null && !spawnError && code !== 0 && run.firstError !== null) {
      this.setState(
        'failed',
        `bpftrace cannot load the probe program: ${run.firstError} (not restarted: fix the plan or the host, then restart pinwatch)`,
      );
      return;
    }
    if (run.attachedAtMs !== null && this.deps.nowMs() - run.attachedAtMs >= this.timing.stableAfterMs) {
      this.backoffMs = this.timing.initialBackoffMs;
    }
    this.scheduleRestart(`bpftrace ${how}${run.killReason === 'timeout' ? ' (hung: no output in time)' : ''}${tail}`);
  }

  private scheduleRestart(reason: string): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.timing.maxBackoffMs);
    this.setState('failed', `${reason}; restarting in ${Math.max(1, Math.round(delay / 1000))} s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.launch();
    }, delay);
  }
}
