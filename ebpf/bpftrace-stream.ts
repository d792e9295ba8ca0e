/**
 * Decodes one bpftrace child's stdout line by line into committed counter snapshots.
 * A snapshot is committed at each tick marker (after a full print of the maps) and at
 * the end of the stream (bpftrace's exit-time dump, or the end of a replay file), so a
 * reader never sees a half-printed interval.
 */
import { BpftraceCounterTable, parseBpftraceLine, type BpftraceParseIssue, type CounterTableContents } from './bpftrace-output.js';

export function emptyContents(): CounterTableContents {
  return { perTgid: new Map(), unattributedUnpinnedPages: 0, unattributedUnchargedPages: 0 };
}

export class BpftraceStreamDecoder {
  private readonly table = new BpftraceCounterTable();
  private committed: CounterTableContents = emptyContents();
  attachedProbes: number | null = null;
  parseErrors = 0;
  lostEvents = 0;
  commits = 0;

  constructor(
    private readonly onIssue: (issue: BpftraceParseIssue) => void,
    private readonly onAttached: (probes: number) => void = () => {},
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
        this.commit();
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

  commit(): void {
    this.committed = this.table.contents();
    this.commits += 1;
  }

  latest(): CounterTableContents {
    return this.committed;
  }
}
