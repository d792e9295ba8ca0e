/**
 * Decodes one bpftrace child's stdout line by line into committed counter snapshots.
 * A snapshot is committed at each tick marker (after a full print of the maps) and at
 * the end of the stream (bpftrace's exit-time dump, or the end of a replay file), so a
 * reader never sees a half-printed interval.
 */
import { kernelMonotonicMs } from '../collectors/clock.js';
import { BpftraceCounterTable, parseBpftraceLine, type BpftraceParseIssue, type CounterTableContents } from './bpftrace-output.js';

/** A committed print: the counters, and when they were read (see EbpfSnapshot). */
export interface CommittedCounters extends CounterTableContents {
  printStartedMonotonicMs: number | null;
  receivedMonotonicMs: number | null;
}

export function emptyContents(): CommittedCounters {
  return {
    perTgid: new Map(),
    unattributedUnpinnedPages: 0,
    unattributedUnchargedPages: 0,
    printStartedMonotonicMs: null,
    receivedMonotonicMs: null,
  };
}

export class BpftraceStreamDecoder {
  private readonly table = new BpftraceCounterTable();
  private committed: CommittedCounters = emptyContents();
  attachedProbes: number | null = null;
  parseErrors = 0;
  lostEvents = 0;
  commits = 0;

  constructor(
    private readonly onIssue: (issue: BpftraceParseIssue) => void,
    private readonly onAttached: (probes: number) => void = () => {},
    /** CLOCK_MONOTONIC in ms, the clock of bpftrace's nsecs; injected by tests. */
    private readonly monotonicMs: () => number = kernelMonotonicMs,
  ) {}

  pushLine(line: string): void {
    const parsed = parseBpftraceLine(line);
    if (!parsed.ok) {
      this.parseErrors += 1;
      this.onIssue(parsed.issue);
      return;
    }
    const { record } = parsed;
    switch (record.kind) {
      case 'attached':
        this.attachedProbes = record.probes;
        this.onAttached(record.probes);
        break;
      case 'map': {
        const problem = this.table.applyMap(record.name, record.value);
        if (problem) {
          this.parseErrors += 1;
          this.onIssue({ line: line.length > 200 ? `${line.slice(0, 200)}...` : line, message: problem });
        }
        break;
      }
      case 'tick':
        this.commit(record.printStartedMonotonicMs);
        break;
      case 'lost-events':
        this.lostEvents += record.count;
        break;
      case 'hist':
      case 'printf':
      case 'blank':
        break;
    }
  }

  /**
   * @param printStartedMonotonicMs when bpftrace began the print (the tick's nsecs); null at
   *   the end of the stream or for a tick without it: then only the receive time is known,
   *   and it bounds the read from both sides.
   */
  commit(printStartedMonotonicMs: number | null = null): void {
    const receivedMonotonicMs = this.monotonicMs();
    this.committed = {
      ...this.table.contents(),
      printStartedMonotonicMs: printStartedMonotonicMs ?? receivedMonotonicMs,
      receivedMonotonicMs,
    };
    this.commits += 1;
  }

  latest(): CommittedCounters {
    return this.committed;
  }
}
