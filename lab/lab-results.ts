/**
 * Parsers for what the kernel lab's guest writes to its results folder
 * (lab/guest/run-cases.sh): vfio-cases JSON lines, bpftrace `-f json` map dumps,
 * /proc/PID/status, Prometheus text. Pure functions from text to records; the reader
 * at the bottom is the only part that touches the file system.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** One line of vfio-cases output: always `case`, `pid`, `event`, plus the event's fields. */
export interface CaseEvent {
  case: string;
  pid: number;
  event: string;
  [field: string]: unknown;
}

export class LabResultError extends Error {}

/** JSON lines of vfio-cases; a bad line names the source and quotes the line. */
export function parseCaseEvents(text: string, source: string): CaseEvent[] {
  const events: CaseEvent[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new LabResultError(`${source}:${index + 1}: not JSON: "${line}"`);
    }
    const record = parsed as Partial<CaseEvent>;
    if (typeof record.case !== 'string' || typeof record.pid !== 'number' || typeof record.event !== 'string') {
      throw new LabResultError(`${source}:${index + 1}: missing case/pid/event: "${line}"`);
    }
    events.push(record as CaseEvent);
  });
  return events;
}

/**
 * bpftrace 0.17 `-f json` output of vfio.bt: one {"type":"map","data":{"@name":{key:value}}}
 * line per map at exit. Keys are "pid" or "pid,errno". Returns map name -> key -> value.
 * When the same map is printed several times (periodic prints), the last print wins.
 */
export type BpftraceMaps = Map<string, Map<string, number>>;

export function parseBpftraceMaps(text: string, source: string): BpftraceMaps {
  const maps: BpftraceMaps = new Map();
  text.split('\n').forEach((line, index) => {
    if (!line.startsWith('{')) return;
    let parsed: { type?: unknown; data?: unknown };
    try {
      parsed = JSON.parse(line) as { type?: unknown; data?: unknown };
    } catch {
      throw new LabResultError(`${source}:${index + 1}: not JSON: "${line}"`);
    }
    if (parsed.type !== 'map' || typeof parsed.data !== 'object' || parsed.data === null) return;
    for (const [name, entries] of Object.entries(parsed.data as Record<string, unknown>)) {
      const values = new Map<string, number>();
      if (typeof entries === 'object' && entries !== null) {
        for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
          if (typeof value === 'number') values.set(key, value);
        }
      }
      maps.set(name, values);
    }
  });
  return maps;
}

/** Value of `@map[pid]`, 0 when the pid never hit the probe. */
export function bpftraceValue(maps: BpftraceMaps, name: string, key: string): number {
  return maps.get(name)?.get(key) ?? 0;
}

/** VmLck of a /proc/PID/status text, in kB; null when the process was gone. */
export function parseVmLckKb(statusText: string): number | null {
  const match = /^VmLck:\s+(\d+) kB$/m.exec(statusText);
  return match ? Number(match[1]) : null;
}

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition (the subset pinwatch writes: no timestamps needed). */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new LabResultError(`metrics: unparseable line "${line}"`);
    const labels: Record<string, string> = {};
    const labelText = match[2] ?? '';
    for (const label of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const raw = match[3] as string;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') throw new LabResultError(`metrics: unparseable line "${line}"`);
    samples.push({ name: match[1] as string, labels, value });
  }
  return samples;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when absent. */
export function promValue(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new LabResultError(`metrics: ${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new LabResultError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Reads the guest's results folder; each getter names the file it could not read. */
export class LabResultsReader {
  constructor(readonly dir: string) {}

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  has(...parts: string[]): boolean {
    return existsSync(this.path(...parts));
  }

  text(...parts: string[]): string {
    const file = this.path(...parts);
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new LabResultError(`${file}: ${(error as Error).message}`);
    }
  }

  json<T>(...parts: string[]): T {
    const file = this.path(...parts);
    try {
      return JSON.parse(this.text(...parts)) as T;
    } catch (error) {
      throw new LabResultError(`${file}: ${(error as Error).message}`);
    }
  }

  caseEvents(name: string): CaseEvent[] {
    return parseCaseEvents(this.text('cases', `${name}.jsonl`), this.path('cases', `${name}.jsonl`));
  }

  jsonLines(...parts: string[]): Record<string, unknown>[] {
    return this.text(...parts)
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  bpftrace(...parts: string[]): BpftraceMaps {
    return parseBpftraceMaps(this.text(...parts), this.path(...parts));
  }

  metrics(snapshot: string): PromSample[] {
    return parsePrometheusText(this.text('cases', `${snapshot}.metrics`));
  }

  vmLckKb(snapshot: string): number | null {
    return parseVmLckKb(this.text('cases', `${snapshot}.status`));
  }
}
