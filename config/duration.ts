/**
 * Prometheus-style durations ("15s", "5m", "1h30m", "30d", "250ms") to
 * milliseconds, so pinwatch's flags read like the rest of the monitoring stack.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const DURATION = /^((\d+)(ms|s|m|h|d|w|y))+$/;
const PART = /(\d+)(ms|s|m|h|d|w|y)/g;

export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) {
    throw new Error(`"${text}" is not a duration (use e.g. 250ms, 15s, 5m, 1h30m, 30d)`);
  }
  let total = 0;
  for (const match of trimmed.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
  }
  return total;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB|K|M|G|T)?$/;
const SIZE_FACTOR: Record<string, number> = { B: 1, K: 1024, KiB: 1024, M: 1024 ** 2, MiB: 1024 ** 2, G: 1024 ** 3, GiB: 1024 ** 3, T: 1024 ** 4, TiB: 1024 ** 4 };

/** "1GiB", "512MiB", "1073741824" -> bytes (binary units, as the kernel counts). */
export function parseSizeBytes(text: string): number {
  const match = SIZE.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a size (use e.g. 1073741824, 512MiB, 1GiB)`);
  return Math.round(Number(match[1]) * (SIZE_FACTOR[match[2] ?? 'B'] ?? 1));
}
