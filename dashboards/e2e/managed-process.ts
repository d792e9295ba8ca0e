/**
 * A child process the end-to-end test starts and must stop: output kept for
 * the failure message, stopped with SIGTERM then SIGKILL after a deadline,
 * by its own pid only.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export class ManagedProcess {
  private output = '';
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      // The tail is what explains a failure; keep the last 64 KiB.
      this.output = (this.output + chunk.toString('utf8')).slice(-65536);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
      child.on('error', (error) => {
        this.output += `\n${name}: ${error.message}`;
        this.exitCode = null;
        resolve(null);
      });
    });
  }

  static start(name: string, command: string, args: string[], cwd: string): ManagedProcess {
    return new ManagedProcess(name, spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get hasExited(): boolean {
    return this.exitCode !== undefined;
  }

  /** The process's output so far, for a failure message. */
  describe(): string {
    const state = this.hasExited ? `exited with ${String(this.exitCode)}` : `running as pid ${String(this.child.pid)}`;
    return `${this.name} (${state}); last output:\n${this.output.slice(-4000)}`;
  }

  async stop(deadlineMs = 10_000): Promise<void> {
    if (this.hasExited || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    const killed = await Promise.race([this.exited.then(() => true), sleep(deadlineMs).then(() => false)]);
    if (!killed) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Thrown by a poll check when waiting longer cannot help (the process under test exited). */
export class PollAborted extends Error {}

/**
 * Polls `check` until it returns a value that is not undefined, at most
 * `attempts` times `intervalMs` apart; throws with `what` and the last
 * reason when it never does. Bounded in count, never in wall-clock assertions.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<{ value: T } | { reason: string }>,
  attempts: number,
  intervalMs: number,
): Promise<T> {
  let reason = 'never checked';
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const result = await check();
      if ('value' in result) return result.value;
      reason = result.reason;
    } catch (error) {
      if (error instanceof PollAborted) throw new Error(`${what}: ${error.message}`);
      reason = (error as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not after ${attempts} checks ${intervalMs} ms apart; last: ${reason}`);
}
