/**
 * Test helpers that run the built CLI (`node dist/cli/main.js`) as an
 * operator or a service manager would: exit code, stdout, stderr, signals.
 * Not shipped (test/ is outside tsconfig.build.json).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { packageRoot } from '../cli/package-root.js';

export const CLI_MAIN = path.join(packageRoot(), 'dist', 'cli', 'main.js');

/** tsc -b's record of the last build (tsconfig.build.json): written by every build that changed anything. */
const BUILD_INFO = path.join(packageRoot(), 'dist', '.tsbuildinfo-build');

/**
 * The suites spawn the compiled CLI: without `npm run build`, or with a dist/
 * older than a source file, they fail with this rather than with ENOENT or a
 * stale behaviour. The build's time is that of tsc -b's build info, not of
 * main.js: an incremental build leaves unchanged outputs untouched.
 */
export function requireBuiltCli(): void {
  if (!fs.existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run \`npm run build\` before these tests`);
  const builtMs = Math.max(fs.statSync(CLI_MAIN).mtimeMs, fs.existsSync(BUILD_INFO) ? fs.statSync(BUILD_INFO).mtimeMs : 0);
  const newer = newestSource(packageRoot());
  if (newer && newer.mtimeMs > builtMs) {
    throw new Error(`${CLI_MAIN} is older than ${newer.path}: run \`npm run build\` before these tests`);
  }
}

/** Newest non-test .ts below the package's source folders (root files such as vitest.config.ts are not compiled). */
function newestSource(dir: string, depth = 0): { path: string; mtimeMs: number } | null {
  let newest: { path: string; mtimeMs: number } | null = null;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (['node_modules', 'dist', 'test', 'lab'].includes(entry.name) || entry.name.startsWith('.')) continue;
      const inner = newestSource(full, depth + 1);
      if (inner && (!newest || inner.mtimeMs > newest.mtimeMs)) newest = inner;
    } else if (depth > 0 && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.e2e.ts')) {
      const mtimeMs = fs.statSync(full).mtimeMs;
      if (!newest || mtimeMs > newest.mtimeMs) newest = { path: full, mtimeMs };
    }
  }
  return newest;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment a spawned CLI gets: ours without PINWATCH_* (which would change its config). */
export function cliEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PINWATCH_')));
}

/** Run the CLI to completion (killed after `timeoutMs`). */
export function runCli(args: readonly string[], timeoutMs = 15_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A long-running CLI (serve, demo) whose stderr lines can be awaited. */
export class RunningCli {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<() => void> = [];

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [CLI_MAIN, ...args], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    const onData = (chunk: Buffer) => {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const wake of this.waiters.splice(0)) wake();
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        for (const wake of this.waiters.splice(0)) wake();
        resolve({ code, signal });
      });
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first output line (from `from` on) matching `pattern`; rejects on timeout or exit. */
  async waitForLine(pattern: RegExp, timeoutMs = 15_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find((line) => pattern.test(line));
      if (found !== undefined) return found;
      if (!this.alive) throw new Error(`pinwatch exited (${String(this.child.exitCode ?? this.child.signalCode)}) before printing ${pattern}:\n${this.lines.join('\n')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${this.lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Send a signal and wait for the exit (SIGKILL after `timeoutMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A TCP port nothing listens on right now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
