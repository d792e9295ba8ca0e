/**
 * Pure parser of `bpftrace -f json` output: one JSON object per line
 * ({"type": "map"|"hist"|"printf"|"attached_probes"|"lost_events"|..., "data": ...}),
 * and the table that turns map prints into per-tgid counters (EbpfTgidCounters).
 *
 * Map names are data (MAP_DECODERS): the names of the generated script
 * (probe-programs.ts) and those of the lab's vfio.bt (fixtures/captures/linux-6.1/),
 * so the real capture parses as it is. Keys are "tgid" or "tgid,retval" strings.
 */
import { zeroTotals } from '../model/ebpf-counter-totals.js';
import type { EbpfTgidCounters, ErrnoCounts } from '../model/ebpf-counters.js';
import { TICK_MARKER } from './bpftrace-script.js';

export type BpftraceRecord =
  | { kind: 'attached'; probes: number }
  | { kind: 'map'; name: string; value: unknown }
  | { kind: 'hist'; name: string }
  | { kind: 'printf'; text: string }
  /** The end of one print of the maps; printStartedMonotonicMs is bpftrace's nsecs when the print began (null in older output). */
  | { kind: 'tick'; printStartedMonotonicMs: number | null }
  | { kind: 'lost-events'; count: number }
  | { kind: 'blank' };

export interface BpftraceParseIssue {
  /** The offending line, truncated to 200 characters. */
  line: string;
  message: string;
}

export type ParsedLine = { ok: true; record: BpftraceRecord } | { ok: false; issue: BpftraceParseIssue };

function issue(line: string, message: string): ParsedLine {
  return { ok: false, issue: { line: line.length > 200 ? `${line.slice(0, 200)}...` : line, message } };
}

/**
 * The tick printf: "pinwatch-tick <nsecs>" (bpftrace-script.ts), or the bare marker of
 * older programs and captures. undefined when the text is not a tick.
 */
function parseTick(text: string): number | null | undefined {
  const [marker, nsecs, extra] = text.trim().split(/\s+/);
  if (marker !== TICK_MARKER || extra !== undefined) return undefined;
  if (nsecs === undefined) return null;
  if (!/^\d{1,20}$/.test(nsecs)) return undefined;
  return Number(nsecs) / 1e6;
}

