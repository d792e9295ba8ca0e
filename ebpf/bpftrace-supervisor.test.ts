import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EbpfState } from '../model/ebpf-counters.js';
import { silentLogger, type Logger } from '../model/logger.js';
import { BpftraceSupervisor, type SupervisorTiming } from './bpftrace-supervisor.js';
import type { RunPreparation } from './run-preparation.js';

const FAKE = path.join(import.meta.dirname, 'test-fixtures', 'fake-bpftrace.mjs');

// Short deadlines so a test takes well under a second; no assertion depends on them.
const FAST: Partial<SupervisorTiming> = {
  initialBackoffMs: 10,
  maxBackoffMs: 40,
  stopTimeoutMs: 5_000, // a loaded machine delays the fake's SIGTERM handling past 300 ms
  // Starting node (the fake) on a loaded 2-core machine took over 3 s here: only the hang
  // test, which is about this deadline, uses a short one.
  attachTimeoutMs: 15_000,
  staleAfterMs: 5_000,
  replanAfterMs: 50,
};

const supervisors: BpftraceSupervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

function prepared(mode: string | string[]): () => Promise<RunPreparation> {
  const modes = Array.isArray(mode) ? [...mode] : [mode];
  return async () => {
    const next = modes.length > 1 ? (modes.shift() as string) : (modes[0] as string);
    return { ok: true, command: process.execPath, args: [FAKE, next], script: '', plan: null as never, checks: [] };
  };
}

function supervisor(
  prepare: () => Promise<RunPreparation>,
  logger: Logger = silentLogger,
  timing: Partial<SupervisorTiming> = FAST,
): BpftraceSupervisor {
  const s = new BpftraceSupervisor({
    prepare,
    spawn: (command, args) => spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }),
    logger,
    nowMs: () => Date.now(),
    timing,
  });
  supervisors.push(s);
  return s;
}

function waitFor(s: BpftraceSupervisor, predicate: (state: EbpfState, reason: string | null) => boolean): Promise<void> {
  return new Promise((resolve) => {
    s.onStateChange((state, reason) => {
      if (predicate(state, reason)) resolve();
    });
  });
}

function waitForTick(s: BpftraceSupervisor): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (s.snapshot().perTgid.size > 0) {
        clearInterval(poll);
        resolve();
      }
    }, 5);
  });
}

describe('BpftraceSupervisor', () => {
  it('runs the child, exposes its counters, and on stop keeps the exit-time dump (clean exit)', async () => {
    const s = supervisor(prepared('ok'));
    const running = waitFor(s, (state) => state === 'running');
    s.start();
    await running;
    await waitForTick(s);
    expect(s.snapshot().perTgid.get(4242)?.pinnedPages).toBe(100);
    expect(s.stats()).toMatchObject({ state: 'running', starts: 1, probesAttached: 6 });
    await s.stop();
    expect(s.snapshot().perTgid.get(4242)?.pinnedPages).toBe(250);
    expect(s.stats().exits).toEqual({ clean: 1, error: 0, signal: 0, timeout: 0 });
    expect(s.stats().state).toBe('off');
  });

  it('restarts a crashing child with backoff, counting each exit as error and logging its stderr', async () => {
    const stderr: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (obj) => void ('stderr' in obj && stderr.push(String(obj.stderr))) };
    const s = supervisor(prepared(['crash', 'crash', 'ok']), logger);
    const failedReasons: string[] = [];
    s.onStateChange((state, reason) => void (state === 'failed' && failedReasons.push(reason ?? '')));
    const thirdRunning = new Promise<void>((resolve) => {
      let runs = 0;
      s.onStateChange((state) => void (state === 'running' && ++runs === 3 && resolve()));
    });
    s.start();
    await thirdRunning;
    expect(s.stats().starts).toBe(3);
    expect(s.stats().exits.error).toBe(2);
    expect(failedReasons[0]).toMatch(/bpftrace exited with code 1: ERROR: kretprobe:vfio_pin_pages_remote: Could not attach; restarting in/);
    expect(stderr).toContain('ERROR: kretprobe:vfio_pin_pages_remote: Could not attach');
  });

  it('does not restart a program bpftrace cannot load: failed with bpftrace\'s own error line, one start', async () => {
    const s = supervisor(prepared(['loaderror', 'ok']));
    const failed = waitFor(s, (state) => state === 'failed');
    s.start();
    await failed;
    // Ten backoff periods later there is still one start and no restart scheduled.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(s.stats()).toMatchObject({ state: 'failed', starts: 1 });
    expect(s.stats().exits.error).toBe(1);
    expect(s.stats().reason).toBe(
      "bpftrace cannot load the probe program: stdin:43:7-19: ERROR: Unknown struct/union: 'struct task_struct' (not restarted: fix the plan or the host, then restart pinwatch)",
    );
  });

  it('reports a program that does not compile as failed (not off) and never spawns bpftrace', async () => {
    const s = supervisor(async () => ({
      ok: false,
      failure: 'compile',
      reason: "bpftrace cannot compile the probe program: stdin:43:7-19: ERROR: Unknown struct/union: 'struct task_struct'",
      retryable: false,
      plan: null,
      checks: [],
      compile: { ok: false, command: 'bpftrace --emit-elf /dev/null -e <program>', error: "stdin:43:7-19: ERROR: Unknown struct/union: 'struct task_struct'" },
    }));
    const failed = waitFor(s, (state) => state === 'failed');
    s.start();
    await failed;
    expect(s.stats()).toMatchObject({ state: 'failed', starts: 0 });
    expect(s.stats().reason).toMatch(/^bpftrace cannot compile the probe program: stdin:43:7-19: ERROR: Unknown struct/);
  });

  it('kills a child that never attaches (hang, ignoring SIGTERM) with SIGKILL and counts a timeout', async () => {
    const s = supervisor(prepared(['hang', 'ok']), silentLogger, { ...FAST, attachTimeoutMs: 1_000, stopTimeoutMs: 300 });
    const failed = waitFor(s, (state) => state === 'failed');
    s.start();
    await failed;
    expect(s.stats().exits.timeout).toBe(1);
    expect(s.stats().state).toBe('failed');
    expect(s.stats().reason).toMatch(/hung/);
  });

  it('counts garbage lines as parse errors and keeps running on the valid ones', async () => {
    const s = supervisor(prepared('garbage'));
    const running = waitFor(s, (state) => state === 'running');
    s.start();
    await running;
    await waitForTick(s);
    expect(s.snapshot().perTgid.get(4242)?.pinnedPages).toBe(100);
    // "Attaching 6 probes...", the truncated map and the bell line, all printed before the tick
    expect(s.stats().parseErrors).toBe(3);
  });

  it('stays off with the reason when the preconditions fail for good', async () => {
    const s = supervisor(async () => ({
      ok: false,
      reason: 'bpftrace not found on PATH',
      retryable: false,
      plan: null,
      checks: [],
    }));
    const off = waitFor(s, (state) => state === 'off');
    s.start();
    await off;
    expect(s.stats()).toMatchObject({ state: 'off', reason: 'bpftrace not found on PATH', starts: 0 });
  });

  it('re-plans later when the module is not loaded yet', async () => {
    let calls = 0;
    const s = supervisor(async () => {
      calls += 1;
      if (calls === 1) return { ok: false, reason: 'neither vfio_iommu_type1 nor iommufd is loaded', retryable: true, plan: null, checks: [] };
      return prepared('ok')();
    });
    const running = waitFor(s, (state) => state === 'running');
    s.start();
    await running;
    expect(calls).toBe(2);
  });
});
