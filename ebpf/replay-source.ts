/**
 * `--ebpf.source=replay:FILE`: feeds a recorded `bpftrace -f json` file (like
 * fixtures/captures/linux-6.1/qemu-run-bpftrace-output.json) as if a child had printed
 * it, all at once at start(). For tests and the demo: no kernel, no privilege.
 */
import fs from 'node:fs';
import { kernelMonotonicMs } from '../collectors/clock.js';
import type { EbpfSnapshot } from '../model/ebpf-counters.js';
import type { Logger } from '../model/logger.js';
import { BpftraceStreamDecoder } from './bpftrace-stream.js';
import { zeroExits, type EbpfCounterSource, type EbpfRunnerStats } from './ebpf-source.js';

export class ReplayEbpfSource implements EbpfCounterSource {
  private decoder: BpftraceStreamDecoder | null = null;
  private attachedAtMs: number | null = null;
  private failure: string | null = null;

  constructor(
    private readonly file: string,
    private readonly deps: { logger: Logger; nowMs(): number; monotonicMs?(): number },
  ) {}

  start(): void {
    if (this.decoder) return;
    const decoder = new BpftraceStreamDecoder((issue) =>
      this.deps.logger.warn({ file: this.file, line: issue.line }, `replay: ${issue.message}`),
    );
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      this.failure = `replay file ${this.file} cannot be read: ${(error as Error).message}`;
      this.deps.logger.error({ file: this.file }, this.failure);
      return;
    }
    for (const line of text.split('\n')) decoder.pushLine(line);
    decoder.commit();
    this.decoder = decoder;
    // A recording stands for probes that ran over the whole life of the processes in it
    // (the capture covers QEMU from start to exit): attached "before everything", so the
    // ledger gives full coverage and measures drift from a zero baseline.
    this.attachedAtMs = 0;
  }

  async stop(): Promise<void> {}

  /**
   * A recording's counters are final: they stand for a print made now, after any /proc
   * read of this cycle, so the analysis may compare them with /proc (from the second
   * cycle on, once a print before the read exists too).
   */
  snapshot(): EbpfSnapshot {
    const contents = this.decoder?.latest();
    const nowMonotonicMs = contents ? (this.deps.monotonicMs ?? kernelMonotonicMs)() : null;
    return {
      state: this.failure ? 'failed' : this.decoder ? 'running' : 'starting',
      reason: this.failure,
      attachedAtMs: this.attachedAtMs,
      probesAttached: this.decoder?.attachedProbes ?? 0,
      perTgid: contents?.perTgid ?? new Map(),
      unattributedUnpinnedPages: contents?.unattributedUnpinnedPages ?? 0,
      unattributedUnchargedPages: contents?.unattributedUnchargedPages ?? 0,
      printStartedMonotonicMs: nowMonotonicMs,
      receivedMonotonicMs: nowMonotonicMs,
    };
  }

  stats(): EbpfRunnerStats {
    return {
      state: this.snapshot().state,
      reason: this.failure,
      starts: this.decoder ? 1 : 0,
      exits: zeroExits(),
      parseErrors: this.decoder?.parseErrors ?? 0,
      probesAttached: this.decoder?.attachedProbes ?? 0,
      lostEvents: this.decoder?.lostEvents ?? 0,
    };
  }
}

/** A source for `--ebpf.source=off`: eBPF disabled by configuration. */
export class DisabledEbpfSource implements EbpfCounterSource {
  constructor(private readonly reason: string) {}
  start(): void {}
  async stop(): Promise<void> {}
  snapshot(): EbpfSnapshot {
    return {
      state: 'off',
      reason: this.reason,
      attachedAtMs: null,
      probesAttached: 0,
      perTgid: new Map(),
      unattributedUnpinnedPages: 0,
      unattributedUnchargedPages: 0,
      printStartedMonotonicMs: null,
      receivedMonotonicMs: null,
    };
  }
  stats(): EbpfRunnerStats {
    return { state: 'off', reason: this.reason, starts: 0, exits: zeroExits(), parseErrors: 0, probesAttached: 0, lostEvents: 0 };
  }
}