/** One line of bpftrace -f json output. Never throws. */
export function parseBpftraceLine(line: string): ParsedLine {
  const trimmed = line.trim();
  if (trimmed === '') return { ok: true, record: { kind: 'blank' } };
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (error) {
    return issue(line, `not JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return issue(line, 'not a JSON object');
  const { type, data } = json as { type?: unknown; data?: unknown };
  switch (type) {
    case 'attached_probes': {
      const probes = (data as { probes?: unknown } | null)?.probes;
      if (typeof probes !== 'number') return issue(line, 'attached_probes without a numeric "probes"');
      return { ok: true, record: { kind: 'attached', probes } };
    }
    case 'map':
    case 'hist':
    case 'stats': {
      if (typeof data !== 'object' || data === null || Array.isArray(data)) return issue(line, `${type} without an object "data"`);
      const entries = Object.entries(data);
      if (entries.length !== 1) return issue(line, `${type} with ${entries.length} maps, expected 1`);
      const [name, value] = entries[0] as [string, unknown];
      if (type !== 'map') return { ok: true, record: { kind: 'hist', name } };
      return { ok: true, record: { kind: 'map', name, value } };
    }
    case 'printf': {
      if (typeof data !== 'string') return issue(line, 'printf without a string "data"');
      const tick = parseTick(data);
      if (tick !== undefined) return { ok: true, record: { kind: 'tick', printStartedMonotonicMs: tick } };
      return { ok: true, record: { kind: 'printf', text: data } };
    }
    case 'lost_events': {
      const events = (data as { events?: unknown } | null)?.events;
      return { ok: true, record: { kind: 'lost-events', count: typeof events === 'number' ? events : 0 } };
    }
    default:
      return issue(line, `unknown record type ${JSON.stringify(type)}`);
  }
}

type NumericField = 'pinCalls' | 'pinnedPages' | 'chargedPages' | 'unchargedPages' | 'unpinCalls' | 'unpinnedPages' | 'unmappedPages' | 'iommufdPinnedPages' | 'iommufdUnpinnedPages';
type ErrnoField = 'pinErrors' | 'chargeFailedPages';

export type MapDecoder =
  | { key: 'tgid'; field: NumericField }
  | { key: 'tgid,retval'; field: ErrnoField }
  | { key: 'tgid'; field: 'comm' }
  | { key: 'none'; field: 'unattributedUnpinnedPages' | 'unattributedUnchargedPages' };

/** Map name -> what it means. Keep in step with probe-programs.ts. */
export const MAP_DECODERS: ReadonlyMap<string, MapDecoder> = new Map<string, MapDecoder>([
  ['@pin_calls', { key: 'tgid', field: 'pinCalls' }],
  ['@pinned_pages', { key: 'tgid', field: 'pinnedPages' }],
  ['@pin_errors', { key: 'tgid,retval', field: 'pinErrors' }],
  ['@locked_inc', { key: 'tgid', field: 'chargedPages' }],
  ['@locked_dec', { key: 'tgid', field: 'unchargedPages' }],
  ['@charge_failed', { key: 'tgid,retval', field: 'chargeFailedPages' }],
  // vfio.bt (the lab's capture) names the vfio_lock_acct clone's failures @acct_failed,
  // summing the signed npage (-20448 for a failed un-charge): magnitudes are taken.
  ['@acct_failed', { key: 'tgid,retval', field: 'chargeFailedPages' }],
  ['@unpin_calls', { key: 'tgid', field: 'unpinCalls' }],
  ['@unpinned_pages', { key: 'tgid', field: 'unpinnedPages' }],
  ['@unmapped_pages', { key: 'tgid', field: 'unmappedPages' }],
  ['@iommufd_pinned', { key: 'tgid', field: 'iommufdPinnedPages' }],
  ['@iommufd_unpinned', { key: 'tgid', field: 'iommufdUnpinnedPages' }],
  ['@comm', { key: 'tgid', field: 'comm' }],
  ['@unattributed_unpinned', { key: 'none', field: 'unattributedUnpinnedPages' }],
  ['@unattributed_uncharged', { key: 'none', field: 'unattributedUnchargedPages' }],
]);

/**
 * Maps printed by the lab's vfio.bt or the opt-in probes that pinwatch knowingly does not
 * turn into counters (cross-checks and diagnostics): recognised, not errors.
 */
export const DIAGNOSTIC_MAPS: ReadonlySet<string> = new Set([
  '@acct_req_inc',
  '@acct_req_dec',
  '@alv_inc',
  '@alv_dec',
  '@alv_failed',
  '@locked_failed',
  '@mm_lock_cap',
  '@unpin_range_pages',
  '@pin_run_len',
  '@reserved_pfn_pages',
  '@acct_tmp',
  '@mm_tmp',
  '@alv_tmp',
  '@acct_npage',
  '@mm_npage',
  '@alv_npage',
  '@vfio_depth',
  '@iommufd_npages',
  '@iommufd_inc',
]);

export function emptyTgidCounters(tgid: number): EbpfTgidCounters {
  return { tgid, comm: null, ...zeroTotals() };
}

export interface CounterTableContents {
  perTgid: Map<number, EbpfTgidCounters>;
  unattributedUnpinnedPages: number;
  unattributedUnchargedPages: number;
}

const TGID_PATTERN = /^\d+$/;
const RETVAL_PATTERN = /^-?\d+$/;

/**
 * The latest value of every known map. bpftrace prints cumulative values, so each
 * print replaces the map's previous values (a tgid missing from a new print of the
 * same map keeps its value 0 there, as bpftrace prints every key it has).
 */
export class BpftraceCounterTable {
  private readonly maps = new Map<string, unknown>();

  /** Apply one map record; returns a problem description for bad content, else null. */
  applyMap(name: string, value: unknown): string | null {
    const decoder = MAP_DECODERS.get(name);
    if (!decoder) return DIAGNOSTIC_MAPS.has(name) ? null : `unknown map ${name}`;
    if (decoder.key === 'none') {
      if (typeof value !== 'number') return `map ${name}: expected a number, got ${JSON.stringify(value)}`;
    } else if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return `map ${name}: expected an object of keys, got ${JSON.stringify(value)}`;
    } else {
      for (const [key, item] of Object.entries(value)) {
        const problem = checkEntry(name, decoder, key, item);
        if (problem) return problem;
      }
    }
    this.maps.set(name, value);
    return null;
  }

  contents(): CounterTableContents {
    const perTgid = new Map<number, EbpfTgidCounters>();
    const counters = (tgid: number): EbpfTgidCounters => {
      let entry = perTgid.get(tgid);
      if (!entry) {
        entry = emptyTgidCounters(tgid);
        perTgid.set(tgid, entry);
      }
      return entry;
    };
    let unattributedUnpinnedPages = 0;
    let unattributedUnchargedPages = 0;
    for (const [name, value] of this.maps) {
      const decoder = MAP_DECODERS.get(name) as MapDecoder;
      if (decoder.key === 'none') {
        if (decoder.field === 'unattributedUnpinnedPages') unattributedUnpinnedPages += value as number;
        else unattributedUnchargedPages += value as number;
        continue;
      }
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const [tgidText, retvalText] = key.split(',');
        const entry = counters(Number(tgidText));
        if (decoder.field === 'comm') entry.comm = item as string;
        else if (decoder.key === 'tgid') entry[decoder.field] += item as number;
        else addErrno(entry[decoder.field], -Number(retvalText), Math.abs(item as number));
      }
    }
    // A tgid known only by its comm had no VFIO activity: drop it.
    for (const [tgid, entry] of perTgid) {
      const numbers = [entry.pinCalls, entry.pinnedPages, entry.chargedPages, entry.unchargedPages, entry.unpinCalls,
        entry.unpinnedPages, entry.iommufdPinnedPages, entry.iommufdUnpinnedPages];
      if (numbers.every((n) => n === 0) && entry.chargeFailedPages.size === 0 && entry.pinErrors.size === 0) perTgid.delete(tgid);
    }
    return { perTgid, unattributedUnpinnedPages, unattributedUnchargedPages };
  }

  clear(): void {
    this.maps.clear();
  }
}

function addErrno(into: ErrnoCounts, errno: number, amount: number): void {
  into.set(errno, (into.get(errno) ?? 0) + amount);
}

function checkEntry(name: string, decoder: MapDecoder, key: string, item: unknown): string | null {
  const parts = key.split(',');
  if (decoder.key === 'tgid' && (parts.length !== 1 || !TGID_PATTERN.test(parts[0] ?? ''))) {
    return `map ${name}: key ${JSON.stringify(key)} is not a tgid`;
  }
  if (decoder.key === 'tgid,retval' && (parts.length !== 2 || !TGID_PATTERN.test(parts[0] ?? '') || !RETVAL_PATTERN.test(parts[1] ?? ''))) {
    return `map ${name}: key ${JSON.stringify(key)} is not "tgid,retval"`;
  }
  if (decoder.field === 'comm') return typeof item === 'string' ? null : `map ${name}: comm of ${key} is not a string`;
  if (typeof item !== 'number' || !Number.isFinite(item)) return `map ${name}: value of ${key} is not a number`;
  return null;
}
