/**
 * Page counters of one VM, summed over bpftrace runs. Same fields as EbpfTgidCounters
 * without identity; errno maps are copied, never shared.
 */
import type { EbpfTgidCounters, ErrnoCounts } from './ebpf-counters.js';

export type EbpfCounterTotals = Omit<EbpfTgidCounters, 'tgid' | 'comm'>;

const NUMERIC_FIELDS = [
  'pinCalls',
  'pinnedPages',
  'chargedPages',
  'unchargedPages',
  'unpinCalls',
  'unpinnedPages',
  'unmappedPages',
  'iommufdPinnedPages',
  'iommufdUnpinnedPages',
] as const;
const ERRNO_FIELDS = ['pinErrors', 'chargeFailedPages'] as const;

export function zeroTotals(): EbpfCounterTotals {
  return {
    pinCalls: 0,
    pinnedPages: 0,
    pinErrors: new Map(),
    chargedPages: 0,
    unchargedPages: 0,
    chargeFailedPages: new Map(),
    unpinCalls: 0,
    unpinnedPages: 0,
    unmappedPages: 0,
    iommufdPinnedPages: 0,
    iommufdUnpinnedPages: 0,
  };
}

function combineErrno(a: ErrnoCounts, b: ErrnoCounts, sign: 1 | -1): ErrnoCounts {
  const out = new Map(a);
  for (const [errno, n] of b) {
    const value = (out.get(errno) ?? 0) + sign * n;
    if (value === 0) out.delete(errno);
    else out.set(errno, value);
  }
  return out;
}

function combine(a: EbpfCounterTotals, b: EbpfCounterTotals, sign: 1 | -1): EbpfCounterTotals {
  const out = zeroTotals();
  for (const field of NUMERIC_FIELDS) out[field] = a[field] + sign * b[field];
  for (const field of ERRNO_FIELDS) out[field] = combineErrno(a[field], b[field], sign);
  return out;
}

export function addTotals(a: EbpfCounterTotals, b: EbpfCounterTotals): EbpfCounterTotals {
  return combine(a, b, 1);
}

export function subtractTotals(a: EbpfCounterTotals, b: EbpfCounterTotals): EbpfCounterTotals {
  return combine(a, b, -1);
}

export function totalsOf(counters: EbpfTgidCounters | undefined): EbpfCounterTotals {
  if (!counters) return zeroTotals();
  return addTotals(zeroTotals(), counters);
}

/** JSON for the store: errno maps become [errno, count] pairs. */
export function serializeTotals(totals: EbpfCounterTotals): string {
  const plain: Record<string, unknown> = {};
  for (const field of NUMERIC_FIELDS) plain[field] = totals[field];
  for (const field of ERRNO_FIELDS) plain[field] = [...totals[field]];
  return JSON.stringify(plain);
}

/** Inverse of serializeTotals; missing or malformed fields read as zero (a field added later, such as unmappedPages). */
export function deserializeTotals(json: string): EbpfCounterTotals {
  const totals = zeroTotals();
  const plain = JSON.parse(json) as Record<string, unknown>;
  for (const field of NUMERIC_FIELDS) {
    const value = plain[field];
    if (typeof value === 'number' && Number.isFinite(value)) totals[field] = value;
  }
  for (const field of ERRNO_FIELDS) {
    const value = plain[field];
    if (Array.isArray(value)) {
      for (const pair of value) {
        if (Array.isArray(pair) && typeof pair[0] === 'number' && typeof pair[1] === 'number') totals[field].set(pair[0], pair[1]);
      }
    }
  }
  return totals;
}
